"""The claim browser's filters, shared by the page (`/projects/<slug>/claims/`) and the API
(`GET /api/v1/projects/{slug}/claims/`).

A claim's *current verdict* is the newest verdict of the claim that the user may read
(`selectors.readable_verdicts`) and that is still live (draft, returned, submitted, approved);
status, rating and reviewer filters (and the page's sort orders) read it. Search covers the quote, the statement and
the explanations of the verdicts the user may read; "disagreement" means two readable verdicts of
the claim that reached an editor (submitted or approved) name different ratings. Everything is
a subquery of the one claim query, so a page of results costs the same number of queries
whatever the project holds.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery

from .. import selectors
from ..models import Assignment, Claim, Project, Source, Verdict
from ..workflow import LIVE, Status
from .filters import ArticleFilter, ClaimFilter

NONE = "none"  # status filter: claims without a live verdict
EITHER = [("", "Either"), ("true", "Yes"), ("false", "No")]
DISAGREEING = (Status.SUBMITTED, Status.APPROVED)
SORTS = {
    "new": ("Newest claims first", ["-created_at", "-pk"]),
    "old": ("Oldest claims first", ["created_at", "pk"]),
    "updated": ("Recently changed", ["-updated_at", "-pk"]),
    "article": ("Article title", ["article__title", "start", "pk"]),
    "status": ("Verdict status", [F("current_status").asc(nulls_last=True), "-pk"]),
    "rating": ("Rating (truest first)", [F("current_ordinal").desc(nulls_last=True), "-pk"]),
    "reviewer": ("Reviewer", [F("current_reviewer").asc(nulls_last=True), "-pk"]),
}


def with_current_verdict(claims: QuerySet[Claim], *, user, project: Project) -> QuerySet[Claim]:
    """Annotate each claim with its current verdict's id, status, rating ordinal and reviewer."""
    if "current_verdict_id" in claims.query.annotations:
        return claims
    current = (
        Verdict.objects.filter(claim=OuterRef("pk"), status__in=LIVE)
        .filter(selectors.readable_verdicts(user, project))
        .order_by("-created_at", "-pk")
    )
    return claims.annotate(
        current_verdict_id=Subquery(current.values("pk")[:1]),
        current_status=Subquery(current.values("status")[:1]),
        current_ordinal=Subquery(current.values("rating__ordinal")[:1]),
        current_reviewer=Subquery(current.values("reviewer__username")[:1]),
    )


class ClaimBrowserFilter(ClaimFilter):
    """Filters of the claim browser (added to the API's claim filters)."""

    status = django_filters.ChoiceFilter(
        choices=[(NONE, "No verdict yet"), *((s, s.label) for s in map(Status, LIVE))],
        method="filter_status",
        empty_label="Any status",
        label="Status of the current verdict",
    )
    rating = django_filters.CharFilter(
        method="filter_rating", label="Rating (label slug) of the current verdict"
    )
    reviewer = django_filters.CharFilter(
        method="filter_reviewer", label="Username of the current verdict's reviewer"
    )
    created_from = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__gte",
        label="Claims marked on or after this date",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    created_to = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__lte",
        label="Claims marked on or before this date",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    has_sources = django_filters.BooleanFilter(
        method="filter_sources", label="Has sources", widget=forms.Select(choices=EITHER)
    )
    disagreement = django_filters.BooleanFilter(
        method="filter_disagreement",
        label="Reviewers disagree (double review)",
        widget=forms.Select(choices=EITHER),
    )
    assignee = django_filters.CharFilter(
        method="filter_assignee", label="Username the claim's article is assigned to"
    )
    q = django_filters.CharFilter(
        method="search", label="Search quote, statement and explanation", max_length=200
    )

    class Meta(ClaimFilter.Meta):
        fields = ClaimFilter.Meta.fields

    def __init__(self, *args, project: Project | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._project = project

    # The API builds the filter set with (data, queryset, request) only.
    @property
    def project(self) -> Project:
        if self._project is None:
            slug = self.request.parser_context["kwargs"]["slug"]
            self._project = Project.objects.visible_to(self.request.user).get(slug=slug)
        return self._project

    @property
    def user(self):
        return self.request.user

    def _current(self, queryset):
        return with_current_verdict(queryset, user=self.user, project=self.project)

    def _readable(self):
        return Verdict.objects.filter(claim=OuterRef("pk")).filter(
            selectors.readable_verdicts(self.user, self.project)
        )

    def filter_status(self, queryset, name, value):
        queryset = self._current(queryset)
        if value == NONE:
            return queryset.filter(current_verdict_id__isnull=True)
        return queryset.filter(current_status=value)

    def filter_rating(self, queryset, name, value):
        rated = Verdict.objects.filter(pk=OuterRef("current_verdict_id"), rating__slug=value)
        return self._current(queryset).filter(Exists(rated))

    def filter_reviewer(self, queryset, name, value):
        by = Verdict.objects.filter(pk=OuterRef("current_verdict_id"), reviewer__username=value)
        return self._current(queryset).filter(Exists(by))

    def filter_assignee(self, queryset, name, value):
        assigned = Assignment.objects.filter(article=OuterRef("article"), user__username=value)
        return queryset.filter(Exists(assigned))

    def filter_sources(self, queryset, name, value):
        sources = Exists(Source.objects.filter(claim=OuterRef("pk")))
        return queryset.filter(sources if value else ~sources)

    def filter_disagreement(self, queryset, name, value):
        readable = selectors.readable_verdicts(self.user, self.project)
        other = (
            Verdict.objects.filter(claim=OuterRef("claim"), status__in=DISAGREEING)
            .filter(readable)
            .exclude(rating=OuterRef("rating"))
        )
        split = Exists(
            Verdict.objects.filter(claim=OuterRef("pk"), status__in=DISAGREEING)
            .filter(readable)
            .filter(Exists(other))
        )
        return queryset.filter(split if value else ~split)

    def search(self, queryset, name, value):
        words = value.strip()
        if not words:
            return queryset
        explained = Exists(self._readable().filter(explanation__icontains=words))
        return queryset.filter(
            Q(quote__icontains=words) | Q(statement__icontains=words) | explained
        )


def sorted_claims(claims: QuerySet[Claim], sort: str, *, user, project: Project) -> QuerySet:
    """Return `claims` in the page's sort order (the API keeps its id cursor order)."""
    _, ordering = SORTS.get(sort, SORTS["new"])
    return with_current_verdict(claims, user=user, project=project).order_by(*ordering)


class ArticleAssigneeFilter(ArticleFilter):
    """The API's article filters plus `assignee` (a username)."""

    assignee = django_filters.CharFilter(
        method="filter_assignee", label="Only articles assigned to this username"
    )

    class Meta(ArticleFilter.Meta):
        fields = ArticleFilter.Meta.fields

    def filter_assignee(self, queryset, name, value):
        return queryset.filter(
            Exists(Assignment.objects.filter(article=OuterRef("pk"), user__username=value))
        )
