"""XSS: every payload of the corpus, through every way user text gets in, ends up harmless.

Plain fields (titles, names, notes, quotes, statements) are stored without markup; rich fields
(`Verdict.explanation_html`) pass `assert_harmless_html`; URL fields take http(s) only; and
every page that shows the stored values runs nothing but the app's own scripts. The Markdown
source of an explanation (`Verdict.explanation`) and an article's text are kept verbatim —
they are text, never markup — so the page checks are what proves they are escaped.
"""

from __future__ import annotations

import json
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from annotations import sanitize, services
from annotations.exceptions import ValidationFailed
from annotations.models import Article, Claim, Event, Project, Source, Verdict
from tests.xss_payloads import (
    BAD_URLS,
    PAYLOADS,
    assert_harmless_html,
    assert_http_url,
    assert_page_harmless,
    assert_plain,
)

SAFE_SENTENCE = "The mayor said the tram will carry 22,000 passengers a day."
QUOTE = "carry 22,000 passengers a day"

# Payloads whose *visible* text holds a literal "<tag": entity-escaped markup, Markdown code,
# or a stray "<" before a real tag. An article's text is what a reader sees, so it keeps them.
SHOWS_MARKUP = ("&lt;", "&#60;", "&amp;lt;", "\\u003c", "`", "<<", "<a<")


def shows_markup_as_text(payload: str) -> bool:
    return any(marker in payload for marker in SHOWS_MARKUP)


def test_corpus_is_large_and_varied():
    """The corpus covers each family of trick at least once and has no duplicates."""
    assert len(PAYLOADS) >= 50
    assert len(set(PAYLOADS)) == len(PAYLOADS)
    joined = "\n".join(PAYLOADS).lower()
    for family in ("<script", "onerror", "javascript:", "vbscript:", "data:", "<svg", "<math",
                   "expression(", "&#x09;", "](javascript:", "\u200b", "<!--"):  # fmt: skip
        assert family in joined, family


@pytest.mark.parametrize("payload", PAYLOADS)
def test_sanitizer_leaves_nothing_executable(payload):
    assert_harmless_html(sanitize.clean_html(payload), where="clean_html")
    assert_harmless_html(sanitize.render_markdown(payload), where="render_markdown")
    assert_harmless_html(sanitize.clean_article_html(payload), where="clean_article_html")
    assert_plain(sanitize.strip_markup(payload), where="strip_markup")


def test_sanitizer_keeps_ordinary_links_and_text():
    """Hardening must not cost legitimate content: http(s) and mailto links, plain comparisons."""
    html = sanitize.render_markdown(
        "See [the report](https://stats.example.org/r?a=1&b=2), <https://x.example.org/> "
        "and [mail](mailto:desk@example.org); 3 < 4."
    )
    assert 'href="https://stats.example.org/r?a=1&amp;b=2"' in html
    assert 'href="https://x.example.org/"' in html
    assert 'href="mailto:desk@example.org"' in html
    assert "3 &lt; 4" in html
    assert (
        sanitize.strip_markup("Tram <b>plans</b> for 2030 & a < b") == "Tram plans for 2030 & a < b"
    )


def test_plain_text_drops_an_unterminated_trailing_tag():
    """A browser drops a tag cut off by the end of input; plain text does not keep it either."""
    assert sanitize.strip_markup("Title <img src=x onerror=alert(1)//") == "Title"
    assert sanitize.strip_markup("Title &lt;img src=x onerror=alert(1)") == "Title"


@pytest.mark.parametrize("url", BAD_URLS)
def test_url_fields_refuse_everything_but_http(url, project, reviewer):
    claim = services.mark_claim(
        article_id=services.import_article(
            project=project, creator=reviewer, title="Tram", text_body=SAFE_SENTENCE
        ).pk,
        user=reviewer,
        quote=QUOTE,
    )
    with pytest.raises(ValidationFailed, match="must be an http:// or https:// address"):
        services.attach_source(claim_id=claim.pk, user=reviewer, url=url, stance="supports")
    source = services.attach_source(
        claim_id=claim.pk, user=reviewer, url="https://ok.example.org/", stance="supports"
    )
    with pytest.raises(ValidationFailed, match="archived_url must be an http"):
        services.attach_source(
            claim_id=claim.pk,
            user=reviewer,
            url="https://ok.example.org/2",
            stance="supports",
            archived_url=url,
        )
    with pytest.raises(ValidationFailed, match="url must be an http"):
        services.import_article(
            project=project, creator=reviewer, title="T", text_body="Other text.", url=url
        )
    assert list(Source.objects.values_list("pk", flat=True)) == [source.pk]


