"""Claim matching against the database: the full-text index follows every write path, only
approved verdicts of the caller's projects are ever suggested, and the reviewer's decisions
(same claim, dismissed) are stored, recorded and honoured. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from annotations import matching, search_index, services
from annotations.models import ClaimMatch, Event, Project
from tests.factories import make_article, make_claim, make_verdict

pytestmark = pytest.mark.django_db

EARLIER = "Knife crime in London rose 20% last year."
TEXT = (
    "Police figures were published on Monday. Knife crime in London rose 20% last year. "
    "Knife crime in Birmingham rose 20% last year. Bus use fell 15% since 2019."
)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def found_ids(text: str, project) -> list[int]:
    return [m.claim.pk for m in matching.search(text, project_ids=[project.pk])]


def indexed(claim_id: int, word: str) -> bool:
    """Ask the index itself (not the claims table) whether `claim_id` is found by `word`."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT rowid FROM claim_fts WHERE claim_fts MATCH %s", [f'"{word}"'])
        else:
            cursor.execute(
                "SELECT id FROM annotations_claim WHERE search_vector @@ to_tsquery('english', %s)",
                [word],
            )
        return claim_id in {row[0] for row in cursor.fetchall()}


@pytest.fixture
def checked(project, reviewer, reviewer2, editor):
    """An article with an approved claim (London), a draft one (Birmingham) and a marked one."""
    article = make_article(project=project, creator=reviewer, text=TEXT)
    london = make_claim(article=article, user=reviewer, quote=EARLIER)
    make_verdict(claim=london, user=reviewer, status="approved", editor=editor, rating="true")
    birmingham = make_claim(
        article=article, user=reviewer, quote="Knife crime in Birmingham rose 20% last year."
    )
    make_verdict(claim=birmingham, user=reviewer2, status="submitted", rating="false")
    return {"article": article, "london": london, "birmingham": birmingham}


# --- The index follows the writes ---------------------------------------------------------


def test_marking_a_claim_indexes_it_and_approval_makes_it_a_candidate(checked, reviewer, editor):
    """The index is written by the database on insert; only an approved verdict makes the
    claim a candidate (a submitted one does not)."""
    london, birmingham = checked["london"], checked["birmingham"]
    assert indexed(london.pk, "knife") and indexed(birmingham.pk, "birmingham")
    assert found_ids(
        "Knife crime in Birmingham went up by 20 percent", checked["article"].project
    ) == [london.pk]


def test_a_withdrawn_verdict_stops_the_claim_being_suggested(checked, editor, project):
    """Candidates are claims with an approved verdict *now*: the join is made at query time,
    so a verdict change needs no reindexing."""
    london = checked["london"]
    assert found_ids("London knife crime rose by 20%", project) == [london.pk]
    verdict = london.verdicts.get()
    services.withdraw_verdict(verdict_id=verdict.pk, user=editor, note="Source retracted.")
    assert found_ids("London knife crime rose by 20%", project) == []


def test_editing_a_statement_reindexes_it(checked, reviewer, project):
    bus = make_claim(
        article=checked["article"], user=reviewer, quote="Bus use fell 15% since 2019."
    )
    assert not indexed(bus.pk, "ridership")
    services.update_claim(claim_id=bus.pk, user=reviewer, statement="Bus ridership dropped 15%.")
    assert indexed(bus.pk, "ridership")
    services.update_claim(claim_id=bus.pk, user=reviewer, statement="Passenger numbers shrank.")
    assert not indexed(bus.pk, "ridership") and indexed(bus.pk, "passenger")


def test_deleting_a_claim_removes_it_from_the_index(checked, reviewer):
    bus = make_claim(
        article=checked["article"], user=reviewer, quote="Bus use fell 15% since 2019."
    )
    assert indexed(bus.pk, "bus")
    services.delete_claim(claim_id=bus.pk, user=reviewer)
    assert not indexed(bus.pk, "bus")


