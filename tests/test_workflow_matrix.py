"""Every role × authorship × status × action, walked from the workflow table.

The pure test compares `workflow.allowed_actions` with the rules as a desk states them (written
out here independently of the table). The database test performs each action through the
services and checks that they allow exactly what `allowed_actions` says: no service restates a
rule of its own.
"""

from __future__ import annotations

import itertools

import pytest

from annotations import services
from annotations.exceptions import InvalidTransition, NotPermitted
from annotations.workflow import Action, Role, Status, allowed_actions
from tests.factories import make_claim, make_verdict

ROLES = list(Role.values)
STATUSES = list(Status.values)
ACTIONS = [a for a in Action.values if a != Action.SUPERSEDE]


def desk_rules(*, role: str, is_author: bool, status: str) -> set[str]:
    """The rules in words: what a newsroom expects each person to be able to do."""
    writes = role in {"reviewer", "editor", "admin"}
    decides = role in {"editor", "admin"}
    allowed = set()
    if is_author and writes and status in {"draft", "returned"}:
        allowed |= {"edit", "submit"}
    if status == "submitted" and decides and not is_author:
        allowed |= {"approve", "return"}
    if status in {"draft", "returned", "submitted"} and ((is_author and writes) or decides):
        allowed.add("withdraw")
    if status == "approved" and decides:
        allowed.add("withdraw")
    if status == "approved" and writes:
        allowed.add("correct")
    return allowed


@pytest.mark.parametrize(
    ("role", "is_author", "status"), list(itertools.product(ROLES, [True, False], STATUSES))
)
def test_the_table_says_what_the_desk_expects(role, is_author, status):
    assert allowed_actions(status=status, roles={role}, is_author=is_author) == desk_rules(
        role=role, is_author=is_author, status=status
    )


def test_no_roles_no_actions():
    for status in STATUSES:
        assert allowed_actions(status=status, roles=set(), is_author=True) == frozenset()


# --- The services obey the table --------------------------------------------------------------


def _bring_to(status, *, claim, author, editor, other_editor):
    if status in {"draft", "submitted", "returned", "approved"}:
        return make_verdict(claim=claim, user=author, status=status, editor=editor)
    if status == "withdrawn":
        verdict = make_verdict(claim=claim, user=author)
        return services.withdraw_verdict(verdict_id=verdict.pk, user=author)
    original = make_verdict(claim=claim, user=author, status="approved", editor=editor)
    correction = services.correct_verdict(
        verdict_id=original.pk,
        user=author,
        correction_note="Fix",
        rating="true",
        explanation="Fixed.",
        no_source_reason="None.",
    )
    services.submit_verdict(verdict_id=correction.pk, user=author)
    services.approve_verdict(verdict_id=correction.pk, editor=other_editor)
    original.refresh_from_db()
    return original


def _perform(action, verdict, user) -> None:
    pk = verdict.pk
    if action == "edit":
        services.update_verdict(verdict_id=pk, user=user, version=None, rating="true")
    elif action == "submit":
        services.submit_verdict(verdict_id=pk, user=user)
    elif action == "approve":
        services.approve_verdict(verdict_id=pk, editor=user)
    elif action == "return":
        services.return_verdict(verdict_id=pk, editor=user, note="Please add a source.")
    elif action == "withdraw":
        services.withdraw_verdict(verdict_id=pk, user=user, note="No longer relevant.")
    elif action == "correct":
        services.correct_verdict(
            verdict_id=pk, user=user, correction_note="Fix", rating="true", explanation="x"
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "is_author", "status"), list(itertools.product(ROLES, [True, False], STATUSES))
)
def test_services_allow_exactly_what_the_table_allows(
    project, article, editor, editor2, role, is_author, status
):
    from tests.conftest import _member

    author = _member(project, "author", "reviewer" if role == "researcher" else role)
    actor = author if is_author else _member(project, "actor", role)
    quotes = iter(_unique_quotes(article.text))
    for action in ACTIONS:
        claim = make_claim(article=article, user=author, quote=next(quotes))
        with_fresh = _bring_to(
            status, claim=claim, author=author, editor=editor, other_editor=editor2
        )
        if role == "researcher" and is_author:
            services.add_member(project=project, user=author, role="researcher")
        expected = action in allowed_actions(status=status, roles={role}, is_author=is_author)
        try:
            _perform(action, with_fresh, actor)
        except (NotPermitted, InvalidTransition) as exc:
            assert not expected, f"{role} {action} on {status}: refused ({exc})"
        else:
            assert expected, f"{role} {action} on {status}: allowed"
        # The next action gets a claim of its own, so earlier ones leave no trace.
        if role == "researcher" and is_author:
            services.add_member(project=project, user=author, role="reviewer")


def _unique_quotes(text: str) -> list[str]:
    """Return words that occur once in `text` (each becomes one claim)."""
    return [w for w in dict.fromkeys(text.split()) if text.count(w) == 1]
