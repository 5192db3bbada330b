"""The permission matrix of the JSON API: every role × every action, one parametrised test.

Members of another project and anonymous callers never learn that an object exists (404 and
401); researchers read but never write (403); authors submit their own drafts while others'
drafts stay private (404); only editors and admins decide, never on their own verdicts (the
four-eyes case is in tests/test_api.py). A refused call writes nothing.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from annotations.models import Claim, Event, Source, Verdict
from tests.factories import make_claim, make_source, make_verdict

pytestmark = pytest.mark.django_db

ROLES = ["reviewer", "editor", "researcher", "admin", "outsider", "anonymous"]
ANNOTATE = {
    "reviewer": 201,
    "editor": 201,
    "researcher": 403,
    "admin": 201,
    "outsider": 404,
    "anonymous": 401,
}
READ = {
    "reviewer": 200,
    "editor": 200,
    "researcher": 200,
    "admin": 200,
    "outsider": 404,
    "anonymous": 401,
}
DECIDE = {
    "reviewer": 403,
    "editor": 200,
    "researcher": 403,
    "admin": 200,
    "outsider": 404,
    "anonymous": 401,
}
SUBMIT_OWN = {
    "reviewer": 200,
    "editor": 200,
    "researcher": 404,  # researchers write no verdicts; another's draft stays private
    "admin": 200,
    "outsider": 404,
    "anonymous": 401,
}
QUEUE = {
    "reviewer": 403,
    "editor": 200,
    "researcher": 403,
    "admin": 200,
    "outsider": 404,
    "anonymous": 401,
}


def _actions(ctx):
    claim, submitted = ctx["claim"], ctx["submitted"]
    return {
        "list projects": ("get", "/api/v1/projects/", None, {**READ, "outsider": 200}),
        "read article": ("get", f"/api/v1/articles/{claim.article_id}/", None, READ),
        "read claim history": ("get", f"/api/v1/claims/{claim.pk}/history/", None, READ),
        "read published verdicts": ("get", f"/api/v1/projects/{ctx['slug']}/verdicts/", None, READ),
        "mark claim": (
            "post",
            f"/api/v1/articles/{claim.article_id}/claims/",
            {"quote": "bus use fell 15%"},
            ANNOTATE,
        ),
        "add source": (
            "post",
            f"/api/v1/claims/{claim.pk}/sources/",
            {"url": "https://x.example.org", "stance": "context"},
            ANNOTATE,
        ),
        "draft verdict": (
            "post",
            f"/api/v1/claims/{claim.pk}/verdicts/",
            {"rating": "true"},
            ANNOTATE,
        ),
        "approve another's verdict": (
            "post",
            f"/api/v1/verdicts/{submitted.pk}/approve/",
            {},
            DECIDE,
        ),
        "return another's verdict": (
            "post",
            f"/api/v1/verdicts/{submitted.pk}/return/",
            {"note": "More data."},
            DECIDE,
        ),
        "read review queue": ("get", f"/api/v1/projects/{ctx['slug']}/queue/", None, QUEUE),
        "submit own verdict": ("post", f"/api/v1/verdicts/{ctx['own'].pk}/submit/", {}, SUBMIT_OWN),
    }


ACTION_NAMES = [
    "list projects", "read article", "read claim history", "read published verdicts", "mark claim",
    "add source", "draft verdict", "submit own verdict", "approve another's verdict",
    "return another's verdict", "read review queue",
]  # fmt: skip


@pytest.fixture
def ctx(project, article, reviewer2):
    claim = make_claim(article=article, user=reviewer2)
    other = make_claim(article=article, user=reviewer2, quote="Café owners")
    make_source(claim=other, user=reviewer2)
    submitted = make_verdict(claim=other, user=reviewer2, status="submitted")
    draft = make_verdict(claim=claim, user=reviewer2)
    return {"claim": claim, "submitted": submitted, "draft": draft, "slug": project.slug}


@pytest.mark.parametrize("action", ACTION_NAMES)
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(request, ctx, role, action):
    actor = {
        "reviewer": "reviewer", "editor": "editor", "researcher": "researcher",
        "admin": "project_admin", "outsider": "outsider",
    }.get(role)  # fmt: skip
    client = APIClient()
    ctx["own"] = ctx["draft"]
    if actor:
        user = request.getfixturevalue(actor)
        client.force_authenticate(user)
        if action == "submit own verdict" and role in {"reviewer", "editor", "admin"}:
            ctx["own"] = make_verdict(claim=ctx["claim"], user=user)
    method, url, body, expected = _actions(ctx)[action]
    counts = (
        Claim.objects.count(),
        Source.objects.count(),
        Verdict.objects.count(),
        Event.objects.count(),
    )
    response = (
        getattr(client, method)(url, body, format="json")
        if body is not None
        else getattr(client, method)(url)
    )
    assert response.status_code == expected[role], (role, action, response.content[:200])
    if response.status_code >= 400:
        assert response.json()["detail"]
        after = (
            Claim.objects.count(),
            Source.objects.count(),
            Verdict.objects.count(),
            Event.objects.count(),
        )
        assert after == counts, "a refused call wrote something"