def test_claims_created_through_the_api_are_indexed(project, reviewer):
    article = make_article(project=project, creator=reviewer, text=TEXT)
    response = client_for(reviewer).post(
        f"/api/v1/articles/{article.pk}/claims/",
        {"quote": "Bus use fell 15% since 2019."},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert indexed(response.json()["id"], "bus")


def test_import_corpus_bulk_inserts_are_indexed(checked, tmp_path):
    """import_corpus writes claims with bulk_create, past every service: the database's own
    triggers (SQLite) or generated column (PostgreSQL) index them all the same."""
    from tests.test_export_api import _empty_the_database

    path = tmp_path / "corpus.jsonl"
    call_command("export", project="newsdesk", status="all", output=str(path), stderr=io.StringIO())
    _empty_the_database()
    assert not indexed(checked["london"].pk, "london")
    call_command("import_corpus", str(path), stderr=io.StringIO())
    project = Project.objects.get(slug="newsdesk")
    assert indexed(checked["london"].pk, "london")
    assert found_ids("London knife crime rose by 20%", project) == [checked["london"].pk]


def test_reindex_claims_rebuilds_a_lost_index(checked):
    out = io.StringIO()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:  # as a hand-restored database might be
            cursor.execute("INSERT INTO claim_fts(claim_fts) VALUES ('delete-all')")
        assert not indexed(checked["london"].pk, "london")
    call_command("reindex_claims", stdout=out)
    assert "Reindexed 2 claims" in out.getvalue()
    assert indexed(checked["london"].pk, "london")


def test_a_table_rebuild_that_drops_the_triggers_is_repaired_after_migrate(checked, reviewer):
    """SQLite rebuilds a table to alter it and loses its triggers; post_migrate puts them back."""
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL alters tables in place; nothing is dropped.")
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER claim_fts_ai")
    assert not search_index.is_installed(connection)
    call_command("migrate", verbosity=0)  # nothing to apply; post_migrate still runs
    assert search_index.is_installed(connection)
    bus = make_claim(
        article=checked["article"], user=reviewer, quote="Bus use fell 15% since 2019."
    )
    assert indexed(bus.pk, "bus")


# --- What is suggested ----------------------------------------------------------------------


def test_the_claim_endpoint_names_the_difference_and_never_returns_the_claim_itself(
    checked, reviewer
):
    response = client_for(reviewer).get(f"/api/v1/claims/{checked['birmingham'].pk}/matches/")
    assert response.status_code == 200
    [result] = response.json()["results"]
    assert result["claim"] == {
        "id": checked["london"].pk,
        "article": checked["article"].pk,
        "quote": EARLIER,
        "statement": "",
    }
    assert result["verdict"]["rating"] == {"slug": "true", "name": "True"}
    assert result["verdict"]["approved_at"]
    assert result["same"] is False
    assert result["differences"] == [{"kind": "entity", "ours": "Birmingham", "theirs": "London"}]
    own = client_for(reviewer).get(f"/api/v1/claims/{checked['london'].pk}/matches/")
    assert own.json()["results"] == []


def test_the_text_endpoint_judges_a_rewording_the_same_claim(checked, reviewer, project):
    response = client_for(reviewer).get(
        f"/api/v1/projects/{project.slug}/matches/",
        {"q": "London saw knife crime go up by 20 per cent last year", "limit": "3"},
    )
    assert response.status_code == 200
    [result] = response.json()["results"]
    assert result["claim"]["id"] == checked["london"].pk
    assert result["same"] is True and result["differences"] == []
    assert 0 < result["score"] <= 1


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({}, "q", "q is required"),
        ({"q": "   "}, "q", "q is required"),
        ({"q": "x" * 2001}, "q", "the limit is 2000"),
        ({"q": "crime", "limit": "0"}, "limit", "from 1 to 20"),
        ({"q": "crime", "limit": "many"}, "limit", "from 1 to 20"),
        ({"q": "crime", "limit": "²"}, "limit", "from 1 to 20"),
    ],
)
def test_bad_search_parameters_get_a_400_saying_what_to_fix(
    checked, reviewer, project, params, field, message
):
    response = client_for(reviewer).get(f"/api/v1/projects/{project.slug}/matches/", params)
    assert response.status_code == 400
    assert response.json()["field"] == field and message in response.json()["detail"]


def test_hostile_search_text_is_just_words(checked, reviewer, project):
    """Index query syntax in q is never interpreted (no 500, no error from FTS5/to_tsquery)."""
    for q in ['"', "NEAR(", "crime* OR", "a & | ! :* ()", "london:* & !", "'; DROP TABLE x; --"]:
        response = client_for(reviewer).get(f"/api/v1/projects/{project.slug}/matches/", {"q": q})
        assert response.status_code == 200, (q, response.content)


