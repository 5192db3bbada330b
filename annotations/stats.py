"""Selectors behind the agreement and statistics pages, their API endpoint and `manage.py
agreement`: read a project's verdicts, claims and events in a fixed number of queries, hand
them to the pure functions of `agreement.py`, and return plain JSON-able dicts.

What belongs here: gathering (which verdict is a reviewer's value, who marked which span),
naming people (pseudonyms unless identities were asked for, as in exports), caching, and the
flat CSV form. What does not: the statistics themselves (`agreement.py`), permission checks
(the caller asks `permissions.can_export`), HTML and HTTP.

A unit is a claim of the curated layer (the claims that get verdicts). A reviewer's value is the
rating of their latest verdict on the claim that reached submission (submitted, returned,
approved or superseded); drafts and withdrawn verdicts are left out. Ordinal and interval alpha use the labels' `ordinal` positions; off-axis labels
(null ordinal, e.g. "Unproven") take part in nominal alpha only, and the number of values left
out is reported. Span agreement compares the reviewers' own layers of claims (independent span
annotation, `Project.independent_spans`): only layers whose owner finished the article count.

Results are cached under a key made of the project, the latest event id of the project, the
filters and whether identities were shown: every change writes an Event, so a new event makes a
new key and old entries simply expire. Nothing correct depends on the cache.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Exists, FloatField, Func, IntegerField, Max, Min, OuterRef, Q
from django.db.models.functions import Length
from django.urls import reverse
from django.utils import timezone

from . import agreement
from .exceptions import ValidationFailed
from .exports.rows import layer_filter
from .models import (
    Article,
    Claim,
    Event,
    Layer,
    LayerCompletion,
    Membership,
    Project,
    RatingLabel,
    Sentence,
    Verdict,
)
from .text import SUGGEST_THRESHOLD
from .workflow import Action, Status

# Statuses in which a verdict has reached submission (its rating counts as the reviewer's value).
SUBMITTED_ONCE = (Status.SUBMITTED, Status.RETURNED, Status.APPROVED, Status.SUPERSEDED)
BOOTSTRAP_SAMPLES = 1000
BOOTSTRAP_SEED = 20110101  # fixed: the same data always give the same interval
FEW_UNITS = 30  # below this many pairable units alpha is too uncertain to act on
DOMINANT_SHARE = 0.85  # one label this common makes alpha unstable (Krippendorff 2004, §11.4)
MAX_DISAGREEMENTS = 200
CACHE_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Filters:
    """The agreement page's filters: verdicts submitted in [since, until] and one article."""

    since: dt.date | None = None
    until: dt.date | None = None
    article_id: int | None = None

    def key(self) -> str:
        return f"{self.since}:{self.until}:{self.article_id}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "article": self.article_id,
        }


def latest_event_id(project: Project) -> int:
    """Return the id of the project's latest event (0 if none): the cache's version."""
    return Event.objects.filter(project=project).aggregate(m=Max("pk"))["m"] or 0


def _people(project: Project, identities: bool) -> dict[int, str]:
    """Return user id -> the name shown: username with identities, else the pseudonym."""
    field = "user__username" if identities else "pseudonym"
    return dict(Membership.objects.filter(project=project).values_list("user_id", field))


