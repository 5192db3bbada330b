"""Assignments: giving articles to reviewers, and "Next article" for a reviewer.

Function-based views like the rest of the HTML app: parse the request, call one service or
selector, render. Every write goes through `services` (or `tasks.start_*` for background
work); a `DomainError` becomes a message beside the field it names. The pages work without
JavaScript and without inline scripts or styles (the CSP forbids both).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize

from .. import permissions, selectors, services
from ..exceptions import DomainError, ValidationFailed
from ..models import (
    Article,
    Assignment,
    Membership,
)
from ..workflow import ANNOTATORS
from .team import refused, visible_project

# --- Assignments ------------------------------------------------------------------------------

ASSIGN_PER_PAGE = 50


def _ids(values: list[str], what: str) -> list[int]:
    if not all(value.isdigit() for value in values):
        raise ValidationFailed(f"Those are not {what} of this project.")
    return [int(value) for value in values]


@login_required
def project_assign(request, slug):
    """List articles with their assignees; editors and admins tick articles and assign them to
    one or several reviewers (each gets every article) or round-robin."""
    project = visible_project(request, slug)
    if not permissions.can_review(request.user, project):
        return refused(request, "Only editors and admins of this project assign articles.")
    annotators = list(
        Membership.objects.filter(project=project, role__in=ANNOTATORS)
        .select_related("user")
        .order_by("user__username")
    )
    if request.method == "POST":
        try:
            article_ids = _ids(request.POST.getlist("article"), "articles")
            if request.POST.get("action") == "unassign":
                removed = services.unassign_articles(
                    project=project, actor=request.user, article_ids=article_ids
                )
                messages.success(request, f"Removed {removed} assignment{pluralize(removed)}.")
            else:
                wanted = set(_ids(request.POST.getlist("reviewer"), "reviewers"))
                reviewers = [m.user for m in annotators if m.user_id in wanted]
                if len(reviewers) != len(wanted):
                    raise ValidationFailed("Only the project's annotators can be assigned.")
                created = services.assign_articles(
                    project=project,
                    actor=request.user,
                    article_ids=article_ids,
                    reviewers=reviewers,
                    mode=request.POST.get("mode", "each"),
                )
                messages.success(
                    request, f"Made {len(created)} new assignment{pluralize(len(created))}."
                )
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect(request.get_full_path())
    articles = Article.objects.filter(project=project).defer("text").order_by("-created_at", "-pk")
    page = Paginator(articles, ASSIGN_PER_PAGE).get_page(request.GET.get("page"))
    assignees: dict[int, list[str]] = {}
    for article_id, username in Assignment.objects.filter(
        article_id__in=[a.pk for a in page]
    ).values_list("article_id", "user__username"):
        assignees.setdefault(article_id, []).append(username)
    for article in page:
        article.assignees = sorted(assignees.get(article.pk, []))
    return render(
        request,
        "annotations/team/assign.html",
        {"project": project, "page": page, "annotators": annotators},
    )


@login_required
def next_assignment(request):
    """Open the oldest assigned article the user has not finished (optionally in one project)."""
    project = None
    if slug := request.GET.get("project"):
        project = visible_project(request, slug)
    for assignment in selectors.assignments_of(user=request.user, project=project):
        if not selectors.is_finished(assignment):
            return redirect(assignment.article)
    messages.info(request, "Nothing assigned to you is left to do.")
    return redirect("dashboard")
