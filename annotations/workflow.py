"""The verdict workflow as data: roles, statuses, status groups, actions, the transition table
and the rules that read it. Pure Python, no queries.

This is the only place a workflow rule is written down. Services ask `check_action` before they
change anything; pages and the API ask `allowed_actions` which buttons and endpoints to offer;
permissions read the role groups; selectors and exports read the status groups. Nothing else
spells out a status set, a role set or who may act.

    draft/returned --submit (author)--> submitted --approve (editor, not the author)--> approved
          ^                                 |                                              |
          +------- return (editor, note) ---+       correct: a new draft that supersedes it;
                                                    when approved the old one is `superseded`
    edit: the author, while draft or returned.
    withdraw: a draft, returned or submitted verdict by its author or an editor; an approved
    one by an editor, with a note.

"The author" always means the verdict's author *while they still hold an annotating role*: a
reviewer demoted to researcher can no longer edit, submit or withdraw what they wrote.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from django.db import models

from .exceptions import InvalidTransition, NotPermitted, ValidationFailed


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
    EDIT = "edit", "Edit"
    SUBMIT = "submit", "Submit"
    APPROVE = "approve", "Approve"
    RETURN = "return", "Return"
    WITHDRAW = "withdraw", "Withdraw"
    CORRECT = "correct", "Propose a correction"
    SUPERSEDE = "supersede", "Supersede"


# --- Role groups ------------------------------------------------------------------------------

# Who writes: marks claims, attaches sources, writes verdicts.
ANNOTATORS = frozenset({Role.REVIEWER, Role.EDITOR, Role.ADMIN})
# Who decides: approves, returns, withdraws published verdicts.
EDITORS = frozenset({Role.EDITOR, Role.ADMIN})
# Who exports the corpus (annotator identities: admins only).
EXPORTERS = frozenset({Role.RESEARCHER, Role.EDITOR, Role.ADMIN})
# Curate the reviewers' layers of a project with independent spans.
CURATORS = EDITORS

# --- Status groups ----------------------------------------------------------------------------

# The author may still change the content.
EDITABLE = frozenset({Status.DRAFT, Status.RETURNED})
# Private to the author (and, once returned, to the editors who returned it).
PRIVATE = EDITABLE
# Work in progress: one per reviewer and claim (and per reviewer and corrected verdict).
IN_PROGRESS = frozenset({Status.DRAFT, Status.RETURNED, Status.SUBMITTED})
# In review or published: not abandoned.
LIVE = IN_PROGRESS | {Status.APPROVED}
# Published, or formerly published.
PUBLIC = frozenset({Status.APPROVED, Status.SUPERSEDED})
# Reached an editor at least once (what agreement statistics count).
REACHED_SUBMISSION = frozenset(
    {Status.SUBMITTED, Status.RETURNED, Status.APPROVED, Status.SUPERSEDED}
)
# While a claim has a verdict in one of these, what the verdict covers (the claim's span,
# quote, statement, claimant, date and the sources it cites) is fixed: an editor is looking at
# it, or readers are. It changes only through a correction.
FREEZES_CLAIM = frozenset({Status.SUBMITTED, Status.APPROVED})

# Who may act: AUTHOR is the verdict's author (holding an annotating role); the rest are roles.
AUTHOR = "author"


@dataclass(frozen=True)
class Transition:
    action: str
    source: str
    target: str  # the status after the action (the same status for edit and correct)
    actors: frozenset[str]  # AUTHOR and/or Role values
    note_required: bool = False
    not_author: bool = False  # the four-eyes rule


def _t(action, sources, target, actors, **kw) -> list[Transition]:
    return [Transition(action, s, target or s, frozenset(actors), **kw) for s in sources]


TRANSITIONS: tuple[Transition, ...] = tuple(
    _t(Action.EDIT, EDITABLE, None, {AUTHOR})
    + _t(Action.SUBMIT, [Status.DRAFT, Status.RETURNED], Status.SUBMITTED, {AUTHOR})
    + _t(Action.APPROVE, [Status.SUBMITTED], Status.APPROVED, EDITORS, not_author=True)
    + _t(
        Action.RETURN,
        [Status.SUBMITTED],
        Status.RETURNED,
        EDITORS,
        note_required=True,
        not_author=True,
    )
    + _t(Action.WITHDRAW, IN_PROGRESS, Status.WITHDRAWN, {AUTHOR, *EDITORS})
    + _t(Action.WITHDRAW, [Status.APPROVED], Status.WITHDRAWN, EDITORS, note_required=True)
    # A correction is a new draft by any annotator; the corrected verdict keeps its status.
    + _t(Action.CORRECT, [Status.APPROVED], None, ANNOTATORS, note_required=True)
    # Performed by the system when a correction is approved.
    + _t(Action.SUPERSEDE, [Status.APPROVED], Status.SUPERSEDED, EDITORS)
)
# Actions a person chooses (SUPERSEDE happens to a verdict as a consequence of an approval).
PERSONAL_ACTIONS = tuple(a for a in Action.values if a != Action.SUPERSEDE)


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


def actor_allowed(transition: Transition, *, is_author: bool, roles: Iterable[str]) -> bool:
    """Return whether someone with `roles` (and authorship) may perform `transition`.

    Authorship counts only together with a current annotating role.
    """
    roles = set(roles)
    if transition.not_author and is_author:
        return False
    if AUTHOR in transition.actors and is_author and roles & ANNOTATORS:
        return True
    return bool(transition.actors & roles)


def allowed_actions(*, status: str, roles: Iterable[str], is_author: bool) -> frozenset[str]:
    """Return the actions someone with `roles` (and authorship) may take on a verdict in `status`."""
    roles = set(roles)
    return frozenset(
        t.action
        for t in TRANSITIONS
        if t.source == status
        and t.action in PERSONAL_ACTIONS
        and actor_allowed(t, is_author=is_author, roles=roles)
    )


def actions_from(source: str) -> list[str]:
    """Return the actions that are legal from `source`, in table order."""
    return list(dict.fromkeys(t.action for t in TRANSITIONS if t.source == source))


def check_action(
    action: str, *, status: str, roles: Iterable[str], is_author: bool, note: str = ""
) -> Transition:
    """Return the transition if the actor may take `action` now; raise the error that says why not.

    InvalidTransition (409) when the status does not allow the action, NotPermitted (403) when
    the actor may not take it, ValidationFailed (400) when a required note is missing.
    """
    transition = find_transition(action, status)
    roles = set(roles)
    if not actor_allowed(transition, is_author=is_author, roles=roles):
        if transition.not_author and is_author:
            raise NotPermitted(f"You cannot {action} your own verdict; another editor must.")
        if AUTHOR in transition.actors and is_author:
            raise NotPermitted(
                f"Your role in this project no longer allows you to {action} verdicts."
            )
        if AUTHOR in transition.actors and not transition.actors & roles:
            raise NotPermitted(f"Only the verdict's author can {action} it.")
        raise NotPermitted(f"Your role does not allow you to {action} this verdict.")
    if transition.note_required and not note.strip():
        raise ValidationFailed(f"A note is required to {action} a verdict.", field="note")
    return transition


# --- Double review ----------------------------------------------------------------------------


class VerdictFacts(Protocol):
    """What the double-review rule reads of a verdict (a model instance satisfies it)."""

    pk: int
    reviewer_id: int
    status: str
    rating_id: int
    supersedes_id: int | None


def independent_reviewers(
    verdict: VerdictFacts,
    siblings: Iterable[VerdictFacts],
    *,
    corrected: VerdictFacts | None = None,
) -> set[int] | None:
    """Return the reviewers whose independent verdicts back approving `verdict`, or None when
    approving it needs no independent verdicts.

    `siblings` are the claim's other verdicts; `corrected` is the verdict that `verdict`
    corrects, if it is a correction. A correction that keeps the rating of a verdict that is
    still published is an editorial fix and needs none. Every other decision counts the
    reviewers of its round: the submitted verdicts that answer the same question as `verdict`
    (the claim's first verdicts for a first verdict; the corrections of the same verdict for a
    correction, whether that verdict is still published or was withdrawn). Verdicts that lost an
    earlier decision belong to an earlier round and never count again.
    """
    if (
        corrected is not None
        and corrected.status == Status.APPROVED
        and verdict.rating_id == corrected.rating_id
    ):
        return None
    pool = [
        v
        for v in siblings
        if v.supersedes_id == verdict.supersedes_id
        and v.status in (Status.SUBMITTED, Status.APPROVED)
    ]
    return {v.reviewer_id for v in pool} | {verdict.reviewer_id}


def check_independent_verdicts(
    verdict: VerdictFacts,
    siblings: Iterable[VerdictFacts],
    *,
    required: int,
    corrected: VerdictFacts | None = None,
) -> None:
    """Raise InvalidTransition unless approving `verdict` has the project's independent verdicts."""
    if required <= 1:
        return
    reviewers = independent_reviewers(verdict, siblings, corrected=corrected)
    if reviewers is None or len(reviewers) >= required:
        return
    what = "verdicts" if verdict.supersedes_id is None else "corrections"
    raise InvalidTransition(
        f"This project needs {required} independent {what} before an editor decides; this "
        f"claim has {len(reviewers)}."
    )