def natural_key(name: str) -> tuple:
    """Sort key that puts annotator-2 before annotator-10."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name))


def _name(people: dict[int, str], user_id: int | None) -> str:
    if user_id is None:
        return ""
    # A former member has no membership, hence no pseudonym: show neither name nor id.
    return people.get(user_id, "former member")


def _cached(kind: str, project: Project, extra: str, compute):
    key = f"factcheck:{kind}:v1:{project.pk}:{latest_event_id(project)}:{extra}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, CACHE_SECONDS)
    return value


# --- agreement ------------------------------------------------------------------------------


def agreement_report(
    *, project: Project, identities: bool = False, filters: Filters | None = None
) -> dict[str, Any]:
    """Return the project's agreement figures as a JSON-able dict (cached; see module doc).

    Eight queries when computed (labels, people, verdicts, "finished" marks and reviewer-layer
    spans with independent span annotation, disagreement quotes, articles for the filter, latest
    event), one or two when cached, whatever the project's size.
    """
    filters = filters or Filters()
    return _cached(
        "agreement",
        project,
        f"{int(identities)}:{filters.key()}",
        lambda: _compute_agreement(project, identities, filters),
    )


def _verdict_values(project: Project, filters: Filters):
    """Return (values, decided) read in one query.

    values: claim id -> {reviewer id: (label id, verdict id)} for each reviewer's latest
    verdict that reached submission; decided: claim id -> (label id, author id) of the
    approved verdict.
    """
    rows = Verdict.objects.filter(
        claim__article__project=project, claim__layer=Layer.CURATED, status__in=SUBMITTED_ONCE
    ).order_by("pk")
    if filters.article_id:
        rows = rows.filter(claim__article_id=filters.article_id)
    if filters.since:
        rows = rows.filter(submitted_at__date__gte=filters.since)
    if filters.until:
        rows = rows.filter(submitted_at__date__lte=filters.until)
    values: dict[int, dict[int, tuple[int, int]]] = defaultdict(dict)
    decided: dict[int, tuple[int, int]] = {}
    for pk, claim_id, reviewer_id, rating_id, status in rows.values_list(
        "pk", "claim_id", "reviewer_id", "rating_id", "status"
    ):
        # ascending pk: a later verdict by the same reviewer replaces the earlier one
        values[claim_id][reviewer_id] = (rating_id, pk)
        if status == Status.APPROVED:
            decided[claim_id] = (rating_id, reviewer_id)
    return values, decided


def _compute_agreement(project: Project, identities: bool, filters: Filters) -> dict[str, Any]:
    labels = list(
        RatingLabel.objects.filter(scale_id=project.rating_scale_id).order_by(
            "position", "ordinal", "pk"
        )
    )
    by_id = {label.pk: label for label in labels}
    people = _people(project, identities)
    values, decided = _verdict_values(project, filters)

    claim_ids = sorted(values)
    nominal_units = [{r: by_id[v[0]].slug for r, v in values[c].items()} for c in claim_ids]
    axis_units = []
    off_axis_values = 0
    for c in claim_ids:
        unit = {}
        for reviewer, (label_id, _) in values[c].items():
            ordinal = by_id[label_id].ordinal
            if ordinal is None:
                off_axis_values += 1
            else:
                unit[reviewer] = ordinal
        axis_units.append(unit)
    on_axis = sorted({lb.ordinal for lb in labels if lb.ordinal is not None})

    def level(units, name, order):
        result = agreement.alpha(
            units, level=name, order=order, bootstrap=BOOTSTRAP_SAMPLES, seed=BOOTSTRAP_SEED
        )
        return {**result.as_dict(), "reading": agreement.reading(result.alpha)}

    nominal = level(nominal_units, "nominal", [lb.slug for lb in labels])
    ordinal = level(axis_units, "ordinal", on_axis)
    interval = level(axis_units, "interval", on_axis)
    for block in (ordinal, interval):
        block["off_axis_values_left_out"] = off_axis_values

    pairable_values = Counter(v for u in nominal_units if len(u) >= 2 for v in u.values())
    warnings = []
    if nominal["units"] < FEW_UNITS:
        warnings.append(
            f"Only {nominal['units']} claims have two or more verdicts; with fewer than "
            f"{FEW_UNITS} the figures can change a lot with each new verdict."
        )
    total = sum(pairable_values.values())
    if total:
        label, count = pairable_values.most_common(1)[0]
        if count / total >= DOMINANT_SHARE:
            warnings.append(
                f"“{by_id_slug(labels, label)}” is {count / total:.0%} of the ratings; when one "
                "rating dominates, a few disagreements move alpha a lot."
            )

    pairs = []
    for (a, b), result in agreement.pairwise_kappa(nominal_units).items():
        pairs.append(
            {
                "a": _name(people, a),
                "b": _name(people, b),
                "kappa": _round(result.kappa),
                "agreement": _round(result.agreement),
                "units": result.units,
                "reading": agreement.reading(result.kappa),
                "reason": result.reason,
            }
        )

    decided_values = [by_id[decided[c][0]].slug if c in decided else None for c in claim_ids]
    decided_by = [decided[c][1] if c in decided else None for c in claim_ids]
    matrices = agreement.confusion_matrices(nominal_units, decided_values, decided_by=decided_by)
    given = Counter(r for u in nominal_units for r in u)
    reviewers = []
    for reviewer_id in sorted(given, key=lambda r: natural_key(_name(people, r))):
        matrix = matrices.get(reviewer_id, Counter())
        compared = sum(matrix.values())
        agreed = sum(n for (mine, final), n in matrix.items() if mine == final)
        reviewers.append(
            {
                "reviewer": _name(people, reviewer_id),
                "units": given[reviewer_id],
                "compared_with_decision": compared,
                "agreement_with_decision": _round(agreed / compared) if compared else None,
                "confusion": [
                    {"value": mine, "decided": final, "count": n}
                    for (mine, final), n in sorted(matrix.items())
                ],
            }
        )

    disagreements = _disagreements(claim_ids, nominal_units, decided_values, people)
    spans = _span_agreement(project, people, filters)
    return {
        "project": project.slug,
        "filters": filters.as_dict(),
        "identities": identities,
        "labels": [
            {"slug": lb.slug, "name": lb.name, "ordinal": lb.ordinal, "colour": lb.colour}
            for lb in labels
        ],
        "verdicts": {
            "units": len([u for u in nominal_units if u]),
            "nominal": nominal,
            "ordinal": ordinal,
            "interval": interval,
            "warnings": warnings,
            "distribution": dict(pairable_values),
        },
        "pairs": pairs,
        "reviewers": reviewers,
        "spans": spans,
        "disagreements": disagreements,
        "articles": list(
            Article.objects.filter(project=project)
            .filter(pk__in=Claim.objects.filter(article__project=project).values("article_id"))
            .order_by("title", "pk")
            .values("pk", "title")[:500]
        ),
    }


def by_id_slug(labels: list[RatingLabel], slug: str) -> str:
    return next((lb.name for lb in labels if lb.slug == slug), slug)


def _round(x: float | None, digits: int = 4) -> float | None:
    return None if x is None else round(x, digits)


def _disagreements(claim_ids, units, decided_values, people) -> list[dict[str, Any]]:
    """Return the newest claims whose reviewers gave different ratings, with their quotes."""
    ids = [c for c, u in zip(claim_ids, units, strict=True) if len(set(u.values())) > 1]
    newest = sorted(ids, reverse=True)[:MAX_DISAGREEMENTS]
    index = {c: i for i, c in enumerate(claim_ids)}
    claims = {
        c["pk"]: c for c in Claim.objects.filter(pk__in=newest).values("pk", "article_id", "quote")
    }
    rows = []
    for claim_id in newest:
        claim = claims.get(claim_id)
        if claim is None:
            continue
        i = index[claim_id]
        rows.append(
            {
                "claim": claim_id,
                "url": reverse("article_annotate", kwargs={"pk": claim["article_id"]})
                + f"#claim-{claim_id}",
                "quote": claim["quote"][:300],
                "values": {
                    _name(people, r): v
                    for r, v in sorted(units[i].items(), key=lambda kv: _name(people, kv[0]))
                },
                "decided": decided_values[i],
            }
        )
    return rows


SHARED_SPANS = (
    "This project shares its claims: every member marks into one set of claims, so no two "
    "reviewers mark the same article independently and span agreement cannot be computed. "
    "An admin can turn on independent span annotation in the project settings."
)
SPAN_BASIS = (
    "Computed from the reviewers' own layers (independent span annotation). A layer counts once "
    "its owner marked the article finished, including a finished layer with no claims; an "
    "article counts once two or more reviewers finished it. Orphaned claims are left out."
)


def _span_figures(counts: agreement.SpanCounts, alpha_u: float | None) -> dict[str, Any]:
    return {
        "exact_f1": _round(counts.exact_f1),
        "overlap_f1": _round(counts.overlap_f1),
        "alpha_u": _round(alpha_u),
    }


def _span_agreement(project: Project, people, filters: Filters) -> dict[str, Any]:
    """Return span agreement between the reviewers' independent layers (issue 18).

    In a project that shares its claims there are no independent layers: `available` is
    false with the reason. Otherwise exact-match F1, overlap F1 and Krippendorff's unitizing
    alpha (`alpha_u`) over all articles, per pair of reviewers (on the articles both finished)
    and per article, each with the number of articles. Two queries: the "finished" marks (with
    each article's title and length) and the finished layers' claims.
    """
    if not project.independent_spans:
        return {"available": False, "reason": SHARED_SPANS}
    marks = LayerCompletion.objects.filter(article__project=project)
    owner_finished = LayerCompletion.objects.filter(
        article_id=OuterRef("article_id"), user_id=OuterRef("created_by_id")
    )
    claims = (
        Claim.objects.filter(article__project=project, layer=Layer.REVIEWER)
        .exclude(anchor="orphaned")
        .filter(Exists(owner_finished))
    )
    if filters.article_id:
        marks = marks.filter(article_id=filters.article_id)
        claims = claims.filter(article_id=filters.article_id)
    articles: dict[int, dict[str, Any]] = {}
    for article_id, title, length, user_id in marks.annotate(
        text_length=Length("article__text")
    ).values_list("article_id", "article__title", "text_length", "user_id"):
        entry = articles.setdefault(article_id, {"title": title, "length": length, "spans": {}})
        entry["spans"][user_id] = []
    for article_id, user_id, start, end in claims.values_list(
        "article_id", "created_by_id", "start", "end"
    ):
        entry = articles.get(article_id)
        if entry is not None and user_id in entry["spans"]:
            entry["spans"][user_id].append((start, end))

    per_article = []
    total = agreement.SpanCounts()
    texts = []
    pair_counts: dict[tuple[int, int], agreement.SpanCounts] = defaultdict(agreement.SpanCounts)
    pair_texts: dict[tuple[int, int], list] = defaultdict(list)
    for article_id in sorted(articles):
        entry = articles[article_id]
        spans, length = entry["spans"], entry["length"]
        if len(spans) < 2:
            continue
        counts = agreement.span_counts(spans)
        u = agreement.unitizing(spans, end=length)
        total += counts
        texts.append((length, u))
        for a, b in combinations(sorted(spans), 2):
            pair = {a: spans[a], b: spans[b]}
            pair_counts[(a, b)] += agreement.span_counts(pair)
            pair_texts[(a, b)].append((length, agreement.unitizing(pair, end=length)))
        per_article.append(
            {
                "article": article_id,
                "title": entry["title"],
                "reviewers": sorted((_name(people, r) for r in spans), key=natural_key),
                "claims": sum(len(s) for s in spans.values()),
                **_span_figures(counts, u.alpha),
            }
        )
    pairs = []
    for (a, b), counts in pair_counts.items():
        first, second = sorted((_name(people, a), _name(people, b)), key=natural_key)
        pairs.append(
            {
                "a": first,
                "b": second,
                "articles": len(pair_texts[(a, b)]),
                **_span_figures(counts, agreement.pooled_unitizing_alpha(pair_texts[(a, b)])),
            }
        )
    pairs.sort(key=lambda p: (natural_key(p["a"]), natural_key(p["b"])))
    return {
        "available": True,
        "basis": SPAN_BASIS,
        "articles": len(per_article),
        **_span_figures(total, agreement.pooled_unitizing_alpha(texts)),
        "pairs": pairs,
        "per_article": per_article,
    }


SPAN_STATISTICS = ("exact_f1", "overlap_f1", "alpha_u")


def agreement_csv(report: dict[str, Any]) -> str:
    """Return the agreement report as one CSV table: section, subject, statistic, value, ..."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "subject", "statistic", "value", "low", "high", "units"])
    verdicts = report["verdicts"]
    for level in agreement.LEVELS:
        block = verdicts[level]
        writer.writerow(
            [
                "verdicts",
                level,
                "alpha",
                block["alpha"],
                block["low"],
                block["high"],
                block["units"],
            ]
        )
    writer.writerow(["verdicts", "all", "units", verdicts["units"], "", "", verdicts["units"]])
    writer.writerow(
        [
            "verdicts",
            "ordinal",
            "off_axis_values_left_out",
            verdicts["ordinal"]["off_axis_values_left_out"],
            "",
            "",
            "",
        ]
    )
    for pair in report["pairs"]:
        subject = f"{pair['a']} / {pair['b']}"
        writer.writerow(["pairs", subject, "kappa", pair["kappa"], "", "", pair["units"]])
    for reviewer in report["reviewers"]:
        writer.writerow(
            [
                "reviewers",
                reviewer["reviewer"],
                "agreement_with_decision",
                reviewer["agreement_with_decision"],
                "",
                "",
                reviewer["compared_with_decision"],
            ]
        )
        for cell in reviewer["confusion"]:
            writer.writerow(
                [
                    "confusion",
                    reviewer["reviewer"],
                    f"{cell['value']} -> {cell['decided']}",
                    cell["count"],
                    "",
                    "",
                    "",
                ]
            )
    spans = report["spans"]
    if not spans["available"]:
        writer.writerow(["spans", "all", "unavailable", spans["reason"], "", "", 0])
    else:
        for stat in SPAN_STATISTICS:
            writer.writerow(["spans", "all", stat, spans[stat], "", "", spans["articles"]])
        for pair in spans["pairs"]:
            for stat in SPAN_STATISTICS:
                subject = f"{pair['a']} / {pair['b']}"
                writer.writerow(["spans", subject, stat, pair[stat], "", "", pair["articles"]])
        for row in spans["per_article"]:
            for stat in SPAN_STATISTICS:
                writer.writerow(["spans", f"article {row['article']}", stat, row[stat], "", "", 1])
    return out.getvalue()


# --- project statistics ---------------------------------------------------------------------


def project_stats(*, project: Project, identities: bool = False) -> dict[str, Any]:
    """Return the project's workload statistics as a JSON-able dict (cached; see module doc).

    A fixed number of queries whatever the size: counts are aggregates in the database; the
    medians read one row per verdict and one per submit/approve/return event.
    """
    return _cached(
        "stats", project, str(int(identities)), lambda: _compute_stats(project, identities)
    )


# Monday 1970-01-05: weeks are counted from it, so week n starts on EPOCH_MONDAY + 7n days.
EPOCH_MONDAY = dt.date(1970, 1, 5)


class WeekIndex(Func):
    """The number of whole weeks (Monday to Sunday, UTC) from 1970-01-05 to a timestamp.

    Done in SQL arithmetic rather than with TruncWeek, which SQLite runs as a Python function
    per row (seconds for 100,000 rows).
    """

    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(((julianday(%(expressions)s) - 2440587.5) - 4) / 7 AS INTEGER)",
            **extra,
        )

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="FLOOR((EXTRACT(EPOCH FROM %(expressions)s) / 86400 - 4) / 7)::integer",
            **extra,
        )


