"""`manage.py import_corpus` trusts nothing in the file: markup is sanitised, names never map
onto existing accounts, every export we produce loads back (approved only, updated_since, json),
and a bad file is refused with the line and the row named, before anything is written."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from annotations import services
from annotations.exports.common import html_to_text
from annotations.models import (
    Article,
    Claim,
    Event,
    Membership,
    Project,
    RatingScale,
    Source,
    User,
    Verdict,
)
from tests.factories import make_article, make_claim, make_verdict
from tests.test_export_api import _empty_the_database
from tests.xss_payloads import PAYLOADS, assert_harmless_html, assert_plain

pytestmark = pytest.mark.django_db


def export(path: Path, **options) -> Path:
    call_command("export", project="newsdesk", output=str(path), stderr=io.StringIO(), **options)
    return path


def load(path: Path) -> str:
    err = io.StringIO()
    call_command("import_corpus", str(path), stderr=err)
    return err.getvalue()


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.fixture
def desk(project, reviewer, reviewer2, editor):
    """Two articles: a corrected claim (approved correction of a superseded verdict) and a
    claim with a returned verdict; the second article has an approved verdict only."""
    article = make_article(project=project, creator=reviewer, url="https://news.example.org/a")
    claim = make_claim(article=article, user=reviewer, statement="Ridership will reach 22k.")
    original = make_verdict(claim=claim, user=reviewer, status="approved", editor=editor)
    correction = services.correct_verdict(
        verdict_id=original.pk, user=reviewer2, correction_note="New data.", rating="unproven",
        explanation="Not *enough* data.", no_source_reason="Unpublished model.",
    )  # fmt: skip
    services.submit_verdict(verdict_id=correction.pk, user=reviewer2)
    services.approve_verdict(verdict_id=correction.pk, editor=editor)
    other = make_claim(article=article, user=reviewer, quote="bus use fell 15% since 2019")
    make_verdict(claim=other, user=reviewer2, status="returned", editor=editor, rating="false")
    second = make_article(
        project=project, creator=reviewer, text="The bridge opened in 1990. It cost €3 million."
    )
    make_verdict(
        claim=make_claim(article=second, user=reviewer, quote="It cost €3 million."),
        user=reviewer,
        status="approved",
        editor=editor,
    )
    return {"original": original, "correction": correction, "second": second}


# --- Every export we produce loads back ------------------------------------------------------


def test_the_default_approved_only_export_loads_into_an_empty_database(desk, tmp_path):
    """It failed with "FOREIGN KEY constraint failed": the correction's superseded verdict is
    not in an approved-only file. The link is dropped and counted; everything else loads."""
    path = export(tmp_path / "approved.jsonl")
    _empty_the_database()
    err = load(path)
    # An approved-only export carries the sources the approved verdicts cite (1 of the 3).
    assert "2 articles, 3 claims, 1 sources, 2 verdicts" in err
    assert "Dropped 1 reference(s) to rows not in the file" in err
    original, correction = desk["original"], desk["correction"]
    assert f"verdict {correction.pk} supersedes verdict {original.pk} (not in the file)" in err
    loaded = Verdict.objects.get(pk=correction.pk)
    assert loaded.status == "approved" and loaded.supersedes_id is None
    assert loaded.correction_note == "New data."
    assert set(Verdict.objects.values_list("status", flat=True)) == {"approved"}
    event = Event.objects.get(action="import_corpus")
    assert event.changes["dropped_references"] == [
        f"verdict {correction.pk} supersedes verdict {original.pk} (not in the file)"
    ]
    # Exporting the loaded project again gives the same approved-only file but for that link.
    again = export(tmp_path / "again.jsonl")
    assert again.read_bytes() == path.read_bytes().replace(
        f'"supersedes":{original.pk}'.encode(), b'"supersedes":null'
    )


def test_an_updated_since_export_loads_into_an_empty_database(desk, tmp_path, reviewer):
    cutoff = timezone.now()
    newer = make_article(
        project=desk["second"].project, creator=reviewer, text="Fares rose 4% this year."
    )
    path = export(tmp_path / "since.jsonl", status="all", updated_since=cutoff.isoformat())
    assert [r["id"] for r in records(path)] == [newer.pk]
    _empty_the_database()
    err = load(path)
    assert "1 articles, 0 claims, 0 sources, 0 verdicts" in err
    assert list(Article.objects.values_list("pk", flat=True)) == [newer.pk]


def test_a_json_export_round_trips_byte_for_byte(desk, tmp_path):
    first = export(tmp_path / "first.json", format="json", status="all")
    _empty_the_database()
    assert "2 articles, 3 claims, 3 sources, 4 verdicts" in load(first)
    second = export(tmp_path / "second.json", format="json", status="all")
    assert second.read_bytes() == first.read_bytes()


def test_an_approved_only_json_export_loads_too(desk, tmp_path):
    path = export(tmp_path / "approved.json", format="json")
    _empty_the_database()
    assert "2 verdicts" in load(path)
    assert Verdict.objects.count() == 2


def test_a_reformatted_json_export_loads_too(desk, tmp_path):
    """A json export pretty-printed by another tool is not line-oriented: it is parsed whole,
    and errors name the article's position."""
    path = export(tmp_path / "all.json", format="json", status="all")
    document = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    _empty_the_database()
    assert "2 articles, 3 claims, 3 sources, 4 verdicts" in load(path)
    document["articles"][1]["claims"][0]["quote"] = "Tampered"
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    _empty_the_database()
    with pytest.raises(CommandError, match=r"all\.json: article #2: claim \d+: the quote"):
        load(path)


