"""The team pages in Chromium: a researcher exports from the export page and gets the API's
bytes; an editor approves several verdicts at once while one went stale; every new page passes
axe-core (no serious or critical violation), fits 390 px and raises no CSP violation."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
from django.urls import reverse

from annotations import services
from annotations.models import Claim, Membership, Verdict
from annotations.tokens import create_token
from tests.browser.axe_check import axe_violations
from tests.factories import make_claim, make_verdict

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
# The outermost elements that stick out of the viewport (to say what to fix).
WIDE_ELEMENTS = """() => [...document.querySelectorAll('main *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .filter(e => getComputedStyle(e.parentElement).overflowX === 'visible')
  .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))
  .slice(0, 12)"""


def sign_in(page, live_server, user):
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + reverse("dashboard"))


def watch_csp(page) -> list[str]:
    errors: list[str] = []
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return errors


def test_a_researcher_exports_from_the_page_and_gets_the_api_bytes(
    page, live_server, project, article, reviewer, editor, researcher, tmp_path
):
    claim = make_claim(article=article, user=reviewer)
    make_verdict(claim=claim, user=reviewer, status="approved", editor=editor)
    csp = watch_csp(page)
    sign_in(page, live_server, researcher)
    page.click("text=Export the corpus")
    page.check("input[name=format][value=csv]")
    page.check("input[name=status][value=all]")
    with page.expect_navigation():
        page.click("text=Count what this contains")
    assert page.inner_text("#count-claims") == "1"
    assert "--format csv --status all" in page.inner_text("#manage-command")
    with page.expect_download() as info:
        page.click("#download")
    saved = tmp_path / "from-page.csv"
    info.value.save_as(saved)
    _, key = create_token(user=researcher, name="browser test")
    url = (
        live_server.url + reverse("project-export", args=[project.slug]) + "?format=csv&status=all"
    )
    request = urllib.request.Request(url, headers={"Authorization": f"Token {key}"})  # noqa: S310
    with urllib.request.urlopen(request) as response:  # noqa: S310 - the live test server
        from_api = response.read()
    assert saved.read_bytes() == from_api
    assert b"carry 22,000 passengers" in from_api
    assert csp == []


def test_bulk_approve_with_one_stale_verdict(
    page, live_server, project, article, reviewer, editor, editor2
):
    quotes = ("carry 22,000 passengers a day by 2030", "bus use fell 15% since 2019")
    fresh, stale = (
        make_verdict(claim=make_claim(article=article, user=reviewer, quote=q), user=reviewer,
                     status="submitted")
        for q in quotes
    )  # fmt: skip
    csp = watch_csp(page)
    sign_in(page, live_server, editor)
    page.goto(live_server.url + reverse("review_queue", args=[project.slug]))
    page.check(f"#pick-{fresh.pk}")
    page.check(f"#pick-{stale.pk}")
    # Meanwhile another editor returns one verdict and its reviewer submits it again.
    services.return_verdict(verdict_id=stale.pk, editor=editor2, note="Which year?")
    services.submit_verdict(verdict_id=stale.pk, user=reviewer)
    with page.expect_navigation():
        page.click("text=Approve selected")
    text = page.inner_text(".messages")
    assert f"Approved 1 of 2: #{fresh.pk}." in text
    assert f"Verdict #{stale.pk} not approved: changed since you loaded it" in text
    assert Verdict.objects.get(pk=fresh.pk).status == "approved"
    assert Verdict.objects.get(pk=stale.pk).status == "submitted"
    assert csp == []


@pytest.mark.parametrize(
    "name",
    ["project_export", "project_settings", "project_members", "project_history", "claim_browser",
     "project_scale_version", "project_invitations", "project_assign"],
)  # fmt: skip
def test_team_pages_pass_axe_and_fit_390_px(
    browser, page, live_server, project, article, reviewer, editor, project_admin, name
):
    claim = make_claim(article=article, user=reviewer)
    make_verdict(claim=claim, user=reviewer, status="approved", editor=editor)
    csp = watch_csp(page)
    sign_in(page, live_server, project_admin)
    url = live_server.url + reverse(name, args=[project.slug])
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(url)
    # The page's own content (main) must fit; wide tables scroll inside their box. (The shared
    # site header is not these pages' to fix.)
    overflow = page.evaluate("document.querySelector('main').scrollWidth")
    wide = page.evaluate(WIDE_ELEMENTS)
    assert overflow <= 390, f"{name} is {overflow}px wide at 390px: {wide}"
    # Screenshots for the README's "Using it" section (test-artifacts/ is not committed).
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}-390.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
    assert csp == []
    state = page.context.storage_state()
    assert axe_violations(browser, url, state) == []
    assert axe_violations(browser, url, state, width=390) == []


def test_an_admin_invites_a_user_who_joins_and_marks_a_claim(
    browser, page, live_server, project, article, project_admin
):
    csp = watch_csp(page)
    sign_in(page, live_server, project_admin)
    page.goto(live_server.url + reverse("project_invitations", args=[project.slug]))
    page.select_option("#id_role", "reviewer")
    with page.expect_navigation():
        page.click("text=Make an invitation link")
    link = page.inner_text("#invitation-link").strip()
    assert link.startswith(live_server.url + "/invite/inv_")
    guest = browser.new_context()
    try:
        joining = guest.new_page()
        guest_csp = watch_csp(joining)
        joining.goto(link)
        joining.fill("#id_username", "newcomer")
        joining.fill("#id_password1", "a long pass phrase 42")
        joining.fill("#id_password2", "a long pass phrase 42")
        with joining.expect_navigation():
            joining.click("text=Create my account and join")
        assert joining.url == live_server.url + project.get_absolute_url()
        assert "Welcome to Newsdesk" in joining.inner_text(".messages")
        joining.click(f"text={article.title}")
        with joining.expect_navigation():
            joining.locator("form[action*='/sentences/'] button").first.click()
        claim = Claim.objects.get()
        assert claim.created_by.username == "newcomer"
        assert Membership.objects.get(user__username="newcomer").role == "reviewer"
        assert guest_csp == []
    finally:
        guest.close()
    assert csp == []


def test_an_admin_assigns_articles_and_the_reviewer_follows_next(
    browser, page, live_server, project, article, reviewer, project_admin
):
    from tests.factories import make_article

    second = make_article(
        project=project,
        creator=reviewer,
        title="Harbour",
        text="Ships said traffic doubled in 2024.",
    )
    sign_in(page, live_server, project_admin)
    page.goto(live_server.url + reverse("project_assign", args=[project.slug]))
    page.check(f"#tick-{article.pk}")
    page.check(f"#tick-{second.pk}")
    page.check(f"input[name=reviewer][value='{reviewer.pk}']")
    with page.expect_navigation():
        page.click("button[value=assign]")
    assert "Made 2 new assignments" in page.inner_text(".messages")
    other = browser.new_context()
    try:
        mine = other.new_page()
        sign_in(mine, live_server, reviewer)
        assert "Harbour" in mine.inner_text(".assigned")
        with mine.expect_navigation():
            mine.click("#next-assignment")
        assert mine.url == live_server.url + article.get_absolute_url()
        # On the annotation page the `n` key does the same (the toolbar's "Next article").
        mine.wait_for_selector("#article-text[data-next-url]")
        mine.focus("#article-text")
        with mine.expect_navigation():
            mine.keyboard.press("n")
        assert mine.url == live_server.url + article.get_absolute_url()
        assert mine.locator("#next-article[aria-keyshortcuts=n]").count() == 1
    finally:
        other.close()
