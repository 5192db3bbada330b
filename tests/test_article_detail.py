"""One article's data: the same JSON as the serializers describe, in at most four queries
whatever the article holds, with an ETag and 304 on unchanged reads."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db.models import Prefetch
from rest_framework.test import APIClient

from annotations import selectors, services
from annotations.api.serializers import ArticleDetailSerializer
from annotations.models import Article, Claim, Verdict
from tests.factories import make_article, make_claim, make_verdict

pytestmark = pytest.mark.django_db


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def busy(project, reviewer, reviewer2, editor):
    text = " ".join(f"Claim 🚀 {i}: 东京 rose {i}% in 20{i:02d}." for i in range(40))
    article = make_article(project=project, creator=reviewer, text=text, title="Busy")
    for i in range(30):
        claim = make_claim(article=article, user=reviewer, quote=f"东京 rose {i}% in 20{i:02d}")
        if i % 3 == 0:
            make_verdict(claim=claim, user=reviewer, status="approved", editor=editor)
        elif i % 3 == 1:
            make_verdict(claim=claim, user=reviewer2, status="draft")
    services.update_claim(
        claim_id=claim.pk, user=reviewer, statement="A statement", claim_date=dt.date(2026, 1, 2)
    )
    return article


def serializer_output(article_id, user, project):
    """The shape the OpenAPI schema documents, built by DRF's serializers (the old path)."""
    verdicts = Verdict.objects.filter(selectors.readable_verdicts(user, project)).order_by(
        "created_at", "pk"
    )
    article = (
        Article.objects.select_related("project")
        .prefetch_related(
            "sentences",
            Prefetch(
                "claims",
                queryset=Claim.objects.prefetch_related(Prefetch("verdicts", queryset=verdicts)),
            ),
        )
        .get(pk=article_id)
    )
    selectors.mark_suggestions(
        article=article, sentences=list(article.sentences.all()), claims=list(article.claims.all())
    )
    return ArticleDetailSerializer(article).data


@pytest.mark.parametrize("who", ["reviewer", "reviewer2", "editor"])
def test_same_json_as_the_serializers(busy, project, request, who):
    user = request.getfixturevalue(who)
    body = api_for(user).get(f"/api/v1/articles/{busy.pk}/").json()
    expected = json.loads(json.dumps(serializer_output(busy.pk, user, project)))
    assert body == expected


def test_at_most_four_queries_whatever_the_article_holds(busy, reviewer, django_assert_num_queries):
    """Article (with the caller's role, the newest model and the dismissed sentences), claims,
    verdicts; the sentences once per process. Issue 17: at most 4."""
    selectors.clear_sentence_caches()
    services.dismiss_sentence(article_id=busy.pk, index=1, user=reviewer)
    with django_assert_num_queries(4):
        data = selectors.article_detail_data(article_id=busy.pk, user=reviewer)
    assert len(data["claims"]) == 30
    assert [s["index"] for s in data["sentences"] if s["dismissed"]] == [1]
    with django_assert_num_queries(3):  # the sentences are kept once built
        selectors.article_detail_data(article_id=busy.pk, user=reviewer)


def test_etag_and_304(busy, reviewer):
    client = api_for(reviewer)
    first = client.get(f"/api/v1/articles/{busy.pk}/")
    etag = first["ETag"]
    again = client.get(f"/api/v1/articles/{busy.pk}/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag and not again.content
    make_claim(article=busy, user=reviewer, quote="Claim 🚀 39")
    changed = client.get(f"/api/v1/articles/{busy.pk}/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_others_drafts_are_not_in_it_and_outsiders_get_404(busy, reviewer, outsider):
    body = api_for(reviewer).get(f"/api/v1/articles/{busy.pk}/").json()
    statuses = [v["status"] for c in body["claims"] for v in c["verdicts"]]
    assert "draft" not in statuses and "approved" in statuses
    response = api_for(outsider).get(f"/api/v1/articles/{busy.pk}/")
    assert response.status_code == 404
    assert api_for(reviewer).get("/api/v1/articles/999999999999/").status_code == 404
