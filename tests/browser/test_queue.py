"""The review queue in a real browser: an editor approves with the keyboard (j, a) and returns
a verdict with a note (j, r, Ctrl+Enter), with no CSP violation on the page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annotations.models import Verdict
from tests.factories import make_claim, make_verdict

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_editor_approves_and_returns_with_the_keyboard(
    page, live_server, project, article, reviewer, editor
):
    first = make_verdict(
        claim=make_claim(article=article, user=reviewer), user=reviewer, status="submitted"
    )
    second = make_verdict(
        claim=make_claim(article=article, user=reviewer, quote="bus use fell 15% since 2019"),
        user=reviewer,
        rating="false",
        status="submitted",
    )
    csp_errors: list[str] = []
    page.on(
        "console",
        lambda msg: csp_errors.append(msg.text) if "Content Security Policy" in msg.text else None,
    )

    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", editor.username)
    page.fill("#id_password", "correct horse battery staple")
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + reverse("dashboard"))
    page.goto(live_server.url + reverse("review_queue", args=[project.slug]))

    page.keyboard.press("?")
    assert page.locator("#shortcut-help").is_visible()
    page.keyboard.press("?")
    assert not page.locator("#shortcut-help").is_visible()

    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.id") == f"verdict-{first.pk}"
    with page.expect_navigation():
        page.keyboard.press("a")
    assert f"Approved verdict #{first.pk}" in page.locator(".messages").inner_text()
    assert Verdict.objects.get(pk=first.pk).status == "approved"
    assert page.locator(f"#verdict-{first.pk}").count() == 0

    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.id") == f"verdict-{second.pk}"
    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.id") == f"return-note-{second.pk}"
    page.keyboard.type("Which year's figures? Cite the 2025 report.")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    assert f"Returned verdict #{second.pk}" in page.locator(".messages").inner_text()
    returned = Verdict.objects.get(pk=second.pk)
    assert (returned.status, returned.review_note) == (
        "returned",
        "Which year's figures? Cite the 2025 report.",
    )
    assert page.locator(".empty").inner_text().startswith("Nothing is waiting")
    assert csp_errors == []
