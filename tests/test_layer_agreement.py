"""Span agreement on the reviewers' independent layers (issue 18, point 3): exact-match F1,
overlap F1 and Krippendorff's unitizing alpha (`alpha_u`), overall, per pair of reviewers and
per article, from the layers whose owner finished the article; hand-computed F1 and
Krippendorff's (2004) worked unitizing example through the database; the shared-project
message on the API, the CSV and the page; a constant number of queries."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.cache import cache
from django.test import Client

from annotations import agreement, services, stats
from annotations.models import Membership
from tests.factories import make_article, make_claim, make_verdict

pytestmark = pytest.mark.django_db
API = "/api/v1/projects/newsdesk/agreement/"
PAGE = "/projects/newsdesk/agreement/"
LETTERS = "abcdefghijklmnopqrstuvwxyz"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def text_of(length: int, seed: int = 0) -> str:
    """A text of `length` code points without whitespace (every span is a valid claim);
    `seed` makes each article's text differ (a project refuses the same text twice)."""
    return "".join(LETTERS[(i * 7 + seed) % 26] for i in range(length))


@pytest.fixture
def independent(project, editor):
    services.update_project(project=project, actor=editor, independent_spans=True)
    project.refresh_from_db()
    return project


def article_of(project, creator, length: int, seed: int = 0, title: str = "Story"):
    return make_article(project=project, creator=creator, title=title, text=text_of(length, seed))


def layer(article, user, spans, *, finish: bool = True) -> None:
    """Mark `spans` in `user`'s own layer of `article`, then finish it (unless told not to)."""
    for start, end in spans:
        make_claim(article=article, user=user, quote=None, start=start, end=end)
    if finish:
        services.finish_article(article_id=article.pk, user=user)


def pseudonym(project, user) -> str:
    return Membership.objects.get(project=project, user=user).pseudonym


# --- the figures ----------------------------------------------------------------------------


def test_f1_on_a_hand_computed_case_and_only_finished_layers_count(
    independent, reviewer, reviewer2, editor
):
    """A: [0,10) [20,30); B: [0,10) [25,35). Exact: one span in common, F1 = 2·1/(2+2) = 0.5.
    Overlap: every span of each overlaps one of the other's: 4/4 = 1.0. The editor also marked
    a span but did not finish: their layer does not count."""
    article = article_of(independent, editor, 60)
    layer(article, reviewer, [(0, 10), (20, 30)])
    layer(article, reviewer2, [(0, 10), (25, 35)])
    layer(article, editor, [(40, 50)], finish=False)
    spans = stats.agreement_report(project=independent)["spans"]
    assert spans["available"] is True
    assert "finished" in spans["basis"]
    assert (spans["articles"], spans["exact_f1"], spans["overlap_f1"]) == (1, 0.5, 1.0)
    a, b = sorted((pseudonym(independent, reviewer), pseudonym(independent, reviewer2)))
    assert [(p["a"], p["b"], p["articles"]) for p in spans["pairs"]] == [(a, b, 1)]
    assert (spans["pairs"][0]["exact_f1"], spans["pairs"][0]["overlap_f1"]) == (0.5, 1.0)
    (row,) = spans["per_article"]
    assert (row["article"], row["claims"], row["reviewers"]) == (article.pk, 4, [a, b])
    # u-alpha by hand (Krippendorff 1995): the one disagreeing pair of units, [20,30) and
    # [25,35), is 5² + 5² = 50 apart, D_o = 2·50 / (2·1·60²) = 1/72. Expected: four units of
    # length 10 and gaps 10, 30 (A) and 15, 25 (B): per unit 3·(2·10³ - 3·10² + 10)/3 +
    # 10²·(1 + 21 + 6 + 16) = 6110, D_e = 4·6110·(2/60) / (2·60·119 - 4·10·9) = 0.0585249.
    expected = 1 - (1 / 72) / (4 * 6110 * (2 / 60) / (2 * 60 * 119 - 360))
    assert spans["alpha_u"] == round(expected, 4) == 0.7627
    assert row["alpha_u"] == spans["pairs"][0]["alpha_u"] == spans["alpha_u"]


