"""The agreement page (`/projects/<slug>/agreement/`) and the statistics page
(`/projects/<slug>/stats/`), for a project's researchers, editors and admins.

Function-based views that read `stats.agreement_report` / `stats.project_stats` (cached, a
fixed number of queries) and lay out charts as geometry for inline SVG in the templates: no
JavaScript, no inline styles (the CSP forbids them), every chart with a title and its numbers
in a table. Chart geometry is computed here, in plain Python, so the templates only place
shapes. Reviewers appear as pseudonyms unless a project admin asks for `?identities=1`, as in
exports.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.utils.functional import SimpleLazyObject

from .. import agreement, permissions, stats
from ..exceptions import ValidationFailed
from ..models import Project

TRUE = {"1", "true", "yes", "on"}
CHART_WIDTH = 640
BAR_HEIGHT = 22
LABEL_WIDTH = 150


def _refused(request, message: str, status: int = 403):
    return render(
        request, "annotations/editorial/refused.html", {"message": message}, status=status
    )


def _project_and_identities(request, slug):
    """Return (project, identities, refusal): refusal is a response when not allowed."""
    project = get_object_or_404(Project.objects.visible_to(request.user), slug=slug)
    if not permissions.can_export(request.user, project):
        return (
            project,
            False,
            _refused(
                request, "Only researchers, editors and admins of this project see its statistics."
            ),
        )
    identities = request.GET.get("identities", "").lower() in TRUE
    if identities and not permissions.can_export(request.user, project, identities=True):
        return (
            project,
            False,
            _refused(
                request,
                "Only project admins see reviewer names; without identities=1 you see "
                "the stable pseudonyms.",
            ),
        )
    return project, identities, None


# --- chart geometry -------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str
    x: float
    y: float
    width: float
    height: float
    text_y: float = 0
    value_x: float = 0
    colour: str = ""
    css: str = ""


def bar_chart(items, *, maximum: float | None = None, colours=None, css=None) -> dict:
    """Return horizontal bars for (label, value, text) items, scaled to the largest value."""
    top = maximum if maximum is not None else max((v for _, v, _ in items), default=0)
    span = CHART_WIDTH - LABEL_WIDTH - 60
    bars = []
    for i, (label, value, text) in enumerate(items):
        width = round((max(value, 0) / top * span) if top else 0, 1)
        y = i * (BAR_HEIGHT + 8) + 4
        bars.append(
            Bar(
                label=label,
                value=value,
                text=text,
                x=LABEL_WIDTH,
                y=y,
                width=width,
                height=BAR_HEIGHT,
                text_y=y + BAR_HEIGHT / 2 + 5,
                value_x=LABEL_WIDTH + width + 6,
                colour=(colours or {}).get(label, ""),
                css=(css or {}).get(label, ""),
            )
        )
    return {
        "bars": bars,
        "width": CHART_WIDTH,
        "height": len(items) * (BAR_HEIGHT + 8) + 8,
        "label_x": LABEL_WIDTH - 8,
    }


def alpha_chart(levels: list[tuple[str, dict]]) -> dict:
    """Return geometry for alphas with their intervals on a 0–1 axis and the two thresholds.

    Negative alphas (systematic disagreement) are drawn at 0 and said so in the table.
    """
    left, right = LABEL_WIDTH, CHART_WIDTH - 20
    span = right - left

    def x(value: float) -> float:
        return round(left + max(0.0, min(1.0, value)) * span, 1)

    rows = []
    for i, (name, block) in enumerate(levels):
        y = 30 + i * 40
        value = block["alpha"]
        rows.append(
            {
                "name": name,
                "y": y,
                "mid": y + 9,
                "text_y": y + 14,
                "alpha": value,
                "reading": block["reading"],
                "x0": left,
                "x": x(value) if value is not None else None,
                "bar": (x(value) - left) if value is not None else 0,
                "low": x(block["low"]) if block["low"] is not None else None,
                "high": x(block["high"]) if block["high"] is not None else None,
            }
        )
    return {
        "rows": rows,
        "width": CHART_WIDTH,
        "height": 30 + len(levels) * 40 + 10,
        "label_x": left - 8,
        "axis_y": 30 + len(levels) * 40 - 10,
        "ticks": [{"x": x(t), "label": f"{t:.1f}"} for t in (0, 0.2, 0.4, 0.6, 0.8, 1.0)],
        "tentative_x": x(agreement.TENTATIVE),
        "reliable_x": x(agreement.RELIABLE),
        "top": 18,
    }


def line_chart(weeks: list[dict], series: list[tuple[str, str]]) -> dict:
    """Return polylines (one per series) over the weeks, with axis ticks."""
    left, right, top, bottom = 50, CHART_WIDTH - 20, 20, 200
    peak = max((w[key] for w in weeks for key, _ in series), default=0) or 1
    step = (right - left) / max(1, len(weeks) - 1)

    def point(i: int, value: int) -> tuple[float, float]:
        return round(left + i * step, 1), round(bottom - value / peak * (bottom - top), 1)

    lines = []
    for key, name in series:
        points = [point(i, w[key]) for i, w in enumerate(weeks)]
        lines.append(
            {
                "key": key,
                "name": name,
                "points": " ".join(f"{px},{py}" for px, py in points),
                "dots": [{"x": px, "y": py} for px, py in points],
            }
        )
    labels = []
    every = max(1, len(weeks) // 6)
    for i, w in enumerate(weeks):
        if i % every == 0:
            labels.append({"x": point(i, 0)[0], "text": w["week"][5:]})
    return {
        "lines": lines,
        "width": CHART_WIDTH,
        "height": bottom + 40,
        "left": left,
        "right": right,
        "top": top,
        "bottom": bottom,
        "peak": peak,
        "labels": labels,
        "label_y": bottom + 18,
        "legend": [
            {"key": key, "name": name, "x": left + i * 130, "y": bottom + 36}
            for i, (key, name) in enumerate(series)
        ],
    }


def _heat(count: int, peak: int) -> str:
    """Return a CSS class (heat-0 … heat-4) for a table cell's share of the peak."""
    if not count or not peak:
        return "heat-0"
    return f"heat-{min(4, 1 + int(3 * count / peak))}"