def test_another_projects_claims_never_appear(checked, project, other_project, outsider, editor):
    """A member of project B sees nothing of project A: the project is a 404, A's claims are
    never candidates for B's text, not even as a count; and A's reviewer does not see B's."""
    b_editor = editor  # an editor of A who is also a reviewer in B
    services.add_member(project=other_project, user=b_editor, role="reviewer")
    article_b = make_article(project=other_project, creator=outsider, text=TEXT, title="B")
    b_claim = make_claim(article=article_b, user=outsider, quote=EARLIER)
    b_outsider = client_for(outsider)

    assert (
        b_outsider.get(f"/api/v1/projects/{project.slug}/matches/", {"q": EARLIER}).status_code
        == 404
    )
    response = b_outsider.get(f"/api/v1/projects/{other_project.slug}/matches/", {"q": EARLIER})
    assert response.json() == {"results": []}
    response = b_outsider.get(f"/api/v1/claims/{b_claim.pk}/matches/")
    assert response.json() == {"results": []}
    assert b_outsider.get(f"/api/v1/claims/{checked['london'].pk}/matches/").status_code == 404


def test_the_project_setting_adds_the_users_other_projects(
    checked, project, other_project, editor, outsider
):
    """With match_across_projects, a claim in B finds A's approved claim for a member of both;
    for a member of B only, A stays invisible."""
    services.add_member(project=other_project, user=editor, role="reviewer")
    article_b = make_article(project=other_project, creator=outsider, text=TEXT, title="B")
    b_claim = make_claim(
        article=article_b, user=outsider, quote="Knife crime in London rose 20% last year."
    )
    url = f"/api/v1/claims/{b_claim.pk}/matches/"
    assert client_for(editor).get(url).json()["results"] == []
    Project.objects.filter(pk=other_project.pk).update(match_across_projects=True)
    [result] = client_for(editor).get(url).json()["results"]
    assert result["claim"]["id"] == checked["london"].pk and result["same"] is True
    assert client_for(outsider).get(url).json()["results"] == []


def test_the_query_count_does_not_grow_with_the_results(
    checked, project, reviewer, editor, django_assert_max_num_queries
):
    article = make_article(project=project, creator=reviewer, text=TEXT + " Again.", title="More")
    for quote in ("Knife crime in Birmingham rose 20% last year.", "Bus use fell 15% since 2019."):
        claim = make_claim(article=article, user=reviewer, quote=quote)
        make_verdict(claim=claim, user=reviewer, status="approved", editor=editor)
    client = client_for(reviewer)
    client.get(f"/api/v1/claims/{checked['birmingham'].pk}/matches/")  # warm the session
    with django_assert_max_num_queries(8):
        response = client.get(f"/api/v1/claims/{checked['birmingham'].pk}/matches/")
    assert len(response.json()["results"]) >= 2


# --- Decisions ------------------------------------------------------------------------------


