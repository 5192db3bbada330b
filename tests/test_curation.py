"""Curation of independent layers: grouping reviewers' spans, the accept / adjust / merge /
reject / reset services with their rules and events, the API routes and the curation page.

Two reviewers mark the tram article blind: the same span (an identical group), overlapping
spans (a disagreement) and a span only one of them marked; an editor curates.
"""

from __future__ import annotations

import re

import pytest
from rest_framework.test import APIClient

from annotations import curation, services
from annotations.exceptions import (
    BadSpan,
    Conflict,
    InvalidTransition,
    NotPermitted,
    NotVisible,
    ValidationFailed,
)
from annotations.models import Article, Claim, Event, Project
from tests.concurrency import race
from tests.factories import (
    ProjectFactory,
    UserFactory,
    make_article,
    make_claim,
    make_source,
    make_verdict,
)

SAME = "carry 22,000 passengers a day by 2030"
SHORT = "bus use fell 15%"
LONG = "said bus use fell 15% since 2019"
ALONE = "Café owners reportedly doubled their prices"


def independent(project: Project) -> Project:
    Project.objects.filter(pk=project.pk).update(independent_spans=True)
    project.refresh_from_db()
    return project


@pytest.fixture
def layers(project, reviewer, reviewer2, editor):
    """Both reviewers' layers on one article of an independent project, both finished."""
    independent(project)
    article = make_article(project=project, creator=editor)
    a_same = make_claim(article=article, user=reviewer, quote=SAME, statement="Tram ridership")
    b_same = make_claim(article=article, user=reviewer2, quote=SAME)
    a_short = make_claim(article=article, user=reviewer, quote=SHORT)
    b_long = make_claim(article=article, user=reviewer2, quote=LONG, claimant="Critics")
    a_alone = make_claim(article=article, user=reviewer, quote=ALONE)
    make_source(claim=a_same, user=reviewer, url="https://stats.example.org/ridership")
    make_source(claim=b_same, user=reviewer2, url="https://stats.example.org/ridership")
    make_source(claim=b_same, user=reviewer2, url="https://transit.example.org/plan")
    services.finish_article(article_id=article.pk, user=reviewer)
    services.finish_article(article_id=article.pk, user=reviewer2)
    return {
        "article": article,
        "a_same": a_same,
        "b_same": b_same,
        "a_short": a_short,
        "b_long": b_long,
        "a_alone": a_alone,
    }


# --- Grouping (pure) ----------------------------------------------------------------------------


def span(pk, start, end, owner):
    return curation.SpanRow(pk, start, end, "", owner_id=owner)


def test_group_spans_joins_identical_and_overlapping_spans_and_marks_agreement():
    """Identical spans of two reviewers agree; overlapping ones disagree; a lone one is single;
    touching spans (end == start) are separate groups."""
    clusters = curation.group_spans(
        [
            span(5, 50, 60, owner=2),
            span(1, 0, 10, owner=1),
            span(2, 0, 10, owner=2),
            span(3, 20, 30, owner=1),
            span(4, 25, 40, owner=2),
            span(6, 40, 45, owner=1),
        ]
    )
    assert [(c.start, c.end, c.agreement) for c in clusters] == [
        (0, 10, "identical"),
        (20, 40, "overlapping"),
        (40, 45, "single"),
        (50, 60, "single"),
    ]
    assert [s.pk for s in clusters[1].spans] == [3, 4]


def test_group_spans_chains_overlaps_through_a_long_span():
    """A span that overlaps two others joins them into one group (the union is one interval)."""
    clusters = curation.group_spans(
        [span(1, 0, 100, owner=1), span(2, 10, 20, owner=2), span(3, 90, 120, owner=2)]
    )
    assert [(c.start, c.end, c.owners) for c in clusters] == [(0, 120, 2)]


def test_group_spans_of_one_reviewer_only_is_single_even_when_identical():
    clusters = curation.group_spans([span(1, 0, 10, owner=1), span(2, 5, 10, owner=1)])
    assert clusters[0].agreement == "single"


def test_overlap_all_needs_a_connected_run():
    assert curation.overlap_all([(0, 10), (5, 20), (19, 30)])
    assert not curation.overlap_all([(0, 10), (10, 20)])
    assert not curation.overlap_all([(0, 10), (5, 8), (12, 20)])


# --- Reading an article's layers -----------------------------------------------------------------


