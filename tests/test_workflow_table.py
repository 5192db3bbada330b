"""The transition table, without a database."""

import pytest

from annotations.exceptions import InvalidTransition
from annotations.workflow import AUTHOR, Role, Status, actions_from, actor_allowed, find_transition


def test_submit_is_for_the_author_only():
    transition = find_transition("submit", Status.DRAFT)
    assert transition.target == Status.SUBMITTED
    assert actor_allowed(transition, is_author=True, roles={Role.REVIEWER})
    assert not actor_allowed(transition, is_author=False, roles={Role.EDITOR})


def test_four_eyes_beats_the_editor_role():
    transition = find_transition("approve", Status.SUBMITTED)
    assert not actor_allowed(transition, is_author=True, roles={Role.EDITOR})
    assert actor_allowed(transition, is_author=False, roles={Role.ADMIN})
    assert not actor_allowed(transition, is_author=False, roles={Role.RESEARCHER})


def test_unknown_move_says_what_is_allowed():
    with pytest.raises(
        InvalidTransition, match="Allowed from submitted: approve, return, withdraw"
    ):
        find_transition("submit", Status.SUBMITTED)


def test_nothing_leaves_superseded_or_withdrawn():
    assert actions_from(Status.SUPERSEDED) == []
    assert actions_from(Status.WITHDRAWN) == []


def test_every_transition_names_its_actors():
    from annotations.workflow import TRANSITIONS

    for transition in TRANSITIONS:
        assert transition.actors <= {AUTHOR, *Role.values}
