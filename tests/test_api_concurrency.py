"""Two editors approve the same verdict at the same moment over real HTTP: exactly one wins.

Each request runs in the live server's own thread with its own database connection, so the
race is decided by the database (row lock on PostgreSQL, IMMEDIATE transactions on SQLite).
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

import pytest

from annotations import tokens
from annotations.models import Event, Verdict
from tests.factories import make_claim, make_verdict


def post(url: str, key: str, body: dict) -> int:
    """POST JSON to the loopback live server; return the status code."""
    request = urllib.request.Request(  # noqa: S310 - a loopback test server
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Token {key}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as exc:
        assert json.loads(exc.read())["detail"]  # every refusal says why
        return exc.code


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("second_action", ["approve", "return"])
def test_racing_decisions_have_one_winner(
    live_server, article, reviewer, editor, editor2, second_action
):
    claim = make_claim(article=article, user=reviewer)
    verdict = make_verdict(claim=claim, user=reviewer, status="submitted")
    keys = [tokens.create_token(user=user, name="race")[1] for user in (editor, editor2)]
    calls = [
        (f"{live_server.url}/api/v1/verdicts/{verdict.pk}/approve/", keys[0], {}),
        (
            f"{live_server.url}/api/v1/verdicts/{verdict.pk}/{second_action}/",
            keys[1],
            {"note": "Needs data."},
        ),
    ]
    barrier = threading.Barrier(2)
    results: list[int] = [0, 0]

    def run(index: int) -> None:
        barrier.wait()
        results[index] = post(*calls[index])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == [200, 409], results
    verdict.refresh_from_db()
    decisions = Event.objects.filter(verdict_id=verdict.pk, action__in=["approve", "return"])
    assert decisions.count() == 1
    assert verdict.status == {"approve": "approved", "return": "returned"}[decisions.get().action]
    assert Verdict.objects.filter(claim=claim, status="approved").count() <= 1
