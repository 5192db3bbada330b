"""The verdict workflow as data: statuses, roles, actions and the transition table.

Pure Python, no queries: `services.py` asks `check_transition` whether a move is legal and who
may make it, then performs it. Nothing else assigns a status.

    draft/returned --submit (author)--> submitted --approve (editor, not the author)--> approved
          ^                                 |                                              |
          +------- return (editor, note) ---+       correct: a new draft that supersedes it;
                                                    when approved the old one is `superseded`
    withdraw: any non-final verdict by its author or an editor; an approved one by an editor.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from .exceptions import InvalidTransition


class Role(models.TextChoices):
    REVIEWER = "reviewer", "Reviewer"
    EDITOR = "editor", "Editor"
    RESEARCHER = "researcher", "Researcher"
    ADMIN = "admin", "Admin"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    RETURNED = "returned", "Returned"
    APPROVED = "approved", "Approved"
    SUPERSEDED = "superseded", "Superseded"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Action(models.TextChoices):
    SUBMIT = "submit", "Submit"
    APPROVE = "approve", "Approve"
    RETURN = "return", "Return"
    WITHDRAW = "withdraw", "Withdraw"
    SUPERSEDE = "supersede", "Supersede"


# Who may act: "author" is the verdict's reviewer; roles are project roles.
AUTHOR = "author"


@dataclass(frozen=True)
class Transition:
    action: str
    source: str
    target: str
    actors: frozenset[str]  # AUTHOR and/or Role values
    note_required: bool = False
    not_author: bool = False  # the four-eyes rule


def _t(action, sources, target, actors, **kw) -> list[Transition]:
    return [Transition(action, s, target, frozenset(actors), **kw) for s in sources]


EDITORS = {Role.EDITOR, Role.ADMIN}

TRANSITIONS: tuple[Transition, ...] = tuple(
    _t(Action.SUBMIT, [Status.DRAFT, Status.RETURNED], Status.SUBMITTED, {AUTHOR})
    + _t(Action.APPROVE, [Status.SUBMITTED], Status.APPROVED, EDITORS, not_author=True)
    + _t(
        Action.RETURN,
        [Status.SUBMITTED],
        Status.RETURNED,
        EDITORS,
        note_required=True,
        not_author=True,
    )
    + _t(
        Action.WITHDRAW,
        [Status.DRAFT, Status.RETURNED, Status.SUBMITTED],
        Status.WITHDRAWN,
        {AUTHOR, *EDITORS},
    )
    + _t(Action.WITHDRAW, [Status.APPROVED], Status.WITHDRAWN, EDITORS, note_required=True)
    # Performed by the system when a correction is approved.
    + _t(Action.SUPERSEDE, [Status.APPROVED], Status.SUPERSEDED, EDITORS)
)

# Statuses in which the author may still edit the verdict's content.
EDITABLE = frozenset({Status.DRAFT, Status.RETURNED})
# Statuses that count as "in review or published" (not abandoned).
LIVE = frozenset({Status.DRAFT, Status.RETURNED, Status.SUBMITTED, Status.APPROVED})


def find_transition(action: str, source: str) -> Transition:
    """Return the transition for `action` from `source`, or raise InvalidTransition."""
    for transition in TRANSITIONS:
        if transition.action == action and transition.source == source:
            return transition
    allowed = sorted({t.action for t in TRANSITIONS if t.source == source})
    raise InvalidTransition(
        f"Cannot {action} a verdict that is {source}."
        + (f" Allowed from {source}: {', '.join(allowed)}." if allowed else "")
    )


def actor_allowed(transition: Transition, *, is_author: bool, roles: set[str]) -> bool:
    """Return whether someone with `roles` (and authorship) may perform `transition`."""
    if transition.not_author and is_author:
        return False
    if AUTHOR in transition.actors and is_author:
        return True
    return bool(transition.actors & roles)


def actions_from(source: str) -> list[str]:
    """Return the actions that are legal from `source`, in table order."""
    return list(dict.fromkeys(t.action for t in TRANSITIONS if t.source == source))