def test_alpha_u_reproduces_krippendorffs_2004_worked_example(independent, reviewer, reviewer2):
    """Krippendorff (2004, p. 254), continuum [150, 450) moved to a 300-character article:
    category c gives 0.7286 and category k (identical units) 1.0; the two together 0.8591.
    Two articles of the same length, pooled by length, are exactly the two categories."""
    c = article_of(independent, reviewer, 300, seed=1, title="c")
    layer(c, reviewer, [(75, 145), (220, 250)])
    layer(c, reviewer2, [(70, 150), (205, 225), (250, 270)])
    spans = stats.agreement_report(project=independent)["spans"]
    assert spans["alpha_u"] == pytest.approx(0.7286, abs=1e-4)
    k = article_of(independent, reviewer, 300, seed=2, title="k")
    layer(k, reviewer, [(30, 90), (150, 200)])
    layer(k, reviewer2, [(30, 90), (150, 200)])
    spans = stats.agreement_report(project=independent)["spans"]
    by_article = {row["article"]: row for row in spans["per_article"]}
    assert by_article[c.pk]["alpha_u"] == pytest.approx(0.7286, abs=1e-4)
    assert by_article[k.pk]["alpha_u"] == 1.0
    assert by_article[k.pk]["exact_f1"] == 1.0
    assert spans["articles"] == 2
    assert spans["alpha_u"] == pytest.approx(0.8591, abs=5e-4)
    # exact: 2·2 of (2+3) + (2+2) spans. Overlap: in c every span but [250, 270) overlaps one
    # of the other coder's ([220, 250) ends where it starts), in k all four: 8/9.
    assert spans["exact_f1"] == round(4 / 9, 4)
    assert spans["overlap_f1"] == round(8 / 9, 4)
    assert spans["pairs"][0]["articles"] == 2
    assert spans["pairs"][0]["alpha_u"] == spans["alpha_u"]


def test_pairs_count_the_articles_both_reviewers_finished(independent, reviewer, reviewer2, editor):
    """Three reviewers on one article, two of them on a second: the pair figures are the
    two-coder figures of `agreement.py` over the articles each pair shares."""
    first = article_of(independent, editor, 80, seed=1)
    second = article_of(independent, editor, 80, seed=2)
    marked = {
        (first, reviewer): [(0, 10), (40, 60)],
        (first, reviewer2): [(0, 10), (45, 60)],
        (first, editor): [(5, 15)],
        (second, reviewer): [(20, 30)],
        (second, reviewer2): [],  # finished without marking anything: still a layer
    }
    for (article, user), spans in marked.items():
        layer(article, user, spans)
    report = stats.agreement_report(project=independent)["spans"]
    assert report["articles"] == 2
    name = {u: pseudonym(independent, u) for u in (reviewer, reviewer2, editor)}
    pairs = {(p["a"], p["b"]): p for p in report["pairs"]}
    assert len(pairs) == 3
    for one, other in ((reviewer, reviewer2), (reviewer, editor), (reviewer2, editor)):
        shared = [a for a in (first, second) if (a, one) in marked and (a, other) in marked]
        counts = sum(
            (agreement.span_counts({1: marked[(a, one)], 2: marked[(a, other)]}) for a in shared),
            agreement.SpanCounts(),
        )
        alpha_u = agreement.unitizing_alpha(
            (80, {1: marked[(a, one)], 2: marked[(a, other)]}) for a in shared
        )
        pair = pairs[tuple(sorted((name[one], name[other]), key=stats.natural_key))]
        assert pair["articles"] == len(shared)
        assert pair["exact_f1"] == round(counts.exact_f1, 4)
        assert pair["overlap_f1"] == round(counts.overlap_f1, 4)
        assert pair["alpha_u"] == round(alpha_u, 4)
    # the empty finished layer counts: rev's span on the second article found no partner
    second_row = next(r for r in report["per_article"] if r["article"] == second.pk)
    assert (second_row["exact_f1"], second_row["overlap_f1"]) == (0.0, 0.0)
    assert second_row["alpha_u"] is not None


def test_an_article_counts_once_two_reviewers_finished_it_and_the_article_filter_applies(
    independent, reviewer, reviewer2, editor
):
    article = article_of(independent, editor, 40, seed=1)
    other = article_of(independent, editor, 40, seed=2)
    layer(article, reviewer, [(0, 10)])
    layer(article, reviewer2, [(0, 10)], finish=False)
    spans = stats.agreement_report(project=independent)["spans"]
    assert spans["articles"] == 0 and spans["pairs"] == [] and spans["per_article"] == []
    assert spans["exact_f1"] is None and spans["alpha_u"] is None
    services.finish_article(article_id=article.pk, user=reviewer2)
    layer(other, reviewer, [(0, 5)])
    layer(other, reviewer2, [(20, 25)])
    assert stats.agreement_report(project=independent)["spans"]["articles"] == 2
    only = stats.agreement_report(
        project=independent, filters=stats.Filters(article_id=article.pk)
    )["spans"]
    assert only["articles"] == 1 and only["exact_f1"] == 1.0 and only["alpha_u"] == 1.0


