"""JSON API of curation (independent span annotation): an article's reviewer layers grouped into
clusters, and the editor's actions that make the curated layer.

    GET  /api/v1/articles/{id}/curation/                    groups, curated layer, who finished
    POST /api/v1/articles/{id}/curation/accept/             {claim, start?, end?, statement?}
    POST /api/v1/articles/{id}/curation/merge/              {claims: [ids], start?, end?}
    POST /api/v1/articles/{id}/curation/reject/             {claim, note?}
    POST /api/v1/articles/{id}/curation/reset/              {claim}

One route and view per action, as the verdict transitions have. Reads go through `curation.curation_data`,
writes through `services.accept_span` / `merge_spans` / `reject_span` / `reset_curation`, whose
domain errors the exception handler turns into 4xx messages. Serializers declare shapes only.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import curation, limits, services
from ..models import Claim, Curation, Layer
from .views import ERRORS, WRITE_ERRORS, validated

OFFSET = {"min_value": 0, "max_value": 2**31 - 1, "required": False}
CLAIM_ID = {"min_value": 1, "max_value": 2**63 - 1}


class CurationSpanSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    start = serializers.IntegerField(help_text="Code points.")
    end = serializers.IntegerField(help_text="Code points, exclusive.")
    quote = serializers.CharField(help_text="The span's text (its first 200 code points).")
    layer = serializers.ChoiceField(choices=Layer.values)
    annotator = serializers.CharField(
        source="owner", help_text="The owner's pseudonym in the project (reviewer layers)."
    )
    curation = serializers.ChoiceField(
        choices=Curation.values, help_text="Blank: not curated yet (reviewer layers only)."
    )
    curated_claim = serializers.IntegerField(
        source="curated_claim_id", allow_null=True, help_text="The curated claim it went into."
    )


class CuratedSpanSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    quote = serializers.CharField()
    frozen = serializers.BooleanField(
        help_text="A verdict on it is in review or published: curation into it cannot be reset."
    )


class ClusterSerializer(serializers.Serializer):
    start = serializers.IntegerField(help_text="Start of the union of the group's spans.")
    end = serializers.IntegerField(help_text="End of the union of the group's spans.")
    agreement = serializers.ChoiceField(
        choices=[curation.IDENTICAL, curation.OVERLAPPING, curation.SINGLE],
        help_text="identical: every reviewer in the group marked the same span; overlapping: "
        "their spans differ but overlap; single: one reviewer marked it.",
    )
    reviewers = serializers.IntegerField(source="owners")
    spans = CurationSpanSerializer(many=True)


class LayerOwnerSerializer(serializers.Serializer):
    annotator = serializers.CharField(source="pseudonym")
    finished_at = serializers.DateTimeField(allow_null=True)


class CurationSerializer(serializers.Serializer):
    article = serializers.IntegerField()
    curation_started_at = serializers.DateTimeField(allow_null=True)
    pending = serializers.IntegerField(help_text="Reviewer spans not curated yet.")
    groups = ClusterSerializer(many=True)
    curated = CuratedSpanSerializer(many=True)
    reviewers = LayerOwnerSerializer(
        many=True, help_text="Layer owners and assignees, with when they finished (or null)."
    )


class AcceptInputSerializer(serializers.Serializer):
    claim = serializers.IntegerField(**CLAIM_ID, help_text="The reviewer-layer claim's id.")
    start = serializers.IntegerField(**OFFSET, help_text="Adjusted start (code points).")
    end = serializers.IntegerField(**OFFSET, help_text="Adjusted end (code points).")
    statement = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=limits.STATEMENT,
        help_text="The curated statement.",
    )


class MergeInputSerializer(serializers.Serializer):
    claims = serializers.ListField(
        child=serializers.IntegerField(**CLAIM_ID), min_length=2, max_length=100
    )
    start = serializers.IntegerField(**OFFSET, help_text="Default: the union's start.")
    end = serializers.IntegerField(**OFFSET, help_text="Default: the union's end.")


class RejectInputSerializer(serializers.Serializer):
    claim = serializers.IntegerField(**CLAIM_ID)
    note = serializers.CharField(required=False, allow_blank=True, max_length=limits.NOTE)


class ResetInputSerializer(serializers.Serializer):
    claim = serializers.IntegerField(**CLAIM_ID)


class CurationOutcomeSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["accept", "merge", "reject", "reset"])
    claims = CurationSpanSerializer(many=True, help_text="The reviewer claims the action changed.")
    curated_claim = CuratedSpanSerializer(allow_null=True)


def _curation_body(data: curation.CurationData) -> dict:
    people = [*data.finished, *data.unfinished]
    return {
        "article": data.article.pk,
        "curation_started_at": data.article.curation_started_at,
        "pending": data.pending,
        "groups": data.clusters,
        "curated": data.curated,
        "reviewers": sorted(people, key=lambda p: p.pseudonym),
    }


class ArticleCurationApi(APIView):
    """An article's reviewer layers grouped into clusters of identical or overlapping spans, its
    curated layer, and who finished their layer (editors and admins of independent projects)."""

    @extend_schema(responses={200: CurationSerializer, 409: WRITE_ERRORS[409], **ERRORS})
    def get(self, request, pk):
        data = curation.curation_data(article_id=pk, user=request.user)
        return Response(CurationSerializer(_curation_body(data)).data)


def _outcome(action: str, ids: list[int], curated: Claim | None) -> Response:
    """Answer with the reviewer claims an action changed and the curated claim (two queries)."""
    rows = curation.span_rows(
        Claim.objects.filter(pk__in=[*ids, *([curated.pk] if curated else [])])
    )
    body = {
        "action": action,
        "claims": [row for row in rows if row.pk in ids],
        "curated_claim": next((row for row in rows if curated and row.pk == curated.pk), None),
    }
    return Response(CurationOutcomeSerializer(body).data)


class CurationAcceptApi(APIView):
    """Take a reviewer-layer claim into the curated layer, as is or with adjusted offsets."""

    @extend_schema(
        request=AcceptInputSerializer,
        responses={200: CurationOutcomeSerializer, **WRITE_ERRORS},
    )
    def post(self, request, pk):
        data = validated(AcceptInputSerializer, request)
        curated = services.accept_span(
            claim_id=data["claim"],
            user=request.user,
            start=data.get("start"),
            end=data.get("end"),
            statement=data.get("statement"),
            article_id=pk,
        )
        return _outcome("accept", [data["claim"]], curated)


class CurationMergeApi(APIView):
    """Merge overlapping reviewer-layer claims into one curated claim (default: their union)."""

    @extend_schema(
        request=MergeInputSerializer,
        responses={200: CurationOutcomeSerializer, **WRITE_ERRORS},
    )
    def post(self, request, pk):
        data = validated(MergeInputSerializer, request)
        ids = list(dict.fromkeys(data["claims"]))
        curated = services.merge_spans(
            claim_ids=ids,
            user=request.user,
            start=data.get("start"),
            end=data.get("end"),
            article_id=pk,
        )
        return _outcome("merge", ids, curated)


class CurationRejectApi(APIView):
    """Leave a reviewer-layer claim out of the curated layer."""

    @extend_schema(
        request=RejectInputSerializer,
        responses={200: CurationOutcomeSerializer, **WRITE_ERRORS},
    )
    def post(self, request, pk):
        data = validated(RejectInputSerializer, request)
        services.reject_span(
            claim_id=data["claim"], user=request.user, note=data.get("note", ""), article_id=pk
        )
        return _outcome("reject", [data["claim"]], None)


class CurationResetApi(APIView):
    """Put a curated reviewer-layer claim back to "not curated yet"."""

    @extend_schema(
        request=ResetInputSerializer,
        responses={200: CurationOutcomeSerializer, **WRITE_ERRORS},
    )
    def post(self, request, pk):
        data = validated(ResetInputSerializer, request)
        services.reset_curation(claim_id=data["claim"], user=request.user, article_id=pk)
        return _outcome("reset", [data["claim"]], None)
