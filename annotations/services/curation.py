"""Curation of independent layers: an editor turns reviewers' spans into the curated layer.

`accept_span` takes one reviewer claim into the curated layer (as is, or with adjusted offsets),
`merge_spans` joins overlapping reviewer claims of one article into one curated claim,
`reject_span` leaves one out, and `reset_curation` puts one back to pending. `article_id`, where given (the API's URL), must be
the claims' article. The curated claims
are the ones that get verdicts (`layers.check_verdicts_allowed`).

Every function is for the project's editors and admins (`workflow.CURATORS`) in a project with
`independent_spans`. Offsets are resolved before the transaction opens; inside it the article
row is locked first (house order: article, claims by id, sources), so two editors accepting the
same span at once end with one curated claim: the second finds the first's claim and links to it,
or finds the reviewer claim already curated. The first action on an article sets
`Article.curation_started_at` (reviewers can no longer take back their "finished" mark). Each
changed reviewer claim gets one Event (its id, the curated claim's id, both spans); a curated
claim created by curation gets one too (`create_curated_claim`), and so does one removed again
by a reset.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from .. import limits, text
from ..curation import check_curator, overlap_all
from ..exceptions import BadSpan, Conflict, InvalidTransition, NotVisible, ValidationFailed
from ..models import Article, Claim, Curation, Event, Layer, Source, User
from ..workflow import FREEZES_CLAIM
from .claims import resolve_span
from .common import model_plain, record_event

CURATED_BY = "create_curated_claim"


@dataclass
class Span:
    start: int
    end: int
    quote: str
    prefix: str
    suffix: str


def _article_of(claim_ids: Sequence[int], user: User, article_id: int | None = None) -> Article:
    """Return the one article the (visible) claims belong to, with its text and project; with
    `article_id` (the API's URL), refuse claims of another article."""
    if not claim_ids:
        raise ValidationFailed("Give at least one claim id.", field="claims")
    try:
        found = dict(
            Claim.objects.visible_to(user).filter(pk__in=claim_ids).values_list("pk", "article_id")
        )
    except (ValueError, TypeError, OverflowError):
        found = {}
    missing = [pk for pk in claim_ids if pk not in found]
    if missing:
        raise NotVisible(f"No claim with id {missing[0]} in your projects.")
    article_ids = set(found.values())
    if len(article_ids) > 1:
        raise ValidationFailed(
            "These claims belong to different articles; curate each article's claims on its "
            "own curation page.",
            field="claims",
        )
    if article_id is not None and article_ids != {article_id}:
        raise ValidationFailed(
            f"Claim #{claim_ids[0]} is not on article #{article_id}.", field="claims"
        )
    article = (
        Article.objects.select_related("project")
        .only("pk", "text", "curation_started_at", "project__id", "project__independent_spans")
        .get(pk=article_ids.pop())
    )
    check_curator(user, article)
    return article


def _span(article: Article, start: int | None, end: int | None) -> Span | None:
    """Resolve given offsets (code points) against the article's text; None when not given."""
    if start is None and end is None:
        return None
    begin, finish = resolve_span(article.text, start=start, end=end, quote=None)
    quote = article.text[begin:finish]
    if not quote.strip():
        raise BadSpan("The span is only whitespace.", field="start")
    before, after = text.context_around(article.text, begin, finish)
    return Span(begin, finish, quote, before, after)


def _span_of(claim: Claim) -> Span:
    return Span(claim.start, claim.end, claim.quote, claim.prefix, claim.suffix)


def _lock(
    article: Article, claim_ids: Sequence[int], *, pending: bool = True, orphans: bool = False
) -> list[Claim]:
    """Lock the article, then the claims by id; check they are reviewer claims of the article
    still waiting for curation (`pending`), placed in its current text unless `orphans`."""
    Article.objects.select_for_update(of=("self",)).filter(pk=article.pk).first()
    claims = list(
        Claim.objects.select_for_update(of=("self",))
        .filter(pk__in=claim_ids, article_id=article.pk)
        .order_by("pk")
    )
    found = {c.pk for c in claims}
    missing = [pk for pk in claim_ids if pk not in found]
    if missing:  # deleted between the lookup and the lock
        raise Conflict(f"Claim #{missing[0]} no longer exists; reload the curation page.")
    for claim in claims:
        if claim.layer != Layer.REVIEWER:
            raise ValidationFailed(
                f"Claim #{claim.pk} is in the curated layer, not a reviewer's layer: only "
                "reviewers' claims are curated.",
                field="claims",
            )
        if claim.anchor == "orphaned" and not orphans:
            raise InvalidTransition(
                f"Claim #{claim.pk} lost its place in the article's current text; re-attach it "
                "first."
            )
        if pending and claim.curation != Curation.PENDING:
            raise Conflict(
                f"Claim #{claim.pk} was already curated "
                f"({claim.get_curation_display().lower()}); reset it first to curate it again."
            )
    by_pk = {c.pk: c for c in claims}
    return [by_pk[pk] for pk in claim_ids]


def _start_curation(article: Article) -> None:
    if article.curation_started_at is None:
        article.curation_started_at = timezone.now()
        Article.objects.filter(pk=article.pk, curation_started_at__isnull=True).update(
            curation_started_at=article.curation_started_at
        )


def _curated_claim(
    article: Article, span: Span, origin: list[Claim], user: User, statement: str | None
) -> tuple[Claim, bool]:
    """Return the curated claim with exactly `span` (made from `origin` if there is none) and
    whether it was created. Call with the article locked."""
    existing = (
        Claim.objects.select_for_update(of=("self",))
        .filter(article_id=article.pk, layer=Layer.CURATED, start=span.start, end=span.end)
        .exclude(anchor="orphaned")
        .first()
    )
    if existing is not None:
        return existing, False
    max_claims = limits.configured("MAX_CLAIMS_PER_ARTICLE")
    if Claim.objects.filter(article_id=article.pk, layer=Layer.CURATED).count() >= max_claims:
        raise ValidationFailed(f"This article already has the maximum of {max_claims} claims.")
    first = next((c for c in origin if c.statement), origin[0])
    claim = Claim.objects.create(
        article_id=article.pk,
        start=span.start,
        end=span.end,
        quote=span.quote,
        prefix=span.prefix,
        suffix=span.suffix,
        layer=Layer.CURATED,
        statement=first.statement if statement is None else statement,
        claimant=next((c.claimant for c in origin if c.claimant), ""),
        claim_date=next((c.claim_date for c in origin if c.claim_date), None),
        created_by=user,
    )
    return claim, True


def _copy_sources(curated: Claim, origin: list[Claim], user: User) -> int:
    """Copy the origin claims' sources to the curated claim, skipping URLs it already has."""
    have = set(Source.objects.filter(claim=curated).values_list("url", flat=True))
    room = limits.configured("MAX_SOURCES_PER_CLAIM") - len(have)
    copies = []
    for source in Source.objects.filter(claim__in=origin).order_by("claim_id", "pk"):
        if source.url in have or len(copies) >= room:
            continue
        have.add(source.url)
        copies.append(
            Source(
                claim=curated,
                url=source.url,
                title=source.title,
                publisher=source.publisher,
                quote=source.quote,
                stance=source.stance,
                accessed_at=source.accessed_at,
                archived_url=source.archived_url,
                added_by=user,
            )
        )
    Source.objects.bulk_create(copies)
    return len(copies)


def _take_into(
    *,
    article: Article,
    claims: list[Claim],
    span: Span,
    user: User,
    action: str,
    statement: str | None = None,
) -> Claim:
    """Curate the locked reviewer `claims` into the curated claim with `span`; record events."""
    curated, created = _curated_claim(article, span, claims, user, statement)
    copied = _copy_sources(curated, claims, user)
    if created:
        record_event(
            project_id=article.project_id,
            actor=user,
            action=CURATED_BY,
            target=curated,
            claim_id=curated.pk,
            changes={
                "start": span.start,
                "end": span.end,
                "quote": span.quote[: limits.EVENT_QUOTE],
                "layer": Layer.CURATED,
                "from_claims": [c.pk for c in claims],
                "sources": copied,
            },
        )
    elif copied:
        curated.save(update_fields=["updated_at"])
    for claim in claims:
        if action == "accept_span":
            outcome = (
                Curation.ACCEPTED
                if (claim.start, claim.end) == (span.start, span.end)
                else Curation.ADJUSTED
            )
        else:
            outcome = Curation.MERGED
        claim.curation = outcome
        claim.curated_claim = curated
        claim.save(update_fields=["curation", "curated_claim", "updated_at"])
        record_event(
            project_id=article.project_id,
            actor=user,
            action=action,
            target=claim,
            claim_id=claim.pk,
            to_status=outcome,
            changes={
                "claims": [c.pk for c in claims],
                "curated_claim": curated.pk,
                "created": created,
                "span": [claim.start, claim.end],
                "curated_span": [span.start, span.end],
            },
        )
    _start_curation(article)
    return curated


def accept_span(
    *,
    claim_id: int,
    user: User,
    start: int | None = None,
    end: int | None = None,
    statement: str | None = None,
    article_id: int | None = None,
) -> Claim:
    """Take a reviewer-layer claim into the curated layer; return the curated claim.

    Without offsets the span is taken as is (curation "accepted"); with other offsets it is
    "adjusted". When a curated claim with exactly that span exists the reviewer claim is linked
    to it; otherwise a new curated claim gets the reviewer claim's statement (or `statement`),
    claimant and date. The reviewer claim's sources are copied, skipping URLs already there.
    """
    article = _article_of([claim_id], user, article_id)
    span = _span(article, start, end)
    if statement is not None:
        statement = model_plain(Claim, "statement", statement)
    with transaction.atomic():
        (claim,) = _lock(article, [claim_id])
        return _take_into(
            article=article,
            claims=[claim],
            span=span or _span_of(claim),
            user=user,
            action="accept_span",
            statement=statement,
        )


def merge_spans(
    *,
    claim_ids: Sequence[int],
    user: User,
    start: int | None = None,
    end: int | None = None,
    article_id: int | None = None,
) -> Claim:
    """Merge overlapping reviewer-layer claims of one article into one curated claim.

    The curated span is the union of theirs unless offsets are given; every claim is marked
    "merged" and linked to it. Returns the curated claim.
    """
    ids = list(dict.fromkeys(claim_ids))
    if len(ids) < 2:
        raise ValidationFailed(
            "Choose at least two claims to merge (to take one claim, accept it).", field="claims"
        )
    article = _article_of(ids, user, article_id)
    span = _span(article, start, end)
    with transaction.atomic():
        claims = _lock(article, ids)
        if not overlap_all([(c.start, c.end) for c in claims]):
            raise ValidationFailed(
                "These claims do not overlap: only overlapping spans are merged. Accept each "
                "one on its own instead.",
                field="claims",
            )
        if span is None:
            begin, finish = min(c.start for c in claims), max(c.end for c in claims)
            before, after = text.context_around(article.text, begin, finish)
            span = Span(begin, finish, article.text[begin:finish], before, after)
        claims.sort(key=lambda c: (c.start, c.end, c.pk))
        return _take_into(
            article=article, claims=claims, span=span, user=user, action="merge_spans"
        )


def reject_span(
    *, claim_id: int, user: User, note: str = "", article_id: int | None = None
) -> Claim:
    """Leave a reviewer-layer claim out of the curated layer; return the reviewer claim."""
    article = _article_of([claim_id], user, article_id)
    if len(note) > limits.NOTE:
        raise ValidationFailed(f"The note is at most {limits.NOTE} characters.", field="note")
    note = model_plain(Event, "note", note) if note else ""
    with transaction.atomic():
        # An orphaned span can be rejected (it cannot be accepted): otherwise it would wait
        # for curation for ever and the project could never share its claims again.
        (claim,) = _lock(article, [claim_id], orphans=True)
        claim.curation = Curation.REJECTED
        claim.save(update_fields=["curation", "updated_at"])
        record_event(
            project_id=article.project_id,
            actor=user,
            action="reject_span",
            target=claim,
            claim_id=claim.pk,
            to_status=Curation.REJECTED,
            note=note,
            changes={"claims": [claim.pk], "curated_claim": None, "span": [claim.start, claim.end]},
        )
        _start_curation(article)
    return claim


def reset_curation(*, claim_id: int, user: User, article_id: int | None = None) -> Claim:
    """Put a curated reviewer-layer claim back to pending; return it.

    Refused while the curated claim it went into has a verdict in review or published. A curated
    claim that curation created and that nothing else is curated into, with no verdict at all,
    is removed with its sources (its history stays).
    """
    article = _article_of([claim_id], user, article_id)
    with transaction.atomic():
        (claim,) = _lock(article, [claim_id], pending=False)
        if claim.curation == Curation.PENDING:
            raise Conflict(f"Claim #{claim.pk} is not curated yet; there is nothing to reset.")
        curated = None
        if claim.curated_claim_id is not None:
            curated = (
                Claim.objects.select_for_update(of=("self",))
                .filter(pk=claim.curated_claim_id)
                .first()
            )
        if curated is not None and curated.verdicts.filter(status__in=FREEZES_CLAIM).exists():
            raise InvalidTransition(
                f"Curated claim #{curated.pk} has a verdict in review or published; its origin "
                "can no longer change."
            )
        before = claim.curation
        claim.curation = Curation.PENDING
        claim.curated_claim = None
        claim.save(update_fields=["curation", "curated_claim", "updated_at"])
        record_event(
            project_id=article.project_id,
            actor=user,
            action="reset_curation",
            target=claim,
            claim_id=claim.pk,
            from_status=before,
            changes={
                "claims": [claim.pk],
                "curated_claim": curated.pk if curated else None,
                "span": [claim.start, claim.end],
                "curated_span": [curated.start, curated.end] if curated else None,
            },
        )
        if (
            curated is not None
            and not curated.curated_from.exists()
            and not curated.verdicts.exists()
            and Event.objects.filter(claim_id=curated.pk, action=CURATED_BY).exists()
        ):
            snapshot = {
                "start": curated.start,
                "end": curated.end,
                "quote": curated.quote[: limits.EVENT_QUOTE],
                "reset_claim": claim.pk,
            }
            try:
                with transaction.atomic():  # a savepoint: other rows may still protect it
                    curated.sources.all().delete()
                    Claim.objects.filter(pk=curated.pk).delete()
            except ProtectedError:
                pass
            else:
                record_event(
                    project_id=article.project_id,
                    actor=user,
                    action="remove_curated_claim",
                    target=curated,
                    claim_id=curated.pk,
                    changes=snapshot,
                )
    return claim