def test_verdict_agreement_reads_curated_claims(project, reviewer, reviewer2, editor):
    """Claims curated while the project shared them keep their verdicts' figures after the
    switch; the reviewers' layers add no verdict unit."""
    article = make_article(project=project, creator=editor)
    claim = make_claim(article=article, user=editor)
    make_verdict(claim=claim, user=reviewer, status="submitted", rating="true")
    make_verdict(claim=claim, user=reviewer2, status="submitted", rating="false")
    services.update_project(project=project, actor=editor, independent_spans=True)
    project.refresh_from_db()
    layer(article, reviewer, [(0, 10)])
    layer(article, reviewer2, [(0, 10)])
    report = stats.agreement_report(project=project)
    assert report["verdicts"]["units"] == 1
    assert report["verdicts"]["nominal"]["units"] == 1
    assert report["spans"]["articles"] == 1


def test_span_agreement_uses_a_constant_number_of_queries(
    independent, reviewer, reviewer2, editor, django_assert_max_num_queries
):
    article = article_of(independent, editor, 50, seed=0)
    layer(article, reviewer, [(0, 10)])
    layer(article, reviewer2, [(5, 10)])
    with django_assert_max_num_queries(10) as small:
        stats.agreement_report(project=independent)
    for seed in range(1, 6):
        more = article_of(independent, editor, 50, seed=seed)
        for user in (reviewer, reviewer2, editor):
            layer(more, user, [(seed, seed + 10), (20, 30)])
    cache.clear()
    with django_assert_max_num_queries(len(small.captured_queries)):
        spans = stats.agreement_report(project=independent)["spans"]
    assert spans["articles"] == 6 and len(spans["pairs"]) == 3


# --- API, CSV and page ----------------------------------------------------------------------


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_api_says_why_a_shared_project_has_no_span_agreement(project, researcher):
    body = client_for(researcher).get(API).json()
    assert body["spans"]["available"] is False
    assert body["spans"]["reason"].startswith("This project shares its claims")
    assert "independent span annotation" in body["spans"]["reason"]


def test_the_api_and_csv_carry_overall_and_pairwise_span_agreement(
    independent, reviewer, reviewer2, researcher
):
    article = article_of(independent, reviewer, 60)
    layer(article, reviewer, [(0, 10), (20, 30)])
    layer(article, reviewer2, [(0, 10), (25, 35)])
    client = client_for(researcher)
    spans = client.get(API).json()["spans"]
    assert {"exact_f1", "overlap_f1", "alpha_u", "articles", "pairs", "per_article"} <= set(spans)
    assert (spans["exact_f1"], spans["overlap_f1"], spans["alpha_u"]) == (0.5, 1.0, 0.7627)
    assert spans["pairs"][0]["articles"] == 1
    rows = list(csv.reader(io.StringIO(client.get(API, {"format": "csv"}).content.decode())))
    assert ["spans", "all", "alpha_u", "0.7627", "", "", "1"] in rows
    pair = f"{spans['pairs'][0]['a']} / {spans['pairs'][0]['b']}"
    assert ["spans", pair, "exact_f1", "0.5", "", "", "1"] in rows


def test_the_page_explains_shared_projects_and_shows_alpha_u_for_independent_ones(
    project, editor, reviewer, reviewer2, researcher
):
    shared = client_for(researcher).get(PAGE)
    assert shared.status_code == 200
    assert "This project shares its claims" in shared.content.decode()
    assert 'id="spans-total"' not in shared.content.decode()
    services.update_project(project=project, actor=editor, independent_spans=True)
    article = article_of(project, reviewer, 60)
    layer(article, reviewer, [(0, 10), (20, 30)])
    layer(article, reviewer2, [(0, 10), (25, 35)])
    page = client_for(researcher).get(PAGE).content.decode()
    assert 'id="spans-total"' in page and "shares its claims" not in page
    assert "0.763" in page  # alpha_u, three decimals
    assert f"{pseudonym(project, reviewer)} / {pseudonym(project, reviewer2)}" in page