class EpochSeconds(Func):
    """Seconds since 1970 as a float, computed in SQL: reading 100,000 timestamps as floats
    skips Django's per-row datetime parsing and time-zone conversion."""

    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s) - 2440587.5) * 86400.0)",
            **extra,
        )

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="EXTRACT(EPOCH FROM %(expressions)s)::float", **extra
        )


def _week_start(index: int) -> str:
    return (EPOCH_MONDAY + dt.timedelta(weeks=index)).isoformat()


def _weeks(queryset, field: str) -> dict[str, int]:
    return {
        _week_start(row["week"]): row["n"]
        for row in queryset.annotate(week=WeekIndex(field))
        .values("week")
        .annotate(n=Count("pk"))
        .order_by()
        if row["week"] is not None
    }


def _median_hours(seconds: list[float]) -> float | None:
    return round(statistics.median(seconds) / 3600, 2) if seconds else None


def _compute_stats(project: Project, identities: bool) -> dict[str, Any]:
    people = _people(project, identities)
    # With independent spans, an unfinished reviewer layer counts nowhere yet: the statistics
    # are shared by the project's researchers, who see a layer once its owner finished it.
    claims = Claim.objects.filter(article__project=project).filter(
        layer_filter(project, "finished")
    )
    verdicts = Verdict.objects.filter(claim__article__project=project)
    events = Event.objects.filter(project=project)

    suggested = Sentence.objects.filter(
        article_id=OuterRef("article_id"),
        start=OuterRef("start"),
        end=OuterRef("end"),
        score__gte=SUGGEST_THRESHOLD,
    )
    claim_counts = claims.aggregate(
        total=Count("pk"), from_suggestion=Count("pk", filter=Q(Exists(suggested)))
    )
    by_status = dict(verdicts.values_list("status").annotate(n=Count("pk")).order_by())
    decided_claims = verdicts.filter(status=Status.APPROVED).values("claim_id")
    waiting = verdicts.filter(status=Status.SUBMITTED).exclude(claim_id__in=decided_claims)
    backlog = waiting.aggregate(n=Count("pk"), oldest=Min("submitted_at"))
    now = timezone.now()
    oldest_age = (
        round((now - backlog["oldest"]).total_seconds() / 86400, 1) if backlog["oldest"] else None
    )

    weeks: dict[str, dict[str, int]] = defaultdict(
        lambda: {"claims": 0, "submitted": 0, "approved": 0, "returned": 0}
    )
    for week, n in _weeks(claims, "created_at").items():
        weeks[week]["claims"] = n
    throughput_events = events.filter(action__in=[Action.SUBMIT, Action.APPROVE, Action.RETURN])
    for row in (
        throughput_events.annotate(week=WeekIndex("at"))
        .values("week", "action")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        key = {"submit": "submitted", "approve": "approved", "return": "returned"}[row["action"]]
        weeks[_week_start(row["week"])][key] = row["n"]
    weekly = [{"week": w, **weeks[w]} for w in sorted(weeks)][-26:]

    # Per reviewer, from the event history: marking -> first submission, submission -> decision.
    verdict_rows = {
        pk: (reviewer_id, claim_created)
        for pk, reviewer_id, claim_created in verdicts.annotate(
            marked=EpochSeconds("claim__created_at")
        ).values_list("pk", "reviewer_id", "marked")
    }
    submitted_at: dict[int, float] = {}
    to_submit: dict[int, list[float]] = defaultdict(list)
    to_decide: dict[int, list[float]] = defaultdict(list)
    approved: Counter = Counter()
    returned: Counter = Counter()
    submitted: Counter = Counter()
    for verdict_id, action, at in (
        throughput_events.annotate(seconds=EpochSeconds("at"))
        .order_by("pk")
        .values_list("verdict_id", "action", "seconds")
    ):
        row = verdict_rows.get(verdict_id)
        if row is None:
            continue
        reviewer_id, claim_created = row
        if action == Action.SUBMIT:
            if verdict_id not in submitted_at:
                submitted[reviewer_id] += 1
                to_submit[reviewer_id].append(at - claim_created)
            submitted_at[verdict_id] = at
        elif verdict_id in submitted_at:
            to_decide[reviewer_id].append(at - submitted_at[verdict_id])
            (approved if action == Action.APPROVE else returned)[reviewer_id] += 1
    claims_by = dict(claims.values_list("created_by_id").annotate(n=Count("pk")).order_by())
    verdicts_by = dict(
        verdicts.exclude(status=Status.DRAFT)
        .values_list("reviewer_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    reviewers = []
    for user_id in sorted(
        set(claims_by) | set(verdicts_by), key=lambda u: natural_key(_name(people, u))
    ):
        decisions = approved[user_id] + returned[user_id]
        reviewers.append(
            {
                "reviewer": _name(people, user_id),
                "claims": claims_by.get(user_id, 0),
                "verdicts": verdicts_by.get(user_id, 0),
                "approved": approved[user_id],
                "returned": returned[user_id],
                "approval_rate": _round(approved[user_id] / decisions) if decisions else None,
                "return_rate": _round(returned[user_id] / decisions) if decisions else None,
                "median_hours_to_submit": _median_hours(to_submit[user_id]),
                "median_hours_to_decision": _median_hours(to_decide[user_id]),
            }
        )

    ratings = dict(
        verdicts.filter(status=Status.APPROVED)
        .values_list("rating__slug")
        .annotate(n=Count("pk"))
        .order_by()
    )
    labels = list(
        RatingLabel.objects.filter(scale_id=project.rating_scale_id)
        .order_by("position", "pk")
        .values("slug", "name", "colour")
    )
    corrections = dict(
        verdicts.filter(supersedes__isnull=False)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    total_claims = claim_counts["total"]
    return {
        "project": project.slug,
        "identities": identities,
        "claims": total_claims,
        "claims_from_suggestions": claim_counts["from_suggestion"],
        "suggested_share": _round(claim_counts["from_suggestion"] / total_claims)
        if total_claims
        else None,
        "verdicts": sum(by_status.values()),
        "verdicts_by_status": {s.value: by_status.get(s.value, 0) for s in Status},
        "backlog": {"waiting": backlog["n"], "oldest_days": oldest_age},
        "weekly": weekly,
        "reviewers": reviewers,
        "ratings": [{**label, "approved": ratings.get(label["slug"], 0)} for label in labels],
        "corrections": {
            "total": sum(corrections.values()),
            "approved": corrections.get(Status.APPROVED, 0) + corrections.get(Status.SUPERSEDED, 0),
            "by_status": corrections,
        },
    }


def parse_filters(*, since: str | None, until: str | None, article: str | None) -> Filters:
    """Return Filters from query-string values; raise ValidationFailed naming the bad field."""

    def date(value: str | None, field: str) -> dt.date | None:
        if not value:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValidationFailed(
                f"{field} must be a date as YYYY-MM-DD; got {value[:40]!r}.", field=field
            ) from None

    first, last = date(since, "since"), date(until, "until")
    if first and last and first > last:
        raise ValidationFailed("since must not be after until.", field="since")
    article_id = None
    if article:
        if not article.isdigit() or len(article) > 18:
            raise ValidationFailed(
                "article must be an article id (a whole number).", field="article"
            )
        article_id = int(article)
    return Filters(since=first, until=last, article_id=article_id)
