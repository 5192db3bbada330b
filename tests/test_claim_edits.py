"""Adjusting a claim's span and correcting or removing sources, over the JSON API: code-point
offsets around emoji and CJK, the history of old and new, and the rule that what a verdict in
review or published covers does not change."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from annotations.models import Claim, Event, Source, Verdict
from tests.factories import make_claim, make_source, make_verdict

pytestmark = pytest.mark.django_db


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def claim(article, reviewer):
    return make_claim(article=article, user=reviewer, quote="bus use fell 15%")


class TestReplaceSpan:
    def test_by_offsets_after_emoji_and_cjk(self, article, claim, reviewer):
        text = article.text
        start = text.index("东京")
        end = start + len("东京的人口是1400万")
        response = api_for(reviewer).patch(
            reverse("api-claim", args=[claim.pk]), {"start": start, "end": end}, format="json"
        )
        assert response.status_code == 200, response.json()
        claim.refresh_from_db()
        assert (claim.start, claim.end, claim.quote) == (start, end, text[start:end])
        assert claim.prefix == text[max(0, start - 32) : start]
        event = Event.objects.get(claim_id=claim.pk, action="replace_span")
        assert event.changes["quote"] == {"from": "bus use fell 15%", "to": "东京的人口是1400万"}
        assert event.changes["start"]["to"] == start

    def test_by_quote_after_the_rocket(self, article, claim, reviewer):
        response = api_for(reviewer).patch(
            reverse("api-claim", args=[claim.pk]),
            {"quote": "said bus use fell", "prefix": "Critics 🚀 "},
            format="json",
        )
        assert response.status_code == 200, response.json()
        claim.refresh_from_db()
        assert article.text[claim.start : claim.end] == "said bus use fell"

    def test_onto_another_claims_span_is_409(self, article, claim, reviewer):
        other = make_claim(article=article, user=reviewer, quote="doubled their prices")
        response = api_for(reviewer).patch(
            reverse("api-claim", args=[claim.pk]),
            {"start": other.start, "end": other.end},
            format="json",
        )
        assert response.status_code == 409
        assert f"#{other.pk}" in response.json()["detail"]

    @pytest.mark.parametrize(
        ("body", "message"),
        [
            ({"start": 5, "end": 2}, "outside the text"),
            ({"start": 0, "end": 10**6}, "outside the text"),
            ({"quote": "not in the article"}, "not found"),
            ({"start": 3}, "both start and end"),
        ],
    )
    def test_bad_spans_are_400_and_change_nothing(self, claim, reviewer, body, message):
        response = api_for(reviewer).patch(
            reverse("api-claim", args=[claim.pk]), body, format="json"
        )
        assert response.status_code == 400
        assert message in response.json()["detail"].lower() or message in response.json()["detail"]
        assert Claim.objects.get(pk=claim.pk).quote == "bus use fell 15%"

    def test_a_published_claims_span_is_fixed(self, article, claim, reviewer, editor):
        make_verdict(claim=claim, user=reviewer, status="approved", editor=editor)
        response = api_for(reviewer).patch(
            reverse("api-claim", args=[claim.pk]), {"start": 0, "end": 9}, format="json"
        )
        assert response.status_code == 409
        assert Claim.objects.get(pk=claim.pk).quote == "bus use fell 15%"


class TestSources:
    def test_an_uncited_source_is_corrected_with_history(self, claim, reviewer):
        source = make_source(claim=claim, user=reviewer)
        response = api_for(reviewer).patch(
            reverse("api-source", args=[source.pk]),
            {"url": "https://stats.example.org/ridership-2026", "stance": "refutes"},
            format="json",
        )
        assert response.status_code == 200, response.json()
        source.refresh_from_db()
        assert (source.url, source.stance) == (
            "https://stats.example.org/ridership-2026",
            "refutes",
        )
        event = Event.objects.get(action="update_source", target_id=source.pk)
        assert event.changes["stance"] == {"from": "supports", "to": "refutes"}

    def test_a_source_a_draft_cites_is_removed_and_the_draft_stops_citing_it(self, claim, reviewer):
        draft = make_verdict(claim=claim, user=reviewer)
        (source,) = draft.sources.all()
        response = api_for(reviewer).delete(reverse("api-source", args=[source.pk]))
        assert response.status_code == 204
        assert not Source.objects.filter(pk=source.pk).exists()
        assert not Verdict.objects.get(pk=draft.pk).sources.exists()
        event = Event.objects.get(action="remove_source")
        assert event.changes["uncited_by"] == [draft.pk]

    @pytest.mark.parametrize("status", ["submitted", "approved"])
    def test_a_source_cited_in_review_or_published_is_read_only(
        self, claim, reviewer, editor, status
    ):
        verdict = make_verdict(claim=claim, user=reviewer, status=status, editor=editor)
        (source,) = verdict.sources.all()
        client = api_for(reviewer)
        response = client.patch(
            reverse("api-source", args=[source.pk]), {"url": "https://x.example/"}, format="json"
        )
        assert response.status_code == 409
        assert f"Verdict #{verdict.pk}" in response.json()["detail"]
        assert client.delete(reverse("api-source", args=[source.pk])).status_code == 409
        assert Source.objects.get(pk=source.pk).url == "https://stats.example.org/ridership"

    def test_researchers_and_outsiders_cannot(self, claim, reviewer, researcher, outsider):
        source = make_source(claim=claim, user=reviewer)
        url = reverse("api-source", args=[source.pk])
        assert api_for(researcher).delete(url).status_code == 403
        assert api_for(outsider).delete(url).status_code == 404
        assert api_for(outsider).get(url).status_code == 404
        assert Source.objects.filter(pk=source.pk).exists()
