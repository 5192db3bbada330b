"""Services for claims and the sources attached to them.

What an approved verdict covers is fixed: while a claim has a verdict in review or published
(`workflow.FREEZES_CLAIM`), its span, quote, statement, claimant and date do not change in
place; an approved verdict's are changed by a correction (`verdicts.correct_verdict`) that an
editor approves. Sources may be attached at any time; exports show a published verdict with the
sources it cites, so a source added after approval belongs to the next correction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from .. import limits, permissions, text
from ..exceptions import (
    BadSpan,
    Conflict,
    InvalidTransition,
    NotPermitted,
    NotVisible,
    ValidationFailed,
)
from ..models import Article, Claim, Event, Layer, Source, User, Verdict
from ..workflow import FREEZES_CLAIM, Status
from .common import http_url, lock_claim, model_plain, record_event, visible_or_raise
from .layers import check_layer_writable, check_marking_open, layer_for

# What a claim edit may change, and what a correction may change on approval.
CLAIM_FIELDS = ("statement", "claimant", "claim_date")


def resolve_span(
    article_text: str,
    *,
    start: int | None,
    end: int | None,
    quote: str | None,
    prefix: str = "",
    suffix: str = "",
) -> tuple[int, int]:
    """Return (start, end) code points from explicit offsets or by anchoring a quote."""
    if start is None and end is None:
        if not quote:
            raise BadSpan("Give start and end (code points) or a quote to anchor.", field="start")
        try:
            return text.anchor_quote(article_text, quote, prefix or "", suffix or "")
        except text.AnchorError as exc:
            raise BadSpan(str(exc), field="quote") from None
    if start is None or end is None:
        raise BadSpan("Give both start and end.", field="start" if start is None else "end")
    if (
        isinstance(start, bool)
        or isinstance(end, bool)
        or not isinstance(start, int)
        or not isinstance(end, int)
    ):
        raise BadSpan("start and end must be integers (code points).", field="start")
    length = len(article_text)
    if not 0 <= start < end <= length:
        raise BadSpan(
            f"The span [{start}, {end}) is outside the text: need 0 <= start < end <= {length}.",
            field="end" if end > length else "start",
        )
    if quote is not None and quote != article_text[start:end]:
        raise BadSpan(
            f"The quote does not match the text at [{start}, {end}), which reads "
            f"{article_text[start:end][:80]!r}.",
            field="quote",
        )
    return start, end


def mark_claim(
    *,
    article_id: int,
    user: User,
    start: int | None = None,
    end: int | None = None,
    quote: str | None = None,
    prefix: str = "",
    suffix: str = "",
    statement: str = "",
    claimant: str = "",
    claim_date: dt.date | None = None,
) -> Claim:
    """Mark a span of an article as a claim, by code-point offsets or by quote.

    The quote is anchored before the transaction opens (an article's text never changes).
    Inside it the article row is locked, so the per-article claim limit and the span
    uniqueness hold under concurrent marking.
    """
    article = visible_or_raise(
        Article.objects.select_related("project").only(
            "pk", "text", "project__id", "project__independent_spans"
        ),
        article_id,
        user,
        "article",
    )
    if not permissions.can_annotate(user, article.project_id):
        raise NotPermitted("Researchers can read but not mark claims.")
    layer = layer_for(article.project)
    begin, finish = resolve_span(
        article.text, start=start, end=end, quote=quote, prefix=prefix, suffix=suffix
    )
    span = article.text[begin:finish]
    if not span.strip():
        raise BadSpan("The selected span is only whitespace.", field="start")
    before, after = text.context_around(article.text, begin, finish)
    fields = {
        "statement": model_plain(Claim, "statement", statement),
        "claimant": model_plain(Claim, "claimant", claimant),
        "claim_date": claim_date,
    }
    with transaction.atomic():
        Article.objects.select_for_update(of=("self",)).filter(pk=article.pk).first()
        check_marking_open(article, user)
        # One span once per layer: the curated layer, or this reviewer's own layer.
        same_layer = Claim.objects.filter(article=article, layer=layer)
        if layer == Layer.REVIEWER:
            same_layer = same_layer.filter(created_by=user)
        existing = same_layer.filter(start=begin, end=finish).exclude(anchor="orphaned").first()
        if existing is not None:
            raise Conflict(f"Claim #{existing.pk} already covers exactly this span.", field="start")
        max_claims = limits.configured("MAX_CLAIMS_PER_ARTICLE")
        if same_layer.count() >= max_claims:
            raise ValidationFailed(f"This article already has the maximum of {max_claims} claims.")
        claim = Claim.objects.create(
            article=article,
            start=begin,
            end=finish,
            quote=span,
            prefix=before,
            suffix=after,
            layer=layer,
            created_by=user,
            **fields,
        )
        record_event(
            project_id=article.project_id,
            actor=user,
            action="mark_claim",
            target=claim,
            claim_id=claim.pk,
            changes={"start": begin, "end": finish, "quote": span[:200], "layer": layer},
        )
    return claim


def clean_claim_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Return the claim fields of `fields` cleaned (markup stripped, limits checked)."""
    unknown = set(fields) - set(CLAIM_FIELDS)
    if unknown:
        raise ValidationFailed(f"Cannot change {', '.join(sorted(unknown))} of a claim.")
    return {
        name: value if name == "claim_date" else model_plain(Claim, name, value)
        for name, value in fields.items()
    }


def frozen_by(claim: Claim) -> Verdict | None:
    """Return the verdict in review or published that fixes the claim's content, if any."""
    return claim.verdicts.filter(status__in=FREEZES_CLAIM).order_by("pk").first()


def apply_claim_changes(claim: Claim, values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Set changed claim fields on a locked claim and save them; return the changes made."""
    changes = {}
    for name, value in values.items():
        old = getattr(claim, name)
        if old != value:
            if isinstance(value, int):
                changes[name] = {"from": old, "to": value}
            else:
                cap = limits.EVENT_QUOTE if name == "quote" else None
                changes[name] = {"from": str(old or "")[:cap], "to": str(value or "")[:cap]}
            setattr(claim, name, value)
    if changes:
        claim.save(update_fields=[*changes, "updated_at"])
    return changes


SPAN_FIELDS = ("start", "end", "quote", "prefix", "suffix")


def update_claim(*, claim_id: int, user: User, **fields: Any) -> Claim:
    """Edit a claim's statement, claimant, date or span while no verdict covers it.

    The span is given as `start`/`end` (code points) or as `quote` (with optional `prefix` and
    `suffix`), anchored before the transaction opens. Once a verdict is submitted or approved
    the claim is what the editor reviewed or readers read: the change must go through a
    correction (InvalidTransition, 409). The history keeps the old and new span and quote.
    """
    span_given = {k: fields.pop(k) for k in SPAN_FIELDS if k in fields}
    article = visible_or_raise(
        Article.objects.only("pk", "text", "project_id"),
        visible_or_raise(
            Claim.objects.values_list("article_id", flat=True), claim_id, user, "claim"
        ),
        user,
        "article",
    )
    if not permissions.can_annotate(user, article.project_id):
        raise NotPermitted("Researchers can read but not edit claims.")
    values = clean_claim_fields(fields)
    if span_given:
        begin, finish = resolve_span(
            article.text,
            start=span_given.get("start"),
            end=span_given.get("end"),
            quote=span_given.get("quote"),
            prefix=span_given.get("prefix") or "",
            suffix=span_given.get("suffix") or "",
        )
        quote = article.text[begin:finish]
        if not quote.strip():
            raise BadSpan("The selected span is only whitespace.", field="start")
        before, after = text.context_around(article.text, begin, finish)
        values |= {"start": begin, "end": finish, "quote": quote, "prefix": before, "suffix": after}
    with transaction.atomic():
        Article.objects.select_for_update(of=("self",)).filter(pk=article.pk).first()
        claim = lock_claim(claim_id)
        if not values:
            return claim
        check_layer_writable(claim, user)
        blocking = frozen_by(claim)
        if blocking is not None and any(getattr(claim, k) != v for k, v in values.items()):
            if blocking.status == Status.APPROVED:
                raise InvalidTransition(
                    f"This claim has an approved verdict (#{blocking.pk}); what it covers "
                    "changes only through a correction. Propose a correction of that verdict "
                    "with the new statement, claimant or date."
                )
            raise InvalidTransition(
                f"This claim has a verdict in review (#{blocking.pk}); it cannot change while "
                "an editor is reviewing it. Withdraw that verdict or wait for the editor's "
                "decision."
            )
        if "start" in values and (values["start"], values["end"]) != (claim.start, claim.end):
            same_layer = Claim.objects.filter(article_id=article.pk, layer=claim.layer)
            if claim.layer == Layer.REVIEWER:
                same_layer = same_layer.filter(created_by_id=claim.created_by_id)
            other = (
                same_layer.filter(start=values["start"], end=values["end"])
                .exclude(pk=claim.pk)
                .exclude(anchor="orphaned")
                .first()
            )
            if other is not None:
                raise Conflict(
                    f"Claim #{other.pk} already covers exactly this span.", field="start"
                )
        changes = apply_claim_changes(claim, values)
        if changes:
            record_event(
                project_id=article.project_id,
                actor=user,
                action="replace_span" if "start" in changes or "end" in changes else "update_claim",
                target=claim,
                claim_id=claim.pk,
                changes=changes,
            )
    return claim


#: How long after marking or deleting a claim its author may undo it (the page offers the
#: button for this long; the service refuses later, so a stale page cannot undo old work).
UNDO_SECONDS = 60


@transaction.atomic
def delete_claim(*, claim_id: int, user: User) -> Event:
    """Delete a claim that has no verdicts yet, with its sources; the history keeps it.

    The returned `delete_claim` event keeps what `restore_claim` needs to undo the deletion:
    the span, statement, claimant, date and the sources.
    """
    visible_or_raise(Claim.objects.only("pk"), claim_id, user, "claim")
    claim = lock_claim(claim_id)
    if not permissions.can_annotate(user, claim.article.project_id):
        raise NotPermitted("Researchers can read but not delete claims.")
    check_layer_writable(claim, user)
    if claim.curated_from.exists():
        raise Conflict(
            "Reviewers' claims were curated into this claim, so it cannot be deleted; an editor "
            "can reset their curation on the curation page first."
        )
    if claim.verdicts.exists():
        raise Conflict(
            "This claim has verdicts, so it cannot be deleted: the history of a verdict is "
            "never lost. To take it back, withdraw its verdicts instead (open each verdict and "
            "choose Withdraw)."
        )
    snapshot = {
        "article": claim.article_id,
        "start": claim.start,
        "end": claim.end,
        "quote": claim.quote[: limits.EVENT_QUOTE],
        "statement": claim.statement,
        "claimant": claim.claimant,
        "claim_date": claim.claim_date.isoformat() if claim.claim_date else None,
        "sources": [
            {
                "url": s.url,
                "stance": s.stance,
                "title": s.title,
                "publisher": s.publisher,
                "quote": s.quote,
                "accessed_at": s.accessed_at.isoformat() if s.accessed_at else None,
                "archived_url": s.archived_url,
            }
            for s in claim.sources.order_by("pk")
        ],
    }
    event = record_event(
        project_id=claim.article.project_id,
        actor=user,
        action="delete_claim",
        target=claim,
        claim_id=claim.pk,
        changes=snapshot,
    )
    claim.sources.all().delete()
    claim.delete()
    return event


def restore_claim(*, event_id: int, user: User) -> Claim:
    """Undo a deletion: mark the deleted claim's span again with its statement, claimant, date
    and sources, as a new claim, and record `restore_claim` naming the deletion it undoes.

    Only the user who deleted the claim may undo it, within `UNDO_SECONDS`, and only once.
    """
    event = (
        Event.objects.filter(pk=event_id, action="delete_claim", actor=user)
        .only("pk", "at", "changes", "claim_id", "project_id", "target_id")
        .first()
    )
    if event is None:
        raise NotVisible(f"No deletion of yours with id {event_id} to undo.")
    if timezone.now() - event.at > dt.timedelta(seconds=UNDO_SECONDS):
        raise Conflict(
            f"The deletion is older than {UNDO_SECONDS} seconds and can no longer be undone; "
            "mark the text again instead."
        )
    data = event.changes
    if "article" not in data:
        raise Conflict("This deletion was recorded before undo existed; mark the text again.")
    article_id = visible_or_raise(
        Article.objects.values_list("pk", flat=True), data["article"], user, "article"
    )
    with transaction.atomic():
        # The article lock serialises two undos of one deletion (double click, two tabs).
        Article.objects.select_for_update(of=("self",)).filter(pk=article_id).first()
        if Event.objects.filter(
            action="restore_claim", changes__restores_event=event.pk, project_id=event.project_id
        ).exists():
            raise Conflict("This deletion was already undone.")
        claim = mark_claim(
            article_id=article_id,
            user=user,
            start=data["start"],
            end=data["end"],
            statement=data.get("statement") or "",
            claimant=data.get("claimant") or "",
            claim_date=dt.date.fromisoformat(data["claim_date"])
            if data.get("claim_date")
            else None,
        )
        for source in data.get("sources", []):
            Source.objects.create(
                claim=claim,
                added_by=user,
                url=source["url"],
                stance=source["stance"],
                title=source["title"],
                publisher=source["publisher"],
                quote=source["quote"],
                accessed_at=(
                    dt.date.fromisoformat(source["accessed_at"]) if source["accessed_at"] else None
                ),
                archived_url=source["archived_url"],
            )
        record_event(
            project_id=event.project_id,
            actor=user,
            action="restore_claim",
            target=claim,
            claim_id=claim.pk,
            changes={
                "restores_event": event.pk,
                "deleted_claim": event.claim_id,
                "sources": len(data.get("sources", [])),
            },
        )
    return claim


def attach_source(
    *,
    claim_id: int,
    user: User,
    url: str,
    stance: str,
    title: str = "",
    publisher: str = "",
    quote: str = "",
    accessed_at: dt.date | None = None,
    archived_url: str = "",
) -> Source:
    """Attach a piece of evidence to a claim.

    A source attached after a verdict was approved is not part of that verdict: the published
    verdict shows the sources it cited; a correction may cite the new one.
    """
    project_id = visible_or_raise(
        Claim.objects.values_list("article__project_id", flat=True), claim_id, user, "claim"
    )
    if not permissions.can_annotate(user, project_id):
        raise NotPermitted("Researchers can read but not add sources.")
    if stance not in Source.Stance.values:
        raise ValidationFailed(
            f"stance must be one of {', '.join(Source.Stance.values)} (got {stance!r}).",
            field="stance",
        )
    if accessed_at is not None and accessed_at > timezone.now().date() + dt.timedelta(days=1):
        raise ValidationFailed("accessed_at is in the future.", field="accessed_at")
    values = {
        "url": http_url(url, field="url", required=True),
        "stance": stance,
        "title": model_plain(Source, "title", title),
        "publisher": model_plain(Source, "publisher", publisher),
        "quote": model_plain(Source, "quote", quote),
        "accessed_at": accessed_at,
        "archived_url": http_url(archived_url, field="archived_url", required=False),
    }
    with transaction.atomic():
        claim = lock_claim(claim_id)
        check_layer_writable(claim, user)
        max_sources = limits.configured("MAX_SOURCES_PER_CLAIM")
        if claim.sources.count() >= max_sources:
            raise ValidationFailed(f"This claim already has the maximum of {max_sources} sources.")
        source = Source.objects.create(claim=claim, added_by=user, **values)
        claim.save(update_fields=["updated_at"])
        record_event(
            project_id=claim.article.project_id,
            actor=user,
            action="attach_source",
            target=source,
            claim_id=claim.pk,
            changes={"url": source.url, "stance": stance},
        )
    return source


def _lock_source(source_id: int, user: User) -> tuple[Claim, Source]:
    """Lock the source's claim, then the source (the house order); check the user may write."""
    claim_id = visible_or_raise(
        Source.objects.values_list("claim_id", flat=True), source_id, user, "source"
    )
    claim = lock_claim(claim_id)
    if not permissions.can_annotate(user, claim.article.project_id):
        raise NotPermitted("Researchers can read but not change sources.")
    check_layer_writable(claim, user)
    source = Source.objects.select_for_update(of=("self",)).get(pk=source_id)
    return claim, source


def _check_source_not_cited(source: Source, what: str) -> None:
    """Refuse to change a source that a verdict in review or published cites (409)."""
    citing = source.cited_by.filter(status__in=FREEZES_CLAIM).order_by("pk").first()
    if citing is not None:
        raise InvalidTransition(
            f"Verdict #{citing.pk} ({citing.status}) cites this source, so it cannot be "
            f"{what}: it is part of what the editor "
            + ("approved" if citing.status == Status.APPROVED else "is reviewing")
            + ". Attach a new source instead"
            + (" and cite it in a correction." if citing.status == Status.APPROVED else ".")
        )


def update_source(*, source_id: int, user: User, **fields: Any) -> Source:
    """Edit a source that no submitted or approved verdict cites; the history keeps old and new."""
    allowed = ("url", "stance", "title", "publisher", "quote", "accessed_at", "archived_url")
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationFailed(f"Cannot change {', '.join(sorted(unknown))} of a source.")
    values: dict[str, Any] = {}
    for name, value in fields.items():
        if name in ("url", "archived_url"):
            values[name] = http_url(value, field=name, required=name == "url")
        elif name == "stance":
            if value not in Source.Stance.values:
                raise ValidationFailed(
                    f"stance must be one of {', '.join(Source.Stance.values)} (got {value!r}).",
                    field="stance",
                )
            values[name] = value
        elif name == "accessed_at":
            if value is not None and value > timezone.now().date() + dt.timedelta(days=1):
                raise ValidationFailed("accessed_at is in the future.", field="accessed_at")
            values[name] = value
        else:
            values[name] = model_plain(Source, name, value)
    with transaction.atomic():
        claim, source = _lock_source(source_id, user)
        changes = {}
        for name, value in values.items():
            old = getattr(source, name)
            if old != value:
                changes[name] = {"from": str(old or ""), "to": str(value or "")}
                setattr(source, name, value)
        if not changes:
            return source
        _check_source_not_cited(source, "edited")
        source.save(update_fields=[*changes, "updated_at"])
        claim.save(update_fields=["updated_at"])
        record_event(
            project_id=claim.article.project_id,
            actor=user,
            action="update_source",
            target=source,
            claim_id=claim.pk,
            changes=changes,
        )
    return source


@transaction.atomic
def remove_source(*, source_id: int, user: User) -> None:
    """Remove a source that no submitted or approved verdict cites (drafts stop citing it)."""
    claim, source = _lock_source(source_id, user)
    _check_source_not_cited(source, "removed")
    drafts = list(source.cited_by.values_list("pk", flat=True))
    record_event(
        project_id=claim.article.project_id,
        actor=user,
        action="remove_source",
        target=source,
        claim_id=claim.pk,
        changes={"url": source.url, "stance": source.stance, "uncited_by": drafts},
    )
    source.cited_by.clear()
    source.delete()
    claim.save(update_fields=["updated_at"])
