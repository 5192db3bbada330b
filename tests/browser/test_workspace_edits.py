"""The annotation workspace's corrections in headless Chromium: delete with an in-page
confirmation and undo, undo of a mark, replace and nudge a span around emoji and CJK (stored
offsets equal Python's slice after every step), shortcuts that never fire while typing, the
help listing every shortcut with its button, the phone layout, fonts, and axe-core."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from annotations import services
from annotations.models import Claim, Source, Verdict
from tests.browser.test_annotation_page import drag_select, sign_in, wait_for_new_claim
from tests.factories import make_claim, make_source, make_verdict

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

AXE = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SENTENCE = "I think it is fine; so very sad, must undo. Right? [x] {y} v j k u r m s ,."


def open_claim(page, live_server, article, claim):
    page.goto(f"{live_server.url}/articles/{article.pk}/?claim={claim.pk}")
    page.wait_for_selector(".claim-panel")


def status_says(page, text: str) -> None:
    page.wait_for_function(
        "(text) => document.getElementById('mark-status').textContent.includes(text)",
        arg=text,
        timeout=10_000,
    )


def test_delete_by_keyboard_with_confirmation_then_undo_restores_everything(
    page, live_server, reviewer, article
):
    claim = services.mark_claim(
        article_id=article.pk,
        user=reviewer,
        quote="东京的人口是1400万",
        statement="Tokyo has 14 million people.",
        claimant="The paper",
    )
    make_source(claim=claim, user=reviewer, url="https://stat.example.jp/")
    sign_in(page, live_server)
    open_claim(page, live_server, article, claim)
    page.evaluate("window.__sameDocument = true")

    page.locator("#delete-toggle").focus()
    page.keyboard.press("Enter")  # opens the confirmation; the focus goes to "Keep it"
    # The details element's toggle event (which moves the focus) is dispatched as a task.
    page.wait_for_function("() => document.activeElement.id === 'cancel-delete'", timeout=5_000)
    page.keyboard.press("Escape")
    assert not page.locator(".confirm-delete").evaluate("d => d.open")
    assert page.evaluate("document.activeElement.id") == "delete-toggle"
    assert Claim.objects.filter(pk=claim.pk).exists()

    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.id === 'cancel-delete'", timeout=5_000)
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.id") == "confirm-delete"
    page.keyboard.press("Enter")
    status_says(page, f"Deleted claim #{claim.pk}")
    assert not Claim.objects.filter(pk=claim.pk).exists()
    assert page.evaluate("window.__sameDocument") is True  # no reload
    assert page.locator(f'#claim-list li[data-claim="{claim.pk}"]').count() == 0
    assert page.locator("#claims-count").inner_text() == "0"

    page.locator("body").focus()
    page.keyboard.press("u")
    status_says(page, "Restored the deleted claim")
    restored = Claim.objects.get(article=article)
    assert (restored.start, restored.end) == (claim.start, claim.end)
    assert restored.quote == article.text[restored.start : restored.end]
    assert (restored.statement, restored.claimant) == (claim.statement, claim.claimant)
    assert [s.url for s in restored.sources.all()] == ["https://stat.example.jp/"]
    assert page.locator("#claim-heading").inner_text().startswith(f"Claim #{restored.pk}")
    assert page.evaluate("window.__sameDocument") is True


def test_a_claim_with_a_verdict_offers_withdraw_not_delete(page, live_server, reviewer, article):
    claim = make_claim(article=article, user=reviewer)
    make_verdict(claim=claim, user=reviewer, status="draft")
    sign_in(page, live_server)
    open_claim(page, live_server, article, claim)
    section = page.locator("#delete-claim")
    assert "cannot be deleted" in section.inner_text()
    assert "Withdraw" in section.inner_text()
    assert page.locator("#confirm-delete").count() == 0


def test_mark_lists_the_claim_and_the_undo_button_removes_it(page, live_server, reviewer, article):
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    page.evaluate("window.__sameDocument = true")
    drag_select(page, "Café owners reportedly doubled")
    page.keyboard.press("m")
    wait_for_new_claim(page)
    claim = Claim.objects.get(article=article)
    item = page.locator(f'#claim-list li[data-claim="{claim.pk}"]')
    assert "Café owners reportedly doubled" in item.inner_text()
    assert page.locator("#claims-count").inner_text() == "1"
    assert page.locator("#claim-count").inner_text() == "1 claim"

    page.locator("#undo").click()
    status_says(page, "Undid the mark")
    assert not Claim.objects.filter(pk=claim.pk).exists()
    assert page.locator("#claim-list li").count() == 0
    assert page.locator("#article-text .claim").count() == 0
    assert page.locator("#undo").is_disabled()
    assert page.evaluate("window.__sameDocument") is True


def test_replace_span_and_nudge_by_word_keep_offsets_exact_around_emoji_and_cjk(
    page, live_server, reviewer, article
):
    text = article.text
    claim = make_claim(article=article, user=reviewer, quote="bus use fell")
    sign_in(page, live_server)
    open_claim(page, live_server, article, claim)

    def stored():
        claim.refresh_from_db()
        assert claim.quote == text[claim.start : claim.end]
        return claim.quote

    drag_select(page, "Critics 🚀 said")
    page.keyboard.press("r")
    status_says(page, f"Claim #{claim.pk} now covers characters {text.index('Critics')}")
    assert stored() == "Critics 🚀 said"
    assert page.locator("#claim-list").count() == 0  # still the open claim's panel

    # Each key moves one edge by one word (Intl.Segmenter), in code points on the server.
    for key, edge, direction in [("]", 0, 1), ("}", 1, 1), ("[", 0, -1), ("{", 1, -1)]:
        previous = (claim.start, claim.end)
        page.keyboard.press(key)
        page.wait_for_function(
            "([s, e]) => { const p = document.querySelector('.claim-panel');"
            " return p && (p.dataset.start !== String(s) || p.dataset.end !== String(e)); }",
            arg=list(previous),
            timeout=10_000,
        )
        got = stored()
        now = (claim.start, claim.end)
        assert (now[edge] - previous[edge]) * direction > 0, (key, got)
        assert now[1 - edge] == previous[1 - edge], (key, got)
        assert not got[0].isspace() and not got[-1].isspace(), (key, got)
    assert stored() == "Critics 🚀 said"

    # CJK: the end moves by Chinese words, never splitting a code point.
    cjk = make_claim(article=article, user=reviewer, quote="东京的人口是1400万")
    open_claim(page, live_server, article, cjk)
    for key in ["{", "{", "]"]:
        before = (cjk.start, cjk.end)
        page.locator(f'[data-nudge][aria-keyshortcuts="{key}"]').click()
        page.wait_for_function(
            "([s, e]) => { const p = document.querySelector('.claim-panel');"
            " return p && (p.dataset.start !== String(s) || p.dataset.end !== String(e)); }",
            arg=list(before),
            timeout=10_000,
        )
        cjk.refresh_from_db()
        assert cjk.quote == text[cjk.start : cjk.end]
        assert text.index("东京") <= cjk.start < cjk.end <= text.index("万") + 1
    assert cjk.end < text.index("万") + 1 and cjk.start > text.index("东京")
    highlighted = page.eval_on_selector_all(
        f'#article-text [data-claims~="{cjk.pk}"]', "els => els.map(e => e.textContent).join('')"
    )
    assert highlighted == cjk.quote


def test_typing_a_sentence_with_focus_anywhere_creates_nothing(
    page, live_server, reviewer, article
):
    claim = make_claim(article=article, user=reviewer)
    sign_in(page, live_server)
    open_claim(page, live_server, article, claim)
    page.locator("details.add-source > summary").click()
    # Put the article's caret in an unmarked sentence: s or m would mark it if a key leaked.
    page.locator('#article-text .seg[data-s="1"]').first.click()
    places = [
        "#id_claim-statement",
        "#id_claim-claimant",
        "#id_span-quote",
        "#id_source-url",
        "#id_source-title",
        "#id_source-stance",
        "#id_verdict-explanation",
        "input[name=verdict-rating]",
    ]
    for selector in places:
        page.locator(selector).first.focus()
        page.keyboard.type(SENTENCE)
        assert page.locator("#help-overlay").is_hidden(), selector
    # The help dialog open: typing there does nothing either.
    page.locator("#show-help").click()
    page.keyboard.type(SENTENCE)
    page.keyboard.press("Escape")
    # v from the page lands on the rating (never a hidden input), so typing after it is safe.
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("v")
    assert page.evaluate("document.activeElement.name") == "verdict-rating"
    page.keyboard.type(SENTENCE)

    assert list(Claim.objects.values_list("pk", flat=True)) == [claim.pk]
    claim.refresh_from_db()
    assert claim.quote == "carry 22,000 passengers a day by 2030"
    assert Source.objects.count() == 0 and Verdict.objects.count() == 0
    assert page.url.endswith(f"?claim={claim.pk}")


def test_help_lists_every_shortcut_and_each_has_a_visible_button(
    page, live_server, reviewer, article
):
    claim = make_claim(article=article, user=reviewer)
    sign_in(page, live_server)
    open_claim(page, live_server, article, claim)
    keys = page.eval_on_selector_all(
        "[aria-keyshortcuts]", "els => els.map(e => e.getAttribute('aria-keyshortcuts'))"
    )
    page.keyboard.press("?")
    listed = page.eval_on_selector_all(
        ".shortcuts dt kbd", "els => els.map(e => e.textContent.trim())"
    )
    page.keyboard.press("Escape")
    for key in ["m", "s", "u", "r", "j", "k", ".", ",", "[", "]", "{", "}", "?"]:
        assert key in keys, f"no button for {key}"
        assert key in listed, f"{key} missing from the help"
    assert "v" in listed
    assert page.locator("#go-verdict").is_visible()


def test_phone_width_reaches_the_panel_and_the_article_table_fits(
    page, live_server, reviewer, project, article
):
    claim = make_claim(article=article, user=reviewer)
    sign_in(page, live_server)
    page.set_viewport_size({"width": 390, "height": 844})
    open_claim(page, live_server, article, claim)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    tab = page.locator(".pane-tabs a", has_text=f"Claim #{claim.pk}")
    assert tab.is_visible()
    tab.click()
    top = page.locator("#claim-heading").evaluate("e => e.getBoundingClientRect().top")
    assert 0 <= top < 844
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "annotation-390.png"))
    page.goto(f"{live_server.url}/projects/{project.slug}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.locator(".article-table").is_visible()


def test_latin_punctuation_uses_a_latin_font_and_the_toolbar_is_opaque(
    page, live_server, reviewer, project
):
    body = "It’s “fine”, he said. 东京的人口是1400万。"
    article = services.import_article(
        project=project, creator=reviewer, title="Fonts", text_body=body
    )
    services.mark_claim(article_id=article.pk, user=reviewer, start=0, end=len("It’s “fine”"))
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    session = page.context.new_cdp_session(page)
    session.send("DOM.enable")
    session.send("CSS.enable")
    document = session.send("DOM.getDocument", {"depth": -1})
    node = session.send(
        "DOM.querySelector",
        {"nodeId": document["root"]["nodeId"], "selector": "#article-text .claim"},
    )
    fonts = session.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
    families = {f["familyName"] for f in fonts}
    assert families and not any("WenQuanYi" in f or "CJK" in f for f in families), families
    background = page.locator(".toolbar").evaluate("e => getComputedStyle(e).backgroundColor")
    assert background.startswith("rgb(") or background.endswith(", 1)"), background


def _axe_violations(browser, live_server, url: str, viewport=None) -> list[dict]:
    """Run axe-core on `url` in a context that bypasses the CSP (for the injected script)."""
    if not AXE.exists():
        if os.environ.get("FACTCHECK_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{AXE} is missing: run make install (it needs npm)")
        pytest.skip("axe-core is not installed (make install installs it with npm)")
    context = browser.new_context(
        bypass_csp=True, viewport=viewport or {"width": 1400, "height": 900}
    )
    page = context.new_page()
    try:
        sign_in(page, live_server)
        page.goto(url)
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate("async () => (await axe.run()).violations")
    finally:
        context.close()
    return [v for v in violations if v["impact"] in ("serious", "critical")]


def _describe(violations) -> str:
    return "; ".join(
        f"{v['id']}: {v['help']} ({[n['target'] for n in v['nodes']][:3]})" for v in violations
    )


def test_axe_finds_no_serious_violation_with_the_panel_open_returned_and_at_390px(
    browser, live_server, reviewer, reviewer2, editor, article
):
    approved = make_claim(article=article, user=reviewer, quote="bus use fell 15% since 2019")
    make_verdict(claim=approved, user=reviewer, status="approved", editor=editor, rating="false")
    mostly = make_claim(article=article, user=reviewer, quote="Café owners reportedly doubled")
    make_verdict(claim=mostly, user=reviewer, status="approved", editor=editor)  # mostly-true
    returned = make_claim(article=article, user=reviewer)
    make_verdict(claim=returned, user=reviewer, status="returned", editor=editor)
    base = f"{live_server.url}/articles/{article.pk}/"
    for label, url, viewport in [
        ("panel open", f"{base}?claim={mostly.pk}", None),
        ("returned verdict", f"{base}?claim={returned.pk}", None),
        ("claim list", base, None),
        ("390 px", f"{base}?claim={returned.pk}", {"width": 390, "height": 844}),
    ]:
        serious = _axe_violations(browser, live_server, url, viewport)
        assert serious == [], f"{label}: {_describe(serious)}"


def test_the_panel_tells_the_truth_returned_read_only_and_notices_in_view(
    page, live_server, reviewer, researcher, editor, article
):
    returned = make_claim(article=article, user=reviewer)
    make_verdict(claim=returned, user=reviewer, status="returned", editor=editor)
    sign_in(page, live_server)
    open_claim(page, live_server, article, returned)
    assert page.locator("#claim-heading .badge").inner_text() == "Returned"
    assert "Add data." in page.locator("#verdict .editor-note").inner_text()
    assert page.locator("#verdict").get_by_text("revision").is_visible()

    # A notice appears beside the form used, scrolled into view.
    page.locator("details.add-source > summary").click()
    page.locator("#id_source-url").fill("https://checked.example.org/")
    page.locator("#source-form button[type=submit]").click()
    notice = page.locator("#sources .notice")
    notice.wait_for()
    assert "Added the source" in notice.inner_text()
    box = notice.bounding_box()
    assert box is not None and 0 <= box["y"] < page.viewport_size["height"]

    page.context.clear_cookies()
    sign_in(page, live_server, username=researcher.username)
    open_claim(page, live_server, article, returned)
    assert page.locator("#id_claim-statement").is_disabled()
    assert page.get_by_role("button", name="Save claim").count() == 0
    assert page.locator("#mark-claim").count() == 0
    assert "Read only" in page.locator("#claim-frozen").inner_text()