def test_confirming_links_the_claims_records_an_event_and_shows_in_the_api(checked, reviewer):
    birmingham, london = checked["birmingham"], checked["london"]
    response = client_for(reviewer).post(
        f"/api/v1/claims/{birmingham.pk}/matches/confirm/",
        {"matched": london.pk},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["decision"] == "same"
    link = ClaimMatch.objects.get()
    assert (link.claim_id, link.matched_id, link.decided_by) == (birmingham.pk, london.pk, reviewer)
    event = Event.objects.get(action="match_confirmed")
    assert event.claim_id == birmingham.pk and event.changes["matched"] == london.pk
    [result] = (
        client_for(reviewer).get(f"/api/v1/claims/{birmingham.pk}/matches/").json()["results"]
    )
    assert result["decision"] == "same"


def test_a_dismissed_pair_is_not_suggested_again_either_way_round(checked, reviewer, editor):
    birmingham, london = checked["birmingham"], checked["london"]
    services.dismiss_match(claim_id=birmingham.pk, matched_id=london.pk, user=reviewer)
    assert Event.objects.filter(action="match_dismissed", claim_id=birmingham.pk).count() == 1
    assert (
        client_for(reviewer).get(f"/api/v1/claims/{birmingham.pk}/matches/").json()["results"] == []
    )
    # Dismissing twice changes nothing and writes no second event.
    services.dismiss_match(claim_id=birmingham.pk, matched_id=london.pk, user=reviewer)
    assert (
        ClaimMatch.objects.count() == 1
        and Event.objects.filter(action="match_dismissed").count() == 1
    )


@pytest.mark.parametrize(
    ("who", "matched", "status", "message"),
    [
        ("researcher", "london", 403, "Researchers"),
        ("reviewer", "itself", 400, "cannot match itself"),
        ("reviewer", "unapproved", 400, "has no approved verdict"),
        ("reviewer", "missing", 404, "No claim with id"),
        ("outsider", "london", 404, "No claim with id"),
    ],
)
def test_decisions_are_refused_with_a_reason(
    checked, reviewer, researcher, outsider, who, matched, status, message
):
    users = {"reviewer": reviewer, "researcher": researcher, "outsider": outsider}
    birmingham = checked["birmingham"]
    target = {"london": checked["london"].pk, "itself": birmingham.pk, "missing": 999_999}.get(
        matched
    )
    if matched == "unapproved":
        target = make_claim(
            article=checked["article"], user=reviewer, quote="Bus use fell 15% since 2019."
        ).pk
    response = client_for(users[who]).post(
        f"/api/v1/claims/{birmingham.pk}/matches/dismiss/",
        {"matched": target},
        content_type="application/json",
    )
    assert response.status_code == status, response.content
    assert message in response.json()["detail"]
    assert not ClaimMatch.objects.exists()


def test_the_endpoints_are_in_the_openapi_schema(reviewer):
    schema = (
        client_for(reviewer).get("/api/v1/schema/", HTTP_ACCEPT="application/json").content.decode()
    )
    for path in ("/api/v1/projects/{slug}/matches/", "/api/v1/claims/{id}/matches/",
                 "/api/v1/claims/{id}/matches/confirm/", "/api/v1/claims/{id}/matches/dismiss/"):  # fmt: skip
        assert path in schema


def test_confirmed_links_are_exported_as_matches_and_survive_import_corpus(
    checked, reviewer, tmp_path
):
    """The jsonl export carries `matches`; import_corpus restores them; exporting again gives
    the same bytes."""
    import json

    from tests.test_export_api import _empty_the_database

    birmingham, london = checked["birmingham"], checked["london"]
    services.confirm_match(claim_id=birmingham.pk, matched_id=london.pk, user=reviewer)
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    call_command(
        "export", project="newsdesk", status="all", output=str(first), stderr=io.StringIO()
    )
    [record] = [json.loads(line) for line in first.read_text().splitlines()]
    by_id = {c["id"]: c for c in record["claims"]}
    assert by_id[birmingham.pk]["matches"] == [london.pk]
    assert by_id[london.pk]["matches"] == []

    ClaimMatch.objects.all().delete()
    _empty_the_database()
    call_command("import_corpus", str(first), stderr=io.StringIO())
    assert list(ClaimMatch.objects.values_list("claim_id", "matched_id", "decision")) == [
        (birmingham.pk, london.pk, "same")
    ]
    call_command(
        "export", project="newsdesk", status="all", output=str(second), stderr=io.StringIO()
    )
    assert second.read_bytes() == first.read_bytes()


def test_a_narrow_scope_is_searched_exactly_when_other_projects_fill_the_ranked_head(
    project, other_project, reviewer, editor
):
    """The index ranks all projects' claims first; when the best of them all belong to other
    projects, the search ranks again within the caller's projects instead of finding nothing."""
    from benchmarks.matching import load_claims

    crowd = [f"Knife crime in London rose 20% last year, report {n} says." for n in range(30)]
    load_claims(project=other_project, reviewer=reviewer, editor=editor, texts=crowd, approved=True)
    [mine] = load_claims(
        project=project, reviewer=reviewer, editor=editor, approved=True,
        texts=["Police recorded that knife crime went up in London by a fifth."],
    )  # fmt: skip
    found = matching.search(
        "Knife crime in London rose 20% last year", project_ids=[project.pk], pool=2
    )
    assert [m.claim.pk for m in found] == [mine]
