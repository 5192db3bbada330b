"""Published fact-checks change only through an editor: the attacks of issue 15, each on every
path that could carry it (services, JSON API, pages, exports)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from annotations import services
from annotations.exceptions import InvalidTransition, NotPermitted
from annotations.models import Claim, Event, Verdict
from tests.factories import make_claim, make_source, make_verdict

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim(article, reviewer):
    return make_claim(article=article, user=reviewer)


@pytest.fixture
def published(claim, reviewer, editor):
    return make_verdict(
        claim=claim, user=reviewer, rating="false", status="approved", editor=editor
    )


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def export(user, project, fmt: str, status: str = "approved") -> bytes:
    response = api_for(user).get(
        reverse("project-export", args=[project.slug]), {"format": fmt, "status": status}
    )
    assert response.status_code == 200, response
    return b"".join(response.streaming_content)


class TestClaimOfAPublishedVerdict:
    def test_api_patch_of_the_statement_is_409_and_nothing_changes(
        self, claim, published, reviewer, project, researcher
    ):
        before = export(researcher, project, "claimreview")
        response = api_for(reviewer).patch(
            reverse("api-claim", args=[claim.pk]),
            {"statement": "Something else entirely."},
            format="json",
        )
        assert response.status_code == 409
        assert "correction" in response.json()["detail"]
        assert Claim.objects.get(pk=claim.pk).statement == ""
        assert export(researcher, project, "claimreview") == before

    @pytest.mark.parametrize("field", ["statement", "claimant", "claim_date"])
    def test_every_field_is_fixed_while_in_review_too(self, claim, reviewer, editor, field):
        make_verdict(claim=claim, user=reviewer, status="submitted")
        value = "2026-01-02" if field == "claim_date" else "changed"
        import datetime as dt

        if field == "claim_date":
            value = dt.date(2026, 1, 2)
        with pytest.raises(InvalidTransition, match="in review"):
            services.update_claim(claim_id=claim.pk, user=editor, **{field: value})

    def test_unchanged_values_are_not_a_change(self, claim, published, reviewer):
        services.update_claim(claim_id=claim.pk, user=reviewer, statement="")

    def test_the_page_form_refuses_too(self, client, claim, published, reviewer):
        client.force_login(reviewer)
        response = client.post(
            reverse("claim_update", args=[claim.pk]),
            {"claim-statement": "Rewritten", "claim-claimant": ""},
        )
        assert response.status_code == 409
        assert Claim.objects.get(pk=claim.pk).statement == ""

    def test_a_correction_changes_the_claim_when_an_editor_approves_it(
        self, claim, published, reviewer, reviewer2, editor
    ):
        correction = services.correct_verdict(
            verdict_id=published.pk,
            user=reviewer2,
            correction_note="The claim was misquoted.",
            rating="false",
            explanation="Still false.",
            no_source_reason="Phone interview.",
            claim_changes={"statement": "Trams carry 22,000 a day.", "claimant": "The mayor"},
        )
        services.submit_verdict(verdict_id=correction.pk, user=reviewer2)
        assert Claim.objects.get(pk=claim.pk).statement == ""  # not before approval
        services.approve_verdict(verdict_id=correction.pk, editor=editor)
        claim.refresh_from_db()
        assert (claim.statement, claim.claimant) == ("Trams carry 22,000 a day.", "The mayor")
        event = Event.objects.get(action="update_claim", claim_id=claim.pk)
        assert event.verdict_id == correction.pk and "misquoted" in event.note

    def test_only_a_correction_proposes_claim_changes(self, claim, reviewer):
        draft = make_verdict(claim=claim, user=reviewer)
        response = api_for(reviewer).patch(
            reverse("api-verdict", args=[draft.pk]),
            {"claim_changes": {"statement": "x"}},
            format="json",
            HTTP_IF_MATCH=draft.etag,
        )
        assert response.status_code == 400
        assert response.json()["field"] == "claim_changes"


class TestSourcesAfterApproval:
    @pytest.fixture
    def late_source(self, claim, published, reviewer2):
        return make_source(claim=claim, user=reviewer2, url="https://late.example.org/after")

    def test_csv_shows_the_sources_the_published_verdict_cites(
        self, project, late_source, researcher
    ):
        rows = list(csv.DictReader(io.StringIO(export(researcher, project, "csv").decode())))
        assert rows and "late.example.org" not in rows[0]["source_urls"]
        assert "stats.example.org" in rows[0]["source_urls"]

    @pytest.mark.parametrize("fmt", ["jsonl", "wadm", "claimreview", "fever"])
    def test_no_approved_export_carries_the_late_source(
        self, project, late_source, researcher, fmt
    ):
        assert b"late.example.org" not in export(researcher, project, fmt)

    def test_the_full_export_keeps_it_outside_the_verdict(
        self, project, late_source, published, researcher
    ):
        (record,) = [
            json.loads(line) for line in export(researcher, project, "jsonl", "all").splitlines()
        ]
        (claim,) = record["claims"]
        assert late_source.pk in [s["id"] for s in claim["sources"]]
        (verdict,) = claim["verdicts"]
        assert late_source.pk not in verdict["sources"]

    def test_a_correction_may_cite_it(self, claim, published, late_source, reviewer2, editor):
        correction = services.correct_verdict(
            verdict_id=published.pk,
            user=reviewer2,
            correction_note="A newer report.",
            rating="false",
            explanation="Still false, see the new report.",
            sources=[late_source.pk],
        )
        services.submit_verdict(verdict_id=correction.pk, user=reviewer2)
        services.approve_verdict(verdict_id=correction.pk, editor=editor)
        assert list(Verdict.objects.get(pk=correction.pk).sources.all()) == [late_source]


class TestDoubleReviewOfCorrections:
    def test_withdrawing_the_published_verdict_does_not_open_a_shortcut(
        self, project, claim, reviewer, reviewer2, editor, editor2
    ):
        """The attack: with two verdicts required, withdraw the approved verdict, then approve a
        single reviewer's correction with the opposite rating."""
        project.required_verdicts = 2
        project.save(update_fields=["required_verdicts"])
        first = make_verdict(claim=claim, user=reviewer, rating="true", status="submitted")
        make_verdict(claim=claim, user=reviewer2, rating="true", status="submitted")
        services.approve_verdict(verdict_id=first.pk, editor=editor)
        correction = services.correct_verdict(
            verdict_id=first.pk,
            user=reviewer,
            correction_note="Flip it.",
            rating="false",
            explanation="Flipped.",
            no_source_reason="None.",
        )
        services.submit_verdict(verdict_id=correction.pk, user=reviewer)
        services.withdraw_verdict(verdict_id=first.pk, user=editor2, note="Making way.")
        with pytest.raises(InvalidTransition, match="needs 2 independent"):
            services.approve_verdict(verdict_id=correction.pk, editor=editor)
        assert Verdict.objects.get(pk=correction.pk).status == "submitted"
        assert not Verdict.objects.filter(claim=claim, status="approved").exists()

    def test_over_http_it_is_a_409(self, project, claim, reviewer, reviewer2, editor):
        project.required_verdicts = 2
        project.save(update_fields=["required_verdicts"])
        first = make_verdict(claim=claim, user=reviewer, rating="true", status="submitted")
        make_verdict(claim=claim, user=reviewer2, rating="true", status="submitted")
        services.approve_verdict(verdict_id=first.pk, editor=editor)
        response = api_for(reviewer).post(
            reverse("api-verdict-correct", args=[first.pk]),
            {"rating": "false", "correction_note": "Flip", "explanation": "x"},
            format="json",
        )
        assert response.status_code == 201, response.json()
        correction_id = response.json()["id"]
        services.update_verdict(
            verdict_id=correction_id, user=reviewer, version=None, no_source_reason="None."
        )
        services.submit_verdict(verdict_id=correction_id, user=reviewer)
        response = api_for(editor).post(reverse("api-verdict-approve", args=[correction_id]))
        assert response.status_code == 409
        assert "independent" in response.json()["detail"]


