"""django-filter filter sets for the read API: what researchers slice the corpus by.

Every id parameter is an `IdFilter` (a positive 64-bit integer, validated by `params.IdField`),
so "abc", "1e30" or "-2.41e+43" is a 400 naming the parameter instead of an overflow in the
database driver (a 500); every time parameter is a `TimestampFilter` (one that exists in UTC).
`test_every_number_filter_is_a_bounded_id_filter` holds every filter set to this.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q

from ..models import Article, Claim, Source, Verdict
from ..params import IdField, TimestampField
from ..workflow import Status


class IdFilter(django_filters.NumberFilter):
    """Filter on an id: digits only, 1 to 2**63 - 1."""

    field_class = IdField


class TimestampFilter(django_filters.IsoDateTimeFilter):
    """Filter on an ISO 8601 time that also exists in UTC."""

    field_class = TimestampField


class UpdatedSinceMixin(django_filters.FilterSet):
    updated_since = TimestampFilter(
        field_name="updated_at",
        lookup_expr="gte",
        label="Only rows changed at or after this ISO 8601 time (e.g. 2026-01-31T00:00:00Z).",
    )


class ArticleFilter(UpdatedSinceMixin):
    q = django_filters.CharFilter(method="search", label="Search title, publisher and text.")

    class Meta:
        model = Article
        fields = ["language", "publisher"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(title__icontains=value) | Q(publisher__icontains=value) | Q(text__icontains=value)
        )


class ClaimFilter(UpdatedSinceMixin):
    article = IdFilter(field_name="article_id")
    has_approved_verdict = django_filters.BooleanFilter(method="approved")

    class Meta:
        model = Claim
        fields = ["article", "claimant"]

    def approved(self, queryset, name, value):
        condition = Q(verdicts__status=Status.APPROVED)
        return (queryset.filter(condition) if value else queryset.exclude(condition)).distinct()


class SourceFilter(UpdatedSinceMixin):
    claim = IdFilter(field_name="claim_id")
    article = IdFilter(field_name="claim__article_id")

    class Meta:
        model = Source
        fields = ["claim", "stance"]


class VerdictFilter(UpdatedSinceMixin):
    status = django_filters.ChoiceFilter(choices=Status.choices)
    rating = django_filters.CharFilter(field_name="rating__slug")
    reviewer = django_filters.CharFilter(field_name="reviewer__username")
    article = IdFilter(field_name="claim__article_id")
    claim = IdFilter(field_name="claim_id")

    class Meta:
        model = Verdict
        fields = ["status", "rating", "reviewer", "article", "claim"]
