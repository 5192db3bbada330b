"""`manage.py import_articles` on good and bad files, and `manage.py loaddemo` twice."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from annotations import curation
from annotations.models import Article, Claim, Membership, Project, User, Verdict

pytestmark = pytest.mark.django_db


def run(*args, **kwargs) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err, **kwargs)
    return out.getvalue(), err.getvalue()


def test_imports_every_supported_format(tmp_path, project):
    (tmp_path / "a.txt").write_text(
        "Tram title\nThe tram will cost €48 million.\r\nIt opens in 2030.", encoding="utf-8"
    )
    (tmp_path / "b.md").write_text(
        "# Markdown title\n\nRidership rose **12%** last year.", encoding="utf-8"
    )
    (tmp_path / "c.html").write_text(
        "<html><head><title>Html &amp; title</title></head><body><p>Caf&eacute; 😀 prices doubled."
        "</p><script>alert(1)</script></body></html>",
        encoding="utf-8",
    )
    (tmp_path / "d.jsonl").write_text(
        json.dumps(
            {
                "title": "J1",
                "text": "东京的人口是1400万。",
                "url": "https://x.example.org/1",
                "published_at": "2026-01-02",
            }
        )
        + "\n"
        + json.dumps({"title": "J2", "html": "<p>Second <b>one</b>.</p>", "language": "en"})
        + "\n",
        encoding="utf-8",
    )
    out, _ = run("import_articles", "--project", project.slug, str(tmp_path))
    assert "Imported 5 article(s)" in out
    titles = set(Article.objects.values_list("title", flat=True))
    assert titles == {"Tram title", "Markdown title", "Html & title", "J1", "J2"}
    html_article = Article.objects.get(title="Html & title")
    assert html_article.text == "Café 😀 prices doubled."
    md = Article.objects.get(title="Markdown title")
    assert md.text == "Ridership rose 12% last year."
    txt = Article.objects.get(title="Tram title")
    assert "\r" not in txt.text and txt.sentences.count() == 2
    assert Article.objects.get(title="J1").published_at.year == 2026


def test_bad_records_are_reported_with_file_and_line(tmp_path, project):
    path = tmp_path / "bad.jsonl"
    path.write_text(
        "\n".join(
            [
                json.dumps({"title": "Good", "text": "Fine text."}),
                "{not json",
                json.dumps({"title": "", "text": "x"}),
                json.dumps({"title": "Both", "text": "a", "html": "<p>b</p>"}),
                json.dumps({"title": "Date", "text": "d", "published_at": "yesterday"}),
                json.dumps({"title": "Extra", "text": "e", "colour": "red"}),
                json.dumps({"title": "Bad URL", "text": "f", "url": "javascript:alert(1)"}),
                json.dumps(["list"]),
            ]
        ),
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match=r"Imported 1 article\(s\).*7 error\(s\)") as info:
        run("import_articles", "--project", project.slug, str(path))
    assert info.value  # the per-record lines go to stderr; check them through a second run
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_articles",
            "--project",
            project.slug,
            str(path),
            stdout=io.StringIO(),
            stderr=err,
        )
    lines = err.getvalue()
    assert f"{path}:2: invalid JSON" in lines
    assert f"{path}:3: missing title" in lines
    assert f"{path}:4: give exactly one of text or html" in lines
    assert f"{path}:5: published_at 'yesterday' is not an ISO 8601 date" in lines
    assert f"{path}:6: unknown field(s) colour" in lines
    assert f"{path}:7: url must be an http:// or https:// address" in lines
    assert f"{path}:8: each line must be a JSON object" in lines
    assert Article.objects.count() == 1


def test_all_or_nothing_imports_nothing_on_error(tmp_path, project):
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        json.dumps({"title": "Good", "text": "Fine."}) + "\n{broken\n", encoding="utf-8"
    )
    with pytest.raises(CommandError, match="Nothing was imported"):
        run("import_articles", "--project", project.slug, "--all-or-nothing", str(path))
    assert not Article.objects.exists()


def test_duplicates_are_reported_not_duplicated(tmp_path, project):
    (tmp_path / "a.txt").write_text("Title\nSame text.", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Other title\nSame text.", encoding="utf-8")
    out, _ = run("import_articles", "--project", project.slug, str(tmp_path))
    assert "b.txt:1: duplicate, skipped" in out
    assert "1 duplicate(s) skipped" in out
    assert Article.objects.count() == 1


def test_unreadable_and_unsupported_files(tmp_path, project):
    (tmp_path / "x.pdf").write_bytes(b"%PDF")
    (tmp_path / "latin1.txt").write_bytes("Titre\nCaf\xe9".encode("latin-1"))
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="3 error"):
        call_command(
            "import_articles",
            "--project",
            project.slug,
            str(tmp_path),
            stdout=io.StringIO(),
            stderr=err,
        )
    assert "unsupported file type .pdf" in err.getvalue()
    assert "not UTF-8" in err.getvalue()
    assert "the file is empty" in err.getvalue()


def test_unknown_project_or_path(tmp_path, project):
    with pytest.raises(CommandError, match="No project with slug 'nope'"):
        run("import_articles", "--project", "nope", str(tmp_path))
    with pytest.raises(CommandError, match="no such file"):
        run("import_articles", "--project", project.slug, str(tmp_path / "missing.txt"))


def test_loaddemo_twice_is_idempotent(settings):
    settings.DEBUG = True
    out, _ = run("loaddemo")
    assert "loaded" in out
    counts = (
        Article.objects.count(),
        Claim.objects.count(),
        Verdict.objects.count(),
        User.objects.count(),
    )
    out, _ = run("loaddemo")
    assert "already has articles" in out
    assert counts == (
        Article.objects.count(),
        Claim.objects.count(),
        Verdict.objects.count(),
        User.objects.count(),
    )
    project = Project.objects.get(slug="demo")
    roles = dict(Membership.objects.filter(project=project).values_list("user__username", "role"))
    assert roles == {
        "admin": "admin",
        "alice": "reviewer",
        "bob": "reviewer",
        "erin": "editor",
        "rita": "researcher",
    }
    assert User.objects.get(username="admin").is_superuser
    assert User.objects.get(username="alice").check_password("demo")
    statuses = set(Verdict.objects.values_list("status", flat=True))
    assert statuses == {"draft", "submitted", "returned", "approved", "superseded", "withdrawn"}
    assert counts[0] >= 3
    texts = "".join(Article.objects.values_list("text", flat=True))
    assert "🚋" in texts and "日本" in texts and "é" in texts
    assert Claim.objects.filter(verdicts__isnull=True).exists()
    # The blind desk: independent spans, two finished layers waiting for curation.
    blind = Project.objects.get(slug="demo-blind")
    assert blind.independent_spans
    layers = Claim.objects.filter(article__project=blind)
    assert set(layers.values_list("layer", flat=True)) == {"reviewer"}
    assert set(layers.values_list("created_by__username", flat=True)) == {"alice", "bob"}
    groups = curation.group_spans(
        curation.SpanRow(pk=pk, start=start, end=end, quote="", owner_id=owner)
        for pk, start, end, owner in layers.values_list("pk", "start", "end", "created_by_id")
    )
    assert {g.agreement for g in groups} == {"identical", "overlapping", "single"}


def test_loaddemo_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        run("loaddemo")
    assert not Project.objects.filter(slug="demo").exists()
    run("loaddemo", "--force")
    assert Project.objects.filter(slug="demo").exists()