def _assert_stored_values_harmless(project) -> None:
    """Check every user-text column of everything in `project`."""
    for article in Article.objects.filter(project=project):
        for field in ("title", "publisher", "author", "language"):
            assert_plain(getattr(article, field), where=f"article.{field}")
        assert_http_url(article.url, where="article.url")
    for claim in Claim.objects.filter(article__project=project):
        for field in ("statement", "claimant"):
            assert_plain(getattr(claim, field), where=f"claim.{field}")
    for source in Source.objects.filter(claim__article__project=project):
        for field in ("title", "publisher", "quote"):
            assert_plain(getattr(source, field), where=f"source.{field}")
        assert_http_url(source.url, where="source.url")
        assert_http_url(source.archived_url, where="source.archived_url")
    for verdict in Verdict.objects.filter(claim__article__project=project):
        assert_harmless_html(verdict.explanation_html, where=f"verdict {verdict.pk} explanation")
        for field in ("no_source_reason", "review_note", "correction_note"):
            assert_plain(getattr(verdict, field), where=f"verdict.{field}")
    for note in Event.objects.filter(project=project).values_list("note", flat=True):
        assert_plain(note, where="event.note")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_through_every_service_and_page(
    payload, client, project, reviewer, editor, editor2
):
    """Drive the payload through each text-taking service, check what is stored, then render
    every page that shows it."""
    article = services.import_article(
        project=project,
        creator=reviewer,
        title=f"Tram {payload}",
        html=f"<h1>Tram</h1><p>{SAFE_SENTENCE}</p><p>{payload}</p>",
        url="https://news.example.org/tram",
        publisher=payload,
        author=payload,
        language=payload[:16],
    )
    if not shows_markup_as_text(payload):
        assert_plain(article.text, where="article.text from html")
    literal = services.import_article(
        project=project,
        creator=reviewer,
        title=f"Literal {payload}",
        text_body=f"Critics said bus use fell.\n\n{payload}",
    )
    assert literal.text.startswith("Critics said bus use fell.\n\n")  # kept verbatim
    claim = services.mark_claim(
        article_id=article.pk, user=reviewer, quote=QUOTE, statement=payload, claimant=payload
    )
    services.update_claim(claim_id=claim.pk, user=reviewer, statement=f"{payload} (edited)")
    source = services.attach_source(
        claim_id=claim.pk,
        user=reviewer,
        url="https://stats.example.org/ridership",
        stance="supports",
        title=payload,
        publisher=payload,
        quote=payload,
    )
    verdict = services.draft_verdict(
        claim_id=claim.pk,
        reviewer=reviewer,
        rating="mostly-true",
        explanation=f"Figures agree. {payload}",
        sources=[source.pk],
        no_source_reason=payload,
    )
    verdict = services.submit_verdict(verdict_id=verdict.pk, user=reviewer)
    verdict = services.return_verdict(
        verdict_id=verdict.pk, editor=editor, note=f"Add data. {payload}"
    )
    verdict = services.update_verdict(
        verdict_id=verdict.pk,
        user=reviewer,
        version=verdict.version,
        explanation=f"{payload}\n\nFigures agree, see the report.",
    )
    verdict = services.submit_verdict(verdict_id=verdict.pk, user=reviewer)
    verdict = services.approve_verdict(verdict_id=verdict.pk, editor=editor, note=payload)
    correction = services.correct_verdict(
        verdict_id=verdict.pk,
        user=editor2,
        correction_note=f"Corrected figure. {payload}",
        rating="half-true",
        explanation=f"[report](https://stats.example.org/r) {payload}",
        no_source_reason=payload,
    )
    services.withdraw_verdict(verdict_id=correction.pk, user=editor2, note=f"Oops. {payload}")

    _assert_stored_values_harmless(project)

    client.force_login(editor)
    pages = {
        "dashboard": reverse("dashboard"),
        "project": reverse("project_detail", args=[project.slug]),
        "literal article": reverse("article_annotate", args=[literal.pk]),
        "claim panel": reverse("article_annotate", args=[article.pk]) + f"?claim={claim.pk}",
        "verdict": reverse("verdict_detail", args=[verdict.pk]),
        "correction": reverse("verdict_detail", args=[correction.pk]),
        "history": reverse("claim_history", args=[claim.pk]),
        "queue": reverse("review_queue", args=[project.slug]),
    }
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        assert_page_harmless(response.content.decode(), where=f"{name} page")


