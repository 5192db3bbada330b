"""Limits: request body size (413 with the limit, JSON under /api/, HTML elsewhere, never a 500),
article size, claims per article, sources per claim and explanation length — each refused
through the services, the JSON API and the HTML pages with a message naming the limit."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from annotations import services
from annotations.exceptions import TooLarge, ValidationFailed
from annotations.middleware import RequestSizeLimitMiddleware
from annotations.models import Article, Claim, Source, Verdict
from tests.factories import make_claim, make_source

LIMIT = 2000


@pytest.fixture
def small_bodies(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = LIMIT
    return LIMIT


@pytest.fixture
def limits(settings):
    def set_limit(name: str, value: int) -> None:
        settings.FACTCHECK = {**settings.FACTCHECK, name: value}

    return set_limit


# --- Request body size -----------------------------------------------------------------------


def test_an_oversized_form_post_gets_a_413_page_with_the_limit(
    client, reviewer, project, small_bodies
):
    client.force_login(reviewer)
    response = client.post(
        reverse("article_add", args=[project.slug]),
        {"title": "Big", "kind": "text", "text": "x" * (LIMIT * 2)},
    )
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert f"limit of {LIMIT} bytes" in page
    assert "Content-Security-Policy" in response  # the security middleware still ran
    assert not Article.objects.exists()


def test_an_oversized_upload_gets_413(client, reviewer, project, small_bodies):
    client.force_login(reviewer)
    upload = SimpleUploadedFile("big.txt", b"Title\n\n" + b"word " * LIMIT, "text/plain")
    response = client.post(
        reverse("article_add", args=[project.slug]), {"kind": "text", "upload": upload}
    )
    assert response.status_code == 413
    assert f"limit of {LIMIT} bytes" in response.content.decode()
    assert not Article.objects.exists()


def test_an_oversized_api_body_gets_json_413(client, reviewer, article, small_bodies):
    client.force_login(reviewer)
    response = client.post(
        f"/api/v1/articles/{article.pk}/claims/",
        {"quote": "carry", "statement": "s" * (LIMIT * 2)},
        content_type="application/json",
    )
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": f"The request body is larger than the limit of {LIMIT} bytes (2 KB). "
        "Send less data at once, e.g. split the article or the upload."
    }
    assert not Claim.objects.exists()


def test_a_body_of_exactly_the_limit_is_accepted(client, reviewer, article, small_bodies):
    client.force_login(reviewer)
    empty = json.dumps({"quote": "carry 22,000 passengers", "statement": ""}).encode()
    body = json.dumps(
        {"quote": "carry 22,000 passengers", "statement": "s" * (LIMIT - len(empty))}
    ).encode()
    assert len(body) == LIMIT
    url = f"/api/v1/articles/{article.pk}/claims/"
    response = client.generic("POST", url, body, "application/json")
    assert response.status_code == 201, response.content
    response = client.generic("POST", url, body + b" ", "application/json")
    assert response.status_code == 413


def test_oversized_raw_bodies_of_any_type_get_413_not_500(client, reviewer, small_bodies):
    client.force_login(reviewer)
    for path in ("/api/v1/projects/", reverse("dashboard"), "/no/such/page/"):
        response = client.generic("PUT", path, b"\0" * (LIMIT + 1), "application/octet-stream")
        assert response.status_code == 413, path


def test_request_data_too_big_raised_in_a_view_becomes_413(rf, small_bodies):
    """The middleware also answers the exception itself (e.g. a limit lowered at run time)."""
    middleware = RequestSizeLimitMiddleware(lambda request: None)
    for path, kind in (("/api/v1/claims/1/", "application/json"), ("/claims/1/edit/", "text/html")):
        response = middleware.process_exception(rf.post(path), RequestDataTooBig("too big"))
        assert response.status_code == 413
        assert response["Content-Type"].startswith(kind)
        assert f"limit of {LIMIT} bytes" in response.content.decode()


def test_too_many_form_fields_get_a_400_with_the_limit(client, reviewer, project, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    client.force_login(reviewer)
    data = {f"f{i}": "x" for i in range(20)}
    response = client.post(reverse("article_add", args=[project.slug]), data)
    assert response.status_code == 400
    assert "limit of 10 form fields" in response.content.decode()


# --- Article size ----------------------------------------------------------------------------


def test_an_article_over_the_size_limit_is_refused_everywhere(client, reviewer, project, limits):
    limits("MAX_ARTICLE_CHARS", 100)
    text = "A sentence of twenty. " * 10
    with pytest.raises(TooLarge, match=r"has 2\d\d characters; the limit is 100"):
        services.import_article(project=project, creator=reviewer, title="Big", text_body=text)
    client.force_login(reviewer)
    response = client.post(
        f"/api/v1/projects/{project.slug}/articles/",
        {"title": "Big", "text": text},
        content_type="application/json",
    )
    assert response.status_code == 413
    assert "the limit is 100" in response.json()["detail"]
    response = client.post(
        reverse("article_add", args=[project.slug]), {"title": "Big", "kind": "text", "text": text}
    )
    assert response.status_code in (400, 413)
    assert "the limit is 100" in response.content.decode()
    assert not Article.objects.exists()


# --- Claims per article, sources per claim ---------------------------------------------------


def test_claims_beyond_the_per_article_limit_are_refused(client, reviewer, article, limits):
    limits("MAX_CLAIMS_PER_ARTICLE", 2)
    make_claim(article=article, user=reviewer, quote="carry 22,000 passengers")
    make_claim(article=article, user=reviewer, quote="bus use fell 15%")
    with pytest.raises(ValidationFailed, match="maximum of 2 claims"):
        make_claim(article=article, user=reviewer, quote="doubled their prices")
    client.force_login(reviewer)
    response = client.post(
        f"/api/v1/articles/{article.pk}/claims/",
        {"quote": "doubled their prices"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "maximum of 2 claims" in response.json()["detail"]
    response = client.post(reverse("sentence_claim", args=[article.pk, 2]), follow=True)
    assert "maximum of 2 claims" in response.content.decode()
    assert Claim.objects.filter(article=article).count() == 2


def test_sources_beyond_the_per_claim_limit_are_refused(client, reviewer, article, limits):
    limits("MAX_SOURCES_PER_CLAIM", 2)
    claim = make_claim(article=article, user=reviewer)
    make_source(claim=claim, user=reviewer, url="https://a.example.org/")
    make_source(claim=claim, user=reviewer, url="https://b.example.org/")
    with pytest.raises(ValidationFailed, match="maximum of 2 sources"):
        make_source(claim=claim, user=reviewer, url="https://c.example.org/")
    client.force_login(reviewer)
    response = client.post(
        f"/api/v1/claims/{claim.pk}/sources/",
        {"url": "https://c.example.org/", "stance": "supports"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "maximum of 2 sources" in response.json()["detail"]
    response = client.post(
        reverse("source_add", args=[claim.pk]),
        {"source-url": "https://c.example.org/", "source-stance": "supports"},
    )
    assert response.status_code == 400
    assert "maximum of 2 sources" in response.content.decode()
    assert Source.objects.filter(claim=claim).count() == 2


# --- Explanation length ----------------------------------------------------------------------


def test_an_explanation_over_the_limit_is_refused(client, reviewer, article, limits):
    limits("MAX_EXPLANATION_CHARS", 50)
    claim = make_claim(article=article, user=reviewer)
    long = "Ridership figures agree with the claim. " * 3
    with pytest.raises(TooLarge, match=r"explanation has 120 characters; the limit is 50"):
        services.draft_verdict(
            claim_id=claim.pk, reviewer=reviewer, rating="true", explanation=long
        )
    client.force_login(reviewer)
    response = client.post(
        f"/api/v1/claims/{claim.pk}/verdicts/",
        {"rating": "true", "explanation": long},
        content_type="application/json",
    )
    assert response.status_code == 413
    assert response.json()["field"] == "explanation"
    assert "the limit is 50" in response.json()["detail"]
    response = client.post(
        reverse("verdict_save", args=[claim.pk]),
        {"verdict-rating": "true", "verdict-explanation": long, "verdict-action": "save"},
    )
    assert response.status_code == 413
    assert "the limit is 50" in response.content.decode()
    assert not Verdict.objects.exists()


@pytest.mark.django_db
def test_hand_written_inputs_take_their_maxlength_from_the_declared_limit(
    client, monkeypatch, reviewer, editor, article
):
    """The queue's note fields were hard-coded to 5000; they read `limits.NOTE` now."""
    from annotations import context_processors
    from tests.factories import make_claim, make_verdict

    monkeypatch.setitem(context_processors.LIMITS, "NOTE", 1234)
    make_verdict(
        claim=make_claim(article=article, user=reviewer), user=reviewer, status="submitted"
    )
    client.force_login(editor)
    html = client.get(f"/projects/{article.project.slug}/queue/").content.decode()
    assert 'maxlength="1234"' in html and 'maxlength="5000"' not in html
