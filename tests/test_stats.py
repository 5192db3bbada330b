"""The agreement and statistics selectors (`annotations.stats`), the agreement API endpoint and
`manage.py agreement`: which verdicts count, pseudonyms, filters, permissions, CSV, constant
query counts, and statistics that equal the export's counts."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from annotations import agreement, services, stats
from annotations.exports.rows import export_counts
from annotations.models import Membership, Project, Verdict
from tests.factories import make_article, make_claim, make_verdict

pytestmark = pytest.mark.django_db
URL = "/api/v1/projects/newsdesk/agreement/"

OTHER_TEXT = (
    "The council claims 40% of streets were resurfaced in 2024. "
    "Rents rose faster than wages for the fifth year. The port handled a record 2 million boxes."
)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def rate(claim, user, rating, status="submitted", editor=None):
    return make_verdict(claim=claim, user=user, rating=rating, status=status, editor=editor)


@pytest.fixture
def reviewed(project, reviewer, reviewer2, editor):
    return build_reviewed(project, reviewer, reviewer2, editor)


def build_reviewed(project, reviewer, reviewer2, editor):
    """Double review: four claims, two reviewers, the editor decides two of them.

    c1: true / true, rev's approved.  c2: false / mostly-false, rev2's approved.
    c3: unproven (off-axis) / half-true, undecided.  c4: rev's draft and rev2's withdrawn
    verdict only, so it is no unit at all.
    """
    Project.objects.filter(pk=project.pk).update(required_verdicts=2)
    article = make_article(project=project, creator=reviewer)
    c1 = make_claim(article=article, user=reviewer)
    c2 = make_claim(article=article, user=reviewer2, quote="bus use fell 15% since 2019")
    c3 = make_claim(article=article, user=reviewer, quote="doubled their prices")
    c4 = make_claim(article=article, user=reviewer2, quote="Café owners")
    v1 = rate(c1, reviewer, "true")
    rate(c1, reviewer2, "true")
    services.approve_verdict(verdict_id=v1.pk, editor=editor)
    rate(c2, reviewer, "false")
    v2 = rate(c2, reviewer2, "mostly-false")
    services.approve_verdict(verdict_id=v2.pk, editor=editor)
    rate(c3, reviewer, "unproven")
    rate(c3, reviewer2, "half-true")
    rate(c4, reviewer, "true", status="draft")
    gone = rate(c4, reviewer2, "false")
    services.withdraw_verdict(verdict_id=gone.pk, user=reviewer2)
    return {"article": article, "claims": [c1, c2, c3, c4]}


def pseudonym(project, user) -> str:
    return Membership.objects.get(project=project, user=user).pseudonym


def test_units_are_claims_with_submitted_verdicts_and_alpha_matches_agreement_py(
    project, reviewed, reviewer, reviewer2
):
    report = stats.agreement_report(project=project)
    verdicts = report["verdicts"]
    assert verdicts["units"] == 3  # c4 has only a draft and a withdrawn verdict
    expected = [
        {"a": "true", "b": "true"},
        {"a": "false", "b": "mostly-false"},
        {"a": "unproven", "b": "half-true"},
    ]
    nominal = agreement.alpha(expected, level="nominal")
    assert verdicts["nominal"]["alpha"] == round(nominal.alpha, 4)
    assert verdicts["nominal"]["units"] == 3
    # off-axis "unproven" is left out of ordinal and interval, and counted
    on_axis = [{"a": 5, "b": 5}, {"a": 1, "b": 2}, {"b": 3}]
    ordinal = agreement.alpha(on_axis, level="ordinal", order=[1, 2, 3, 4, 5])
    assert verdicts["ordinal"]["alpha"] == round(ordinal.alpha, 4)
    assert verdicts["ordinal"]["units"] == 2
    assert verdicts["ordinal"]["off_axis_values_left_out"] == 1
    assert verdicts["interval"]["off_axis_values_left_out"] == 1
    for level in agreement.LEVELS:
        block = verdicts[level]
        assert block["low"] is not None
        assert block["low"] <= block["alpha"] <= block["high"]
    assert any("Only 3 claims" in w for w in verdicts["warnings"])


def test_reviewers_are_pseudonyms_unless_identities_are_asked_for(
    project, reviewed, reviewer, reviewer2
):
    names = {pseudonym(project, reviewer), pseudonym(project, reviewer2)}
    report = stats.agreement_report(project=project)
    assert {r["reviewer"] for r in report["reviewers"]} == names
    assert {frozenset((p["a"], p["b"])) for p in report["pairs"]} <= {frozenset(names)}
    assert "rev" not in json.dumps(report["pairs"])
    shown = stats.agreement_report(project=project, identities=True)
    assert {r["reviewer"] for r in shown["reviewers"]} == {"rev", "rev2"}


def test_confusion_matrices_compare_with_the_approved_verdict_of_someone_else(
    project, reviewed, reviewer, reviewer2
):
    report = stats.agreement_report(project=project, identities=True)
    by_name = {r["reviewer"]: r for r in report["reviewers"]}
    # rev's c1 verdict was the approved one (left out); on c2 rev said false, rev2's
    # mostly-false was approved.
    assert by_name["rev"]["confusion"] == [
        {"value": "false", "decided": "mostly-false", "count": 1}
    ]
    assert by_name["rev"]["agreement_with_decision"] == 0.0
    assert by_name["rev2"]["confusion"] == [{"value": "true", "decided": "true", "count": 1}]
    assert by_name["rev2"]["agreement_with_decision"] == 1.0
    pair = report["pairs"][0]
    assert pair["units"] == 3
    assert pair["agreement"] == round(1 / 3, 4)


def test_disagreements_list_the_claims_with_different_ratings_linked(project, reviewed):
    report = stats.agreement_report(project=project, identities=True)
    c2, c3 = reviewed["claims"][1], reviewed["claims"][2]
    assert [d["claim"] for d in report["disagreements"]] == [c3.pk, c2.pk]
    first = report["disagreements"][0]
    assert first["url"].endswith(f"#claim-{c3.pk}")
    assert first["values"] == {"rev": "unproven", "rev2": "half-true"}
    assert first["decided"] is None
    assert report["disagreements"][1]["decided"] == "mostly-false"


def test_a_resubmitted_verdict_counts_with_its_latest_rating(project, reviewer, reviewer2, editor):
    article = make_article(project=project, creator=reviewer)
    claim = make_claim(article=article, user=reviewer)
    rate(claim, reviewer, "true")
    returned = rate(claim, reviewer2, "false", status="returned", editor=editor)
    assert stats.agreement_report(project=project)["disagreements"][0]["values"]
    services.update_verdict(
        verdict_id=returned.pk, user=reviewer2, rating="true", version=returned.version
    )
    services.submit_verdict(verdict_id=returned.pk, user=reviewer2)
    report = stats.agreement_report(project=project)  # a new event: a new cache key
    assert report["disagreements"] == []
    assert report["pairs"][0]["agreement"] == 1.0


def test_filters_by_article_and_submission_date(project, reviewed, reviewer, reviewer2):
    other = make_article(project=project, creator=reviewer, title="Other", text=OTHER_TEXT)
    claim = make_claim(article=other, user=reviewer, quote="Rents rose faster than wages")
    rate(claim, reviewer, "true")
    rate(claim, reviewer2, "false")
    everything = stats.agreement_report(project=project)
    assert everything["verdicts"]["units"] == 4
    only_other = stats.agreement_report(project=project, filters=stats.Filters(article_id=other.pk))
    assert only_other["verdicts"]["units"] == 1
    assert [d["claim"] for d in only_other["disagreements"]] == [claim.pk]
    today = Verdict.objects.filter(submitted_at__isnull=False).first().submitted_at.date()
    future = stats.Filters(since=today.replace(year=today.year + 1))
    assert stats.agreement_report(project=project, filters=future)["verdicts"]["units"] == 0
    assert (
        stats.agreement_report(project=project, filters=stats.Filters(until=today))["verdicts"][
            "units"
        ]
        == 4
    )


def test_span_agreement_is_unavailable_when_the_project_shares_its_claims(project, reviewed):
    """Shared claims are no independent marking: span agreement says so instead of a figure
    (independent layers: tests/test_layer_agreement.py)."""
    report = stats.agreement_report(project=project)
    assert report["spans"] == {"available": False, "reason": stats.SHARED_SPANS}
    assert "shares its claims" in report["spans"]["reason"]
    assert report["verdicts"]["units"] == 3  # the verdict figures are unchanged
    rows = list(csv.reader(io.StringIO(stats.agreement_csv(report))))
    assert ["spans", "all", "unavailable", stats.SHARED_SPANS, "", "", "0"] in rows


def test_agreement_is_cached_until_the_next_event(
    project, reviewed, reviewer, django_assert_max_num_queries
):
    stats.agreement_report(project=project)
    with django_assert_max_num_queries(1):
        stats.agreement_report(project=project)
    article = reviewed["article"]
    claim = make_claim(article=article, user=reviewer, quote="Critics")
    rate(claim, reviewer, "true")
    assert stats.agreement_report(project=project)["verdicts"]["units"] == 4


def _grow(project, reviewer, reviewer2, editor, n):
    """Add n more articles, each with a double-reviewed, decided claim marked by both."""
    for i in range(n):
        text = f"Story {i}: the mayor said 1{i}% more trams run. Critics disagree strongly."
        article = make_article(project=project, creator=reviewer, title=f"Story {i}", text=text)
        first = make_claim(article=article, user=reviewer, quote=f"1{i}% more trams run")
        make_claim(article=article, user=reviewer2, quote="Critics disagree")
        v = rate(first, reviewer, "true")
        rate(first, reviewer2, "mostly-true" if i % 2 else "true")
        services.approve_verdict(verdict_id=v.pk, editor=editor)


def test_agreement_and_stats_use_a_constant_number_of_queries(
    project, reviewed, reviewer, reviewer2, editor, django_assert_max_num_queries
):
    with django_assert_max_num_queries(9) as small:
        stats.agreement_report(project=project)
    with django_assert_max_num_queries(16) as small_stats:
        stats.project_stats(project=project)
    _grow(project, reviewer, reviewer2, editor, 6)
    cache.clear()
    with django_assert_max_num_queries(len(small.captured_queries)):
        report = stats.agreement_report(project=project)
    assert report["verdicts"]["units"] == 9
    assert report["spans"]["available"] is False
    with django_assert_max_num_queries(len(small_stats.captured_queries)):
        stats.project_stats(project=project)


def test_statistics_count_what_the_export_counts(project, reviewed, reviewer, editor):
    figures = stats.project_stats(project=project)
    counted = export_counts(project=project, status="all")
    assert figures["claims"] == counted["claims"] == 4
    assert figures["verdicts"] == counted["verdicts"]
    assert figures["verdicts_by_status"]["approved"] == counted["approved_verdicts"] == 2
    assert figures["verdicts_by_status"]["withdrawn"] == 1
    assert figures["verdicts_by_status"]["draft"] == 1
    # c3's two verdicts wait; c1's and c2's unchosen verdicts are decided, not waiting
    assert figures["backlog"]["waiting"] == 2
    assert figures["backlog"]["oldest_days"] >= 0
    approved = {r["slug"]: r["approved"] for r in figures["ratings"]}
    assert approved["true"] == 1
    assert approved["mostly-false"] == 1
    week = figures["weekly"][-1]
    assert week["claims"] == 4
    assert week["submitted"] == 7
    assert week["approved"] == 2


def test_per_reviewer_rates_and_times_come_from_the_event_history(
    project, reviewed, reviewer, reviewer2, editor
):
    article = reviewed["article"]
    claim = make_claim(article=article, user=reviewer, quote="Critics")
    rate(claim, reviewer, "true", status="returned", editor=editor)
    figures = stats.project_stats(project=project, identities=True)
    by_name = {r["reviewer"]: r for r in figures["reviewers"]}
    rev = by_name["rev"]
    assert rev["claims"] == 3
    assert rev["approved"] == 1
    assert rev["returned"] == 1
    assert rev["approval_rate"] == 0.5
    assert rev["return_rate"] == 0.5
    assert rev["median_hours_to_submit"] >= 0
    assert rev["median_hours_to_decision"] >= 0
    assert by_name["rev2"]["approval_rate"] == 1.0
    assert "ed" not in by_name  # editors appear only if they marked or rated


def test_claims_from_suggested_sentences_and_corrections_are_counted(
    project, reviewer, reviewer2, editor
):
    article = make_article(project=project, creator=reviewer)
    sentence = article.sentences.order_by("-score", "index").first()
    sentence.score = 0.9
    sentence.save(update_fields=["score"])
    services.mark_claim(
        article_id=article.pk, user=reviewer, start=sentence.start, end=sentence.end
    )
    other = make_claim(article=article, user=reviewer, quote="Café owners")
    approved = rate(other, reviewer, "true", status="approved", editor=editor)
    correction = services.correct_verdict(
        verdict_id=approved.pk, user=reviewer2, rating="false", correction_note="New figures."
    )
    assert correction.supersedes_id == approved.pk
    figures = stats.project_stats(project=project)
    assert figures["claims"] == 2
    assert figures["claims_from_suggestions"] == 1
    assert figures["suggested_share"] == 0.5
    assert figures["corrections"]["total"] == 1
    assert figures["corrections"]["approved"] == 0


# --- API and command ------------------------------------------------------------------------


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("who", "status"),
    [("researcher", 200), ("editor", 200), ("project_admin", 200), ("reviewer", 403)],
)
def test_agreement_endpoint_is_for_researchers_editors_and_admins(request, reviewed, who, status):
    user = request.getfixturevalue(who)
    response = client_for(user).get(URL)
    assert response.status_code == status
    if status == 403:
        assert "researchers, editors and admins" in response.json()["detail"]
    else:
        body = response.json()
        assert set(body["verdicts"]) >= {"units", "nominal", "ordinal", "interval"}
        assert set(body["verdicts"]["nominal"]) >= {"alpha", "low", "high", "units"}
        assert {"pairs", "reviewers", "spans"} <= set(body)


def test_agreement_endpoint_hides_other_projects_and_anonymous_callers(reviewed, outsider):
    assert client_for(outsider).get(URL).status_code == 404
    assert Client().get(URL).status_code in (401, 403)


def test_agreement_endpoint_identities_for_admins_only(reviewed, researcher, project_admin):
    refused = client_for(researcher).get(URL, {"identities": "1"})
    assert refused.status_code == 403
    assert "pseudonyms" in refused.json()["detail"]
    shown = client_for(project_admin).get(URL, {"identities": "1"}).json()
    assert {r["reviewer"] for r in shown["reviewers"]} == {"rev", "rev2"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "yesterday"}, "since"),
        ({"until": "2026-13-01"}, "until"),
        ({"since": "2026-02-01", "until": "2026-01-01"}, "since"),
        ({"article": "abc"}, "article"),
        ({"format": "xml"}, "format"),
    ],
)
def test_agreement_endpoint_rejects_bad_filters_with_the_field(reviewed, researcher, params, field):
    response = client_for(researcher).get(URL, params)
    assert response.status_code == 400
    assert response.json()["field"] == field


def test_agreement_endpoint_csv_carries_the_same_alphas(reviewed, researcher):
    client = client_for(researcher)
    body = client.get(URL).json()
    response = client.get(URL, {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    alphas = {
        r["subject"]: r["value"]
        for r in rows
        if r["section"] == "verdicts" and r["statistic"] == "alpha"
    }
    for level in agreement.LEVELS:
        assert alphas[level] == str(body["verdicts"][level]["alpha"])


def test_agreement_endpoint_runs_a_constant_number_of_queries(
    project, reviewed, researcher, reviewer, reviewer2, editor, django_assert_max_num_queries
):
    client = client_for(researcher)
    with django_assert_max_num_queries(20) as small:
        client.get(URL)
    _grow(project, reviewer, reviewer2, editor, 5)
    cache.clear()
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(URL).status_code == 200


def test_agreement_endpoint_is_in_the_openapi_schema(researcher):
    schema = client_for(researcher).get("/api/v1/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/projects/{slug}/agreement/"]["get"]
    assert operation["operationId"] == "project_agreement"
    names = {p["name"] for p in operation["parameters"]}
    assert {"format", "since", "until", "article", "identities"} <= names
    assert "Agreement" in schema["components"]["schemas"]


def test_agreement_command_prints_json_and_csv(project, reviewed, tmp_path):
    out = io.StringIO()
    call_command("agreement", "--project", "newsdesk", stdout=out)
    report = json.loads(out.getvalue())
    assert report["verdicts"]["units"] == 3
    assert report == stats.agreement_report(project=project)
    target = tmp_path / "agreement.csv"
    call_command("agreement", "--project", "newsdesk", "--format", "csv", "--output", str(target))
    assert target.read_text().startswith("section,subject,statistic,value")
    with pytest.raises(CommandError, match="No project"):
        call_command("agreement", "--project", "nope")
    with pytest.raises(CommandError, match="since must be a date"):
        call_command("agreement", "--project", "newsdesk", "--since", "soon")


STATS_URL = "/api/v1/projects/newsdesk/stats/"


@pytest.mark.parametrize(
    ("who", "status"),
    [("researcher", 200), ("editor", 200), ("project_admin", 200), ("reviewer", 403)],
)
def test_stats_endpoint_gives_the_page_figures_to_researchers_editors_admins(
    request, project, reviewed, who, status
):
    response = client_for(request.getfixturevalue(who)).get(STATS_URL)
    assert response.status_code == status
    if status == 200:
        assert response.json() == json.loads(json.dumps(stats.project_stats(project=project)))
        assert response.json()["claims"] == 4


def test_stats_endpoint_hides_other_projects_and_names(reviewed, outsider, researcher):
    assert client_for(outsider).get(STATS_URL).status_code == 404
    refused = client_for(researcher).get(STATS_URL, {"identities": "1"})
    assert refused.status_code == 403
    assert "pseudonyms" in refused.json()["detail"]


def test_stats_endpoint_runs_a_constant_number_of_queries(
    project, reviewed, researcher, reviewer, reviewer2, editor, django_assert_max_num_queries
):
    client = client_for(researcher)
    with django_assert_max_num_queries(25) as small:
        client.get(STATS_URL)
    _grow(project, reviewer, reviewer2, editor, 5)
    cache.clear()
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(STATS_URL).status_code == 200
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    assert (
        schema["paths"]["/api/v1/projects/{slug}/stats/"]["get"]["operationId"] == "project_stats"
    )
