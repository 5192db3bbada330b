"""`GET /api/v1/projects/{slug}/agreement/`: the agreement figures of `stats.agreement_report`
as JSON, or as one CSV table with `?format=csv`; `GET /api/v1/projects/{slug}/stats/`: the
statistics page's figures (`stats.project_stats`) as JSON.

Span agreement (`spans`) compares the reviewers' independent layers (issue 18): `available` is
false, with a `reason`, in a project that shares its claims. Researchers, editors and admins may
read them (the same roles as exports); other members get 403, non-members 404. Reviewers
appear as pseudonyms unless a project admin asks for `identities=1`, exactly as in exports.
Filters: `since`/`until` (dates; verdicts submitted in that range) and `article` (an id); a
malformed one is a 400 naming the field.
"""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import permissions, stats
from ..exceptions import NotPermitted, NotVisible, ValidationFailed
from ..models import Project

TRUE = {"1", "true", "yes", "on"}

_alpha = inline_serializer(
    "AgreementAlpha",
    {
        "alpha": serializers.FloatField(allow_null=True, help_text="Null when undefined."),
        "low": serializers.FloatField(allow_null=True, help_text="Bootstrap 2.5th percentile."),
        "high": serializers.FloatField(allow_null=True, help_text="Bootstrap 97.5th percentile."),
        "units": serializers.IntegerField(help_text="Claims with two or more values."),
        "values": serializers.IntegerField(),
        "reason": serializers.CharField(help_text="Why alpha is undefined; empty otherwise."),
        "reading": serializers.ChoiceField(
            ["reliable", "tentative", "unreliable", "undefined"],
            help_text="Krippendorff: >= 0.800 reliable, >= 0.667 tentative.",
        ),
        "off_axis_values_left_out": serializers.IntegerField(
            required=False, help_text="Ordinal/interval only: off-axis ratings left out."
        ),
    },
)

AGREEMENT_SCHEMA = inline_serializer(
    "Agreement",
    {
        "project": serializers.CharField(),
        "filters": serializers.DictField(),
        "identities": serializers.BooleanField(),
        "labels": serializers.ListField(child=serializers.DictField()),
        "verdicts": inline_serializer(
            "AgreementVerdicts",
            {
                "units": serializers.IntegerField(help_text="Claims with at least one value."),
                "nominal": _alpha,
                "ordinal": _alpha,
                "interval": _alpha,
                "warnings": serializers.ListField(child=serializers.CharField()),
                "distribution": serializers.DictField(child=serializers.IntegerField()),
            },
        ),
        "pairs": serializers.ListField(
            child=inline_serializer(
                "AgreementPair",
                {
                    "a": serializers.CharField(),
                    "b": serializers.CharField(),
                    "kappa": serializers.FloatField(allow_null=True),
                    "agreement": serializers.FloatField(allow_null=True),
                    "units": serializers.IntegerField(),
                    "reading": serializers.CharField(),
                    "reason": serializers.CharField(),
                },
            )
        ),
        "reviewers": serializers.ListField(
            child=inline_serializer(
                "AgreementReviewer",
                {
                    "reviewer": serializers.CharField(),
                    "units": serializers.IntegerField(),
                    "compared_with_decision": serializers.IntegerField(),
                    "agreement_with_decision": serializers.FloatField(allow_null=True),
                    "confusion": serializers.ListField(child=serializers.DictField()),
                },
            )
        ),
        "spans": inline_serializer(
            "AgreementSpans",
            {
                "available": serializers.BooleanField(
                    help_text="False when the project shares its claims (no independent layers)."
                ),
                "reason": serializers.CharField(
                    required=False, help_text="Why span agreement cannot be computed."
                ),
                "basis": serializers.CharField(
                    required=False, help_text="Which reviewer layers and articles count."
                ),
                "articles": serializers.IntegerField(
                    required=False, help_text="Articles finished by two or more reviewers."
                ),
                "exact_f1": serializers.FloatField(allow_null=True, required=False),
                "overlap_f1": serializers.FloatField(allow_null=True, required=False),
                "alpha_u": serializers.FloatField(
                    allow_null=True,
                    required=False,
                    help_text="Krippendorff's unitizing alpha, pooled by article length.",
                ),
                "pairs": serializers.ListField(
                    required=False,
                    child=inline_serializer(
                        "AgreementSpanPair",
                        {
                            "a": serializers.CharField(),
                            "b": serializers.CharField(),
                            "articles": serializers.IntegerField(),
                            "exact_f1": serializers.FloatField(allow_null=True),
                            "overlap_f1": serializers.FloatField(allow_null=True),
                            "alpha_u": serializers.FloatField(allow_null=True),
                        },
                    ),
                ),
                "per_article": serializers.ListField(required=False, child=serializers.DictField()),
            },
        ),
        "disagreements": serializers.ListField(child=serializers.DictField()),
        "articles": serializers.ListField(child=serializers.DictField()),
    },
)