# --- pages ----------------------------------------------------------------------------------


def _agreement_sections(project, identities: bool, filters: stats.Filters) -> dict:
    """Return the agreement page's tables and chart geometry from the (cached) report."""
    report = stats.agreement_report(project=project, identities=identities, filters=filters)
    verdicts = report["verdicts"]
    labels = report["labels"]
    names = {lb["slug"]: lb["name"] for lb in labels}
    matrices = []
    for reviewer in report["reviewers"]:
        cells = {(c["value"], c["decided"]): c["count"] for c in reviewer["confusion"]}
        used = [lb["slug"] for lb in labels if any(lb["slug"] in key for key in cells)]
        peak = max(cells.values(), default=0)
        matrices.append(
            {
                "reviewer": reviewer,
                "columns": [names[s] for s in used],
                "rows": [
                    {
                        "label": names[mine],
                        "cells": [
                            {
                                "count": cells.get((mine, final), 0),
                                "css": _heat(cells.get((mine, final), 0), peak)
                                + (" diagonal" if mine == final else ""),
                            }
                            for final in used
                        ],
                    }
                    for mine in used
                ],
            }
        )
    reviewers = sorted(
        {p["a"] for p in report["pairs"]} | {p["b"] for p in report["pairs"]}, key=stats.natural_key
    )
    pair_at = {(p["a"], p["b"]): p for p in report["pairs"]}
    pair_at.update({(p["b"], p["a"]): p for p in report["pairs"]})
    pair_rows = [
        {"reviewer": a, "cells": [pair_at.get((a, b)) if a != b else None for b in reviewers]}
        for a in reviewers
    ]
    distribution = verdicts["distribution"]
    return {
        "report": report,
        "verdicts": verdicts,
        "alpha_chart": alpha_chart(
            [(level, verdicts[level]) for level in ("nominal", "ordinal", "interval")]
        ),
        "levels": [(level, verdicts[level]) for level in ("nominal", "ordinal", "interval")],
        "pair_reviewers": reviewers,
        "pair_rows": pair_rows,
        "matrices": matrices,
        "distribution": [
            {"name": lb["name"], "slug": lb["slug"], "count": distribution.get(lb["slug"], 0)}
            for lb in labels
        ],
        "disagreements": [
            {
                **row,
                "named": [(who, names.get(slug, slug)) for who, slug in row["values"].items()],
                "decided_name": names.get(row["decided"], row["decided"] or ""),
            }
            for row in report["disagreements"]
        ],
        "bootstrap_samples": stats.BOOTSTRAP_SAMPLES,
        "thresholds": {"reliable": agreement.RELIABLE, "tentative": agreement.TENTATIVE},
    }


@login_required
def project_agreement(request, slug):
    """Show how far the project's reviewers agree, and where they do not.

    The rendered sections are cached as a template fragment under the same version as the
    report (the project's latest event, the identities flag and the query string), and the
    report is read lazily: a warm page costs the latest-event query and one cache read.
    """
    project, identities, refusal = _project_and_identities(request, slug)
    if refusal:
        return refusal
    error = None
    try:
        filters = stats.parse_filters(
            since=request.GET.get("since"),
            until=request.GET.get("until"),
            article=request.GET.get("article"),
        )
    except ValidationFailed as exc:
        error, filters = exc, stats.Filters()
    can_see_identities = permissions.can_export(request.user, project, identities=True)
    context = {
        "project": project,
        "page": SimpleLazyObject(lambda: _agreement_sections(project, identities, filters)),
        "version": f"{project.pk}:{stats.latest_event_id(project)}:{int(identities)}:"
        f"{int(can_see_identities)}",
        "identities": identities,
        "can_see_identities": can_see_identities,
        "error": error,
        "bootstrap_samples": stats.BOOTSTRAP_SAMPLES,
    }
    return render(
        request, "annotations/agreement.html", context, status=400 if error is not None else 200
    )


@login_required
def project_statistics(request, slug):
    """Show the project's workload: backlog, throughput, reviewers, ratings, corrections."""
    project, identities, refusal = _project_and_identities(request, slug)
    if refusal:
        return refusal
    figures = stats.project_stats(project=project, identities=identities)
    by_status = figures["verdicts_by_status"]
    status_chart = bar_chart(
        [(status, n, str(n)) for status, n in by_status.items()],
        css={status: f"status-{status}" for status in by_status},
    )
    rating_chart = bar_chart(
        [(r["name"], r["approved"], str(r["approved"])) for r in figures["ratings"]],
        colours={r["name"]: r["colour"] for r in figures["ratings"]},
    )
    weekly = figures["weekly"]
    series = [
        ("claims", "Claims marked"),
        ("submitted", "Verdicts submitted"),
        ("approved", "Approved"),
        ("returned", "Returned"),
    ]
    return render(
        request,
        "annotations/stats.html",
        {
            "project": project,
            "figures": figures,
            "status_chart": status_chart,
            "rating_chart": rating_chart,
            "weekly_chart": line_chart(weekly, series) if weekly else None,
            "series": series,
            "identities": identities,
            "can_see_identities": permissions.can_export(request.user, project, identities=True),
        },
    )
