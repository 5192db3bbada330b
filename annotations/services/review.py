"""Services that move a verdict through review: submit, approve, return, withdraw.

Each locks the claim and its verdicts in the house order (`common.lock_verdict`), asks the
workflow table whether the actor may act (`workflow.check_action`, current roles included) and
performs the move with `common.transition` (versioned, recorded). Nothing else assigns a status.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ..exceptions import Conflict, ValidationFailed
from ..models import User, Verdict
from ..workflow import Action, Status, check_independent_verdicts
from .claims import apply_claim_changes
from .common import (
    LockedVerdict,
    check_verdict_action,
    check_version,
    lock_verdict,
    plain,
    record_event,
    transition,
)
from .verdicts import parse_claim_changes

NOTE_LIMIT = Verdict._meta.get_field("review_note").max_length


def _note(note: str) -> str:
    return plain(note, field="note", max_length=NOTE_LIMIT)


@transaction.atomic
def submit_verdict(*, verdict_id: int, user: User, version: int | None = None) -> Verdict:
    """Submit a draft for approval. It must cite a source or say why none can be given."""
    locked = lock_verdict(verdict_id, user)
    verdict = locked.verdict
    check_version(verdict, version)
    check_verdict_action(verdict, action=Action.SUBMIT, user=user)
    if not verdict.no_source_reason and not verdict.sources.exists():
        raise ValidationFailed(
            "Cite at least one source, or state why no public source can be given.",
            field="sources",
        )
    if not verdict.explanation.strip():
        raise ValidationFailed("Write an explanation before submitting.", field="explanation")
    verdict.submitted_at = timezone.now()
    return transition(
        locked, action=Action.SUBMIT, user=user, version=version, fields=["submitted_at"]
    )


@transaction.atomic
def approve_verdict(
    *, verdict_id: int, editor: User, version: int | None = None, note: str = ""
) -> Verdict:
    """Approve a submitted verdict (four-eyes). A correction supersedes the verdict it corrects.

    With double review (`Project.required_verdicts` > 1) the decision needs that many
    independent verdicts, counted by `workflow.independent_reviewers` (corrections included: one
    that changes the rating, or corrects a verdict no longer approved, counts like a first
    verdict). A correction's proposed claim changes are applied to the claim here, in the same
    transaction, with their own event.
    """
    note = _note(note)
    locked = lock_verdict(verdict_id, editor)
    verdict = locked.verdict
    project = locked.claim.article.project
    check_version(verdict, version)
    check_verdict_action(verdict, action=Action.APPROVE, user=editor, note=note)
    corrected = next((v for v in locked.siblings if v.pk == verdict.supersedes_id), None)
    check_independent_verdicts(
        verdict, locked.siblings, required=project.required_verdicts, corrected=corrected
    )
    published = [v for v in locked.siblings if v.status == Status.APPROVED]
    for old in published:
        if verdict.supersedes_id != old.pk:
            raise Conflict(
                f"Claim already has an approved verdict (#{old.pk}); this verdict is not a "
                "correction of it."
            )
    now = timezone.now()
    verdict.approved_by = editor
    verdict.approved_at = now
    for old in published:
        transition(
            locked,
            action=Action.SUPERSEDE,
            user=editor,
            verdict=old,
            event_note=f"Superseded by correction #{verdict.pk}: {verdict.correction_note}",
        )
    transition(
        locked,
        action=Action.APPROVE,
        user=editor,
        version=version,
        note=note,
        fields=["approved_by", "approved_at"],
    )
    if verdict.claim_changes:
        changes = apply_claim_changes(locked.claim, parse_claim_changes(verdict.claim_changes))
        if changes:
            record_event(
                project_id=project.pk,
                actor=editor,
                action="update_claim",
                target=locked.claim,
                claim_id=locked.claim.pk,
                verdict_id=verdict.pk,
                note=f"Changed by correction #{verdict.pk}: {verdict.correction_note}",
                changes=changes,
            )
    _record_claim_decided(locked, editor=editor)
    return verdict


def _record_claim_decided(locked: LockedVerdict, *, editor: User) -> None:
    """Note on each competing submitted verdict that the editor chose `locked.verdict`.

    Competing verdicts are the claim's other independent verdicts (for a first decision) or the
    other corrections of the same verdict (for a correction). They keep their status: they stay
    in the record and in exports, e.g. for agreement studies; `selectors.review_queue_for`
    leaves them out of the queue once the claim is decided.
    """
    verdict = locked.verdict
    for other in locked.siblings:
        if other.status != Status.SUBMITTED or other.supersedes_id != verdict.supersedes_id:
            continue
        record_event(
            project_id=locked.project_id,
            actor=editor,
            action="claim_decided",
            target=other,
            claim_id=verdict.claim_id,
            verdict_id=other.pk,
            note=f"The editor approved verdict #{verdict.pk} for this claim; this verdict "
            "stays on record but leaves the queue.",
        )


@transaction.atomic
def return_verdict(
    *, verdict_id: int, editor: User, note: str, version: int | None = None
) -> Verdict:
    """Send a submitted verdict back to its author with a note saying what to change."""
    note = _note(note)
    locked = lock_verdict(verdict_id, editor)
    locked.verdict.review_note = note
    return transition(
        locked,
        action=Action.RETURN,
        user=editor,
        version=version,
        note=note,
        fields=["review_note"],
    )


@transaction.atomic
def withdraw_verdict(
    *, verdict_id: int, user: User, note: str = "", version: int | None = None
) -> Verdict:
    """Withdraw a verdict. It stays readable with its history; nothing is deleted.

    Withdrawing a published verdict leaves its corrections in progress waiting: approving one
    later decides the claim afresh, so it needs the project's independent verdicts.
    """
    note = _note(note)
    locked = lock_verdict(verdict_id, user)
    return transition(locked, action=Action.WITHDRAW, user=user, version=version, note=note)