class ProjectAgreementApi(APIView):
    """Agreement between a project's reviewers: Krippendorff's alpha, kappa, spans."""

    renderer_classes = [JSONRenderer]

    def perform_content_negotiation(self, request, force=False):
        # `format` is our parameter (json or csv), not DRF's renderer override.
        renderer = JSONRenderer()
        return renderer, renderer.media_type

    @extend_schema(
        operation_id="project_agreement",
        parameters=[
            OpenApiParameter("format", str, enum=["json", "csv"], description="Default json."),
            OpenApiParameter(
                "since", OpenApiTypes.DATE, description="Verdicts submitted on or after."
            ),
            OpenApiParameter(
                "until", OpenApiTypes.DATE, description="Verdicts submitted on or before."
            ),
            OpenApiParameter("article", int, description="Only this article's claims."),
            OpenApiParameter("identities", bool, description="Project admins only."),
        ],
        responses={
            200: OpenApiResponse(
                AGREEMENT_SCHEMA, description="JSON; with format=csv one text/csv table."
            ),
            400: OpenApiResponse(description="Malformed filter or unknown format."),
            403: OpenApiResponse(description="Your role cannot read agreement (or identities)."),
            404: OpenApiResponse(description="No such project among yours."),
        },
    )
    def get(self, request, slug: str):
        project = Project.objects.visible_to(request.user).filter(slug=slug).first()
        if project is None:
            raise NotVisible(f"No project {slug!r} among your projects.")
        if not permissions.can_export(request.user, project):
            raise NotPermitted(
                "Only researchers, editors and admins can read this project's agreement."
            )
        params = request.query_params
        identities = params.get("identities", "").lower() in TRUE
        if identities and not permissions.can_export(request.user, project, identities=True):
            raise NotPermitted(
                "Only project admins can see reviewer identities; drop identities=1 to get "
                "stable pseudonyms."
            )
        fmt = params.get("format") or "json"
        if fmt not in ("json", "csv"):
            raise ValidationFailed("format must be json or csv.", field="format")
        filters = stats.parse_filters(
            since=params.get("since"), until=params.get("until"), article=params.get("article")
        )
        report = stats.agreement_report(project=project, identities=identities, filters=filters)
        if fmt == "csv":
            response = HttpResponse(stats.agreement_csv(report), content_type="text/csv")
            response["Content-Disposition"] = f'attachment; filename="{slug}-agreement.csv"'
            return response
        return Response(report)


STATS_SCHEMA = inline_serializer(
    "ProjectStats",
    {
        "project": serializers.CharField(),
        "identities": serializers.BooleanField(),
        "claims": serializers.IntegerField(),
        "claims_from_suggestions": serializers.IntegerField(),
        "suggested_share": serializers.FloatField(allow_null=True),
        "verdicts": serializers.IntegerField(),
        "verdicts_by_status": serializers.DictField(child=serializers.IntegerField()),
        "backlog": inline_serializer(
            "ProjectStatsBacklog",
            {
                "waiting": serializers.IntegerField(),
                "oldest_days": serializers.FloatField(allow_null=True),
            },
        ),
        "weekly": serializers.ListField(child=serializers.DictField()),
        "reviewers": serializers.ListField(child=serializers.DictField()),
        "ratings": serializers.ListField(child=serializers.DictField()),
        "corrections": serializers.DictField(),
    },
)


class ProjectStatsApi(APIView):
    """A project's workload figures: the numbers of the statistics page, as JSON."""

    renderer_classes = [JSONRenderer]

    @extend_schema(
        operation_id="project_stats",
        parameters=[OpenApiParameter("identities", bool, description="Project admins only.")],
        responses={
            200: OpenApiResponse(STATS_SCHEMA),
            403: OpenApiResponse(description="Your role cannot read statistics (or identities)."),
            404: OpenApiResponse(description="No such project among yours."),
        },
    )
    def get(self, request, slug: str):
        project = Project.objects.visible_to(request.user).filter(slug=slug).first()
        if project is None:
            raise NotVisible(f"No project {slug!r} among your projects.")
        if not permissions.can_export(request.user, project):
            raise NotPermitted(
                "Only researchers, editors and admins can read this project's statistics."
            )
        identities = request.query_params.get("identities", "").lower() in TRUE
        if identities and not permissions.can_export(request.user, project, identities=True):
            raise NotPermitted(
                "Only project admins can see reviewer identities; drop identities=1 to get "
                "stable pseudonyms."
            )
        return Response(stats.project_stats(project=project, identities=identities))
