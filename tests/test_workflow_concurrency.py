"""Two editors deciding the same verdict at the same moment, on real parallel connections:
exactly one decision wins, the other gets InvalidTransition, and one event is written.

Each thread opens its own database connection (Django's connections are per thread) and closes
it in `finally`. The rows are serialised by `select_for_update` on PostgreSQL and by IMMEDIATE
transactions with a busy timeout on SQLite.
"""

from __future__ import annotations

import pytest

from annotations import services
from annotations.exceptions import Conflict, InvalidTransition
from annotations.models import Event, Verdict
from tests.concurrency import race
from tests.factories import make_claim, make_verdict

# Transactional: each thread needs its own committed view of the rows. The flush afterwards
# removes the default rating scale too; the project factory recreates it on demand.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def queued(article, reviewer):
    claim = make_claim(article=article, user=reviewer)
    return make_verdict(claim=claim, user=reviewer, status="submitted")


def winners_and_losers(outcomes):
    winners = [o for o in outcomes if isinstance(o, Verdict)]
    losers = [o for o in outcomes if not isinstance(o, Verdict)]
    return winners, losers


def test_two_editors_approving_at_once_one_wins(queued, editor, editor2):
    outcomes = race(
        lambda: services.approve_verdict(verdict_id=queued.pk, editor=editor),
        lambda: services.approve_verdict(verdict_id=queued.pk, editor=editor2),
    )
    winners, losers = winners_and_losers(outcomes)
    assert len(winners) == 1, outcomes
    assert len(losers) == 1 and isinstance(losers[0], InvalidTransition), outcomes
    assert "Cannot approve a verdict that is approved" in losers[0].message
    verdict = Verdict.objects.get(pk=queued.pk)
    assert verdict.status == "approved" and verdict.approved_by_id == winners[0].approved_by_id
    assert Event.objects.filter(verdict_id=queued.pk, action="approve").count() == 1


def test_approve_and_return_racing_one_wins(queued, editor, editor2):
    outcomes = race(
        lambda: services.approve_verdict(verdict_id=queued.pk, editor=editor),
        lambda: services.return_verdict(verdict_id=queued.pk, editor=editor2, note="Redo"),
    )
    winners, losers = winners_and_losers(outcomes)
    assert len(winners) == 1 and len(losers) == 1, outcomes
    assert isinstance(losers[0], InvalidTransition), outcomes
    verdict = Verdict.objects.get(pk=queued.pk)
    assert verdict.status == winners[0].status
    decisions = Event.objects.filter(verdict_id=queued.pk, action__in=["approve", "return"])
    assert decisions.count() == 1
    assert decisions.get().to_status == verdict.status
    assert verdict.version == queued.version + 1


def test_eight_parallel_approvals_across_sibling_verdicts_make_one_decision(
    project, article, reviewer, reviewer2, editor, editor2
):
    """Four editors approve both of a claim's double-reviewed verdicts at once. Locks taken in
    opposite orders (each editor's verdict first, then its sibling) deadlocked on PostgreSQL and
    gave 500s; every writer now locks the claim row first and the verdicts in id order."""
    from tests.conftest import _member

    project.required_verdicts = 2
    project.save(update_fields=["required_verdicts"])
    claim = make_claim(article=article, user=reviewer)
    first = make_verdict(claim=claim, user=reviewer, status="submitted")
    second = make_verdict(claim=claim, user=reviewer2, rating="false", status="submitted")
    editors = [editor, editor2, _member(project, "ed3", "editor"), _member(project, "ed4", "admin")]
    calls = [
        (lambda e=e, v=v: services.approve_verdict(verdict_id=v.pk, editor=e))
        for e in editors
        for v in (first, second)
    ]
    outcomes = race(*calls)
    winners, losers = winners_and_losers(outcomes)
    assert len(winners) == 1, outcomes
    assert all(isinstance(o, InvalidTransition | Conflict) for o in losers), outcomes
    assert Verdict.objects.filter(claim=claim, status="approved").count() == 1
    assert Event.objects.filter(claim_id=claim.pk, action="approve").count() == 1