def test_an_empty_updated_since_json_export_restores_the_project_alone(desk, tmp_path):
    path = export(tmp_path / "none.json", format="json", updated_since=timezone.now().isoformat())
    _empty_the_database()
    assert "0 articles, 0 claims, 0 sources, 0 verdicts, 0 people" in load(path)
    assert Project.objects.get(slug="newsdesk").name == "Newsdesk"


# --- Names never map onto existing accounts --------------------------------------------------


def test_a_pseudonym_equal_to_an_existing_username_gives_that_account_nothing(desk, tmp_path):
    """The file's "annotator-1" used to become the existing user annotator-1, with a
    membership and authorship of the imported rows."""
    path = export(tmp_path / "all.jsonl", status="all")
    names = set(Membership.objects.values_list("pseudonym", flat=True))
    _empty_the_database()
    victims = {
        name: User.objects.create_user(username=name, password="pw-123456") for name in names
    }
    squatter = User.objects.create_user(username=f"import-newsdesk-{sorted(names)[0]}")

    load(path)

    for user in [*victims.values(), squatter]:
        user.refresh_from_db()
        assert user.is_active
        assert not Membership.objects.filter(user=user).exists()
        assert not Verdict.objects.filter(reviewer=user).exists()
        assert not Verdict.objects.filter(approved_by=user).exists()
        assert not Claim.objects.filter(created_by=user).exists()
        assert not Article.objects.filter(created_by=user).exists()
        assert not Source.objects.filter(added_by=user).exists()
    assert victims[sorted(names)[0]].check_password("pw-123456")
    imported = Membership.objects.filter(project__slug="newsdesk").select_related("user")
    assert {m.pseudonym for m in imported} == names
    for membership in imported:
        user = membership.user
        assert user.username.startswith(f"import-newsdesk-{membership.pseudonym}")
        assert not user.is_active and not user.has_usable_password()
    taken = Membership.objects.get(pseudonym=sorted(names)[0]).user.username
    assert taken == f"import-newsdesk-{sorted(names)[0]}-2"
    assert set(Verdict.objects.values_list("reviewer__username", flat=True)) <= {
        m.user.username for m in imported
    }


# --- Markup in the file is sanitised ---------------------------------------------------------


