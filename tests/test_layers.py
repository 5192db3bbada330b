"""Independent span annotation (issue 18, points 1 and 5) where users act: the setting on the
settings page and in the project API, "I've finished this article" on the annotation page and
in the API, marking the same span in two layers, the switching rules, and what the pages say
about layers. Who sees what is `test_layers_visibility.py`."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from annotations import selectors, services
from annotations.models import Article, Claim, Event, LayerCompletion
from annotations.services.checkworthiness import training_examples
from tests.factories import make_article, make_claim, make_verdict

pytestmark = pytest.mark.django_db

QUOTE = "bus use fell 15% since 2019"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def page(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def finish_url(article) -> str:
    return f"/api/v1/articles/{article.pk}/finish/"


@pytest.fixture
def independent(project, project_admin):
    services.update_project(project=project, actor=project_admin, independent_spans=True)
    project.refresh_from_db()
    return project


# --- Marking the same span --------------------------------------------------------------------


def test_two_reviewers_mark_the_same_span_without_a_duplicate_error(
    independent, article, reviewer, reviewer2
):
    url = f"/api/v1/articles/{article.pk}/claims/"
    first = api(reviewer).post(url, {"quote": QUOTE}, format="json")
    second = api(reviewer2).post(url, {"quote": QUOTE}, format="json")
    assert (first.status_code, second.status_code) == (201, 201), second.content
    assert first.json()["layer"] == second.json()["layer"] == "reviewer"
    assert (first.json()["annotator"], second.json()["annotator"]) == ("rev", "rev2")
    assert first.json()["curation"] == "" and first.json()["curated_claim"] is None
    # Within one layer it is still a duplicate.
    again = api(reviewer).post(url, {"quote": QUOTE}, format="json")
    assert again.status_code == 409
    assert f"#{first.json()['id']}" in again.json()["detail"]
    assert Claim.objects.filter(article=article, start=first.json()["start"]).count() == 2


def test_shared_project_still_refuses_the_same_span_twice(article, reviewer, reviewer2):
    url = f"/api/v1/articles/{article.pk}/claims/"
    first = api(reviewer).post(url, {"quote": QUOTE}, format="json")
    assert first.status_code == 201
    assert first.json()["layer"] == "curated" and first.json()["annotator"] is None
    assert api(reviewer2).post(url, {"quote": QUOTE}, format="json").status_code == 409


# --- Finish and reopen over the API -----------------------------------------------------------


def test_finish_and_reopen_over_the_api_record_events(independent, article, reviewer):
    make_claim(article=article, user=reviewer, quote=QUOTE)
    client = api(reviewer)
    state = client.get(finish_url(article)).json()
    assert (state["has_layer"], state["finished"], state["claims"]) == (True, False, 1)

    done = client.post(finish_url(article))
    assert done.status_code == 200, done.content
    assert done.json()["finished"] is True and done.json()["can_reopen"] is True
    assert LayerCompletion.objects.filter(article=article, user=reviewer).exists()
    event = Event.objects.get(action="finish_article")
    assert (event.actor, event.target_id, event.changes) == (reviewer, article.pk, {"claims": 1})
    # Idempotent: a second POST neither fails nor records another event.
    assert client.post(finish_url(article)).status_code == 200
    assert Event.objects.filter(action="finish_article").count() == 1

    # A finished layer is locked: no marking, no edits.
    refused = client.post(
        f"/api/v1/articles/{article.pk}/claims/", {"quote": "Café owners"}, format="json"
    )
    assert refused.status_code == 409 and "not finished" in refused.json()["detail"]

    reopened = client.delete(finish_url(article))
    assert reopened.status_code == 200
    assert reopened.json()["finished"] is False
    assert not LayerCompletion.objects.filter(article=article, user=reviewer).exists()
    assert Event.objects.filter(action="reopen_article", actor=reviewer).count() == 1
    marked = client.post(
        f"/api/v1/articles/{article.pk}/claims/", {"quote": "Café owners"}, format="json"
    )
    assert marked.status_code == 201


def test_reopen_is_refused_once_curation_started(independent, article, reviewer):
    client = api(reviewer)
    assert client.post(finish_url(article)).status_code == 200
    Article.objects.filter(pk=article.pk).update(curation_started_at="2026-12-01T10:00:00Z")
    state = client.get(finish_url(article)).json()
    assert state["curation_started"] is True and state["can_reopen"] is False
    refused = client.delete(finish_url(article))
    assert refused.status_code == 409
    assert "curating" in refused.json()["detail"]
    assert LayerCompletion.objects.filter(article=article, user=reviewer).exists()


def test_finish_is_refused_in_a_shared_project_and_to_researchers(
    project, article, reviewer, researcher
):
    shared = api(reviewer).post(finish_url(article))
    assert shared.status_code == 409
    assert "shares its claims" in shared.json()["detail"]
    state = api(reviewer).get(finish_url(article)).json()
    assert state["independent_spans"] is False and state["has_layer"] is False
    services.update_project(project=project, actor=None, independent_spans=True)
    assert api(researcher).post(finish_url(article)).status_code == 403
    assert not LayerCompletion.objects.exists()


def test_finish_of_an_article_elsewhere_is_a_404(independent, article, outsider):
    assert api(outsider).post(finish_url(article)).status_code == 404
    assert api(outsider).get(finish_url(article)).status_code == 404


def test_finish_is_in_the_api_schema(reviewer):
    schema = api(reviewer).get("/api/v1/schema/?format=json").json()
    operations = schema["paths"]["/api/v1/articles/{id}/finish/"]
    assert {"get", "post", "delete"} <= set(operations)
    assert "409" in operations["delete"]["responses"]
    claim = schema["components"]["schemas"]["ClaimWithVerdicts"]["properties"]
    assert {"layer", "curation", "curated_claim", "annotator"} <= set(claim)
    assert claim["layer"]["readOnly"] is True
    project = schema["components"]["schemas"]["Project"]["properties"]
    assert "independent_spans" in project
    assert "patch" in schema["paths"]["/api/v1/projects/{slug}/"]


# --- Finish and reopen on the annotation page --------------------------------------------------


def test_annotation_page_finish_button_status_and_reopen(independent, article, reviewer):
    make_claim(article=article, user=reviewer, quote=QUOTE)
    client = page(reviewer)
    body = client.get(f"/articles/{article.pk}/").content.decode()
    assert "I've finished this article" in body
    assert 'id="mark-claim"' in body
    assert f"/articles/{article.pk}/sentences/" in body  # suggestions offer marking
    assert "Your own layer: 1 claim, unseen by other reviewers until you finish." in body

    response = client.post(f"/articles/{article.pk}/finish/", {"done": "finish"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"/articles/{article.pk}/#layer-status")
    body = client.get(response["Location"]).content.decode()
    assert "You finished this article" in body
    assert "I'm not finished" in body
    assert "Your layer (1 claim) is finished." in body
    assert 'id="mark-claim"' not in body  # locked until "I'm not finished"
    assert "/sentences/" not in body  # no "Mark as claim" on suggestions either
    assert LayerCompletion.objects.filter(article=article, user=reviewer).exists()

    client.post(f"/articles/{article.pk}/finish/", {"done": "reopen"})
    assert not LayerCompletion.objects.filter(article=article, user=reviewer).exists()
    body = client.get(f"/articles/{article.pk}/").content.decode()
    assert "Your layer is open again" in body


def test_annotation_page_disables_reopen_with_the_reason_once_curation_started(
    independent, article, reviewer
):
    services.finish_article(article_id=article.pk, user=reviewer)
    Article.objects.filter(pk=article.pk).update(curation_started_at="2026-12-01T10:00:00Z")
    body = page(reviewer).get(f"/articles/{article.pk}/").content.decode()
    button = re.search(r'<button[^>]*id="finish-toggle"[^>]*>', body).group(0)
    assert "disabled" in button and 'aria-describedby="layer-state"' in button
    assert "an editor started curating this article, so it can no longer be reopened" in body
    # The plain form post is refused the same way, with the message beside the button.
    response = page(reviewer).post(f"/articles/{article.pk}/finish/", {"done": "reopen"})
    assert response.status_code == 302
    assert LayerCompletion.objects.filter(article=article, user=reviewer).exists()


def test_finish_page_post_answers_json_for_the_script(independent, article, reviewer):
    response = page(reviewer).post(
        f"/articles/{article.pk}/finish/",
        {"done": "finish"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200 and response.json()["finished"] is True


def test_shared_project_pages_have_no_finish_button_nor_layer_column(article, reviewer):
    client = page(reviewer)
    assert 'id="finish-toggle"' not in client.get(f"/articles/{article.pk}/").content.decode()
    listing = client.get(f"/projects/{article.project.slug}/").content.decode()
    assert "Your layer" not in listing and "Finished by you" not in listing


def test_claim_panel_says_which_layer_and_finished_layers_are_listed(
    independent, article, reviewer, reviewer2, editor
):
    mine = make_claim(article=article, user=reviewer, quote=QUOTE)
    theirs = make_claim(article=article, user=reviewer2, quote="Café owners")
    body = page(reviewer).get(f"/articles/{article.pk}/?claim={mine.pk}").content.decode()
    assert "In your own layer" in body
    # No verdict form on a reviewer-layer claim: it says where verdicts go instead.
    assert 'id="verdict-form"' not in body and 'id="layer-verdict-note"' in body
    services.finish_article(article_id=article.pk, user=reviewer2)
    services.finish_article(article_id=article.pk, user=reviewer)
    body = page(reviewer).get(f"/articles/{article.pk}/?claim={theirs.pk}").content.decode()
    assert "In rev2&#x27;s layer (finished; read-only)" in body
    body = page(reviewer).get(f"/articles/{article.pk}/").content.decode()
    finished = re.search(r'<section[^>]*id="finished-layers".*?</section>', body, re.S).group(0)
    assert "rev2: 1 claim" in finished
    assert f'<a href="?claim={theirs.pk}#claim-panel">#{theirs.pk}</a> “Café owners”' in finished
    # An editor sees the finished layers at once, without a layer of their own to finish.
    body = page(editor).get(f"/articles/{article.pk}/").content.decode()
    assert "rev2: 1 claim" in body and "rev: 1 claim" in body


def test_curated_claim_says_it_is_shared(project, article, reviewer, project_admin):
    claim = make_claim(article=article, user=reviewer, quote=QUOTE)
    services.update_project(project=project, actor=project_admin, independent_spans=True)
    body = page(reviewer).get(f"/articles/{article.pk}/?claim={claim.pk}").content.decode()
    assert "Curated claim, shared by the team" in body
    assert 'id="verdict-form"' in body


def test_article_list_shows_finished_by_you_in_few_queries(
    independent, reviewer, reviewer2, django_assert_max_num_queries
):
    articles = [
        make_article(
            project=independent,
            creator=reviewer,
            title=f"Article {n}",
            text=f"Story {n}. Critics said bus use fell 15% since 2019. Café owners agreed.",
        )
        for n in range(6)
    ]
    for article in articles:
        make_claim(article=article, user=reviewer2, quote=QUOTE)
        make_claim(article=article, user=reviewer, quote="Café owners")
    for article in articles[:2]:
        services.finish_article(article_id=article.pk, user=reviewer)
    client = page(reviewer)
    client.get(f"/projects/{independent.slug}/")  # warm the session and caches
    with django_assert_max_num_queries(10):  # as many for 1 article as for 6
        body = client.get(f"/projects/{independent.slug}/").content.decode()
    assert body.count("Finished by you") == 2
    assert body.count("Not finished") == 4
    # Each row counts the claims the reviewer can see: their own, not rev2's.
    assert re.findall(r'<td class="num">(\d+)</td>', body)[::2] == ["1"] * 6


# --- The setting ------------------------------------------------------------------------------


def test_settings_page_turns_the_setting_on_and_keeps_claims_curated(
    project, article, reviewer, project_admin
):
    claim = make_claim(article=article, user=reviewer, quote=QUOTE)
    client = page(project_admin)
    form = client.get(f"/projects/{project.slug}/settings/")
    body = form.content.decode()
    assert 'name="independent_spans"' in body
    assert "Each reviewer marks claims in their own layer" in body
    data = {
        name: value
        for name, value in form.context["form"].initial.items()
        if value is not None and not isinstance(value, bool)
    }
    data["rating_scale"] = project.rating_scale_id
    data["independent_spans"] = "on"
    response = client.post(f"/projects/{project.slug}/settings/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    project.refresh_from_db()
    assert project.independent_spans is True
    claim.refresh_from_db()
    assert claim.layer == "curated"
    event = Event.objects.filter(action="update_project").latest("pk")
    assert event.changes["independent_spans"] == {"from": "False", "to": "True"}


def test_settings_page_refuses_to_share_while_layers_wait_with_count_and_articles(
    independent, article, reviewer, reviewer2, project_admin
):
    make_claim(article=article, user=reviewer, quote=QUOTE)
    make_claim(article=article, user=reviewer2, quote=QUOTE)
    client = page(project_admin)
    form = client.get(f"/projects/{independent.slug}/settings/")
    data = {
        name: value
        for name, value in form.context["form"].initial.items()
        if value is not None and not isinstance(value, bool)
    }
    data["rating_scale"] = independent.rating_scale_id
    response = client.post(f"/projects/{independent.slug}/settings/", data)  # box unticked
    assert response.status_code == 400
    errors = response.context["form"].errors.get("independent_spans")
    assert errors, response.context["form"].errors
    assert "2 reviewer-layer claims wait for curation" in errors[0]
    assert f"#{article.pk} Tram plans" in errors[0]
    independent.refresh_from_db()
    assert independent.independent_spans is True


def test_project_api_patch_switches_and_refuses_with_count_and_articles(
    project, article, reviewer, project_admin
):
    url = f"/api/v1/projects/{project.slug}/"
    curated = make_claim(article=article, user=reviewer, quote="Café owners")
    on = api(project_admin).patch(url, {"independent_spans": True}, format="json")
    assert on.status_code == 200 and on.json()["independent_spans"] is True
    curated.refresh_from_db()
    assert curated.layer == "curated"
    make_claim(article=article, user=reviewer, quote=QUOTE)
    off = api(project_admin).patch(url, {"independent_spans": False}, format="json")
    assert off.status_code == 400
    assert off.json()["field"] == "independent_spans"
    assert "1 reviewer-layer claim waits for curation" in off.json()["detail"]
    assert f"#{article.pk}" in off.json()["detail"]
    assert api(reviewer).get(url).json()["independent_spans"] is True


def test_project_api_patch_is_for_admins(project, reviewer, editor, outsider):
    url = f"/api/v1/projects/{project.slug}/"
    for user, code in ((reviewer, 403), (editor, 403), (outsider, 404)):
        response = api(user).patch(url, {"independent_spans": True}, format="json")
        assert response.status_code == code, (user, response.content)
    bad = api(editor).patch(url, {"independent_spans": "perhaps"}, format="json")
    assert bad.status_code in (400, 403)
    project.refresh_from_db()
    assert project.independent_spans is False


def test_shared_mode_is_unchanged_for_counts_and_detail(article, reviewer, reviewer2, editor):
    claim = make_claim(article=article, user=reviewer, quote=QUOTE)
    make_verdict(claim=claim, user=reviewer2, status="submitted")
    detail = api(reviewer2).get(f"/api/v1/articles/{article.pk}/").json()
    assert [c["id"] for c in detail["claims"]] == [claim.pk]
    row = selectors.articles_with_progress(project=article.project, user=reviewer2).get()
    assert (row.n_claims, row.n_open, row.finished_by_me) == (1, 0, False)


def test_checkworthiness_labels_count_curated_claims_only(
    project, article, reviewer, project_admin
):
    make_claim(article=article, user=reviewer, quote="Café owners reportedly doubled their prices.")
    before = selectors.checkworthiness_labels(project=project)
    assert before[1] >= 1
    services.update_project(project=project, actor=project_admin, independent_spans=True)
    make_claim(article=article, user=reviewer, quote=QUOTE)  # a reviewer layer: not a label
    assert selectors.checkworthiness_labels(project=project) == before
    examples = training_examples(project=project)
    assert sum(1 for example in examples if example.label) == before[1]


def test_assignment_counts_as_finished_once_the_layer_is_finished(
    independent, article, reviewer, reviewer2, editor
):
    services.assign_articles(
        project=independent, actor=editor, article_ids=[article.pk], reviewers=[reviewer]
    )
    make_claim(article=article, user=reviewer2, quote=QUOTE)  # another layer: not counted

    def assignment():
        return selectors.assignments_of(user=reviewer, project=independent).get()

    assert (assignment().n_claims, selectors.is_finished(assignment())) == (0, False)
    assert (
        page(reviewer).get("/assignments/next/")["Location"].startswith(f"/articles/{article.pk}/")
    )
    services.finish_article(article_id=article.pk, user=reviewer)
    assert selectors.is_finished(assignment()) is True
    # "Next article" moves on from it.
    response = page(reviewer).get("/assignments/next/")
    assert f"/articles/{article.pk}/" not in response.get("Location", "")
