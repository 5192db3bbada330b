"""Issue 18 end to end in headless Chromium: two reviewers mark the same article blind on the
annotation page (mouse drags), each finishes, an editor curates it on the curation page (by
keyboard for the accept and the reject, a click for the merge) and the curated claims then take a
verdict on the annotation page. The curation page passes axe-core's serious/critical rules."""

from __future__ import annotations

import pytest

from annotations import services
from annotations.models import Article, Claim, Project
from tests.browser.axe_check import axe_violations
from tests.browser.test_annotation_page import drag_select, sign_in, wait_for_new_claim
from tests.factories import make_article

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SAME = "carry 22,000 passengers a day by 2030"
SHORT = "bus use fell 15%"
LONG = "said bus use fell 15% since 2019"
ALONE = "Café owners reportedly doubled their prices"


def mark(page, live_server, article, needle: str) -> Claim:
    """Select `needle` with the mouse on the annotation page and press the Mark button."""
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    drag_select(page, needle)
    assert page.evaluate("window.getSelection().toString()") == needle
    page.locator("#mark-claim").click()
    wait_for_new_claim(page)
    return Claim.objects.filter(article=article, quote=needle).order_by("-pk").first()


def tab_to(page, label_start: str, limit: int = 200) -> None:
    """Press Tab until the focused element's accessible label starts with `label_start`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        label = page.evaluate("document.activeElement.getAttribute('aria-label') || ''")
        if label.startswith(label_start):
            return
    raise AssertionError(f"no focusable element labelled {label_start!r} within {limit} tabs")


def test_two_reviewers_mark_blind_and_an_editor_curates(
    browser, live_server, project, reviewer, reviewer2, editor
):
    Project.objects.filter(pk=project.pk).update(independent_spans=True)
    article = make_article(project=project, creator=editor)

    # Reviewer 2 marks first: the same span as reviewer 1 will, and a longer overlapping one.
    second = browser.new_context()
    page2 = second.new_page()
    sign_in(page2, live_server, "rev2")
    b_same = mark(page2, live_server, article, SAME)
    b_long = mark(page2, live_server, article, LONG)

    first = browser.new_context()
    page1 = first.new_page()
    sign_in(page1, live_server, "rev")
    a_same = mark(page1, live_server, article, SAME)  # no duplicate error: another layer
    a_short = mark(page1, live_server, article, SHORT)
    a_alone = mark(page1, live_server, article, ALONE)
    assert {c.layer for c in (a_same, a_short, a_alone, b_same, b_long)} == {"reviewer"}
    assert (a_same.start, a_same.end) == (b_same.start, b_same.end)
    assert a_same.pk != b_same.pk

    # Blind on the page: reviewer 1's annotation page shows only their own three spans, not
    # reviewer 2's (same text, other layer), and reviewer 2's page only theirs after a reload.
    page1.goto(f"{live_server.url}/articles/{article.pk}/")
    listed = page1.locator("#claim-list li[data-claim]").evaluate_all(
        "els => els.map(e => Number(e.dataset.claim))"
    )
    assert sorted(listed) == sorted([a_same.pk, a_short.pk, a_alone.pk])
    assert page1.locator(f"#claim-{b_long.pk}").count() == 0
    page2.goto(f"{live_server.url}/articles/{article.pk}/")
    assert page2.locator(f"#claim-{a_alone.pk}").count() == 0
    assert ALONE not in page2.locator("#claim-list").inner_text()
    # Blind: neither reads the other's claims over HTTP before both finished; each reads theirs.
    assert page1.request.get(f"{live_server.url}/api/v1/claims/{b_same.pk}/").status == 404
    assert page2.request.get(f"{live_server.url}/api/v1/claims/{a_short.pk}/").status == 404
    assert page1.request.get(f"{live_server.url}/api/v1/claims/{a_short.pk}/").status == 200
    # Each presses "I've finished this article" on their annotation page.
    page1.locator("#finish-toggle").click()
    page1.wait_for_function(
        "() => document.getElementById('layer-state').textContent.includes('You finished')"
    )
    assert page1.request.get(f"{live_server.url}/api/v1/claims/{b_same.pk}/").status == 404
    page2.locator("#finish-toggle").click()
    page2.wait_for_function(
        "() => document.getElementById('layer-state').textContent.includes('You finished')"
    )
    assert page1.request.get(f"{live_server.url}/api/v1/claims/{b_same.pk}/").status == 200
    # Reviewers do not curate.
    page1.goto(f"{live_server.url}/projects/{project.slug}/articles/{article.pk}/curate/")
    assert "editors and admins curate" in page1.locator("main").inner_text()
    first.close()
    second.close()

    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live_server, "ed")
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    page.locator("#curate-article").click()
    curate_url = f"{live_server.url}/projects/{project.slug}/articles/{article.pk}/curate/"
    page.wait_for_url(curate_url)
    groups = page.locator("li.cluster")
    assert groups.count() == 3
    assert "Identical spans" in groups.nth(0).inner_text()
    assert "Overlapping spans (disagreement)" in groups.nth(1).inner_text()
    assert "Marked by one reviewer" in groups.nth(2).inner_text()
    reviewers = page.locator("#reviewers").inner_text()
    assert "rev" in reviewers and "rev2" in reviewers and "not finished" not in reviewers
    # One row per reviewer under each group, each with their own span marked.
    rows = groups.nth(1).locator("tbody tr")
    assert rows.count() == 2
    marked = sorted(rows.nth(i).locator("mark").inner_text() for i in range(2))
    assert marked == sorted([SHORT, LONG])
    assert axe_violations(browser, curate_url, context.storage_state()) == []

    # Accept reviewer 1's identical span by keyboard.
    page.locator("#curate-title").focus()
    tab_to(page, f"Accept claim #{a_same.pk} by ")
    page.keyboard.press("Enter")
    page.wait_for_selector(".message-success")
    curated_same = Claim.objects.get(article=article, layer="curated", start=a_same.start)
    assert f"as curated claim #{curated_same.pk}" in page.locator(".messages").inner_text()
    assert Claim.objects.get(pk=a_same.pk).curation == "accepted"

    # Merge the two overlapping spans (both ticked by default).
    merge = page.get_by_role("button", name="Merge the spans of group 2")
    with page.expect_navigation():
        merge.click()
    assert "Merged claims" in page.locator(".messages").inner_text()
    merged = Claim.objects.get(pk=a_short.pk).curated_claim
    assert merged.quote == LONG
    assert Claim.objects.get(pk=b_long.pk).curated_claim_id == merged.pk

    # Reject the span only reviewer 1 marked, by keyboard.
    page.locator("#curate-title").focus()
    tab_to(page, f"Reject claim #{a_alone.pk} by ")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert f"Rejected claim #{a_alone.pk}" in page.locator(".messages").inner_text()
    assert Claim.objects.get(pk=a_alone.pk).curation == "rejected"
    curated_list = page.locator("#curated-list").inner_text()
    assert f"Claim #{curated_same.pk}" in curated_list and f"Claim #{merged.pk}" in curated_list
    assert Article.objects.get(pk=article.pk).curation_started_at is not None

    # The curated claims go through verdicts: the annotation page offers the verdict form.
    for curated in (curated_same, merged):
        page.goto(f"{live_server.url}/articles/{article.pk}/?claim={curated.pk}")
        assert page.locator("#claim-heading").inner_text().startswith(f"Claim #{curated.pk}")
        assert page.locator("#verdict-form").count() == 1
    context.close()


def test_adjusting_a_span_by_selecting_text_counts_code_points(
    page, live_server, project, reviewer, editor
):
    """After 🚀 and 东京 the selection's UTF-16 offsets differ from code points; the adjusted
    curated claim is exactly the selected text."""
    Project.objects.filter(pk=project.pk).update(independent_spans=True)
    article = make_article(project=project, creator=editor)
    claim = services.mark_claim(article_id=article.pk, user=reviewer, quote=ALONE)
    services.finish_article(article_id=article.pk, user=reviewer)
    sign_in(page, live_server, "ed")
    page.goto(f"{live_server.url}/projects/{project.slug}/articles/{article.pk}/curate/")
    page.get_by_text(f"Adjust span of #{claim.pk}").click()
    drag_select(page, "Café owners", "curate-text")
    form = page.locator(f"#span-{claim.pk} .adjust-form")
    form.get_by_role("button", name="Use selected text").click()
    start = article.text.index("Café owners")
    assert form.locator("input[name=start]").input_value() == str(start)
    assert form.locator("input[name=end]").input_value() == str(start + len("Café owners"))
    form.get_by_role("button", name=f"Accept claim #{claim.pk} with the adjusted span").click()
    page.wait_for_selector(".message-success")
    curated = Claim.objects.get(pk=claim.pk).curated_claim
    assert curated.quote == "Café owners"
    assert Claim.objects.get(pk=claim.pk).curation == "adjusted"
