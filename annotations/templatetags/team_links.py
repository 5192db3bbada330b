"""Template filters that decide whether to link the team pages (settings, members), and the
reviewer's work lists on the dashboard (`{% reviewer_work user as work %}`).

`{% load team_links %}` then `{% if user|administers:project %}`. They ask `permissions`, whose
per-request role cache keeps this at one query per project.
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

from .. import permissions, selectors
from ..models import Project, Verdict
from ..workflow import Status

register = template.Library()


@register.filter
def administers(user, project) -> bool:
    """Return whether `user` may change `project`'s settings and members."""
    return permissions.can_edit_project(user, project)


@register.simple_tag
def reviewer_work(user, limit: int = 20) -> dict:
    """Return the dashboard's lists for `user`: assigned articles with progress, own verdicts
    waiting for an editor, own verdicts approved in the last 30 days (three queries)."""
    if not getattr(user, "is_authenticated", False):
        return {}
    assignments = list(selectors.assignments_of(user=user)[:200])
    for assignment in assignments:
        assignment.finished = selectors.is_finished(assignment)
    own = (
        Verdict.objects.filter(
            reviewer=user, claim__article__project__in=Project.objects.visible_to(user)
        )
        .select_related("claim__article", "rating")
        .defer("claim__article__text")
    )
    since = timezone.now() - dt.timedelta(days=30)
    return {
        "assigned": [a for a in assignments if not a.finished][:limit],
        "finished": sum(1 for a in assignments if a.finished),
        "waiting": list(own.filter(status=Status.SUBMITTED).order_by("-submitted_at")[:limit]),
        "approved": list(
            own.filter(status=Status.APPROVED, approved_at__gte=since).order_by("-approved_at")[
                :limit
            ]
        ),
    }