class TestDemotedAuthor:
    @pytest.fixture
    def demoted_draft(self, project, claim, reviewer):
        draft = make_verdict(claim=claim, user=reviewer)
        services.add_member(project=project, user=reviewer, role="researcher")
        return draft

    def test_cannot_edit_or_submit_or_withdraw(self, demoted_draft, reviewer):
        with pytest.raises(NotPermitted, match="no longer allows"):
            services.update_verdict(
                verdict_id=demoted_draft.pk, user=reviewer, version=None, rating="true"
            )
        with pytest.raises(NotPermitted, match="no longer allows"):
            services.submit_verdict(verdict_id=demoted_draft.pk, user=reviewer)
        with pytest.raises(NotPermitted, match="no longer allows"):
            services.withdraw_verdict(verdict_id=demoted_draft.pk, user=reviewer)
        assert Verdict.objects.get(pk=demoted_draft.pk).status == "draft"

    def test_over_http_it_is_403(self, demoted_draft, reviewer):
        client = api_for(reviewer)
        response = client.post(reverse("api-verdict-submit", args=[demoted_draft.pk]))
        assert response.status_code == 403
        response = client.patch(
            reverse("api-verdict", args=[demoted_draft.pk]),
            {"rating": "true"},
            format="json",
            HTTP_IF_MATCH=demoted_draft.etag,
        )
        assert response.status_code == 403

    def test_the_page_offers_no_submit_button(self, client, demoted_draft, reviewer):
        client.force_login(reviewer)
        response = client.get(reverse("verdict_detail", args=[demoted_draft.pk]))
        assert response.status_code == 200
        assert reverse("verdict_submit", args=[demoted_draft.pk]) not in response.content.decode()


def test_the_annotation_page_shows_a_published_claim_as_fixed(client, claim, published, reviewer):
    client.force_login(reviewer)
    html = client.get(
        reverse("article_annotate", args=[claim.article_id]), {"claim": claim.pk}
    ).content.decode()
    assert "change only through a correction" in html
    assert reverse("verdict_detail", args=[published.pk]) in html
    assert "Save claim" not in html


def test_the_correction_form_on_the_verdict_page_corrects_the_claim(
    client, claim, published, reviewer2, editor
):
    client.force_login(reviewer2)
    response = client.post(
        reverse("verdict_correct", args=[published.pk]),
        {
            "rating": "false",
            "explanation": "Still false.",
            "no_source_reason": "Phone call.",
            "correction_note": "The statement misquoted the mayor.",
            "statement": "The tram will carry 22,000 people daily.",
            "claimant": "",
        },
    )
    assert response.status_code == 302
    correction = Verdict.objects.get(supersedes=published)
    assert correction.claim_changes == {"statement": "The tram will carry 22,000 people daily."}
    services.submit_verdict(verdict_id=correction.pk, user=reviewer2)
    page = client.get(reverse("verdict_detail", args=[correction.pk])).content.decode()
    assert "Changes to the claim on approval" in page
    services.approve_verdict(verdict_id=correction.pk, editor=editor)
    claim.refresh_from_db()
    assert claim.statement == "The tram will carry 22,000 people daily."