def test_curation_data_groups_the_article_and_says_who_finished(
    layers, editor, reviewer, reviewer2, django_assert_max_num_queries
):
    """Three groups in text order; the two reviewers finished; queries do not grow with spans."""
    with django_assert_max_num_queries(6):
        data = curation.curation_data(article_id=layers["article"].pk, user=editor)
    assert [c.agreement for c in data.clusters] == ["identical", "overlapping", "single"]
    assert [s.pk for s in data.clusters[0].spans] == [layers["a_same"].pk, layers["b_same"].pk]
    assert {s.owner for s in data.clusters[1].spans} == {"annotator-1", "annotator-2"}
    assert [p.username for p in data.finished] == ["rev", "rev2"]
    assert data.unfinished == [] and data.pending == 5 and data.curated == []


def test_curation_data_lists_an_assigned_reviewer_who_has_not_finished(layers, project, editor):
    late = UserFactory(username="late")
    services.add_member(project=project, user=late, role="reviewer")
    services.assign_articles(
        project=project, actor=editor, article_ids=[layers["article"].pk], reviewers=[late]
    )
    data = curation.curation_data(article_id=layers["article"].pk, user=editor)
    assert [p.username for p in data.unfinished] == ["late"]


def test_a_former_members_layer_still_shows(layers, project, editor, reviewer2):
    services.remove_member(project=project, user=reviewer2, actor=editor)
    data = curation.curation_data(article_id=layers["article"].pk, user=editor)
    former = [p for p in data.owners if p.username == "rev2"]
    assert [p.pseudonym for p in former] == ["former member"]
    assert layers["b_long"].pk in {s.pk for c in data.clusters for s in c.spans}


# --- Accept ------------------------------------------------------------------------------------


def test_accepting_identical_spans_makes_one_curated_claim_with_both_sources(layers, editor):
    """The first accept creates the curated claim with the reviewer's statement and sources; the
    second links the other reviewer's identical span to it and adds only the new URL."""
    article = layers["article"]
    curated = services.accept_span(claim_id=layers["a_same"].pk, user=editor)
    assert (curated.layer, curated.start, curated.end, curated.quote) == (
        "curated",
        layers["a_same"].start,
        layers["a_same"].end,
        SAME,
    )
    assert curated.statement == "Tram ridership"
    again = services.accept_span(claim_id=layers["b_same"].pk, user=editor)
    assert again.pk == curated.pk
    assert sorted(curated.sources.values_list("url", flat=True)) == [
        "https://stats.example.org/ridership",
        "https://transit.example.org/plan",
    ]
    a, b = (Claim.objects.get(pk=layers[k].pk) for k in ("a_same", "b_same"))
    assert (a.curation, a.curated_claim_id) == ("accepted", curated.pk)
    assert (b.curation, b.curated_claim_id) == ("accepted", curated.pk)
    events = Event.objects.filter(action="accept_span").order_by("pk")
    assert [e.claim_id for e in events] == [a.pk, b.pk]
    assert events[0].changes == {
        "claims": [a.pk],
        "curated_claim": curated.pk,
        "created": True,
        "span": [a.start, a.end],
        "curated_span": [curated.start, curated.end],
    }
    assert events[1].changes["created"] is False
    assert Event.objects.filter(action="create_curated_claim", claim_id=curated.pk).count() == 1
    assert Article.objects.get(pk=article.pk).curation_started_at is not None


def test_accepting_with_other_offsets_is_adjusted(layers, editor):
    article = layers["article"]
    start = article.text.index("22,000 passengers")
    curated = services.accept_span(
        claim_id=layers["a_same"].pk, user=editor, start=start, end=start + 17
    )
    assert curated.quote == "22,000 passengers"
    assert Claim.objects.get(pk=layers["a_same"].pk).curation == "adjusted"


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (10, 5, r"outside the text"),
        (0, 10_000, r"outside the text"),
        (5, None, r"Give both start and end"),
    ],
)
def test_accepting_with_bad_offsets_says_what_is_wrong(layers, editor, start, end, message):
    with pytest.raises(BadSpan, match=message):
        services.accept_span(claim_id=layers["a_same"].pk, user=editor, start=start, end=end)
    assert Claim.objects.get(pk=layers["a_same"].pk).curation == ""
    assert not Claim.objects.curated().exists()