def test_every_html_and_text_field_is_sanitised(desk, tmp_path):
    """The file's explanation_html was stored verbatim and rendered with |safe."""
    path = export(tmp_path / "all.jsonl", status="all")
    rows = records(path)
    payloads = iter(PAYLOADS * 4)
    for row in rows:
        row["project"]["name"] = "Desk " + next(payloads)
        row["project"]["description"] = next(payloads)
        row["title"] = "Title " + next(payloads)
        row["publisher"], row["author"] = next(payloads)[:200], next(payloads)[:200]
        for claim in row["claims"]:
            claim["statement"], claim["claimant"] = next(payloads), next(payloads)[:200]
            for source in claim["sources"]:
                source["title"], source["publisher"] = next(payloads), next(payloads)[:200]
                source["quote"] = next(payloads)
            for verdict in claim["verdicts"]:
                verdict["explanation_html"] = "<p>ok</p>" + "".join(PAYLOADS)
                verdict["explanation_text"] = next(payloads)
                verdict["review_note"] = next(payloads)
                verdict["no_source_reason"] = next(payloads)
                if verdict["correction_note"]:
                    verdict["correction_note"] = "Fixed " + next(payloads)
    write(path, rows)
    _empty_the_database()

    err = load(path)

    assert "Sanitised values (markup removed):" in err and "4 verdict.explanation_html" in err
    project = Project.objects.get(slug="newsdesk")
    for value in (project.name, project.description):
        assert_plain(value, where="project")
    for article in Article.objects.all():
        for name in ("title", "publisher", "author"):
            assert_plain(getattr(article, name), where=f"article.{name}")
    for claim in Claim.objects.all():
        assert_plain(claim.statement, where="statement")
        assert_plain(claim.claimant, where="claimant")
    for source in Source.objects.all():
        for name in ("title", "publisher", "quote"):
            assert_plain(getattr(source, name), where=f"source.{name}")
    for verdict in Verdict.objects.all():
        assert_harmless_html(verdict.explanation_html, where=f"verdict {verdict.pk}")
        assert verdict.explanation_html.startswith("<p>ok</p>")
        # The Markdown source field holds the text of the sanitised HTML (exports carry no
        # Markdown), never the file's own explanation_text.
        assert verdict.explanation == html_to_text(verdict.explanation_html)
        for name in ("review_note", "no_source_reason", "correction_note"):
            assert_plain(getattr(verdict, name), where=f"verdict.{name}")


@pytest.mark.parametrize(
    ("where", "field", "value"),
    [
        ("article", "url", "javascript:alert(1)"),
        ("source", "url", "data:text/html,<script>alert(1)</script>"),
        ("source", "archived_url", "//evil.example/x"),
    ],
)
def test_a_url_that_is_not_http_is_refused_naming_line_and_row(desk, tmp_path, where, field, value):
    path = export(tmp_path / "all.jsonl", status="all")
    rows = records(path)
    target = rows[1] if where == "article" else rows[1]["claims"][0]["sources"][0]
    target[field] = value
    write(path, rows)
    _empty_the_database()
    with pytest.raises(
        CommandError,
        match=rf"all\.jsonl:2: {where} {target['id']}: {field} must be an http:// or https://",
    ):
        load(path)
    assert not Project.objects.exists() and not Article.objects.exists()


# --- Bad files are refused with the line and the row named -----------------------------------


def _quote(rows):
    rows[0]["claims"][0]["quote"] = "Tampered"
    return rf"all\.jsonl:1: claim {rows[0]['claims'][0]['id']}: the quote does not match"


def _foreign_source(rows):
    verdict = rows[0]["claims"][0]["verdicts"][0]
    other = rows[1]["claims"][0]["sources"][0]["id"]
    verdict["sources"] = [other]
    return rf"all\.jsonl:1: verdict {verdict['id']}: source {other} is another claim's"


def _duplicate_id(rows):
    rows[1]["claims"][0]["id"] = rows[0]["claims"][0]["id"]
    claim = rows[0]["claims"][0]["id"]
    return (
        rf"all\.jsonl:2: claim {claim}: claim id {claim} appears twice \(first at .*all\.jsonl:1\)"
    )


def _self_approved(rows):
    verdict = rows[1]["claims"][0]["verdicts"][0]
    verdict["approved_by"] = verdict["reviewer"]
    return rf"all\.jsonl:2: verdict {verdict['id']}: approved by its own reviewer"


def _two_approved(rows):
    claim = rows[0]["claims"][0]
    for verdict in claim["verdicts"]:
        verdict["status"] = "approved"
    return rf"all\.jsonl:1: claim {claim['id']}: has 2 approved verdicts"


def _not_json(rows):
    return None


def _wrong_type(rows):
    rows[0]["claims"][0]["start"] = "0"
    return rf"all\.jsonl:1: claim {rows[0]['claims'][0]['id']}: start must be an integer"


