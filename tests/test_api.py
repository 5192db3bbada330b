"""The JSON API over real HTTP (Django's test client): shapes, errors, versions, tokens."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from annotations import services, tokens
from annotations.exceptions import ValidationFailed
from annotations.models import Claim, Event, Source, Verdict
from tests.factories import ARTICLE_TEXT, make_article, make_claim, make_source, make_verdict

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    def client_for(user=None, *, token: str | None = None) -> APIClient:
        client = APIClient()
        if token:
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        elif user is not None:
            client.force_authenticate(user)
        return client

    return client_for


@pytest.fixture
def claim(article, reviewer):
    return make_claim(article=article, user=reviewer)


def claims_url(article):
    return f"/api/v1/articles/{article.pk}/claims/"


class TestMarkClaim:
    def test_by_code_point_offsets_after_emoji_and_cjk(self, api, article, reviewer):
        start = ARTICLE_TEXT.index("Café")
        response = api(reviewer).post(
            claims_url(article), {"start": start, "end": start + 4}, format="json"
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["quote"] == "Café" == article.text[body["start"] : body["end"]]
        assert article.text[: body["start"]].endswith(body["prefix"])

    def test_by_quote_with_context(self, api, article, reviewer):
        response = api(reviewer).post(
            claims_url(article),
            {"quote": "bus use fell 15%", "statement": "<b>Bus</b> use fell"},
            format="json",
        )
        assert response.status_code == 201
        assert response.json()["statement"] == "Bus use fell"
        assert response.json()["start"] == ARTICLE_TEXT.index("bus use")

    @pytest.mark.parametrize(
        ("body", "message"),
        [
            ({"start": 0, "end": 10**7}, "outside the text"),
            ({"start": "zero", "end": 3}, "start: A valid integer is required"),
            ({"start": -1, "end": 3}, "start: Ensure this value is greater than or equal to 0"),
            ({"start": 5, "end": 2}, "outside the text"),
            ({"quote": "nowhere in the text"}, "not found"),
            ({"quote": "said"}, "occurs"),
            ({}, "Give start and end"),
            ({"start": 0, "end": 3, "quote": "xyz"}, "does not match the text"),
        ],
    )
    def test_bad_input_is_400_with_a_message(self, api, article, reviewer, body, message):
        response = api(reviewer).post(claims_url(article), body, format="json")
        assert response.status_code == 400
        assert message in response.json()["detail"]
        assert not Claim.objects.exists()

    def test_malformed_json_is_400(self, api, article, reviewer):
        response = api(reviewer).post(
            claims_url(article), "{not json", content_type="application/json"
        )
        assert response.status_code == 400
        assert "JSON parse error" in response.json()["detail"]

    def test_duplicate_span_is_409(self, api, article, reviewer, claim):
        response = api(reviewer).post(
            claims_url(article), {"start": claim.start, "end": claim.end}, format="json"
        )
        assert response.status_code == 409
        assert f"#{claim.pk}" in response.json()["detail"]

    def test_other_projects_article_is_404_and_unknown_too(self, api, article, outsider):
        assert (
            api(outsider)
            .post(claims_url(article), {"start": 0, "end": 3}, format="json")
            .status_code
            == 404
        )
        assert api(outsider).get(f"/api/v1/articles/{article.pk}/").status_code == 404
        response = api(outsider).get("/api/v1/articles/999999/")
        assert response.status_code == 404 and "999999" in response.json()["detail"]

    def test_researcher_is_403(self, api, article, researcher):
        response = api(researcher).post(claims_url(article), {"start": 0, "end": 3}, format="json")
        assert response.status_code == 403
        assert "Researchers" in response.json()["detail"]

    def test_session_auth_needs_csrf(self, article, reviewer):
        client = APIClient(enforce_csrf_checks=True)
        client.force_login(reviewer)
        response = client.post(claims_url(article), {"start": 0, "end": 3}, format="json")
        assert response.status_code == 403 and "CSRF" in response.json()["detail"]

    def test_anonymous_is_401_or_403(self, api, article):
        assert api().post(
            claims_url(article), {"start": 0, "end": 3}, format="json"
        ).status_code in (401, 403)


class TestReads:
    def test_article_detail_has_text_sentences_and_claims(
        self, api, article, reviewer, claim, django_assert_max_num_queries
    ):
        with django_assert_max_num_queries(12):
            body = api(reviewer).get(f"/api/v1/articles/{article.pk}/").json()
        assert body["text"] == article.text
        assert body["sentences"][0]["start"] == 0 and body["sentences"][0]["reasons"]
        assert body["claims"][0]["id"] == claim.pk

    def test_article_detail_queries_do_not_grow_with_claims(
        self, api, project, reviewer, editor, django_assert_max_num_queries
    ):
        text = " ".join(f"Claim number {i} says {i}% rose." for i in range(60))
        article = make_article(project=project, creator=reviewer, text=text)
        for i in range(50):
            c = make_claim(
                article=article, user=reviewer, quote=f"Claim number {i} says {i}% rose."
            )
            if i % 5 == 0:
                make_verdict(claim=c, user=reviewer, status="submitted")
        client = api(reviewer)
        with django_assert_max_num_queries(12):
            body = client.get(f"/api/v1/articles/{article.pk}/").json()
        assert len(body["claims"]) == 50

    def test_project_list_shows_only_my_projects(self, api, project, other_project, reviewer):
        slugs = [p["slug"] for p in api(reviewer).get("/api/v1/projects/").json()["results"]]
        assert slugs == [project.slug]
        assert api(reviewer).get(f"/api/v1/projects/{other_project.slug}/").status_code == 404

    def test_verdict_filters_and_cursor_pagination(
        self, api, project, article, reviewer, reviewer2, editor, researcher
    ):
        for i in range(5):
            c = make_claim(
                article=article,
                user=reviewer,
                quote=["The mayor", "tram", "Critics", "bus use", "Café"][i],
            )
            make_verdict(
                claim=c,
                user=reviewer if i % 2 else reviewer2,
                status="approved",
                editor=editor,
                rating="false" if i < 2 else "true",
            )
        client = api(researcher)
        url = f"/api/v1/projects/{project.slug}/verdicts/"
        assert len(client.get(url, {"rating": "false"}).json()["results"]) == 2
        assert len(client.get(url, {"reviewer": "rev2"}).json()["results"]) == 3
        page = client.get(url, {"page_size": 2}).json()
        assert len(page["results"]) == 2 and page["next"]
        second = client.get(page["next"]).json()
        assert {v["id"] for v in second["results"]}.isdisjoint({v["id"] for v in page["results"]})

    def test_updated_since_must_be_iso(self, api, project, researcher):
        response = api(researcher).get(
            f"/api/v1/projects/{project.slug}/verdicts/", {"updated_since": "yesterday"}
        )
        assert response.status_code == 400
        assert "updated_since" in response.json()["detail"]

    def test_others_drafts_are_private(self, api, claim, reviewer, reviewer2):
        draft = make_verdict(claim=claim, user=reviewer)
        assert api(reviewer2).get(f"/api/v1/verdicts/{draft.pk}/").status_code == 404
        assert api(reviewer2).get(f"/api/v1/claims/{claim.pk}/verdicts/").json()["results"] == []
        assert api(reviewer).get(f"/api/v1/verdicts/{draft.pk}/").status_code == 200


class TestVerdictVersions:
    def test_etag_and_if_match(self, api, claim, reviewer):
        verdict = make_verdict(claim=claim, user=reviewer)
        client = api(reviewer)
        response = client.get(f"/api/v1/verdicts/{verdict.pk}/")
        assert response["ETag"] == '"1"'
        response = client.patch(
            f"/api/v1/verdicts/{verdict.pk}/",
            {"rating": "false"},
            format="json",
            HTTP_IF_MATCH='"1"',
        )
        assert response.status_code == 200 and response["ETag"] == '"2"'
        stale = client.patch(
            f"/api/v1/verdicts/{verdict.pk}/",
            {"rating": "true"},
            format="json",
            HTTP_IF_MATCH='"1"',
        )
        assert stale.status_code == 412
        assert stale.json()["current_version"] == 2
        verdict.refresh_from_db()
        assert verdict.rating.slug == "false"

    def test_patch_without_if_match_is_428(self, api, claim, reviewer):
        verdict = make_verdict(claim=claim, user=reviewer)
        response = api(reviewer).patch(
            f"/api/v1/verdicts/{verdict.pk}/", {"rating": "false"}, format="json"
        )
        assert response.status_code == 428 and "If-Match" in response.json()["detail"]

    def test_malformed_if_match_is_400(self, api, claim, reviewer):
        verdict = make_verdict(claim=claim, user=reviewer)
        response = api(reviewer).patch(
            f"/api/v1/verdicts/{verdict.pk}/",
            {"rating": "false"},
            format="json",
            HTTP_IF_MATCH="yesterday",
        )
        assert response.status_code == 400

    def test_workflow_over_http(self, api, claim, reviewer, editor):
        source = make_source(claim=claim, user=reviewer)
        client = api(reviewer)
        created = client.post(
            f"/api/v1/claims/{claim.pk}/verdicts/",
            {
                "rating": "mostly-true",
                "explanation": "**ok** <script>x</script>",
                "sources": [source.pk],
            },
            format="json",
        )
        assert created.status_code == 201
        verdict_id = created.json()["id"]
        assert "<script" not in created.json()["explanation_html"]
        assert (
            client.post(f"/api/v1/verdicts/{verdict_id}/submit/", HTTP_IF_MATCH='"1"').status_code
            == 200
        )
        own = api(reviewer).post(f"/api/v1/verdicts/{verdict_id}/approve/")
        assert own.status_code == 403
        approved = api(editor).post(
            f"/api/v1/verdicts/{verdict_id}/approve/",
            {"note": "Good."},
            format="json",
            HTTP_IF_MATCH='"2"',
        )
        assert approved.status_code == 200 and approved.json()["status"] == "approved"
        again = api(editor).post(f"/api/v1/verdicts/{verdict_id}/approve/")
        assert again.status_code == 409 and "approved" in again.json()["detail"]
        edit = client.patch(
            f"/api/v1/verdicts/{verdict_id}/",
            {"rating": "false"},
            format="json",
            HTTP_IF_MATCH='"3"',
        )
        assert edit.status_code == 409
        correction = client.post(
            f"/api/v1/verdicts/{verdict_id}/correct/",
            {
                "rating": "false",
                "correction_note": "New data.",
                "explanation": "x",
                "sources": [source.pk],
            },
            format="json",
        )
        assert correction.status_code == 201 and correction.json()["supersedes"] == verdict_id

    def test_return_needs_note(self, api, claim, reviewer, editor):
        verdict = make_verdict(claim=claim, user=reviewer, status="submitted")
        response = api(editor).post(f"/api/v1/verdicts/{verdict.pk}/return/")
        assert response.status_code == 400 and response.json()["field"] == "note"

    def test_unknown_rating_and_foreign_source(self, api, article, claim, reviewer):
        other = make_claim(article=article, user=reviewer, quote="bus use fell 15%")
        foreign = make_source(claim=other, user=reviewer)
        response = api(reviewer).post(
            f"/api/v1/claims/{claim.pk}/verdicts/", {"rating": "pants-on-fire"}, format="json"
        )
        assert response.status_code == 400 and "Unknown rating" in response.json()["detail"]
        response = api(reviewer).post(
            f"/api/v1/claims/{claim.pk}/verdicts/",
            {"rating": "true", "sources": [foreign.pk]},
            format="json",
        )
        assert response.status_code == 400 and "not attached" in response.json()["detail"]
        assert not Verdict.objects.exists()


class TestSourcesAndClaims:
    @pytest.mark.parametrize(
        "url", ["javascript:alert(1)", "data:text/html,x", "ftp://x.org/", "not a url"]
    )
    def test_source_url_must_be_http(self, api, claim, reviewer, url):
        response = api(reviewer).post(
            f"/api/v1/claims/{claim.pk}/sources/", {"url": url, "stance": "supports"}, format="json"
        )
        assert response.status_code == 400 and "http:// or https://" in response.json()["detail"]
        assert not Source.objects.exists()

    def test_unknown_stance(self, api, claim, reviewer):
        response = api(reviewer).post(
            f"/api/v1/claims/{claim.pk}/sources/",
            {"url": "https://x.org", "stance": "maybe"},
            format="json",
        )
        assert response.status_code == 400 and response.json()["field"] == "stance"

    def test_source_markup_is_stripped(self, api, claim, reviewer):
        response = api(reviewer).post(
            f"/api/v1/claims/{claim.pk}/sources/",
            {
                "url": "https://x.org/r",
                "stance": "refutes",
                "title": "<img src=x onerror=alert(1)>Report",
            },
            format="json",
        )
        assert response.status_code == 201 and response.json()["title"] == "Report"

    def test_patch_and_delete_claim(self, api, claim, reviewer):
        client = api(reviewer)
        response = client.patch(f"/api/v1/claims/{claim.pk}/", {"claimant": "Mayor"}, format="json")
        assert response.status_code == 200 and response.json()["claimant"] == "Mayor"
        assert client.delete(f"/api/v1/claims/{claim.pk}/").status_code == 204
        assert client.get(f"/api/v1/claims/{claim.pk}/").status_code == 404

    def test_history_lists_events(self, api, claim, reviewer, editor):
        verdict = make_verdict(claim=claim, user=reviewer, status="submitted")
        body = api(editor).get(f"/api/v1/claims/{claim.pk}/history/").json()
        actions = [e["action"] for e in body["results"]]
        assert actions[:1] == ["mark_claim"] and "submit" in actions
        assert all(e["claim_id"] == claim.pk for e in body["results"])
        assert verdict.pk in {e["verdict_id"] for e in body["results"]}


class TestArticlesAndProjects:
    def test_create_article_from_html(self, api, project, reviewer):
        response = api(reviewer).post(
            f"/api/v1/projects/{project.slug}/articles/",
            {"title": "T", "html": "<p>Caf&eacute; 😀 rose 5%.</p><script>alert(1)</script>"},
            format="json",
        )
        assert response.status_code == 201, response.content
        detail = api(reviewer).get(f"/api/v1/articles/{response.json()['id']}/").json()
        assert detail["text"] == "Café 😀 rose 5%."

    def test_text_and_html_together_is_400(self, api, project, reviewer):
        response = api(reviewer).post(
            f"/api/v1/projects/{project.slug}/articles/",
            {"title": "T", "text": "a", "html": "b"},
            format="json",
        )
        assert response.status_code == 400 and "exactly one" in response.json()["detail"]

    def test_duplicate_article_is_409(self, api, project, reviewer, article):
        response = api(reviewer).post(
            f"/api/v1/projects/{project.slug}/articles/",
            {"title": "T", "text": article.text},
            format="json",
        )
        assert response.status_code == 409

    def test_oversized_body_is_413(self, api, project, reviewer, settings):
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
        response = api(reviewer).post(
            f"/api/v1/projects/{project.slug}/articles/",
            json.dumps({"title": "T", "text": "x" * 5000}),
            content_type="application/json",
        )
        assert response.status_code == 413 and "1000 bytes" in response.json()["detail"]

    def test_only_staff_create_projects(self, api, reviewer):
        response = api(reviewer).post(
            "/api/v1/projects/", {"slug": "new", "name": "New"}, format="json"
        )
        assert response.status_code == 403
        reviewer.is_staff = True
        reviewer.save(update_fields=["is_staff"])
        response = api(reviewer).post(
            "/api/v1/projects/", {"slug": "new", "name": "New"}, format="json"
        )
        assert response.status_code == 201 and response.json()["my_roles"] == ["admin"]

    def test_queue_is_for_editors(self, api, project, claim, reviewer, editor):
        make_verdict(claim=claim, user=reviewer, status="submitted")
        assert api(reviewer).get(f"/api/v1/projects/{project.slug}/queue/").status_code == 403
        body = api(editor).get(f"/api/v1/projects/{project.slug}/queue/").json()
        assert [v["status"] for v in body["results"]] == ["submitted"]


class TestTokens:
    def test_token_authenticates_and_is_stored_hashed(self, api, project, reviewer):
        token, key = tokens.create_token(user=reviewer, name="script")
        assert key not in token.key_hash and token.prefix == key[:10]
        response = api(token=key).get("/api/v1/projects/")
        assert response.status_code == 200
        token.refresh_from_db()
        assert token.last_used_at is not None

    def test_revoked_or_unknown_token_is_401(self, api, reviewer):
        token, key = tokens.create_token(user=reviewer, name="old")
        tokens.revoke_token(user=reviewer, token_id=token.pk)
        response = api(token=key).get("/api/v1/projects/")
        assert response.status_code == 401 and "revoked" in response.json()["detail"]
        assert api(token="fc_nope").get("/api/v1/projects/").status_code == 401

    def test_researcher_token_cannot_write(self, api, article, researcher):
        _, key = tokens.create_token(user=researcher, name="corpus")
        client = api(token=key)
        assert client.get(f"/api/v1/articles/{article.pk}/").status_code == 200
        assert (
            client.post(claims_url(article), {"start": 0, "end": 3}, format="json").status_code
            == 403
        )

    def test_token_requests_skip_csrf(self, article, reviewer):
        _, key = tokens.create_token(user=reviewer, name="cli")
        client = APIClient(enforce_csrf_checks=True)
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert (
            client.post(claims_url(article), {"start": 0, "end": 3}, format="json").status_code
            == 201
        )

    def test_throttled_per_token(self, api, reviewer, settings):
        settings.FACTCHECK_API_RATES = {"user": "3/min", "anon": "1/min"}
        from django.core.cache import cache

        cache.clear()
        _, key = tokens.create_token(user=reviewer, name="busy")
        client = api(token=key)
        codes = [client.get("/api/v1/projects/").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        cache.clear()

    def test_create_token_command(self, reviewer, capsys):
        from django.core.management import call_command

        call_command("create_token", reviewer.username, "--name", "laptop")
        key = capsys.readouterr().out.strip().splitlines()[-1]
        assert tokens.user_for_key(key)[0] == reviewer


class TestSchemaAndHeaders:
    def test_openapi_schema_and_docs(self, client, reviewer):
        client.force_login(reviewer)
        schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
        assert schema.status_code == 200
        docs = client.get("/api/v1/docs/")
        assert docs.status_code == 200
        html = docs.content.decode()
        assert "/static/drf_spectacular_sidecar/" in html and "cdn" not in html.lower()
        assert "<script>" not in html  # the CSP forbids inline scripts: the split view serves it

    def test_cors_is_closed(self, api, reviewer):
        response = api(reviewer).get("/api/v1/projects/", HTTP_ORIGIN="https://evil.example")
        assert "Access-Control-Allow-Origin" not in response

    def test_no_events_written_by_reads(self, api, article, reviewer):
        before = Event.objects.count()
        api(reviewer).get(f"/api/v1/articles/{article.pk}/")
        assert Event.objects.count() == before


def test_out_of_range_source_ids_are_400_not_500(api, claim, reviewer):
    """Found by schemathesis: an id beyond a 64-bit integer overflowed the database driver."""
    response = api(reviewer).post(
        f"/api/v1/claims/{claim.pk}/verdicts/",
        {"rating": "mostly-true", "sources": [8, 16675957320099414016]},
        format="json",
    )
    assert response.status_code == 400 and response.json()["field"].startswith("sources")
    with pytest.raises(ValidationFailed, match="list of source ids"):
        services.draft_verdict(claim_id=claim.pk, reviewer=reviewer, rating="true", sources=[2**64])