def test_accepting_twice_is_a_conflict(layers, editor):
    services.accept_span(claim_id=layers["a_same"].pk, user=editor)
    with pytest.raises(Conflict, match=r"already curated \(accepted as is\); reset it first"):
        services.accept_span(claim_id=layers["a_same"].pk, user=editor)


def test_only_editors_curate(layers, reviewer, researcher):
    for user in (reviewer, researcher):
        with pytest.raises(NotPermitted, match="Only the project's editors and admins curate"):
            services.accept_span(claim_id=layers["a_same"].pk, user=user)
    assert not Claim.objects.curated().exists()


def test_a_shared_project_has_nothing_to_curate(project, reviewer, editor, article):
    claim = make_claim(article=article, user=reviewer)
    with pytest.raises(InvalidTransition, match="This project shares its claims"):
        services.accept_span(claim_id=claim.pk, user=editor)


def test_a_curated_claim_is_not_curated_again(layers, editor):
    curated = services.accept_span(claim_id=layers["a_same"].pk, user=editor)
    with pytest.raises(ValidationFailed, match=r"is in the curated layer, not a reviewer's"):
        services.accept_span(claim_id=curated.pk, user=editor)


def test_unknown_and_other_projects_claims_are_not_visible(layers, editor, outsider, other_project):
    elsewhere = make_article(project=other_project, creator=outsider)
    theirs = make_claim(article=elsewhere, user=outsider)
    for claim_id in (theirs.pk, 10**12):
        with pytest.raises(NotVisible, match=rf"No claim with id {claim_id} in your projects"):
            services.accept_span(claim_id=claim_id, user=editor)
    with pytest.raises(NotVisible):
        services.accept_span(claim_id=layers["a_same"].pk, user=outsider)


def test_reviewers_cannot_take_back_finished_once_curation_started(layers, editor, reviewer):
    services.reject_span(claim_id=layers["a_alone"].pk, user=editor)
    with pytest.raises(Conflict, match="started curating"):
        services.reopen_article(article_id=layers["article"].pk, user=reviewer)


# --- Merge -------------------------------------------------------------------------------------


def test_merging_overlapping_spans_makes_their_union(layers, editor):
    article = layers["article"]
    curated = services.merge_spans(
        claim_ids=[layers["a_short"].pk, layers["b_long"].pk], user=editor
    )
    assert curated.quote == LONG and curated.claimant == "Critics"
    for key in ("a_short", "b_long"):
        claim = Claim.objects.get(pk=layers[key].pk)
        assert (claim.curation, claim.curated_claim_id) == ("merged", curated.pk)
    events = Event.objects.filter(action="merge_spans", claim_id=layers["a_short"].pk)
    # in text order: the long span starts first
    assert events.get().changes["claims"] == [layers["b_long"].pk, layers["a_short"].pk]
    assert events.get().changes["curated_span"] == [article.text.index(LONG), curated.end]


def test_merging_with_given_offsets_uses_them(layers, editor):
    text = layers["article"].text
    start = text.index(SHORT)
    curated = services.merge_spans(
        claim_ids=[layers["a_short"].pk, layers["b_long"].pk],
        user=editor,
        start=start,
        end=start + len(SHORT),
    )
    assert curated.quote == SHORT


def test_merging_refuses_spans_that_do_not_overlap_or_one_claim(layers, editor):
    with pytest.raises(ValidationFailed, match="These claims do not overlap"):
        services.merge_spans(claim_ids=[layers["a_same"].pk, layers["a_alone"].pk], user=editor)
    with pytest.raises(ValidationFailed, match="Choose at least two claims"):
        services.merge_spans(claim_ids=[layers["a_same"].pk, layers["a_same"].pk], user=editor)
    assert not Claim.objects.curated().exists()


def test_merging_refuses_claims_of_different_articles(layers, project, editor, reviewer):
    other = make_article(project=project, creator=editor, title="Other", text="Bus use fell.")
    theirs = make_claim(article=other, user=reviewer, quote="Bus use fell.")
    with pytest.raises(ValidationFailed, match="different articles"):
        services.merge_spans(claim_ids=[layers["a_short"].pk, theirs.pk], user=editor)


# --- Reject and reset ------------------------------------------------------------------------