def _altered_text(rows):
    rows[1]["text"] += " Extra."
    return rf"all\.jsonl:2: article {rows[1]['id']}: text_sha256 does not match the text"


def _long_name(rows):
    rows[0]["claims"][0]["created_by"] = "x" * 41
    claim = rows[0]["claims"][0]["id"]
    return rf"all\.jsonl:1: claim {claim}: created_by 'x+' must be a name of 1 to 40"


def _markup_name(rows):
    rows[1]["claims"][0]["sources"][0]["added_by"] = "<img src=x onerror=alert(1)>"
    source = rows[1]["claims"][0]["sources"][0]["id"]
    return rf"all\.jsonl:2: source {source}: added_by '<img src=x .*' must be a name"


def _unknown_status(rows):
    verdict = rows[0]["claims"][1]["verdicts"][0]
    verdict["status"] = "published"
    return rf"all\.jsonl:1: verdict {verdict['id']}: status 'published' is not one of"


def _markup_assignee(rows):
    rows[0]["assignees"] = ["annotator-1", "<script>alert(1)</script>"]
    return rf"all\.jsonl:1: article {rows[0]['id']}: assignees '<script>.*' must be a name"


def _assignees_not_a_list(rows):
    rows[1]["assignees"] = "annotator-1"
    return rf"all\.jsonl:2: article {rows[1]['id']}: assignees must be a list of distinct names"


@pytest.mark.parametrize(
    "tamper",
    [_quote, _foreign_source, _duplicate_id, _self_approved, _two_approved, _not_json,
     _wrong_type, _altered_text, _long_name, _markup_name, _unknown_status, _markup_assignee,
     _assignees_not_a_list],
)  # fmt: skip
def test_a_bad_file_is_refused_naming_line_and_row_and_loads_nothing(desk, tmp_path, tamper):
    path = export(tmp_path / "all.jsonl", status="all")
    rows = records(path)
    expected = tamper(rows)
    write(path, rows)
    if expected is None:
        with path.open("a", encoding="utf-8") as handle:
            handle.write("{not json\n")
        expected = r"all\.jsonl:3: not JSON"
    _empty_the_database()
    users = User.objects.count()
    with pytest.raises(CommandError, match=expected) as info:
        load(path)
    assert "Nothing was imported" in str(info.value)
    assert not Project.objects.exists() and not Article.objects.exists()
    assert User.objects.count() == users


def test_ids_already_in_the_database_are_refused_before_any_write(desk, tmp_path):
    path = export(tmp_path / "all.jsonl", status="all")
    source_id = records(path)[1]["claims"][0]["sources"][0]["id"]
    Project.objects.filter(slug="newsdesk").update(slug="renamed")
    with pytest.raises(CommandError, match=r"all\.jsonl:\d: article \d+ already exists"):
        load(path)
    _empty_the_database()
    assert not Source.objects.filter(pk=source_id).exists()
    assert Project.objects.count() == 0


def test_a_label_missing_from_an_existing_scale_is_an_error_not_an_edit(desk, tmp_path):
    path = export(tmp_path / "all.jsonl", status="all")
    rows = records(path)
    rows[1]["claims"][0]["verdicts"][0]["rating"]["slug"] = "pants-on-fire"
    write(path, rows)
    _empty_the_database()
    scale = RatingScale.objects.get(slug="default", version=1)
    labels = set(scale.labels.values_list("slug", flat=True))
    with pytest.raises(CommandError, match="has no label 'pants-on-fire'"):
        load(path)
    assert set(scale.labels.values_list("slug", flat=True)) == labels
    assert not Project.objects.exists()


def test_postgresql_timestamps_with_a_three_digit_fraction_export_as_rfc_3339():
    """ "2026-12-02 13:49:46.283+00" is 26 characters, like SQLite's microsecond form, and came
    out as "…46.283+00Z", which import_corpus rightly refuses: the round trip failed on
    PostgreSQL whenever a timestamp fell on a whole millisecond."""
    from annotations.exports.common import db_timestamp

    assert db_timestamp("2026-12-02 13:49:46.283+00") == "2026-12-02T13:49:46.283000Z"
    assert db_timestamp("2026-12-02 13:49:46.283001") == "2026-12-02T13:49:46.283001Z"
    assert db_timestamp("2026-12-02 13:49:46") == "2026-12-02T13:49:46Z"
