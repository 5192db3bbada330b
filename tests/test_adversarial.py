"""Hostile inputs from issue 16: each text-processing step stays linear or refuses fast.

Each input is at a size that took seconds to minutes on the quadratic code, and runs under a
wide timeout (`within`), so a return to super-linear behaviour fails CI instead of hanging it.
The timeout is a guard, not a speed measurement: `benchmarks/adversarial.py` measures.
"""

from __future__ import annotations

import json
import signal
from types import SimpleNamespace

import pytest

from annotations import htmlparse, sanitize, segments, services, text
from annotations.exceptions import TooLarge, ValidationFailed
from annotations.models import Article, Sentence

TIMEOUT = 10.0  # seconds; each case takes well under 1 s now


class _Overran(Exception):
    pass


def within(call, *args, timeout: float = TIMEOUT, **kwargs):
    """Return call(*args, **kwargs), or fail the test if it runs longer than `timeout`.

    A SIGALRM interrupts the call (the quadratic paths were Python loops, so it lands), in
    the test's own thread so that database work shares the test's connection."""

    def overran(signum, frame):
        raise _Overran

    previous = signal.signal(signal.SIGALRM, overran)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return call(*args, **kwargs)
    except _Overran:
        pytest.fail(f"{getattr(call, '__name__', call)} ran longer than {timeout:.0f} s")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# --- Markdown ---------------------------------------------------------------------------------


def test_markdown_of_8000_open_brackets_renders_as_text():
    """Python-Markdown rescanned to the end for every "[": 43 s."""
    html = within(sanitize.render_markdown, "[" * 8000)
    assert html == "<p>" + "[" * 8000 + "</p>\n"


def test_markdown_with_deeply_nested_raw_lists_is_refused_with_a_message():
    """html5lib walked the open-element stack per tag: 15 s for 2,500 "<ul><li>"."""
    with pytest.raises(ValidationFailed, match=r"nests elements more than 256 levels deep") as info:
        within(sanitize.render_markdown, "<ul><li>" * 2500)
    assert info.value.field == "explanation"


def test_markdown_of_many_list_items_stays_sanitised_html():
    html = within(sanitize.render_markdown, "- <b onclick=x>a</b>\n" * 5000)
    assert html.count("<li><b>a</b></li>") == 5000
    assert "onclick" not in html


# --- Article HTML -----------------------------------------------------------------------------


def test_html_with_16000_nested_divs_is_refused_with_a_message():
    """html5lib took 24-30 s on 96 KB of nested <div>s."""
    with pytest.raises(ValidationFailed, match=r"more than 256 levels deep; send it"):
        within(sanitize.clean_article_html, "<div>x" * 16000)


def test_html_over_the_element_cap_is_too_large():
    with pytest.raises(TooLarge, match=r"more than 50,000 elements"):
        within(sanitize.clean_article_html, "<p>x" * 60_000)


def test_html_with_many_flat_paragraphs_keeps_every_paragraph():
    """Flat structure under the cap is kept whole: nothing is cut off silently."""
    count = htmlparse.MAX_ELEMENTS - 100
    cleaned = within(sanitize.clean_article_html, "<script>bad()</script>" + "<p>x" * count)
    assert cleaned.count("<p>x</p>") == count and "script" not in cleaned
    assert within(text.canonical_text, cleaned, is_html=True) == "\n\n".join(["x"] * count)


def test_text_extraction_of_unterminated_tags_is_linear():
    """The standard library's html.parser rescanned unterminated tags: minutes for "<a" * 10**6."""
    assert within(text.canonical_text, "<b" * 300_000, is_html=True) == ""
    assert within(text.canonical_text, "x <" * 300_000, is_html=True).startswith("x")


# --- Quotes -----------------------------------------------------------------------------------


def test_anchoring_a_long_quote_in_a_repetitive_text_is_bounded():
    """O(text x quote): 30 s for a 50,000-character quote in 200,000 "a"s."""
    with pytest.raises(text.AnchorError, match=r"^quote occurs more than 100 times; add a"):
        within(text.anchor_quote, "a" * 200_000, "a" * 50_000)


