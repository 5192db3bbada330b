"""Services for articles: import (text, HTML, or a web page with its provenance) with its
sentences. New versions of an article's text are `versions.py`."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import extract, fetch, limits, permissions, sanitize, text
from ..exceptions import Conflict, NotPermitted, TooLarge, ValidationFailed
from ..models import Article, Project, Sentence, User
from .common import http_url, model_plain, record_event


@dataclasses.dataclass(frozen=True)
class Provenance:
    """Where a text taken from a web page came from: the page as received, and when."""

    html: str
    sha256: str
    url: str = ""
    fetched_at: dt.datetime | None = None

    def fields(self) -> dict:
        return {
            "source_html": self.html,
            "source_sha256": self.sha256,
            "source_url": http_url(self.url, field="fetch_url", required=False),
            "fetched_at": self.fetched_at,
        }


def canonical_article_text(*, text_body: str | None, html: str | None) -> str:
    """Return the canonical text of an article given as text or HTML (exactly one), within
    the configured size; raise ValidationFailed or TooLarge saying what is wrong."""
    if (text_body is None) == (html is None):
        raise ValidationFailed("Give the article as text or as html (exactly one).", field="text")
    raw = text_body if text_body is not None else html
    max_chars = limits.configured("MAX_ARTICLE_CHARS")
    if len(raw) > max_chars * 4:
        raise TooLarge(f"The article is larger than the limit of {max_chars} characters.")
    if html is not None:
        canonical = text.canonical_text(sanitize.clean_article_html(html), is_html=True)
    else:
        canonical = text.canonical_text(raw)
    if not canonical.strip():
        raise ValidationFailed("The article has no text.", field="text")
    if len(canonical) > max_chars:
        raise TooLarge(
            f"The article has {len(canonical)} characters; the limit is {max_chars}.", field="text"
        )
    return canonical


def import_article(
    *,
    project: Project,
    creator: User | None,
    title: str,
    text_body: str | None = None,
    html: str | None = None,
    url: str = "",
    publisher: str = "",
    author: str = "",
    published_at: dt.datetime | None = None,
    language: str = "",
    provenance: Provenance | None = None,
    on_stored: Callable[[Article], None] | None = None,
) -> Article:
    """Create an article from plain text or HTML, split into sentences.

    `provenance` records the web page the text was extracted from. `on_stored`, if given, runs
    inside the transaction that stores the article (an import job records the item's outcome
    there, so an article and its "imported" mark are committed together or not at all).

    All the work proportional to the input (HTML cleaning, normalisation, sentence splitting and
    scoring) happens before the transaction opens, so a large article never holds the write
    lock while it is parsed. HTML is cleaned by `sanitize.clean_article_html` before anything
    else reads it. Raises Conflict when the project already holds the same URL or the same
    canonical text.
    """
    if creator is not None and not permissions.can_annotate(creator, project):
        raise NotPermitted("Only reviewers, editors and admins can add articles.")
    canonical = canonical_article_text(text_body=text_body, html=html)
    title = model_plain(Article, "title", title)
    if not title:
        raise ValidationFailed("The article needs a title.", field="title")
    fields = {
        "title": title,
        "url": http_url(url, field="url", required=False),
        "publisher": model_plain(Article, "publisher", publisher),
        "author": model_plain(Article, "author", author),
        "language": model_plain(Article, "language", language),
    }
    if published_at is not None and timezone.is_naive(published_at):
        published_at = timezone.make_aware(published_at, dt.UTC)
    digest = text.text_sha256(canonical)
    sentences = list(text.split_sentences(canonical))
    if provenance is not None:
        fields.update(provenance.fields())
    return _store_article(
        project=project,
        creator=creator,
        on_stored=on_stored,
        fields=fields,
        published_at=published_at,
        canonical=canonical,
        digest=digest,
        sentences=sentences,
    )


@transaction.atomic
def _store_article(
    *, project, creator, fields, published_at, canonical, digest, sentences, on_stored=None
) -> Article:
    """Write a prepared article and its sentences (the short, locked part of the import)."""
    url = fields["url"]
    duplicate = (
        Article.objects.filter(project=project, text_sha256=digest).first()
        or (url and Article.objects.filter(project=project, url=url).first())
        or None
    )
    if duplicate is not None:
        reason = "the same URL" if url and duplicate.url == url else "the same text"
        raise Conflict(
            f"This project already has this article (#{duplicate.pk} “{duplicate.title}”, "
            f"{reason}).",
            field="url" if reason == "the same URL" else "text",
        )
    try:
        with transaction.atomic():
            article = Article.objects.create(
                project=project,
                published_at=published_at,
                text=canonical,
                text_sha256=digest,
                created_by=creator,
                **fields,
            )
    except IntegrityError:  # a concurrent import of the same article won the race
        raise Conflict("This project already has this article (imported concurrently).") from None
    store_sentences(article, sentences)
    record_event(
        project_id=project.pk,
        actor=creator,
        action="import",
        target=article,
        changes={"title": fields["title"], "chars": len(canonical)},
    )
    if on_stored is not None:
        on_stored(article)
    return article


def import_page(
    *,
    project: Project,
    creator: User | None,
    html: str,
    sha256: str,
    url: str = "",
    fetched_at: dt.datetime | None = None,
    title: str = "",
    on_stored: Callable[[Article], None] | None = None,
) -> Article:
    """Import the article in a web page's HTML (fetched, or a saved page that was uploaded).

    trafilatura extracts the main text and the metadata (`extract.py`); the page itself is kept
    with `sha256` (of its bytes as received), `url` (where it finally came from) and
    `fetched_at` as provenance. A non-empty `title` overrides the page's. If the project already
    has an article from `url`, a changed text becomes its new version (`versions.py`; Conflict if
    unchanged). Slow on large pages: call it from a job, not a request.
    """
    if creator is not None and not permissions.can_annotate(creator, project):
        raise NotPermitted("Only reviewers, editors and admins can add articles.")
    page = extract.extract_page(html, url=url or None)
    provenance = Provenance(html=html, sha256=sha256, url=url, fetched_at=fetched_at)
    existing = Article.objects.filter(project=project, url=url).first() if url else None
    if existing is not None:
        # The same page again: its text, if changed, becomes a new version of that article.
        from .versions import add_article_version  # versions builds on this module

        result = add_article_version(
            article_id=existing.pk,
            user=creator,
            text_body=page.text,
            provenance=provenance,
            page_metadata={
                "publisher": page.publisher,
                "author": page.author,
                "language": page.language,
                "published_at": page.published_at,
            },
            on_stored=on_stored,
        )
        return result.article
    return import_article(
        project=project,
        creator=creator,
        title=title or page.title or url,
        text_body=page.text,
        url=url,
        publisher=page.publisher,
        author=page.author,
        published_at=page.published_at,
        language=page.language,
        provenance=provenance,
        on_stored=on_stored,
    )


def import_url(
    *,
    project: Project,
    creator: User | None,
    url: str,
    title: str = "",
    resolver: fetch.Resolver = fetch.system_resolver,
    on_stored: Callable[[Article], None] | None = None,
) -> Article:
    """Fetch `url` under the fetch policy and import its article (see `import_page`).

    The fetch and the extraction happen before any transaction; a refused fetch raises
    FetchRefused (a ValidationFailed) and stores nothing.
    """
    if creator is not None and not permissions.can_annotate(creator, project):
        raise NotPermitted("Only reviewers, editors and admins can add articles.")
    page = fetch.fetch_html(url, resolver=resolver)
    return import_page(
        project=project,
        creator=creator,
        html=extract.decode_page(page.body, page.charset),
        sha256=page.sha256,
        url=page.final_url,
        fetched_at=page.fetched_at,
        title=title,
        on_stored=on_stored,
    )


def store_sentences(article: Article, sentences) -> None:
    """Write an article's sentence spans (from `text.split_sentences`) as Sentence rows."""
    Sentence.objects.bulk_create(
        Sentence(
            article=article,
            index=span.index,
            start=span.start,
            end=span.end,
            score=span.score,
            reasons=list(span.reasons),
        )
        for span in sentences
    )