def test_payloads_through_the_import_command(tmp_path, project, reviewer):
    """import_articles reads .html, .md and .jsonl files; nothing active survives any of them."""
    jsonl = []
    for index, payload in enumerate(PAYLOADS):
        (tmp_path / f"a{index}.html").write_text(
            f"<html><head><title>Tram {index} {payload}</title></head><body>"
            f"<p>{SAFE_SENTENCE} Html {index}.</p><p>{payload}</p></body></html>",
            encoding="utf-8",
        )
        (tmp_path / f"b{index}.md").write_text(
            f"# Tram {index} {payload}\n\n{SAFE_SENTENCE} Markdown {index}.\n\n{payload}\n",
            encoding="utf-8",
        )
        jsonl.append(
            json.dumps(
                {
                    "title": f"Tram {index} {payload}",
                    "html": f"<p>{SAFE_SENTENCE} Jsonl {index}.</p>{payload}",
                    "publisher": payload,
                    "author": payload,
                    "url": f"https://news.example.org/{index}",
                }
            )
        )
    (tmp_path / "c.jsonl").write_text("\n".join(jsonl) + "\n", encoding="utf-8")
    call_command("import_articles", "--project", project.slug, str(tmp_path))

    articles = list(Article.objects.filter(project=project))
    assert len(articles) == 3 * len(PAYLOADS)
    for article in articles:
        index = int(re.search(r"Tram (\d+)", article.title).group(1))
        # Markdown escapes what it does not take as HTML: that text is then visible verbatim.
        from_markdown = "Markdown" in article.text
        if not from_markdown and not shows_markup_as_text(PAYLOADS[index]):
            assert_plain(article.text, where=f"text imported from {PAYLOADS[index]!r}")
    _assert_stored_values_harmless(project)


def test_create_project_strips_markup_from_names(reviewer):
    for index, payload in enumerate(PAYLOADS[:40]):
        project = services.create_project(
            creator=reviewer,
            slug=f"p{index}",
            name=f"{payload} Desk",
            description=payload,
            organisation_name=payload[:200],
        )
        for field in ("name", "description", "organisation_name"):
            assert_plain(getattr(project, field), where=f"project.{field}")
    assert Project.objects.filter(slug__startswith="p").count() == 40


def test_payloads_through_the_json_api(client, project, reviewer, editor):
    """The API takes the same fields; what it returns and stores is harmless JSON, never HTML."""
    client.force_login(reviewer)
    for index, payload in enumerate(PAYLOADS):
        response = client.post(
            f"/api/v1/projects/{project.slug}/articles/",
            {"title": f"Tram {payload}", "html": f"<p>{SAFE_SENTENCE} {index}.</p>{payload}"},
            content_type="application/json",
        )
        if "\x00" in payload:  # DRF refuses NUL characters outright
            assert response.status_code == 400
            assert "Null characters are not allowed" in response.json()["detail"]
            continue
        assert response.status_code == 201, response.content
        assert response["Content-Type"] == "application/json"
        assert response["X-Content-Type-Options"] == "nosniff"
        article_id = response.json()["id"]
        response = client.post(
            f"/api/v1/articles/{article_id}/claims/",
            {"quote": QUOTE, "statement": payload, "claimant": payload},
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
        claim_id = response.json()["id"]
        response = client.post(
            f"/api/v1/claims/{claim_id}/sources/",
            {
                "url": "https://stats.example.org/r",
                "stance": "supports",
                "title": payload,
                "publisher": payload,
                "quote": payload,
            },
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
        response = client.post(
            f"/api/v1/claims/{claim_id}/verdicts/",
            {"rating": "false", "explanation": payload, "no_source_reason": payload},
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
        assert_harmless_html(response.json()["explanation_html"], where="API explanation_html")
        bad = client.post(
            f"/api/v1/claims/{claim_id}/sources/",
            {"url": BAD_URLS[index % len(BAD_URLS)], "stance": "supports"},
            content_type="application/json",
        )
        assert bad.status_code == 400, bad.content
    _assert_stored_values_harmless(project)


def test_control_characters_never_reach_the_database(project, reviewer, article):
    """PostgreSQL refuses NUL in text: services drop control characters instead of failing."""
    claim = services.mark_claim(
        article_id=article.pk, user=reviewer, quote=QUOTE, statement="Tram\x00 plan\x07"
    )
    verdict = services.draft_verdict(
        claim_id=claim.pk,
        reviewer=reviewer,
        rating="false",
        explanation="Figures\x00 disagree.\x1b\n\nSee\tthe report.",
        no_source_reason="None\x00 public.",
    )
    verdict.refresh_from_db()
    assert verdict.explanation == "Figures disagree.\n\nSee\tthe report."
    assert "\x00" not in verdict.no_source_reason
    assert "\x00" not in Claim.objects.get(pk=claim.pk).statement
