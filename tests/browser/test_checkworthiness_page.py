""" "Not a claim" from the keyboard in headless Chromium: `.` puts the cursor on a suggested
sentence and `x` dismisses it; the page reloads without the suggestion."""

from __future__ import annotations

import pytest

from annotations.models import SentenceDismissal
from tests.browser.test_annotation_page import sign_in
from tests.factories import make_article

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TEXT = (
    "Cambricon shares fell 6% in Shanghai on Tuesday, the exchange said.\n\n"
    "Nvidia was barred in April from selling its H20 chip in China."
)


def test_x_dismisses_the_suggestion_at_the_cursor(page, live_server, project, reviewer):
    article = make_article(project=project, creator=reviewer, title="Chips", text=TEXT)
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    assert page.locator(".suggestion-list form[data-dismiss-sentence]").count() == 2
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press(".")
    page.wait_for_selector('.seg.cursor[data-s="0"]')
    with page.expect_navigation():
        page.keyboard.press("x")
    assert page.get_by_text("Sentence 1 dismissed: not a claim.").is_visible()
    assert page.locator(".suggestion-list form[data-dismiss-sentence]").count() == 1
    assert SentenceDismissal.objects.get().sentence.index == 0
