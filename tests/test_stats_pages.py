"""The agreement and statistics pages: who sees them, what they show, links from the dashboard
and project page, CSP-safe markup (no inline styles or scripts), constant query counts."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client

from annotations import services
from tests.test_stats import _grow, build_reviewed, client_for

pytestmark = pytest.mark.django_db
AGREEMENT = "/projects/newsdesk/agreement/"
STATS = "/projects/newsdesk/stats/"


@pytest.fixture
def reviewed(project, reviewer, reviewer2, editor):
    return build_reviewed(project, reviewer, reviewer2, editor)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("url", [AGREEMENT, STATS])
@pytest.mark.parametrize(
    ("who", "status"),
    [("researcher", 200), ("editor", 200), ("project_admin", 200), ("reviewer", 403)],
)
def test_pages_are_for_researchers_editors_and_admins(request, reviewed, url, who, status):
    response = client_for(request.getfixturevalue(who)).get(url)
    assert response.status_code == status
    if status == 403:
        assert "researchers, editors and admins" in response.content.decode()


@pytest.mark.parametrize("url", [AGREEMENT, STATS])
def test_pages_hide_other_projects_and_send_strangers_to_sign_in(reviewed, outsider, url):
    assert client_for(outsider).get(url).status_code == 404
    response = Client().get(url)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def main_of(response) -> str:
    """Return the page's <main> element (the header's sign-out form carries a fresh CSRF token)."""
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def _no_inline_style_or_script(html: str) -> None:
    assert not re.search(r"<[^>]+\sstyle=", html), "inline style attribute"
    assert "<style" not in html
    assert not re.search(r"<script(?![^>]*\ssrc=)", html), "inline script"


def test_agreement_page_shows_alphas_readings_pairs_and_disagreements(reviewed, researcher):
    response = client_for(researcher).get(AGREEMENT)
    html = response.content.decode()
    report = response.context["page"]["report"]
    nominal = report["verdicts"]["nominal"]["alpha"]
    assert f"{nominal:.3f}" in html
    assert "<svg" in html
    assert "Krippendorff" in html
    assert "Only 3 claims" in html  # the warning for fewer than 30 units
    assert "1 off-axis rating (such as Unproven) left out." in html
    c3 = reviewed["claims"][2]
    assert f'#claim-{c3.pk}"' in html
    assert "rev2" not in html  # pseudonyms, not usernames
    _no_inline_style_or_script(html)


def test_agreement_page_filters_and_reports_bad_filters(reviewed, researcher):
    client = client_for(researcher)
    article = reviewed["article"]
    ok = client.get(AGREEMENT, {"article": article.pk, "since": "2000-01-01"})
    assert ok.status_code == 200
    assert ok.context["page"]["report"]["filters"]["article"] == article.pk
    bad = client.get(AGREEMENT, {"since": "last week"})
    assert bad.status_code == 400
    assert "since must be a date as YYYY-MM-DD" in bad.content.decode()


def test_admins_may_show_names_researchers_may_not(reviewed, researcher, project_admin):
    assert client_for(researcher).get(AGREEMENT, {"identities": "1"}).status_code == 403
    shown = client_for(project_admin).get(AGREEMENT, {"identities": "1"}).content.decode()
    assert "rev2" in shown


def test_statistics_page_shows_counts_charts_and_tables(reviewed, editor):
    response = client_for(editor).get(STATS)
    html = response.content.decode()
    figures = response.context["figures"]
    assert figures["claims"] == 4
    assert html.count("<svg") == 3  # statuses, weeks, ratings
    assert html.count("<title") >= 3
    assert "Verdicts by status" in html
    assert 'fill="#1e7b34"' in html  # the True label's colour as a presentation attribute
    _no_inline_style_or_script(html)


def test_dashboard_and_project_page_link_the_pages_for_roles_that_may_see_them(
    reviewed, researcher, reviewer
):
    for user, shown in ((researcher, True), (reviewer, False)):
        client = client_for(user)
        for page in ("/", "/projects/newsdesk/"):
            html = client.get(page).content.decode()
            assert (AGREEMENT in html) is shown, (user, page)
            assert (STATS in html) is shown, (user, page)


@pytest.mark.parametrize("url", [AGREEMENT, STATS])
def test_pages_run_a_constant_number_of_queries(
    project, reviewed, researcher, reviewer, reviewer2, editor, url, django_assert_max_num_queries
):
    client = client_for(researcher)
    with django_assert_max_num_queries(30) as small:
        assert client.get(url).status_code == 200
    _grow(project, reviewer, reviewer2, editor, 5)
    cache.clear()
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_a_warm_agreement_page_is_served_from_the_cache_until_the_next_event(
    reviewed, researcher, reviewer, django_assert_max_num_queries
):
    client = client_for(researcher)
    with django_assert_max_num_queries(40) as cold:
        first = main_of(client.get(AGREEMENT))
    with django_assert_max_num_queries(len(cold.captured_queries) - 5):
        assert main_of(client.get(AGREEMENT)) == first
    claim = reviewed["claims"][3]  # only rev's draft and rev2's withdrawn verdict so far
    services.submit_verdict(
        verdict_id=claim.verdicts.get(reviewer=reviewer, status="draft").pk, user=reviewer
    )
    after = main_of(client.get(AGREEMENT))
    assert "4 claims with a submitted verdict" in after
    assert "3 claims with a submitted verdict" in first
