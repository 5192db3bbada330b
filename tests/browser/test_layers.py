"""“I've finished this article” in headless Chromium: reached and pressed with the keyboard
alone, its state announced, taken back with the keyboard, and disabled with its reason once an
editor started curating."""

from __future__ import annotations

import pytest

from annotations import services
from annotations.models import Article, Event, LayerCompletion
from tests.factories import make_claim

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "correct horse battery staple"


def sign_in(page, live_server, username="rev"):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")


def tab_to(page, element_id: str, limit: int = 80) -> None:
    """Press Tab until the element with `element_id` has the focus (fail after `limit`)."""
    for _ in range(limit):
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"#{element_id} is not reachable with Tab")


def test_finish_button_works_with_the_keyboard(page, live_server, project, reviewer, article):
    services.update_project(project=project, actor=None, independent_spans=True)
    make_claim(article=article, user=reviewer, quote="bus use fell 15% since 2019")
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    status = page.locator("#layer-state")
    assert "Your own layer: 1 claim" in status.inner_text()

    tab_to(page, "finish-toggle")
    assert page.locator("#finish-toggle").inner_text() == "I've finished this article"
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/articles/{article.pk}/#layer-status")
    assert "You finished this article" in page.locator("#layer-state").inner_text()
    assert LayerCompletion.objects.filter(article=article, user=reviewer).exists()
    assert Event.objects.filter(action="finish_article", actor=reviewer).count() == 1

    tab_to(page, "finish-toggle")
    assert page.locator("#finish-toggle").inner_text() == "I'm not finished"
    page.keyboard.press("Space")
    page.wait_for_function(
        "() => document.getElementById('layer-state').textContent.includes('open again')"
    )
    assert not LayerCompletion.objects.filter(article=article, user=reviewer).exists()

    # Once an editor starts curating, the mark stays: the button is disabled, with the reason.
    services.finish_article(article_id=article.pk, user=reviewer)
    Article.objects.filter(pk=article.pk).update(curation_started_at="2026-12-01T10:00:00Z")
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    button = page.locator("#finish-toggle")
    assert button.is_disabled()
    assert button.get_attribute("aria-describedby") == "layer-state"
    assert "can no longer be reopened" in page.locator("#layer-state").inner_text()