def test_a_long_prefix_is_compared_only_near_the_quote():
    article = "a" * 200_000 + "b" + "a" * 1000
    start, end = within(text.anchor_quote, article, "b" + "a" * 10, prefix="a" * 150_000)
    assert (start, end) == (200_000, 200_011)


# --- Sentences --------------------------------------------------------------------------------


def test_a_text_of_initials_gives_a_bounded_number_of_sentences():
    """ "A. " * 166,666 gave 166,665 sentence rows."""
    article = "A. " * 166_666
    spans = within(text.split_sentences, article)
    assert 1000 < len(spans) <= text.MAX_SENTENCES
    assert all(article[s.start : s.end].strip() == article[s.start : s.end] for s in spans)
    assert spans[-1].end == len(article.rstrip())


def test_many_short_paragraphs_give_a_bounded_number_of_sentences():
    spans = within(text.split_sentences, "x\n\n" * 166_666)
    assert len(spans) <= text.MAX_SENTENCES


# --- Annotation page segments -----------------------------------------------------------------


def test_two_thousand_nested_claims_do_not_multiply_in_the_page():
    """Every segment listed every covering claim: 21 s and 59 MB for the page."""
    body = "word " * 6000
    claims = [SimpleNamespace(pk=i + 1, start=i * 7, end=len(body) - i * 7) for i in range(2000)]
    states = {claim.pk: ("none", None) for claim in claims}

    def page():
        built = segments.build_segments(body, [], claims, states)
        return built, segments.render_segments(built)

    built, html = within(page)
    assert "".join(seg.text for seg in built) == body
    assert max(len(seg.claims) for seg in built) == segments.MAX_LISTED_CLAIMS
    middle = built[len(built) // 2]
    assert middle.claims[0] == 2000 and middle.depth == 2000  # innermost first, all counted
    assert f'data-more="{2000 - segments.MAX_LISTED_CLAIMS}"' in html
    assert len(html) < 1_000_000
    assert html.count('class="anchor"') == 2000


# --- Through the service and the API ----------------------------------------------------------


@pytest.mark.django_db
def test_importing_a_text_of_initials_stores_a_bounded_number_of_sentences(project, reviewer):
    """The import took 37 s and stored 166,665 rows."""
    article = within(
        services.import_article,
        project=project,
        creator=reviewer,
        title="Initials",
        text_body="A. " * 166_666,
    )
    assert 1000 < Sentence.objects.filter(article=article).count() <= text.MAX_SENTENCES


@pytest.mark.django_db
def test_api_refuses_deeply_nested_html_with_a_400(client, reviewer, project):
    client.force_login(reviewer)
    response = within(
        client.post,
        f"/api/v1/projects/{project.slug}/articles/",
        json.dumps({"title": "Nested", "html": "<div>x" * 16000}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["field"] == "html"
    assert "more than 256 levels deep" in response.json()["detail"]
    assert not Article.objects.filter(title="Nested").exists()


@pytest.mark.django_db
def test_api_refuses_html_with_too_many_elements_with_a_413(client, reviewer, project):
    client.force_login(reviewer)
    response = within(
        client.post,
        f"/api/v1/projects/{project.slug}/articles/",
        json.dumps({"title": "Flat", "html": "<p>x" * 60_000}),
        content_type="application/json",
    )
    assert response.status_code == 413
    assert response.json()["field"] == "html"
    assert "more than 50,000 elements" in response.json()["detail"]


@pytest.mark.django_db
def test_api_marks_nothing_for_an_ambiguous_long_quote(client, reviewer, project):
    article = services.import_article(
        project=project, creator=reviewer, title="Letters", text_body="a" * 200_000
    )
    client.force_login(reviewer)
    response = within(
        client.post,
        f"/api/v1/articles/{article.pk}/claims/",
        json.dumps({"quote": "a" * 50_000}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("quote occurs more than 100 times")
    assert not article.claims.exists()
