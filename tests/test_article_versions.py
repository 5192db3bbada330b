"""New versions of an article (services/versions.py): the old text is kept, each claim is
re-anchored with an Event saying how, verdicts whose quote changed are flagged "article changed"
without losing their status, orphaned claims keep their old context and can be re-attached, and
importing the same URL again with a changed page makes a new version."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from annotations import services, tasks
from annotations.exceptions import BadSpan, Conflict, NotPermitted, NotVisible, ValidationFailed
from annotations.models import Anchor, Article, ArticleVersion, Claim, Event
from annotations.workflow import Status
from tests.factories import make_article, make_claim, make_verdict
from tests.page_server import ARTICLE_HTML, running_page_server

pytestmark = pytest.mark.django_db

TEXT = (
    "The city will double the bus budget to 40 million euros. Ridership grew by 30 percent "
    "since 2020, the mayor said.\n\nCritics said the figure was misleading. The first new lines "
    "open in the spring, according to the plan.\n\nCritics said the figure was misleading."
)


@pytest.fixture
def claimed(project, reviewer, editor, reviewer2):
    article = make_article(project=project, creator=reviewer, text=TEXT, title="Buses")
    claims = {
        "budget": make_claim(article=article, user=reviewer, quote="double the bus budget"),
        "ridership": make_claim(
            article=article, user=reviewer, quote="Ridership grew by 30 percent since 2020"
        ),
        "lines": make_claim(article=article, user=reviewer, quote="The first new lines open"),
        "critics": make_claim(
            article=article,
            user=reviewer,
            quote="Critics said the figure was misleading.",
            prefix="since 2020, the mayor said.\n\n",
        ),
    }
    approved = make_verdict(
        claim=claims["ridership"], user=reviewer2, status="approved", editor=editor
    )
    draft = make_verdict(claim=claims["lines"], user=reviewer2)
    kept = make_verdict(claim=claims["budget"], user=reviewer2)
    return article, claims, {"approved": approved, "draft": draft, "kept": kept}


EDITED = (
    "Breaking: the city will double the bus budget to 40 million euros. Ridership grew by 31 "
    "percent since 2020, the mayor said.\n\nCritics said the figure was misleading. The plan "
    "was shelved.\n\nCritics said the figure was misleading."
)


def test_a_new_version_keeps_the_old_text_and_reanchors_every_claim(claimed, reviewer):
    article, claims, verdicts = claimed
    result = services.add_article_version(article_id=article.pk, user=reviewer, text_body=EDITED)

    article.refresh_from_db()
    assert (article.version, article.text) == (2, EDITED)
    old = ArticleVersion.objects.get(article=article)
    assert (old.number, old.text) == (1, TEXT)
    assert article.sentences.count() == 5
    assert all(EDITED[s.start : s.end].strip() for s in article.sentences.all())

    budget, ridership, lines, critics = (
        Claim.objects.get(pk=claims[k].pk) for k in ("budget", "ridership", "lines", "critics")
    )
    assert (budget.anchor, EDITED[budget.start : budget.end]) == ("exact", "double the bus budget")
    assert budget.text_version == 2
    assert ridership.anchor == "fuzzy"
    assert ridership.quote == "Ridership grew by 31 percent since 2020"
    assert lines.anchor == "orphaned"
    assert (lines.quote, lines.text_version) == ("The first new lines open", 1)  # old context kept
    assert critics.anchor == "exact"
    assert critics.start == EDITED.index("Critics said")  # the first copy, as marked
    assert sorted(result.exact) == sorted([budget.pk, critics.pk])
    assert result.fuzzy == [ridership.pk] and result.orphaned == [lines.pk]

    events = {e.claim_id: e.changes for e in Event.objects.filter(action="reanchor")}
    assert set(events) == {budget.pk, ridership.pk, lines.pk, critics.pk}
    assert events[lines.pk]["outcome"] == "orphaned"
    assert events[lines.pk]["old"]["quote"] == "The first new lines open"
    assert events[ridership.pk]["new"]["quote"] == "Ridership grew by 31 percent since 2020"
    assert Event.objects.get(action="new_version").changes["orphaned"] == 1

    for key, flagged in (("approved", True), ("draft", True), ("kept", False)):
        verdicts[key].refresh_from_db()
        assert verdicts[key].article_changed is flagged, key
    assert verdicts["approved"].status == Status.APPROVED  # stays approved until an editor acts


def test_the_same_text_again_is_a_conflict_and_changes_nothing(claimed, reviewer):
    article, _, _ = claimed
    with pytest.raises(Conflict, match="same as version 1"):
        services.add_article_version(article_id=article.pk, user=reviewer, text_body=TEXT)
    assert not ArticleVersion.objects.exists()
    assert not Event.objects.filter(action="reanchor").exists()


def test_a_researcher_may_not_add_a_version(claimed, researcher):
    article, _, _ = claimed
    with pytest.raises(NotPermitted):
        services.add_article_version(article_id=article.pk, user=researcher, text_body=EDITED)


def test_an_orphaned_claim_is_reattached_by_selecting_its_text(claimed, reviewer):
    article, claims, _ = claimed
    services.add_article_version(article_id=article.pk, user=reviewer, text_body=EDITED)
    orphan = claims["lines"]
    with pytest.raises(BadSpan, match="more than once"):
        services.reattach_claim(
            claim_id=orphan.pk, user=reviewer, quote="Critics said the figure was misleading."
        )
    with pytest.raises(BadSpan, match="not in the current version"):
        services.reattach_claim(claim_id=orphan.pk, user=reviewer, quote="new lines open")
    claim = services.reattach_claim(
        claim_id=orphan.pk, user=reviewer, quote="The plan was shelved."
    )
    assert (claim.anchor, claim.text_version, claim.quote) == ("exact", 2, "The plan was shelved.")
    assert EDITED[claim.start : claim.end] == claim.quote
    event = Event.objects.get(action="reattach")
    assert event.changes["old"]["quote"] == "The first new lines open"
    with pytest.raises(ValidationFailed, match="anchored already"):
        services.reattach_claim(claim_id=orphan.pk, user=reviewer, quote="The plan was shelved.")


def test_only_editors_clear_the_article_changed_flag(claimed, reviewer, reviewer2, editor):
    article, _, verdicts = claimed
    services.add_article_version(article_id=article.pk, user=reviewer, text_body=EDITED)
    verdict = verdicts["approved"]
    with pytest.raises(NotPermitted, match="Only editors"):
        services.clear_article_changed(verdict_id=verdict.pk, editor=reviewer2)
    services.clear_article_changed(verdict_id=verdict.pk, editor=editor, note="Still right.")
    verdict.refresh_from_db()
    assert (verdict.article_changed, verdict.status) == (False, Status.APPROVED)
    assert Event.objects.get(action="article_change_checked").note == "Still right."


def test_importing_the_same_url_again_makes_a_new_version(
    settings, tmp_path, project, reviewer, django_capture_on_commit_callbacks
):
    settings.FACTCHECK_FETCH_ALLOW_HOSTS = ["localhost"]
    settings.MEDIA_ROOT = str(tmp_path)
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    with running_page_server() as server:
        server.pages["/live"] = (ARTICLE_HTML, "text/html")
        url = server.url("/live")
        article = services.import_url(project=project, creator=reviewer, url=url)
        claim = make_claim(
            article=article, user=reviewer, quote="ridership had grown by 30 percent"
        )
        first_digest = article.source_sha256
        server.pages["/live"] = (
            ARTICLE_HTML.replace("grown by 30 percent", "grown by 35 percent"),
            "text/html",
        )
        with django_capture_on_commit_callbacks(execute=True):
            job = tasks.start_import_job(project=project, user=reviewer, urls=[url, url])
    job.refresh_from_db()
    assert [o["outcome"] for o in job.outcomes] == ["new version", "duplicate"]
    assert "same as version 2" in job.outcomes[1]["reason"]
    article.refresh_from_db()
    assert article.version == 2 and Article.objects.count() == 1
    assert article.source_sha256 != first_digest
    assert ArticleVersion.objects.get(article=article).source_sha256 == first_digest
    claim.refresh_from_db()
    assert (claim.anchor, claim.quote) == (Anchor.FUZZY, "ridership had grown by 35 percent")


# --- Pages and API ----------------------------------------------------------------------------


def test_the_article_page_adds_a_version_and_lists_orphans_with_their_old_context(
    claimed, reviewer, client
):
    article, claims, _ = claimed
    client.force_login(reviewer)
    response = client.post(f"/articles/{article.pk}/versions/", {"text": EDITED}, follow=True)
    html = response.content.decode()
    assert (
        "Version 2: 2 claims found exactly, 1 found approximately (check them), 1 orphaned" in html
    )
    assert "Orphaned claims (1)" in html
    assert "<mark>The first new lines open</mark>" in html
    assert "Found approximately: check these claims" in html
    # The orphan is not highlighted in the text (its offsets are those of version 1).
    assert f'data-claim="{claims["lines"].pk}"' not in html
    reattach = client.post(
        f"/claims/{claims['lines'].pk}/reattach/", {"quote": "The plan was shelved."}, follow=True
    )
    assert (
        f"Claim #{claims['lines'].pk} is attached to the current text." in reattach.content.decode()
    )
    assert "Orphaned claims" not in reattach.content.decode()


def test_the_verdict_page_and_queue_show_the_flag_and_an_editor_clears_it(
    claimed, reviewer, reviewer2, editor, client, project
):
    article, claims, verdicts = claimed
    submitted = make_verdict(claim=claims["lines"], user=reviewer, status="submitted")
    services.add_article_version(article_id=article.pk, user=reviewer, text_body=EDITED)
    client.force_login(editor)
    queue = client.get(f"/projects/{project.slug}/queue/").content.decode()
    assert "Article changed" in queue and f"article-changed-{submitted.pk}" in queue
    page = client.get(f"/verdicts/{verdicts['approved'].pk}/").content.decode()
    assert "Article changed" in page and "Checked against the new text" in page
    done = client.post(
        f"/verdicts/{verdicts['approved'].pk}/article-checked/", {"note": "ok"}, follow=True
    )
    assert "Marked as checked against the new text." in done.content.decode()
    verdicts["approved"].refresh_from_db()
    assert verdicts["approved"].article_changed is False


def test_api_adds_a_version_lists_versions_and_reattaches(claimed, reviewer):
    from rest_framework.test import APIClient

    article, claims, _ = claimed
    api = APIClient()
    api.force_authenticate(reviewer)
    created = api.post(f"/api/v1/articles/{article.pk}/versions/", {"text": EDITED}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["version"] == 2
    assert created.json()["orphaned"] == [claims["lines"].pk]
    assert [v["number"] for v in api.get(f"/api/v1/articles/{article.pk}/versions/").json()] == [1]
    same = api.post(f"/api/v1/articles/{article.pk}/versions/", {"text": EDITED}, format="json")
    assert same.status_code == 409
    assert "same as version 2" in same.json()["detail"]
    neither = api.post(f"/api/v1/articles/{article.pk}/versions/", {}, format="json")
    assert neither.status_code == 400
    ambiguous = api.post(
        f"/api/v1/claims/{claims['lines'].pk}/reattach/",
        {"quote": "Critics said the figure was misleading."},
        format="json",
    )
    assert ambiguous.status_code == 400
    assert ambiguous.json()["field"] == "quote"
    ok = api.post(
        f"/api/v1/claims/{claims['lines'].pk}/reattach/",
        {"quote": "The plan was shelved."},
        format="json",
    )
    assert ok.status_code == 200
    assert ok.json()["anchor"] == "exact" and ok.json()["text_version"] == 2
    detail = api.get(f"/api/v1/articles/{article.pk}/").json()
    assert detail["version"] == 2
    assert {c["anchor"] for c in detail["claims"]} == {"exact", "fuzzy"}


def test_a_refused_version_of_another_project_is_404(claimed, outsider):
    from rest_framework.test import APIClient

    article, _, _ = claimed
    api = APIClient()
    api.force_authenticate(outsider)
    response = api.post(f"/api/v1/articles/{article.pk}/versions/", {"text": EDITED}, format="json")
    assert response.status_code == 404
    assert Article.objects.get(pk=article.pk).version == 1


# --- Exports ----------------------------------------------------------------------------------


def test_exports_name_the_text_version_of_each_claims_offsets_and_round_trip(
    claimed, reviewer, tmp_path
):
    """After a new version the jsonl names the article's version and provenance, and each
    claim's `text_version` (the orphan's is the old one); the file loads into an empty database
    and exports again byte for byte."""
    from tests.test_export_api import _empty_the_database
    from tests.test_import_corpus import export, load, records

    article, claims, _ = claimed
    Article.objects.filter(pk=article.pk).update(
        source_url="https://news.example.org/buses", source_sha256="ab" * 32
    )
    services.add_article_version(article_id=article.pk, user=reviewer, text_body=EDITED)
    first = export(tmp_path / "first.jsonl", format="jsonl", status="all")
    [row] = records(first)
    assert (row["version"], row["source_url"], row["source_sha256"]) == (
        2,
        "https://news.example.org/buses",
        "ab" * 32,
    )
    by_id = {c["id"]: c for c in row["claims"]}
    assert by_id[claims["lines"].pk]["anchor"] == "orphaned"
    assert by_id[claims["lines"].pk]["text_version"] == 1
    assert by_id[claims["ridership"].pk]["anchor"] == "fuzzy"
    assert {c["text_version"] for c in row["claims"] if c["anchor"] != "orphaned"} == {2}
    _empty_the_database()
    load(first)
    second = export(tmp_path / "second.jsonl", format="jsonl", status="all")
    assert second.read_bytes() == first.read_bytes()


def test_a_new_version_of_an_article_with_dismissed_sentences_starts_clean(article, reviewer):
    """Found by schemathesis: a "Not a claim" on a sentence made the new version a 500 (the
    old sentences could not be deleted under their dismissals)."""
    from annotations.models import SentenceDismissal

    services.dismiss_sentence(article_id=article.pk, index=0, user=reviewer)
    client = APIClient()
    client.force_authenticate(reviewer)
    response = client.post(
        f"/api/v1/articles/{article.pk}/versions/",
        {"text": "0", "html": "", "refetch": "false", "title": ""},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert not SentenceDismissal.objects.filter(sentence__article=article).exists()
    event = Event.objects.get(action="new_version", target_id=article.pk)
    assert event.changes["dismissals_dropped"] == 1


def test_two_reviewers_layers_keep_their_same_span_through_a_new_version(
    project, reviewer, reviewer2, editor
):
    """With independent spans two reviewers may hold the same span; a new version moves both
    (only two claims of one layer finding the same span are orphaned for a person to decide)."""
    services.update_project(project=project, actor=editor, independent_spans=True)
    article = make_article(project=project, creator=editor, text=TEXT)
    mine = services.mark_claim(article_id=article.pk, user=reviewer, quote="double the bus budget")
    theirs = services.mark_claim(
        article_id=article.pk, user=reviewer2, quote="double the bus budget"
    )
    services.add_article_version(article_id=article.pk, user=editor, text_body=EDITED)
    for claim in (mine, theirs):
        claim.refresh_from_db()
        assert claim.anchor == "exact"
        assert EDITED[claim.start : claim.end] == "double the bus budget"


def test_another_reviewers_hidden_orphan_is_not_theirs_to_reattach(
    project, reviewer, reviewer2, editor
):
    """Re-attaching applies the layer rule: B cannot find A's hidden claim (404, as for an
    unknown id), and A re-attaches it in A's own layer even where B holds the same span."""
    services.update_project(project=project, actor=editor, independent_spans=True)
    article = make_article(project=project, creator=editor, text=TEXT)
    mine = services.mark_claim(
        article_id=article.pk, user=reviewer, quote="The first new lines open"
    )
    services.add_article_version(article_id=article.pk, user=editor, text_body=EDITED)
    mine.refresh_from_db()
    assert mine.anchor == "orphaned"
    services.mark_claim(article_id=article.pk, user=reviewer2, quote="The plan was shelved.")
    with pytest.raises(NotVisible):
        services.reattach_claim(claim_id=mine.pk, user=reviewer2, quote="The plan was shelved.")
    claim = services.reattach_claim(claim_id=mine.pk, user=reviewer, quote="The plan was shelved.")
    assert claim.anchor == "exact" and claim.quote == "The plan was shelved."


def test_another_projects_article_or_verdict_is_a_404_not_a_403(claimed, outsider):
    article, _, verdicts = claimed
    with pytest.raises(NotVisible):
        services.add_article_version(article_id=article.pk, user=outsider, text_body=EDITED)
    with pytest.raises(NotVisible):
        services.clear_article_changed(verdict_id=verdicts["approved"].pk, editor=outsider)
