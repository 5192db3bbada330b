"""What a history event says, in words: `{% load history_words %}` then
`{{ event.action|event_words }}` ("marked the claim", not "mark_claim").

One table for the claim panel's history and the full history page; an action it does not know
reads as its name with spaces.
"""

from __future__ import annotations

from django import template

register = template.Library()

EVENT_WORDS = {
    "mark_claim": "marked the claim",
    "update_claim": "edited the statement or claimant",
    "replace_span": "changed the claim's span",
    "delete_claim": "deleted the claim",
    "restore_claim": "restored the deleted claim (undo)",
    "attach_source": "added a source",
    "update_source": "edited a source",
    "remove_source": "removed a source",
    "draft": "drafted a verdict",
    "edit": "edited a verdict",
    "submit": "submitted a verdict for approval",
    "approve": "approved a verdict",
    "return": "returned a verdict with a note",
    "withdraw": "withdrew a verdict",
    "correct": "proposed a correction",
    "supersede": "superseded the published verdict",
    "claim_decided": "closed the other verdicts (claim decided)",
}


@register.filter
def event_words(action: str) -> str:
    """Return what the event `action` did, in words."""
    return EVENT_WORDS.get(action, action.replace("_", " "))