def test_reject_then_reset_brings_the_span_back(layers, editor):
    claim = services.reject_span(claim_id=layers["a_alone"].pk, user=editor, note="Opinion.")
    assert claim.curation == "rejected" and claim.curated_claim_id is None
    event = Event.objects.get(action="reject_span")
    assert (event.note, event.claim_id, event.to_status) == ("Opinion.", claim.pk, "rejected")
    services.reset_curation(claim_id=claim.pk, user=editor)
    assert Claim.objects.get(pk=claim.pk).curation == ""
    with pytest.raises(Conflict, match="not curated yet"):
        services.reset_curation(claim_id=claim.pk, user=editor)


def test_reset_removes_a_curated_claim_nothing_else_went_into(layers, editor):
    curated = services.accept_span(claim_id=layers["a_alone"].pk, user=editor)
    services.reset_curation(claim_id=layers["a_alone"].pk, user=editor)
    assert not Claim.objects.filter(pk=curated.pk).exists()
    assert Event.objects.filter(action="remove_curated_claim", claim_id=curated.pk).exists()


def test_reset_keeps_a_curated_claim_another_span_went_into(layers, editor):
    curated = services.accept_span(claim_id=layers["a_same"].pk, user=editor)
    services.accept_span(claim_id=layers["b_same"].pk, user=editor)
    services.reset_curation(claim_id=layers["a_same"].pk, user=editor)
    assert Claim.objects.filter(pk=curated.pk).exists()
    assert list(curated.curated_from.values_list("pk", flat=True)) == [layers["b_same"].pk]


def test_reset_is_refused_once_the_curated_claim_has_a_submitted_verdict(layers, editor, reviewer):
    """The curated claim goes through verdicts as today; then its origin is fixed."""
    curated = services.accept_span(claim_id=layers["a_same"].pk, user=editor)
    make_verdict(claim=curated, user=reviewer, status="submitted")
    with pytest.raises(InvalidTransition, match="has a verdict in review or published"):
        services.reset_curation(claim_id=layers["a_same"].pk, user=editor)


def test_verdicts_go_on_curated_claims_only(layers, editor, reviewer):
    with pytest.raises(InvalidTransition, match="verdicts are written on the curated claims"):
        services.draft_verdict(
            claim_id=layers["a_same"].pk, reviewer=reviewer, rating="true", explanation="Yes."
        )
    curated = services.accept_span(claim_id=layers["a_same"].pk, user=editor)
    assert make_verdict(claim=curated, user=reviewer).status == "draft"


