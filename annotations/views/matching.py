"""The claim panel's "Checked before" decisions: confirm a suggested earlier claim as the same
claim, or dismiss it (plain form POSTs that work without JavaScript and redirect back to the
panel). The suggestions themselves are `matching.matches_for_claim`, which the annotation page
puts in its context; deciding is `services.confirm_match` / `services.dismiss_match`.
"""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from .. import selectors, services
from ..exceptions import DomainError
from ..models import Claim, ClaimMatch
from .panel import panel_url, status_of


@login_required
@require_POST
def claim_match_decide(request, pk):
    """Confirm a suggestion as the same claim, or dismiss it; back to the panel either way."""
    claim = selectors.readable_claim(request.user, pk, Claim.objects.only("pk", "article_id"))
    matched = request.POST.get("matched", "")
    decision = request.POST.get("decision", "")
    if not re.fullmatch(r"[0-9]{1,18}", matched) or decision not in ClaimMatch.Decision.values:
        messages.error(request, "Choose a suggestion and whether it is the same claim.")
        return redirect(panel_url(claim, "checked-before"))
    decide = (
        services.confirm_match if decision == ClaimMatch.Decision.SAME else services.dismiss_match
    )
    try:
        decide(claim_id=claim.pk, matched_id=int(matched), user=request.user)
    except DomainError as exc:
        status_of(exc)
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"Linked to claim #{matched} as the same claim."
            if decision == ClaimMatch.Decision.SAME
            else f"Dismissed claim #{matched}; it will not be suggested again.",
        )
    return redirect(panel_url(claim, "checked-before"))
