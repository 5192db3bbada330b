"""Services for writing verdicts: drafts, edits and corrections (their review is `review`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from .. import limits, permissions, sanitize
from ..exceptions import Conflict, InvalidTransition, NotPermitted, TooLarge, ValidationFailed
from ..exports.common import html_to_text
from ..models import Claim, Project, RatingLabel, Source, User, Verdict
from ..workflow import IN_PROGRESS, Action, Status, check_action
from .claims import clean_claim_fields
from .common import (
    check_verdict_action,
    check_version,
    lock_claim,
    lock_verdict,
    model_plain,
    record_event,
    save_verdict,
    visible_or_raise,
)
from .layers import check_verdicts_allowed


def _rating(project: Project, slug: str | None) -> RatingLabel:
    if not slug:
        raise ValidationFailed("Choose a rating.", field="rating")
    label = RatingLabel.objects.filter(scale_id=project.rating_scale_id, slug=slug).first()
    if label is None:
        choices = RatingLabel.objects.filter(scale_id=project.rating_scale_id).values_list(
            "slug", flat=True
        )
        raise ValidationFailed(
            f"Unknown rating {slug!r}; this project's scale has: {', '.join(choices)}.",
            field="rating",
        )
    return label


def render_explanation(source: str | None) -> tuple[str, str, str]:
    """Return the explanation's Markdown source, its sanitised HTML and that HTML's text (done
    before any lock; the text is what exports carry as `explanation_text`)."""
    source = sanitize.drop_control_characters(source or "")
    max_chars = limits.configured("MAX_EXPLANATION_CHARS")
    if len(source) > max_chars:
        raise TooLarge(
            f"The explanation has {len(source)} characters; the limit is {max_chars}.",
            field="explanation",
        )
    html = sanitize.render_markdown(source)
    return source, html, html_to_text(html)


def _cited(claim: Claim, source_ids: Iterable[int] | None) -> list[Source]:
    ids = list(dict.fromkeys(source_ids or []))
    if any(isinstance(i, bool) or not isinstance(i, int) or not 0 < i < 2**63 for i in ids):
        raise ValidationFailed("sources must be a list of source ids.", field="sources")
    found = list(Source.objects.filter(claim=claim, pk__in=ids))
    missing = sorted(set(ids) - {s.pk for s in found})
    if missing:
        raise ValidationFailed(
            f"Sources {', '.join(map(str, missing))} are not attached to this claim.",
            field="sources",
        )
    return found


def draft_verdict(
    *,
    claim_id: int,
    reviewer: User,
    rating: str,
    explanation: str = "",
    sources: Iterable[int] | None = None,
    no_source_reason: str = "",
) -> Verdict:
    """Start a draft verdict on a claim. One verdict in progress per reviewer and claim."""
    visible_or_raise(Claim.objects.only("pk"), claim_id, reviewer, "claim")
    source_text, html, plain_text = render_explanation(explanation)
    reason = model_plain(Verdict, "no_source_reason", no_source_reason)
    with transaction.atomic():
        claim = lock_claim(claim_id)
        project = claim.article.project
        if not permissions.can_annotate(reviewer, project):
            raise NotPermitted("Researchers can read but not write verdicts.")
        check_verdicts_allowed(claim)
        mine = claim.verdicts.filter(reviewer=reviewer, status__in=IN_PROGRESS).first()
        if mine is not None:
            raise Conflict(
                f"You already have a {mine.status} verdict on this claim (#{mine.pk}); edit that "
                "one.",
                field="rating",
            )
        if claim.verdicts.filter(status=Status.APPROVED).exists():
            raise Conflict(
                "This claim already has an approved verdict; propose a correction to it instead.",
                field="rating",
            )
        verdict, label, cited = _create_verdict(
            project=project,
            claim=claim,
            user=reviewer,
            rating=rating,
            explanation=(source_text, html, plain_text),
            no_source_reason=reason,
            sources=sources,
        )
        record_event(
            project_id=project.pk,
            actor=reviewer,
            action="draft",
            target=verdict,
            claim_id=claim.pk,
            verdict_id=verdict.pk,
            to_status=Status.DRAFT,
            changes={"rating": label.slug, "sources": [s.pk for s in cited]},
        )
    return verdict


def _create_verdict(
    *,
    project: Project,
    claim: Claim,
    user: User,
    rating: str,
    explanation: tuple[str, str, str],
    no_source_reason: str,
    sources: Iterable[int] | None,
    **correction: Any,
) -> tuple[Verdict, RatingLabel, list[Source]]:
    """Create a draft (or, with `supersedes` etc. in `correction`, a correction draft) on a
    locked claim with the project's rating and the claim's cited sources; the caller records
    the event."""
    label = _rating(project, rating)
    cited = _cited(claim, sources)
    source_text, html, plain_text = explanation
    verdict = Verdict.objects.create(
        claim=claim,
        reviewer=user,
        rating=label,
        explanation=source_text,
        explanation_html=html,
        explanation_text=plain_text,
        no_source_reason=no_source_reason,
        **correction,
    )
    verdict.sources.set(cited)
    return verdict, label, cited


def update_verdict(
    *,
    verdict_id: int,
    user: User,
    version: int | None,
    rating: str | None = None,
    explanation: str | None = None,
    sources: Iterable[int] | None = None,
    no_source_reason: str | None = None,
    claim_changes: dict[str, Any] | None = None,
) -> Verdict:
    """Edit a draft or returned verdict: only its author, while they hold an annotating role.

    `claim_changes` (statement, claimant, claim_date) is for corrections: what the correction
    changes on the claim once approved.
    """
    rendered = render_explanation(explanation) if explanation is not None else None
    reason = (
        model_plain(Verdict, "no_source_reason", no_source_reason)
        if no_source_reason is not None
        else None
    )
    proposed = clean_claim_fields(claim_changes) if claim_changes is not None else None
    with transaction.atomic():
        locked = lock_verdict(verdict_id, user)
        verdict = locked.verdict
        check_version(verdict, version)
        try:
            check_verdict_action(verdict, action=Action.EDIT, user=user)
        except InvalidTransition:
            raise InvalidTransition(
                f"A {verdict.status} verdict cannot be edited"
                + (
                    "; propose a correction instead."
                    if verdict.status == Status.APPROVED
                    else "; withdraw it or wait for the editor."
                )
            ) from None
        project = locked.claim.article.project
        changes: dict[str, Any] = {}
        fields: list[str] = []
        if rating is not None:
            label = _rating(project, rating)
            if label.pk != verdict.rating_id:
                changes["rating"] = {"from": verdict.rating.slug, "to": label.slug}
                verdict.rating = label
                fields.append("rating")
        if rendered is not None and rendered[0] != verdict.explanation:
            changes["explanation"] = {"from": verdict.explanation, "to": rendered[0]}
            verdict.explanation, verdict.explanation_html, verdict.explanation_text = rendered
            fields += ["explanation", "explanation_html", "explanation_text"]
        if reason is not None and reason != verdict.no_source_reason:
            changes["no_source_reason"] = {"from": verdict.no_source_reason, "to": reason}
            verdict.no_source_reason = reason
            fields.append("no_source_reason")
        if proposed is not None and proposed != verdict.claim_changes:
            if verdict.supersedes_id is None:
                raise ValidationFailed(
                    "Only a correction proposes changes to the claim; edit the claim itself.",
                    field="claim_changes",
                )
            proposed = _json_claim_changes(proposed)
            changes["claim_changes"] = {"from": verdict.claim_changes, "to": proposed}
            verdict.claim_changes = proposed
            fields.append("claim_changes")
        if sources is not None:
            cited = _cited(locked.claim, sources)
            before = sorted(verdict.sources.values_list("pk", flat=True))
            after = sorted(s.pk for s in cited)
            if before != after:
                verdict.sources.set(cited)
                changes["sources"] = {"from": before, "to": after}
        if changes:
            save_verdict(verdict, fields)
            record_event(
                project_id=project.pk,
                actor=user,
                action=Action.EDIT,
                target=verdict,
                claim_id=verdict.claim_id,
                verdict_id=verdict.pk,
                changes=changes,
            )
    return verdict


def _json_claim_changes(values: dict[str, Any]) -> dict[str, Any]:
    """Return claim changes as JSON data (dates as ISO 8601)."""
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()}


def parse_claim_changes(values: dict[str, Any]) -> dict[str, Any]:
    """Return stored claim changes as model values (the inverse of `_json_claim_changes`)."""
    parsed = dict(values)
    if parsed.get("claim_date"):
        parsed["claim_date"] = dt.date.fromisoformat(parsed["claim_date"])
    return parsed


def correct_verdict(
    *,
    verdict_id: int,
    user: User,
    correction_note: str,
    rating: str,
    explanation: str = "",
    sources: Iterable[int] | None = None,
    no_source_reason: str = "",
    claim_changes: dict[str, Any] | None = None,
) -> Verdict:
    """Propose a correction of an approved verdict: a new draft that supersedes it once approved.

    `claim_changes` carries the claim's new statement, claimant or date: an approved verdict's
    claim changes only this way. With double review several reviewers may each propose one
    correction of the same verdict (a correction that changes the rating needs them).
    """
    note = model_plain(Verdict, "correction_note", correction_note)
    source_text, html, plain_text = render_explanation(explanation)
    reason = model_plain(Verdict, "no_source_reason", no_source_reason)
    proposed = _json_claim_changes(clean_claim_fields(claim_changes or {}))
    with transaction.atomic():
        locked = lock_verdict(verdict_id, user)
        original = locked.verdict
        project = locked.claim.article.project
        if not permissions.can_annotate(user, project):
            raise NotPermitted("Researchers can read but not correct verdicts.")
        try:
            check_action(
                Action.CORRECT,
                status=original.status,
                roles=permissions.roles_in(user, project.pk),
                is_author=original.reviewer_id == user.pk,
                note=note,
            )
        except InvalidTransition:
            raise InvalidTransition(
                f"Only an approved verdict can be corrected; this one is {original.status}."
            ) from None
        except ValidationFailed:
            raise ValidationFailed(
                "Say what the correction changes (it is shown to readers).",
                field="correction_note",
            ) from None
        pending = [
            v for v in locked.siblings if v.supersedes_id == original.pk and v.status in IN_PROGRESS
        ]
        mine = next((v for v in pending if v.reviewer_id == user.pk), None)
        if mine is not None:
            raise Conflict(f"You are already correcting this verdict (#{mine.pk}).")
        if len(pending) >= project.required_verdicts:
            raise Conflict(
                f"A correction of this verdict is already in progress (#{pending[0].pk})."
            )
        verdict, label, _ = _create_verdict(
            project=project,
            claim=locked.claim,
            user=user,
            rating=rating,
            explanation=(source_text, html, plain_text),
            no_source_reason=reason,
            sources=sources,
            supersedes=original,
            correction_note=note,
            claim_changes=proposed,
        )
        record_event(
            project_id=project.pk,
            actor=user,
            action=Action.CORRECT,
            target=verdict,
            claim_id=original.claim_id,
            verdict_id=verdict.pk,
            to_status=Status.DRAFT,
            note=note,
            changes={
                "supersedes": original.pk,
                "rating": label.slug,
                **({"claim_changes": proposed} if proposed else {}),
            },
        )
    return verdict
