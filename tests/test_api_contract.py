"""The JSON API's contract with its clients (the browser UI, scripts, researchers): the exact
shape of a marked claim, session auth with the CSRF header, verdict summaries that respect
visibility, the history's changed fields, errors with messages, and bounded query counts."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from annotations import tokens
from annotations.models import Claim, Event, Verdict
from tests.factories import make_article, make_claim, make_source, make_verdict

pytestmark = pytest.mark.django_db

CLAIM_FIELDS = {
    "id", "article", "start", "end", "quote", "prefix", "suffix", "statement", "claimant",
    "claim_date", "created_by", "created_at", "updated_at", "verdicts", "anchor", "text_version",
    "layer", "curation", "curated_claim", "annotator",
}  # fmt: skip


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def claims_url(article) -> str:
    return f"/api/v1/articles/{article.pk}/claims/"


@pytest.fixture
def claim(article, reviewer):
    return make_claim(article=article, user=reviewer)


class TestMarkedClaimShape:
    def test_created_claim_has_every_contract_field_and_no_verdicts(self, article, reviewer):
        response = client_for(reviewer).post(
            claims_url(article),
            {"quote": "bus use fell 15%", "claimant": "Critics", "claim_date": "2026-01-31"},
            format="json",
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert set(body) == CLAIM_FIELDS
        assert body["verdicts"] == []
        assert (body["article"], body["created_by"], body["claimant"], body["claim_date"]) == (
            article.pk,
            reviewer.username,
            "Critics",
            "2026-01-31",
        )
        assert body["prefix"] + body["quote"] + body["suffix"] in article.text

    def test_session_with_the_csrf_header_marks_a_claim(self, article, reviewer):
        client = APIClient(enforce_csrf_checks=True)
        client.force_login(reviewer)
        csrf = "k" * 32
        client.cookies["csrftoken"] = csrf
        response = client.post(
            claims_url(article), {"start": 0, "end": 9}, format="json", HTTP_X_CSRFTOKEN=csrf
        )
        assert response.status_code == 201, response.content
        assert response.json()["quote"] == "The mayor"
        wrong = client.post(
            claims_url(article), {"start": 4, "end": 9}, format="json", HTTP_X_CSRFTOKEN="x" * 32
        )
        assert wrong.status_code == 403 and "CSRF" in wrong.json()["detail"]

    def test_offsets_and_a_consistent_quote_together_are_accepted(self, article, reviewer):
        """The browser UI sends both the offsets and the quote it saw; they must agree."""
        start = article.text.index("Critics")
        response = client_for(reviewer).post(
            claims_url(article),
            {"start": start, "end": start + 7, "quote": "Critics", "prefix": "2030. "},
            format="json",
        )
        assert response.status_code == 201 and response.json()["start"] == start

    @pytest.mark.parametrize(
        ("body", "field", "message"),
        [
            ({"start": 1.5, "end": 3}, "start", "valid integer"),
            ({"start": [0], "end": 3}, "start", "valid integer"),
            ({"start": 0, "end": 0}, "end", "greater than or equal to 1"),
            ({"start": 0}, "end", "Give both start and end"),
            ({"quote": ""}, "quote", "may not be blank"),
            ({"quote": 42}, "quote", ""),
            (
                {"start": 0, "end": 3, "claim_date": "31/01/2026"},
                "claim_date",
                "Date has wrong format",
            ),
            ({"start": 0, "end": 3, "claimant": "x" * 201}, "claimant", "no more than 200"),
        ],
    )
    def test_wrong_types_are_400_naming_the_field(self, article, reviewer, body, field, message):
        response = client_for(reviewer).post(claims_url(article), body, format="json")
        assert response.status_code == 400, response.content
        assert response.json()["field"] == field and message in response.json()["detail"]
        assert not Claim.objects.exists()

    def test_a_json_array_body_is_400(self, article, reviewer):
        response = client_for(reviewer).post(
            claims_url(article), json.dumps([0, 3]), content_type="application/json"
        )
        assert response.status_code == 400 and response.json()["detail"]

    def test_markup_in_text_fields_is_stored_stripped(self, article, reviewer):
        response = client_for(reviewer).post(
            claims_url(article),
            {
                "quote": "Café owners",
                "statement": '<img src=x onerror="alert(1)">Prices <b>doubled</b>',
                "claimant": "<script>alert(1)</script>Owners",
            },
            format="json",
        )
        assert response.status_code == 201, response.content
        claim = Claim.objects.get()
        assert (claim.statement, claim.claimant) == ("Prices doubled", "Owners")
        assert "<" not in response.json()["statement"] + response.json()["claimant"]


class TestVerdictSummariesOnClaims:
    def test_claim_reads_show_only_the_verdicts_the_caller_may_read(
        self, article, claim, reviewer, reviewer2
    ):
        mine = make_verdict(claim=claim, user=reviewer, status="submitted")
        private = make_verdict(claim=claim, user=reviewer2)  # reviewer2's draft
        for url in (f"/api/v1/claims/{claim.pk}/", claims_url(article)):
            body = client_for(reviewer).get(url).json()
            summaries = body["verdicts"] if "verdicts" in body else body["results"][0]["verdicts"]
            assert [v["id"] for v in summaries] == [mine.pk], url
        own = client_for(reviewer2).get(f"/api/v1/claims/{claim.pk}/").json()["verdicts"]
        assert {v["id"] for v in own} == {mine.pk, private.pk}
        assert {"id", "status", "rating", "reviewer", "version"} <= set(own[0])


class TestDecisionsAndVersions:
    def test_approving_a_verdict_another_editor_returned_is_409_not_404(
        self, claim, reviewer, editor, editor2
    ):
        verdict = make_verdict(claim=claim, user=reviewer, status="submitted")
        returned = client_for(editor2).post(
            f"/api/v1/verdicts/{verdict.pk}/return/", {"note": "Cite it."}, format="json"
        )
        assert returned.status_code == 200
        late = client_for(editor).post(f"/api/v1/verdicts/{verdict.pk}/approve/")
        assert late.status_code == 409 and "returned" in late.json()["detail"]
        seen = client_for(editor).get(f"/api/v1/verdicts/{verdict.pk}/")
        assert seen.status_code == 200 and seen.json()["review_note"] == "Cite it."

    def test_stale_if_match_on_a_transition_is_412_with_the_current_version(
        self, claim, reviewer, editor
    ):
        verdict = make_verdict(claim=claim, user=reviewer, status="submitted")
        response = client_for(editor).post(
            f"/api/v1/verdicts/{verdict.pk}/approve/", HTTP_IF_MATCH='"1"'
        )
        assert response.status_code == 412
        assert response.json()["current_version"] == verdict.version == 2
        assert response["ETag"] == '"2"' and "version" in response.json()["detail"]
        assert Verdict.objects.get(pk=verdict.pk).status == "submitted"

    def test_the_author_approving_their_own_verdict_is_403(self, claim, editor):
        verdict = make_verdict(claim=claim, user=editor, status="submitted")
        response = client_for(editor).post(f"/api/v1/verdicts/{verdict.pk}/approve/")
        assert response.status_code == 403 and response.json()["detail"]
        assert not Event.objects.filter(verdict_id=verdict.pk, action="approve").exists()

    @pytest.mark.parametrize(
        ("status", "action"), [("approved", "submit"), ("submitted", "submit")]
    )
    def test_transitions_from_the_wrong_status_are_409(
        self, claim, reviewer, editor, status, action
    ):
        """Submitting twice, or submitting an approved verdict, conflicts with its status."""
        verdict = make_verdict(claim=claim, user=reviewer, status=status, editor=editor)
        response = client_for(reviewer).post(f"/api/v1/verdicts/{verdict.pk}/{action}/")
        assert response.status_code == 409 and status in response.json()["detail"]
        assert Verdict.objects.get(pk=verdict.pk).status == status

    def test_verdict_of_another_project_is_404_like_an_unknown_id(self, claim, reviewer, outsider):
        verdict = make_verdict(claim=claim, user=reviewer, status="submitted")
        for pk in (verdict.pk, 987654):
            response = client_for(outsider).post(f"/api/v1/verdicts/{pk}/approve/")
            assert response.status_code == 404 and str(pk) in response.json()["detail"]

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"rating": 5}, "rating"),
            ({"rating": "true", "sources": "1,2"}, "sources"),
            ({"rating": "true", "sources": [0]}, "sources"),
        ],
    )
    def test_draft_with_wrong_types_is_400(self, claim, reviewer, body, field):
        response = client_for(reviewer).post(
            f"/api/v1/claims/{claim.pk}/verdicts/", body, format="json"
        )
        assert response.status_code == 400 and response.json()["field"] == field


class TestHistory:
    def test_verdict_edits_carry_the_changed_fields_between_versions(self, claim, reviewer):
        verdict = make_verdict(claim=claim, user=reviewer)
        client = client_for(reviewer)
        client.patch(
            f"/api/v1/verdicts/{verdict.pk}/",
            {"rating": "false", "explanation": "The 2025 report says otherwise."},
            format="json",
            HTTP_IF_MATCH='"1"',
        )
        events = client.get(f"/api/v1/claims/{claim.pk}/history/").json()["results"]
        edit = next(e for e in events if e["action"] == "edit")
        assert edit["changes"]["rating"] == {"from": "mostly-true", "to": "false"}
        assert edit["changes"]["explanation"] == {
            "from": "Ridership **figures** agree.",
            "to": "The 2025 report says otherwise.",
        }
        assert edit["actor"] == reviewer.username and edit["verdict_id"] == verdict.pk


class TestErrorsAndHeaders:
    def test_anonymous_is_401_telling_how_to_authenticate(self, article):
        response = APIClient().get(f"/api/v1/articles/{article.pk}/")
        assert response.status_code == 401
        assert "Token <key>" in response.json()["detail"]
        assert response["WWW-Authenticate"] == "Token"

    def test_cors_stays_closed_on_preflight_and_writes(self, article, reviewer):
        _, key = tokens.create_token(user=reviewer, name="cors")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        preflight = client.options(
            claims_url(article),
            HTTP_ORIGIN="https://evil.example",
            HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        )
        write = client.post(
            claims_url(article),
            {"start": 0, "end": 3},
            format="json",
            HTTP_ORIGIN="https://evil.example",
        )
        for response in (preflight, write):
            assert not any(h.lower().startswith("access-control-") for h in response.headers)

    def test_oversized_claim_body_is_413_and_writes_nothing(self, article, reviewer, settings):
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
        response = client_for(reviewer).post(
            claims_url(article),
            json.dumps({"quote": "The mayor", "statement": "x" * 4096}),
            content_type="application/json",
        )
        assert response.status_code == 413
        assert "2048 bytes" in response.json()["detail"]
        assert not Claim.objects.exists()

    def test_malformed_updated_since_names_the_expected_format(self, project, researcher):
        response = client_for(researcher).get(
            f"/api/v1/projects/{project.slug}/claims/", {"updated_since": "last tuesday"}
        )
        assert response.status_code == 400
        assert response.json()["field"] == "updated_since"
        assert "date/time" in response.json()["detail"]

    def test_throttle_rates_come_from_settings(self, reviewer, reviewer2, settings):
        from django.core.cache import cache

        settings.FACTCHECK_API_RATES = {"user": "2/min", "anon": "1/min"}
        cache.clear()
        try:
            client = client_for(reviewer)
            codes = [client.get("/api/v1/projects/").status_code for _ in range(3)]
            other = [client_for(reviewer2).get("/api/v1/projects/").status_code for _ in range(2)]
        finally:
            cache.clear()
        assert codes == [200, 200, 429] and other == [200, 200]  # per caller, not global


class TestQueryCounts:
    """List endpoints and the article detail stay at a fixed number of queries as rows grow.

    Measured (force-authenticated editor, 50 claims): article detail 7, claim lists 3, source
    list 2, verdict list 3, article list 2, queue 5, project list 3; pinned one above.
    """

    @pytest.fixture
    def corpus(self, project, reviewer, reviewer2, editor):
        text = " ".join(f"Claim number {i} says {i}% rose." for i in range(60))
        article = make_article(project=project, creator=reviewer, text=text, title="Fifty")
        for i in range(50):
            claim = make_claim(
                article=article, user=reviewer, quote=f"Claim number {i} says {i}% rose."
            )
            if i % 5 == 0:
                make_verdict(claim=claim, user=reviewer, status="submitted")
            elif i % 5 == 1:
                make_verdict(claim=claim, user=reviewer2, status="approved", editor=editor)
            else:
                make_source(claim=claim, user=reviewer)
        return article

    @pytest.mark.parametrize(
        ("path", "limit", "rows"),
        [
            ("/api/v1/articles/{article}/", 8, None),
            ("/api/v1/articles/{article}/claims/", 4, 50),
            ("/api/v1/projects/{slug}/claims/", 4, 50),
            ("/api/v1/projects/{slug}/sources/", 3, 50),
            ("/api/v1/projects/{slug}/verdicts/", 4, 20),
            ("/api/v1/projects/{slug}/articles/", 3, 2),
            ("/api/v1/projects/{slug}/queue/", 6, 10),
            ("/api/v1/projects/", 4, 1),
        ],
    )
    def test_list_queries_are_bounded(
        self, corpus, project, article, editor, path, limit, rows, django_assert_max_num_queries
    ):
        url = path.format(article=corpus.pk, slug=project.slug)
        client = client_for(editor)
        with django_assert_max_num_queries(limit):
            response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        if rows is None:
            assert len(body["claims"]) == 50
        else:
            assert len(body["results"]) == rows, url