# --- Concurrency ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_editors_accepting_identical_spans_at_once_make_one_curated_claim(
    layers, editor, editor2
):
    outcomes = race(
        lambda: services.accept_span(claim_id=layers["a_same"].pk, user=editor),
        lambda: services.accept_span(claim_id=layers["b_same"].pk, user=editor2),
    )
    assert all(isinstance(o, Claim) for o in outcomes), outcomes
    assert outcomes[0].pk == outcomes[1].pk
    assert Claim.objects.curated().count() == 1
    assert Event.objects.filter(action="create_curated_claim").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_editors_accepting_the_same_span_at_once_one_wins(layers, editor, editor2):
    outcomes = race(
        lambda: services.accept_span(claim_id=layers["a_same"].pk, user=editor),
        lambda: services.accept_span(claim_id=layers["a_same"].pk, user=editor2),
    )
    winners = [o for o in outcomes if isinstance(o, Claim)]
    losers = [o for o in outcomes if not isinstance(o, Claim)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    assert isinstance(losers[0], Conflict) and "already curated" in losers[0].message
    assert Claim.objects.curated().count() == 1
    assert Event.objects.filter(action="accept_span").count() == 1


# --- API ---------------------------------------------------------------------------------------


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def test_api_curation_lists_groups_for_editors(layers, editor, django_assert_max_num_queries):
    client = api_for(editor)
    url = f"/api/v1/articles/{layers['article'].pk}/curation/"
    client.get(url)  # session and user lookups warmed
    with django_assert_max_num_queries(9):
        response = client.get(url)
    assert response.status_code == 200, response.content
    body = response.json()
    assert [g["agreement"] for g in body["groups"]] == ["identical", "overlapping", "single"]
    first = body["groups"][0]["spans"][0]
    assert first == {
        "id": layers["a_same"].pk,
        "start": layers["a_same"].start,
        "end": layers["a_same"].end,
        "quote": SAME,
        "layer": "reviewer",
        "annotator": "annotator-1",
        "curation": "",
        "curated_claim": None,
    }
    assert body["pending"] == 5 and body["curated"] == []
    assert [r["annotator"] for r in body["reviewers"]] == ["annotator-1", "annotator-2"]


def test_api_and_page_queries_do_not_grow_with_the_spans(
    layers, project, editor, client, django_assert_max_num_queries
):
    """Twenty more spans by a third reviewer: the same number of queries."""
    third = UserFactory(username="third")
    services.add_member(project=project, user=third, role="reviewer")
    article = layers["article"]
    for word in list(re.finditer(r"\w+", article.text))[:20]:
        services.mark_claim(article_id=article.pk, user=third, start=word.start(), end=word.end())
    api = api_for(editor)
    api.get(f"/api/v1/articles/{article.pk}/curation/")
    with django_assert_max_num_queries(9):
        body = api.get(f"/api/v1/articles/{article.pk}/curation/").json()
    assert body["pending"] == 25
    client.force_login(editor)
    client.get(page_url(article))
    with django_assert_max_num_queries(12):
        assert client.get(page_url(article)).status_code == 200


def test_api_curation_refuses_reviewers_outsiders_and_shared_projects(
    layers, reviewer, outsider, editor
):
    url = f"/api/v1/articles/{layers['article'].pk}/curation/"
    response = api_for(reviewer).get(url)
    assert response.status_code == 403
    assert "editors and admins curate" in response.json()["detail"]
    assert api_for(outsider).get(url).status_code == 404
    desk = ProjectFactory(slug="shared-desk")
    services.add_member(project=desk, user=editor, role="editor")
    shared = make_article(project=desk, creator=editor, title="Shared", text="A claim.")
    response = api_for(editor).get(f"/api/v1/articles/{shared.pk}/curation/")
    assert response.status_code == 409
    assert "shares its claims" in response.json()["detail"]


def test_api_actions_accept_merge_reject_reset(layers, editor):
    client = api_for(editor)
    base = f"/api/v1/articles/{layers['article'].pk}/curation"
    response = client.post(f"{base}/accept/", {"claim": layers["a_same"].pk}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["action"] == "accept" and body["claims"][0]["curation"] == "accepted"
    curated_id = body["curated_claim"]["id"]
    assert body["claims"][0]["curated_claim"] == curated_id

    merge = {"claims": [layers["a_short"].pk, layers["b_long"].pk]}
    response = client.post(f"{base}/merge/", merge, format="json")
    assert response.status_code == 200, response.content
    assert [c["curation"] for c in response.json()["claims"]] == ["merged", "merged"]
    assert response.json()["curated_claim"]["quote"] == LONG

    response = client.post(f"{base}/reject/", {"claim": layers["a_alone"].pk}, format="json")
    assert response.json()["claims"][0]["curation"] == "rejected"
    assert response.json()["curated_claim"] is None

    response = client.post(f"{base}/reset/", {"claim": layers["a_alone"].pk}, format="json")
    assert response.status_code == 200 and response.json()["claims"][0]["curation"] == ""

    body = client.get(f"{base}/").json()
    assert [c["id"] for c in body["curated"]] == [curated_id, body["curated"][1]["id"]]
    assert body["pending"] == 2  # b_same and a_alone


@pytest.mark.parametrize(
    ("action", "payload", "status", "message"),
    [
        ("accept", {}, 400, "claim: This field is required"),
        ("accept", {"claim": "x"}, 400, "claim: A valid integer is required"),
        ("accept", {"claim": 0, "start": 1}, 400, "claim"),
        ("merge", {"claims": [1]}, 400, "claims"),
        ("accept", {"claim": 10**12}, 404, "No claim with id"),
        ("reset", {"claim": "KEY"}, 400, "claim"),
    ],
)
def test_api_actions_answer_bad_input_with_4xx_messages(
    layers, editor, action, payload, status, message
):
    base = f"/api/v1/articles/{layers['article'].pk}/curation"
    if payload.get("claim") == "KEY":
        payload = {"claim": "abc"}
    response = api_for(editor).post(f"{base}/{action}/", payload, format="json")
    assert response.status_code == status, response.content
    assert message in response.json()["detail"]


def test_api_action_refuses_a_claim_of_another_article(layers, project, editor, reviewer):
    other = make_article(project=project, creator=editor, title="Other", text="Bus use fell.")
    base = f"/api/v1/articles/{other.pk}/curation"
    response = api_for(editor).post(f"{base}/accept/", {"claim": layers["a_same"].pk})
    assert response.status_code == 400
    assert f"is not on article #{other.pk}" in response.json()["detail"]


def test_api_reviewer_cannot_act(layers, reviewer):
    base = f"/api/v1/articles/{layers['article'].pk}/curation"
    response = api_for(reviewer).post(f"{base}/reject/", {"claim": layers["a_same"].pk})
    assert response.status_code == 403


def test_schema_documents_the_curation_routes(client, editor):
    client.force_login(editor)
    schema = client.get("/api/v1/schema/?format=json").json()
    paths = schema["paths"]
    assert "/api/v1/articles/{id}/curation/" in paths
    accept = paths["/api/v1/articles/{id}/curation/accept/"]["post"]
    assert {"200", "400", "403", "404", "409"} <= set(accept["responses"])
    assert "requestBody" in accept


# --- The page --------------------------------------------------------------------------------


def page_url(article) -> str:
    return f"/projects/{article.project.slug}/articles/{article.pk}/curate/"


def test_page_shows_each_reviewers_spans_aligned_with_actions(
    layers, client, editor, django_assert_max_num_queries
):
    client.force_login(editor)
    client.get(page_url(layers["article"]))
    with django_assert_max_num_queries(12):
        response = client.get(page_url(layers["article"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="cluster agreement-') == 3
    assert "Identical spans" in html and "Overlapping spans (disagreement)" in html
    assert f'aria-label="Accept claim #{layers["a_same"].pk} by annotator-1:' in html
    assert "annotator-2" in html and "finished" in html
    assert f"<mark>{SHORT}</mark>" in html
    assert '<mark class="cluster-mark agreement-identical" id="text-cluster-1">' in html
    assert "&lt;mark class" not in html  # the highlighted text is markup, not escaped markup
    assert 'value="merge"' in html and 'name="csrfmiddlewaretoken"' in html


def test_page_actions_post_and_come_back_with_a_message(layers, client, editor):
    client.force_login(editor)
    url = page_url(layers["article"])
    response = client.post(url, {"action": "accept", "claim": layers["a_same"].pk}, follow=True)
    assert response.redirect_chain[-1][0] == url
    curated = Claim.objects.curated().get()
    assert f"as curated claim #{curated.pk}" in response.content.decode()
    response = client.post(
        url,
        {"action": "merge", "claims": [layers["a_short"].pk, layers["a_alone"].pk]},
        follow=True,
    )
    assert "These claims do not overlap" in response.content.decode()
    start = layers["article"].text.index("Café")
    response = client.post(
        url,
        {"action": "adjust", "claim": layers["a_alone"].pk, "start": start, "end": start + 4},
        follow=True,
    )
    assert "“Café”" in response.content.decode()
    assert Claim.objects.get(pk=layers["a_alone"].pk).curation == "adjusted"


def test_page_is_for_editors_of_independent_projects(layers, client, reviewer, outsider):
    client.force_login(reviewer)
    response = client.get(page_url(layers["article"]))
    assert response.status_code == 403
    assert "editors and admins curate" in response.content.decode()
    client.post(page_url(layers["article"]), {"action": "accept", "claim": layers["a_same"].pk})
    assert not Claim.objects.curated().exists()
    client.force_login(outsider)
    assert client.get(page_url(layers["article"])).status_code == 404


def test_page_under_another_projects_slug_is_not_found(layers, client, editor, other_project):
    client.force_login(editor)
    article = layers["article"]
    response = client.get(f"/projects/{other_project.slug}/articles/{article.pk}/curate/")
    assert response.status_code == 404


def test_annotation_page_links_editors_to_curation(layers, client, editor, reviewer):
    client.force_login(editor)
    html = client.get(f"/articles/{layers['article'].pk}/").content.decode()
    assert f'href="{page_url(layers["article"])}"' in html
    client.force_login(reviewer)
    html = client.get(f"/articles/{layers['article'].pk}/").content.decode()
    assert "curate-article" not in html


def test_page_escapes_markup_in_the_article_text(project, client, reviewer, editor):
    independent(project)
    article = make_article(
        project=project, creator=editor, text="The minister said <script>alert(1)</script> twice."
    )
    make_claim(article=article, user=reviewer, quote="<script>alert(1)</script>")
    client.force_login(editor)
    html = client.get(page_url(article)).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_an_orphaned_span_is_rejected_not_accepted_and_then_the_project_can_share(
    project, layers, editor
):
    """A reviewer span that lost its place after a text change cannot become a curated claim,
    but it can be rejected, so it never blocks turning independent spans off."""
    for name in ("a_same", "b_same", "a_short", "b_long"):
        services.reject_span(claim_id=layers[name].pk, user=editor)
    orphan = layers["a_alone"]
    Claim.objects.filter(pk=orphan.pk).update(anchor="orphaned")
    with pytest.raises(ValidationFailed, match="1 reviewer-layer claim waits for curation"):
        services.update_project(project=project, actor=editor, independent_spans=False)
    with pytest.raises(InvalidTransition, match="lost its place"):
        services.accept_span(claim_id=orphan.pk, user=editor)
    services.reject_span(claim_id=orphan.pk, user=editor)
    assert Claim.objects.get(pk=orphan.pk).curation == "rejected"
    services.update_project(project=project, actor=editor, independent_spans=False)
    project.refresh_from_db()
    assert project.independent_spans is False


# --- Cost: the page stays bounded whatever the reviewers marked ------------------------------


def test_a_huge_chain_of_overlapping_spans_is_paged_and_excerpted(client, project, editor):
    """Six reviewers × 400 spans chained across a 500,000-character text form one group: the
    page lists at most SPANS_PER_PAGE spans (the rest on later pages) and shows wide groups as
    excerpts, instead of the whole text once per reviewer and 2,400 sets of forms (9 MB of HTML
    in 3 s before). `within` guards against a return to that, as the adversarial tests do."""
    from annotations.models import LayerCompletion
    from annotations.views.curation import SPANS_PER_PAGE
    from tests.test_adversarial import within

    independent(project)
    text = ("Word " * 100_000)[:499_990] + "end."
    article = make_article(project=project, creator=editor, text=text)
    rows, step = [], len(text) // 400
    for i in range(6):
        user = UserFactory(username=f"chain{i}")
        services.add_member(project=project, user=user, role="reviewer")
        for k in range(400):
            start, end = k * step, min(len(text), k * step + step + 10)
            rows.append(
                Claim(
                    article=article,
                    start=start,
                    end=end,
                    quote=text[start:end],
                    layer="reviewer",
                    created_by=user,
                )
            )
        LayerCompletion.objects.create(article=article, user=user)
    Claim.objects.bulk_create(rows)
    client.force_login(editor)
    url = f"/projects/{project.slug}/articles/{article.pk}/curate/"
    first = within(client.get, url)
    body = first.content.decode()
    assert first.status_code == 200
    assert body.count('value="accept"') == SPANS_PER_PAGE
    assert "Group 1 (part 1 of 24)" in body and "Page 1 of 24" in body
    assert len(first.content) < 1_500_000  # the article once (~0.5 MB) plus one page of forms
    last = within(client.get, url + "?page=24")
    assert "Group 1 (part 24 of 24)" in last.content.decode()
    assert within(client.get, url + "?page=999").status_code == 200  # clamped to the last page
    # Acting from a later page comes back to that page.
    claim = Claim.objects.filter(article=article).order_by("start", "end", "pk")[150]
    response = client.post(url + "?page=2", {"action": "reject", "claim": claim.pk})
    assert response.status_code == 302 and response["Location"].endswith("?page=2")
    assert Claim.objects.get(pk=claim.pk).curation == "rejected"


def test_a_rejection_note_over_the_limit_is_refused_in_both_interfaces(client, layers, editor):
    """The note's limit is the service's: the page gets the message, the API a 400, nothing is
    cut silently."""
    from annotations import limits

    claim = layers["a_alone"]
    with pytest.raises(ValidationFailed, match=f"at most {limits.NOTE}"):
        services.reject_span(claim_id=claim.pk, user=editor, note="n" * (limits.NOTE + 1))
    client.force_login(editor)
    url = f"/projects/{claim.article.project.slug}/articles/{claim.article_id}/curate/"
    page = client.post(
        url, {"action": "reject", "claim": claim.pk, "note": "n" * 6000}, follow=True
    )
    assert f"at most {limits.NOTE}" in page.content.decode()
    assert Claim.objects.get(pk=claim.pk).curation == ""
