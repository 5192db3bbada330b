"""The claim browser (every claim with its current verdict, filtered, searched, sorted
and paginated, the same filters as the API) and editors' bulk decisions from the queue.

Function-based views like the rest of the HTML app: parse the request, call one service or
selector, render. Every write goes through `services` (or `tasks.start_*` for background
work); a `DomainError` becomes a message beside the field it names. The pages work without
JavaScript and without inline scripts or styles (the CSP forbids both).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from .. import limits, permissions, selectors, services
from ..api.browser_filters import SORTS, ClaimBrowserFilter, sorted_claims, with_current_verdict
from ..exceptions import DomainError, ValidationFailed
from ..models import (
    Claim,
    Membership,
    Project,
    RatingLabel,
    Source,
    Verdict,
)
from ..workflow import Status
from .team import refused, visible_project

# --- Claim browser ----------------------------------------------------------------------------

CLAIMS_PER_PAGE = 50


def _browser_choices(project: Project, claim_filter) -> None:
    """Offer the project's rating labels and members as choices (two queries)."""
    form = claim_filter.form
    form.label_suffix = ""
    labels = (
        RatingLabel.objects.filter(
            Q(scale=project.rating_scale_id)
            | Q(pk__in=Verdict.objects.filter(claim__article__project=project).values("rating"))
        )
        .order_by("scale_id", "position", "pk")
        .values_list("slug", "name")
    )
    seen: dict[str, str] = {}
    for slug, name in labels:
        seen.setdefault(slug, name)
    form.fields["rating"] = forms.ChoiceField(
        choices=[("", "Any rating"), *seen.items()], required=False, label="Rating"
    )
    people = Membership.objects.filter(project=project).order_by("user__username")
    usernames = [(u, u) for u in people.values_list("user__username", flat=True)]
    form.fields["reviewer"] = forms.ChoiceField(
        choices=[("", "Anyone"), *usernames], required=False, label="Reviewer"
    )
    form.fields["assignee"] = forms.ChoiceField(
        choices=[("", "Anyone"), *usernames], required=False, label="Article assigned to"
    )
    for name in ("article", "claimant", "has_approved_verdict", "updated_since"):
        form.fields.pop(name, None)  # kept in the API; the page has closer equivalents


class BrowserSortForm(forms.Form):
    sort = forms.ChoiceField(
        choices=[(key, label) for key, (label, _) in SORTS.items()], required=False, label="Sort by"
    )


@login_required
def claim_browser(request, slug):
    """Every claim of a project with its current verdict: filter, search, sort, page."""
    project = visible_project(request, slug)
    claims = (
        Claim.objects.filter(article__project=project)
        .filter(selectors.layers_visible(request.user, project))  # hidden layers stay hidden
        .select_related("article")
    )
    claims = with_current_verdict(claims, user=request.user, project=project)
    claims = claims.annotate(
        n_sources=Coalesce(
            Subquery(
                Source.objects.filter(claim=OuterRef("pk"))
                .values("claim")
                .annotate(n=Count("pk"))
                .values("n")[:1]
            ),
            0,
        )
    )
    claim_filter = ClaimBrowserFilter(
        request.GET, queryset=claims, request=request, project=project
    )
    _browser_choices(project, claim_filter)
    sort_form = BrowserSortForm(request.GET)
    valid = claim_filter.is_valid() and sort_form.is_valid()
    results = claim_filter.qs if valid else claims.none()
    sort = sort_form.cleaned_data.get("sort") if valid else ""
    results = sorted_claims(results, sort or "new", user=request.user, project=project)
    page = Paginator(results, CLAIMS_PER_PAGE).get_page(request.GET.get("page"))
    verdicts = Verdict.objects.select_related("rating", "reviewer").in_bulk(
        [c.current_verdict_id for c in page if c.current_verdict_id]
    )
    for claim in page:
        claim.current = verdicts.get(claim.current_verdict_id)
    export_query = {}
    if valid:
        data = claim_filter.form.cleaned_data
        export_query["status"] = "approved" if data.get("status") == Status.APPROVED else "all"
        if data.get("created_from"):
            export_query["updated_since"] = data["created_from"].isoformat()
    return render(
        request,
        "annotations/team/claims.html",
        {
            "project": project,
            "filter": claim_filter,
            "form": claim_filter.form,
            "sort_form": sort_form,
            "page": page,
            "can_export": permissions.can_export(request.user, project),
            "export_url": reverse("project_export", kwargs={"slug": project.slug})
            + "?"
            + urlencode(export_query),
        },
        status=200 if valid else 400,
    )


# --- Bulk decisions from the queue ------------------------------------------------------------


def _bulk_choices(values: list[str]) -> list[tuple[int, int | None]]:
    """Parse the ticked "verdict id:version seen" values; raise ValidationFailed on junk."""
    choices = []
    for value in values:
        verdict_id, _, version = value.partition(":")
        if not verdict_id.isdigit() or (version and not version.isdigit()):
            raise ValidationFailed(f"{value!r} is not a verdict of the queue.", field="verdicts")
        choices.append((int(verdict_id), int(version) if version else None))
    return choices


@login_required
@require_POST
def queue_bulk(request, slug):
    """Approve or return the ticked verdicts, one by one; say which succeeded and why not."""
    project = visible_project(request, slug)
    if not permissions.can_review(request.user, project):
        return refused(request, "Only editors and admins of this project decide on verdicts.")
    back = reverse("review_queue", kwargs={"slug": project.slug})
    action = request.POST.get("action", "")
    try:
        outcomes = services.review_in_bulk(
            project=project,
            editor=request.user,
            action=action,
            choices=_bulk_choices(request.POST.getlist("verdict")),
            note=request.POST.get("note", "")[: limits.NOTE],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    done = [o for o in outcomes if o.ok]
    verb = "Approved" if action == "approve" else "Returned"
    if done:
        ids = ", ".join(f"#{o.verdict_id}" for o in done)
        messages.success(request, f"{verb} {len(done)} of {len(outcomes)}: {ids}.")
    for outcome in outcomes:
        if not outcome.ok:
            messages.error(
                request, f"Verdict #{outcome.verdict_id} not {verb.lower()}: {outcome.message}"
            )
    return redirect(back)
