"""Services for articles: import (text or HTML) with its sentences."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import limits, permissions, sanitize, text
from ..exceptions import Conflict, NotPermitted, TooLarge, ValidationFailed
from ..models import Article, Project, Sentence, User
from .common import http_url, model_plain, record_event


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
) -> Article:
    """Create an article from plain text or HTML, split into sentences.

    All the work proportional to the input (HTML cleaning, normalisation, sentence splitting and
    scoring) happens before the transaction opens, so a large article never holds the write
    lock while it is parsed. HTML is cleaned by `sanitize.clean_article_html` before anything
    else reads it. Raises Conflict when the project already holds the same URL or the same
    canonical text.
    """
    if creator is not None and not permissions.can_annotate(creator, project):
        raise NotPermitted("Only reviewers, editors and admins can add articles.")
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
    return _store_article(
        project=project,
        creator=creator,
        fields=fields,
        published_at=published_at,
        canonical=canonical,
        digest=digest,
        sentences=sentences,
    )


@transaction.atomic
def _store_article(
    *, project, creator, fields, published_at, canonical, digest, sentences
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
    record_event(
        project_id=project.pk,
        actor=creator,
        action="import",
        target=article,
        changes={"title": fields["title"], "chars": len(canonical)},
    )
    return article
