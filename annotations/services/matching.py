"""Decisions on "checked before" suggestions: confirm that a claim is the same claim as an
earlier checked one (the two are linked), or dismiss the suggestion (never shown again for
that pair). Each writes one Event. Finding the suggestions is `annotations.matching`.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .. import permissions
from ..exceptions import NotPermitted, ValidationFailed
from ..models import Claim, ClaimMatch, User, Verdict
from ..workflow import Status
from .common import lock_claim, record_event, visible_or_raise


def _decide(*, claim_id: int, matched_id: int, user: User, decision: str) -> ClaimMatch:
    claim = visible_or_raise(Claim.objects.select_related("article"), claim_id, user, "claim")
    if not permissions.can_annotate(user, claim.article.project_id):
        raise NotPermitted("Researchers can read but not decide on matches.")
    if matched_id == claim_id:
        raise ValidationFailed("A claim cannot match itself.", field="matched")
    visible_or_raise(Claim.objects.all(), matched_id, user, "claim")
    if not Verdict.objects.filter(claim_id=matched_id, status=Status.APPROVED).exists():
        raise ValidationFailed(
            f"Claim {matched_id} has no approved verdict; only checked claims can be matched.",
            field="matched",
        )
    with transaction.atomic():
        lock_claim(claim_id)
        pair = Q(claim_id=claim_id, matched_id=matched_id) | Q(
            claim_id=matched_id, matched_id=claim_id
        )
        link = ClaimMatch.objects.select_for_update().filter(pair).first()
        before = link.decision if link else ""
        if link is None:
            link = ClaimMatch.objects.create(
                claim_id=claim_id,
                matched_id=matched_id,
                decision=decision,
                decided_by=user,
                decided_at=timezone.now(),
            )
        elif link.decision != decision:
            link.decision = decision
            link.decided_by = user
            link.decided_at = timezone.now()
            link.save(update_fields=["decision", "decided_by", "decided_at"])
        else:
            return link
        record_event(
            project_id=claim.article.project_id,
            actor=user,
            action=f"match_{'confirmed' if decision == ClaimMatch.Decision.SAME else 'dismissed'}",
            target=link,
            claim_id=claim_id,
            changes={"matched": matched_id, "decision": [before, decision]},
        )
    return link


def confirm_match(*, claim_id: int, matched_id: int, user: User) -> ClaimMatch:
    """Link `claim_id` to the earlier checked claim `matched_id` as the same claim.

    Both claims must be readable by `user`, who must be able to annotate the first one's
    project; the second must have an approved verdict. Locks the claim row; idempotent.
    """
    return _decide(
        claim_id=claim_id, matched_id=matched_id, user=user, decision=ClaimMatch.Decision.SAME
    )


def dismiss_match(*, claim_id: int, matched_id: int, user: User) -> ClaimMatch:
    """Dismiss the suggestion that `claim_id` is `matched_id` (replaces a confirmation)."""
    return _decide(
        claim_id=claim_id,
        matched_id=matched_id,
        user=user,
        decision=ClaimMatch.Decision.DISMISSED,
    )
