"""Services for new versions of an article's text: the old text is kept as an `ArticleVersion`,
every claim is re-anchored (`reanchor.py`) and each outcome is recorded as an Event; orphaned
claims can be re-attached by hand, and editors clear the "article changed" flag that an edited
quote puts on its verdicts.

This is the one place an article's text changes after import. Re-anchoring is a system action:
it moves claims whatever their verdicts' status (the verdicts are flagged instead), unlike
`claims.update_claim`, which refuses while a verdict is submitted or approved.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from .. import permissions, reanchor, text
from ..exceptions import BadSpan, Conflict, NotPermitted, NotVisible, ValidationFailed
from ..models import (
    Anchor,
    Article,
    ArticleVersion,
    Claim,
    Layer,
    Sentence,
    SentenceDismissal,
    User,
    Verdict,
)
from ..workflow import Role, Status
from .articles import Provenance, canonical_article_text, store_sentences
from .common import record_event, visible_or_raise
from .layers import check_layer_writable

# Verdicts that keep a flag when their quote changes: all but those already replaced.
FLAGGED_STATUSES = [Status.DRAFT, Status.SUBMITTED, Status.APPROVED]


@dataclasses.dataclass(frozen=True)
class VersionResult:
    """What a new version did: the article, its new version number and the claims by outcome."""

    article: Article
    version: int
    exact: list[int]
    fuzzy: list[int]
    orphaned: list[int]


def add_article_version(
    *,
    article_id: int,
    user: User | None,
    text_body: str | None = None,
    html: str | None = None,
    title: str = "",
    provenance: Provenance | None = None,
    page_metadata: dict | None = None,
    on_stored: Callable[[Article], None] | None = None,
) -> VersionResult:
    """Replace an article's text with a new version and re-anchor its claims.

    The text work (canonical text, sentences, the diff and every claim's search) happens before
    the transaction; inside it the article row is locked and must still be the version that was
    read (else Conflict: someone else added a version meanwhile; try again). Raises Conflict if
    the text did not change. `on_stored` runs inside that transaction (as in `import_article`).
    """
    articles = Article.objects.select_related("project")
    if user is None:  # a background job acting for the system
        article = articles.filter(pk=article_id).first()
        if article is None:
            raise NotVisible(f"No article with id {article_id}.")
    else:  # another project's article looks exactly like an unknown one (404)
        article = visible_or_raise(articles, article_id, user, "article")
    if user is not None and not permissions.can_annotate(user, article.project):
        raise NotPermitted("Only reviewers, editors and admins can add a version of an article.")
    canonical = canonical_article_text(text_body=text_body, html=html)
    if canonical == article.text:
        raise Conflict(
            f"The text is the same as version {article.version}; nothing to update.", field="text"
        )
    claims = list(
        Claim.objects.filter(article_id=article.pk)
        .exclude(anchor=Anchor.ORPHANED)
        .order_by("pk")
        .values("id", "start", "end", "quote", "prefix", "suffix")
    )
    results = reanchor.reanchor(
        article.text,
        canonical,
        [reanchor.Span(c["start"], c["end"], c["quote"], c["prefix"], c["suffix"]) for c in claims],
    )
    sentences = list(text.split_sentences(canonical))
    return _store_version(
        article=article,
        user=user,
        canonical=canonical,
        sentences=sentences,
        claims=claims,
        results=results,
        title=title,
        provenance=provenance,
        page_metadata=page_metadata or {},
        on_stored=on_stored,
    )


@transaction.atomic
def _store_version(
    *,
    article,
    user,
    canonical,
    sentences,
    claims,
    results,
    title,
    provenance,
    page_metadata,
    on_stored,
) -> VersionResult:
    locked = Article.objects.select_for_update().get(pk=article.pk)
    current_ids = set(
        Claim.objects.select_for_update()
        .filter(article_id=article.pk)
        .exclude(anchor=Anchor.ORPHANED)
        .values_list("id", flat=True)
    )
    if locked.version != article.version or current_ids != {c["id"] for c in claims}:
        raise Conflict(
            "The article or its claims changed while the new version was prepared; try again."
        )
    old_version = locked.version
    ArticleVersion.objects.create(
        article=locked,
        number=old_version,
        title=locked.title,
        text=locked.text,
        text_sha256=locked.text_sha256,
        source_html=locked.source_html,
        source_sha256=locked.source_sha256,
        source_url=locked.source_url,
        fetched_at=locked.fetched_at,
        replaced_by=user,
    )
    new_version = old_version + 1
    digest = text.text_sha256(canonical)
    if (
        Article.objects.filter(project_id=locked.project_id, text_sha256=digest)
        .exclude(pk=locked.pk)
        .exists()
    ):
        raise Conflict("Another article of this project has exactly this text.", field="text")
    locked.text = canonical
    locked.text_sha256 = digest
    locked.version = new_version
    fields = ["text", "text_sha256", "version", "updated_at"]
    if title:
        locked.title = title
        fields.append("title")
    for name in ("publisher", "author", "language", "published_at"):
        if page_metadata.get(name):
            setattr(locked, name, page_metadata[name])
            fields.append(name)
    if provenance is not None:
        for name, value in provenance.fields().items():
            setattr(locked, name, value)
            fields.append(name)
    locked.save(update_fields=fields)
    # "Not a claim" answers belong to the old text's sentences; the new text is split afresh
    # and its suggestions start clean (the count goes into the version's event).
    dismissed, _ = SentenceDismissal.objects.filter(sentence__article=locked).delete()
    Sentence.objects.filter(article=locked).delete()
    store_sentences(locked, sentences)
    outcomes: dict[str, list[int]] = {"exact": [], "fuzzy": [], "orphaned": []}
    # Two claims of one layer may not find the same span (a person decides); with independent
    # spans two reviewers' layers may each hold it, as when they marked it.
    used: set[tuple] = set()
    changed_quote: list[int] = []
    by_id = {c.pk: c for c in Claim.objects.filter(pk__in=[c["id"] for c in claims])}
    for row, result in zip(claims, results, strict=True):
        claim = by_id[row["id"]]
        old = {"start": row["start"], "end": row["end"], "quote": row["quote"][:1000]}
        outcome = result.outcome
        owner = claim.created_by_id if claim.layer == Layer.REVIEWER else None
        key = (claim.layer, owner, result.start, result.end)
        if result.found and key in used:
            outcome = reanchor.ORPHANED  # two claims found the same span: a person decides
        if outcome == reanchor.ORPHANED:
            claim.anchor = Anchor.ORPHANED
            claim.save(update_fields=["anchor", "updated_at"])
            changed_quote.append(claim.pk)
            changes = {"outcome": "orphaned", "version": new_version, "old": old}
        else:
            used.add(key)
            quote = canonical[result.start : result.end]
            before, after = text.context_around(canonical, result.start, result.end)
            claim.start, claim.end, claim.quote = result.start, result.end, quote
            claim.prefix, claim.suffix = before, after
            claim.anchor = Anchor.EXACT if outcome == reanchor.EXACT else Anchor.FUZZY
            claim.text_version = new_version
            claim.save(
                update_fields=[
                    "start", "end", "quote", "prefix", "suffix", "anchor", "text_version",
                    "updated_at",
                ]
            )  # fmt: skip
            if quote != row["quote"]:
                changed_quote.append(claim.pk)
            changes = {
                "outcome": outcome,
                "method": result.method,
                "score": result.score,
                "version": new_version,
                "old": old,
                "new": {"start": result.start, "end": result.end, "quote": quote[:1000]},
            }
        outcomes[outcome].append(claim.pk)
        record_event(
            project_id=locked.project_id,
            actor=None,
            action="reanchor",
            target=claim,
            claim_id=claim.pk,
            changes=changes,
        )
    if changed_quote:
        Verdict.objects.filter(claim_id__in=changed_quote, status__in=FLAGGED_STATUSES).update(
            article_changed=True, updated_at=timezone.now()
        )
    record_event(
        project_id=locked.project_id,
        actor=user,
        action="new_version",
        target=locked,
        changes={
            "version": new_version,
            "chars": len(canonical),
            "exact": len(outcomes["exact"]),
            "fuzzy": len(outcomes["fuzzy"]),
            "orphaned": len(outcomes["orphaned"]),
            "dismissals_dropped": dismissed,
        },
    )
    if on_stored is not None:
        on_stored(locked)
    return VersionResult(
        article=locked,
        version=new_version,
        exact=outcomes["exact"],
        fuzzy=outcomes["fuzzy"],
        orphaned=outcomes["orphaned"],
    )


def reattach_claim(
    *,
    claim_id: int,
    user: User,
    start: int | None = None,
    end: int | None = None,
    quote: str | None = None,
) -> Claim:
    """Attach an orphaned or fuzzily found claim to a span of the current text (given as
    offsets, or as the selected quote, which must then occur exactly once) and mark it exact.

    Its verdicts stay flagged "article changed" until an editor clears the flag.
    """
    # Visibility first: another project's claim, or another reviewer's hidden layer, is a 404.
    claim = visible_or_raise(
        Claim.objects.select_related("article__project"), claim_id, user, "claim"
    )
    if not permissions.can_annotate(user, claim.article.project):
        raise NotPermitted("Only reviewers, editors and admins can re-attach claims.")
    check_layer_writable(claim, user)
    if claim.anchor == Anchor.EXACT and claim.text_version == claim.article.version:
        raise ValidationFailed("This claim is anchored already.", field="quote")
    body = claim.article.text
    if quote is not None and start is None:
        quote = quote.strip()
        first = body.find(quote) if quote else -1
        if first == -1:
            raise BadSpan("The selected text is not in the current version.", field="quote")
        if body.find(quote, first + 1) != -1:
            raise BadSpan(
                "The selected text occurs more than once; select a longer passage.", field="quote"
            )
        start, end = first, first + len(quote)
    if start is None or end is None or not 0 <= start < end <= len(body):
        raise BadSpan(f"Give 0 <= start < end <= {len(body)}.", field="start")
    before, after = text.context_around(body, start, end)
    with transaction.atomic():
        locked = Claim.objects.select_for_update().get(pk=claim.pk)
        article = Article.objects.get(pk=locked.article_id)
        if article.text != body:
            raise Conflict("The article changed meanwhile; select the text again.")
        same_layer = Claim.objects.filter(article_id=article.pk, layer=locked.layer)
        if locked.layer == Layer.REVIEWER:
            same_layer = same_layer.filter(created_by_id=locked.created_by_id)
        if (
            same_layer.filter(start=start, end=end)
            .exclude(anchor=Anchor.ORPHANED)
            .exclude(pk=locked.pk)
            .exists()
        ):
            raise Conflict("Another claim already marks exactly this text.", field="quote")
        old = {"start": locked.start, "end": locked.end, "quote": locked.quote[:1000]}
        locked.start, locked.end, locked.quote = start, end, body[start:end]
        locked.prefix, locked.suffix = before, after
        locked.anchor = Anchor.EXACT
        locked.text_version = article.version
        locked.save(
            update_fields=[
                "start", "end", "quote", "prefix", "suffix", "anchor", "text_version",
                "updated_at",
            ]
        )  # fmt: skip
        record_event(
            project_id=article.project_id,
            actor=user,
            action="reattach",
            target=locked,
            claim_id=locked.pk,
            changes={
                "old": old,
                "new": {"start": start, "end": end, "quote": locked.quote[:1000]},
                "version": article.version,
            },
        )
    return locked


def clear_article_changed(*, verdict_id: int, editor: User, note: str = "") -> Verdict:
    """Record that an editor has looked at a verdict whose quote changed; clear the flag.

    The verdict's status does not change (an approved verdict stays approved); a correction,
    if one is needed, goes through `correct_verdict` as usual.
    """
    with transaction.atomic():
        verdict = (
            Verdict.objects.visible_to(editor)
            .select_for_update(of=("self",))
            .select_related("claim__article")
            .filter(pk=verdict_id)
            .first()
        )
        if verdict is None:
            raise NotVisible(f"No verdict with id {verdict_id} in your projects.")
        project_id = verdict.claim.article.project_id
        if not permissions.roles_in(editor, project_id) & {Role.EDITOR, Role.ADMIN}:
            raise NotPermitted("Only editors clear the “article changed” flag.")
        if not verdict.article_changed:
            raise ValidationFailed("This verdict is not flagged.", field="article_changed")
        verdict.article_changed = False
        verdict.save(update_fields=["article_changed", "updated_at"])
        record_event(
            project_id=project_id,
            actor=editor,
            action="article_change_checked",
            target=verdict,
            claim_id=verdict.claim_id,
            verdict_id=verdict.pk,
            note=note,
        )
    return verdict
