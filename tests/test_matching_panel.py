"""The claim panel's "Checked before" section, server-rendered: suggestions with their
differences, and confirm/dismiss forms that work without JavaScript."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from annotations.models import ClaimMatch, Event
from tests.factories import make_article, make_claim, make_verdict

pytestmark = pytest.mark.django_db
TEXT = (
    "Knife crime in London rose 20% last year. Knife crime in Birmingham rose 20% last year. "
    "London saw knife crime go up by 20 per cent last year. Knife crime in Leeds rose 20% last "
    "year. Knife crime in Bristol rose 20% last year."
)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def panel(project, reviewer, editor):
    article = make_article(project=project, creator=reviewer, text=TEXT)
    london = make_claim(
        article=article, user=reviewer, quote="Knife crime in London rose 20% last year."
    )
    make_verdict(claim=london, user=reviewer, status="approved", editor=editor, rating="true")
    reworded = make_claim(
        article=article,
        user=reviewer,
        quote="London saw knife crime go up by 20 per cent last year.",
    )
    birmingham = make_claim(
        article=article, user=reviewer, quote="Knife crime in Birmingham rose 20% last year."
    )
    return {"article": article, "london": london, "reworded": reworded, "birmingham": birmingham}


def page(user, claim):
    return client_for(user).get(f"/articles/{claim.article_id}/?claim={claim.pk}")


def test_a_rewording_shows_the_earlier_verdict_as_the_same_claim(panel, reviewer):
    html = page(reviewer, panel["reworded"]).content.decode()
    assert "Checked before" in html
    assert "Knife crime in London rose 20% last year." in html
    assert "Same claim</strong>" in html
    assert f"open verdict #{panel['london'].verdicts.get().pk}" in html
    assert "Ridership figures agree." in html  # the start of the explanation, as text


def test_another_place_is_only_related_and_the_difference_is_named(panel, reviewer):
    html = page(reviewer, panel["birmingham"]).content.decode()
    assert "Related</strong>" in html and "Same claim</strong>" not in html
    assert "Differs in entity: Birmingham here, London there" in html


def test_confirming_without_javascript_links_and_returns_to_the_panel(panel, reviewer):
    claim = panel["reworded"]
    client = client_for(reviewer)
    response = client.post(
        f"/claims/{claim.pk}/matches/", {"matched": panel["london"].pk, "decision": "same"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"?claim={claim.pk}#checked-before")
    assert ClaimMatch.objects.get().decision == "same"
    assert Event.objects.filter(action="match_confirmed", claim_id=claim.pk).exists()
    html = client.get(response["Location"]).content.decode()
    assert "· linked" in html and "Linked to claim" in html


def test_a_dismissed_suggestion_leaves_the_panel(panel, reviewer):
    claim = panel["birmingham"]
    client_for(reviewer).post(
        f"/claims/{claim.pk}/matches/", {"matched": panel["london"].pk, "decision": "dismissed"}
    )
    html = page(reviewer, claim).content.decode()
    assert "Knife crime in London rose 20% last year.</blockquote>" not in html
    assert "No earlier approved verdict" in html


def test_a_researcher_cannot_decide_and_is_told_why(panel, researcher):
    response = client_for(researcher).post(
        f"/claims/{panel['reworded'].pk}/matches/",
        {"matched": panel["london"].pk, "decision": "same"},
        follow=True,
    )
    assert "Researchers can read but not decide" in response.content.decode()
    assert not ClaimMatch.objects.exists()


def test_a_malformed_decision_is_refused_with_a_message(panel, reviewer):
    response = client_for(reviewer).post(
        f"/claims/{panel['reworded'].pk}/matches/",
        {"matched": "x", "decision": "maybe"},
        follow=True,
    )
    assert "Choose a suggestion" in response.content.decode()
    assert not ClaimMatch.objects.exists()


def test_the_panel_query_count_does_not_grow_with_the_suggestions(panel, project, reviewer, editor):
    """More earlier verdicts to show cost no more queries."""
    claim = panel["birmingham"]
    client = client_for(reviewer)
    client.get(f"/articles/{claim.article_id}/?claim={claim.pk}")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/articles/{claim.article_id}/?claim={claim.pk}")
        assert response.status_code == 200
        return len(queries)

    before = count()
    article = panel["article"]
    for quote in (
        "Knife crime in Leeds rose 20% last year.",
        "Knife crime in Bristol rose 20% last year.",
    ):
        other = make_claim(article=article, user=reviewer, quote=quote)
        make_verdict(claim=other, user=reviewer, status="approved", editor=editor)
    html = client.get(f"/articles/{claim.article_id}/?claim={claim.pk}").content.decode()
    assert html.count("Related</strong>") == 3
    assert count() == before
