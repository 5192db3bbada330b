"""Approving or returning several verdicts at once from the review queue: each goes through the
services on its own (status, version seen, four eyes), one failure does not stop the others,
and the summary says which succeeded and why the others did not."""

from __future__ import annotations

import html

import pytest
from django.test import Client

from annotations import services
from annotations.models import Verdict
from tests.factories import make_article, make_claim, make_verdict

pytestmark = pytest.mark.django_db
BULK = "/projects/newsdesk/queue/bulk/"
QUOTES = (
    "carry 22,000 passengers a day by 2030",
    "bus use fell 15% since 2019",
    "东京的人口是1400万",
)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def messages_of(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def submitted(article, reviewer):
    return [
        make_verdict(claim=make_claim(article=article, user=reviewer, quote=q), user=reviewer,
                     status="submitted")
        for q in QUOTES
    ]  # fmt: skip


def picks(verdicts, *, versions=None):
    return [f"{v.pk}:{(versions or {}).get(v.pk, v.version)}" for v in verdicts]


def test_bulk_approve_with_one_stale_verdict(submitted, editor, editor2):
    fresh, stale, taken = submitted
    page = client_for(editor).get("/projects/newsdesk/queue/")
    assert f'value="{fresh.pk}:{fresh.version}"' in page.content.decode()
    assert 'form="bulk-form"' in page.content.decode()
    # While the editor reads, another editor approves one verdict.
    services.approve_verdict(verdict_id=taken.pk, editor=editor2)
    client = client_for(editor)
    response = client.post(
        BULK,
        {"action": "approve", "verdict": picks([fresh, stale, taken], versions={stale.pk: 0})},
        follow=True,
    )
    text = messages_of(response)
    assert f"Approved 1 of 3: #{fresh.pk}." in text
    assert (
        f"Verdict #{stale.pk} not approved: changed since you loaded it (you saw version 0" in text
    )
    assert f"Verdict #{taken.pk} not approved:" in text
    statuses = dict(Verdict.objects.values_list("pk", "status"))
    assert statuses[fresh.pk] == "approved" and statuses[stale.pk] == "submitted"
    assert Verdict.objects.get(pk=taken.pk).approved_by == editor2


def test_bulk_return_needs_a_note_and_sends_each_back(submitted, editor):
    client = client_for(editor)
    refused = client.post(BULK, {"action": "return", "verdict": picks(submitted)}, follow=True)
    assert "Returning needs a note" in messages_of(refused)
    assert set(Verdict.objects.values_list("status", flat=True)) == {"submitted"}
    response = client.post(
        BULK,
        {"action": "return", "verdict": picks(submitted), "note": "Cite the 2025 figures."},
        follow=True,
    )
    assert "Returned 3 of 3" in messages_of(response)
    assert set(Verdict.objects.values_list("review_note", flat=True)) == {"Cite the 2025 figures."}


def test_four_eyes_holds_in_bulk(project, article, editor, editor2):
    own = make_verdict(
        claim=make_claim(article=article, user=editor), user=editor, status="submitted"
    )
    response = client_for(editor).post(
        BULK, {"action": "approve", "verdict": picks([own])}, follow=True
    )
    assert f"Verdict #{own.pk} not approved:" in messages_of(response)
    assert Verdict.objects.get(pk=own.pk).status == "submitted"


def test_verdicts_of_other_projects_and_junk_are_refused(
    submitted, editor, other_project, reviewer
):
    services.add_member(project=other_project, user=editor, role="editor")
    services.add_member(project=other_project, user=reviewer, role="reviewer")
    elsewhere_article = make_article(project=other_project, creator=reviewer)
    elsewhere = make_verdict(
        claim=make_claim(article=elsewhere_article, user=reviewer),
        user=reviewer,
        status="submitted",
    )
    client = client_for(editor)
    response = client.post(BULK, {"action": "approve", "verdict": picks([elsewhere])}, follow=True)
    assert f"Verdict #{elsewhere.pk} not approved: not a verdict of this project" in messages_of(
        response
    )
    assert Verdict.objects.get(pk=elsewhere.pk).status == "submitted"
    junk = client.post(BULK, {"action": "approve", "verdict": ["1;DROP"]}, follow=True)
    assert "'1;DROP' is not a verdict of the queue" in messages_of(junk)
    nothing = client.post(BULK, {"action": "approve"}, follow=True)
    assert "Tick at least one verdict" in messages_of(nothing)
    odd = client.post(BULK, {"action": "delete", "verdict": picks(submitted)}, follow=True)
    assert "Choose approve or return" in messages_of(odd)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("editor", 302),
        ("project_admin", 302),
        ("reviewer", 403),
        ("researcher", 403),
        ("outsider", 404),
    ],
)
def test_who_may_decide_in_bulk(request, submitted, who, status):
    user = request.getfixturevalue(who)
    response = client_for(user).post(BULK, {"action": "approve", "verdict": picks(submitted[:1])})
    assert response.status_code == status
    approved = Verdict.objects.get(pk=submitted[0].pk).status == "approved"
    assert approved == (status == 302)
