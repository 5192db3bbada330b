"""JSON API of claim matching: earlier checked claims for a text or a marked claim, and the
reviewer's decisions on them (confirm "same claim", dismiss).

Reads go through `matching` (index lookup, re-ranking) with the caller's projects only; writes
through `services.confirm_match` / `services.dismiss_match`. Shapes are declared here as
serializers for the OpenAPI schema; they never write.
"""

from __future__ import annotations

import re

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import matching, services
from ..models import ClaimMatch
from .views import ERRORS, WRITE_ERRORS, visible_claim, visible_project

MAX_QUERY = 2000  # characters of text to search for: a claim is a sentence or two
MAX_LIMIT = 20


class MatchedClaimSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    article = serializers.IntegerField(source="article_id")
    quote = serializers.CharField()
    statement = serializers.CharField()


class MatchRatingSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class MatchVerdictSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    rating = MatchRatingSerializer()
    approved_at = serializers.DateTimeField()


class DifferenceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["number", "entity", "negation", "direction"])
    ours = serializers.CharField(help_text="As the searched text has it.")
    theirs = serializers.CharField(help_text="As the earlier claim has it.")


class MatchSerializer(serializers.Serializer):
    claim = MatchedClaimSerializer()
    verdict = MatchVerdictSerializer()
    score = serializers.FloatField(min_value=0, max_value=1)
    same = serializers.BooleanField(
        help_text="The same claim: similar enough and no difference in numbers, named actors "
        "or places, negation or direction. Otherwise only related."
    )
    differences = DifferenceSerializer(many=True)
    decision = serializers.ChoiceField(
        choices=["", *ClaimMatch.Decision.values],
        required=False,
        help_text="For a marked claim: 'same' once a reviewer confirmed the link.",
    )


class MatchListSerializer(serializers.Serializer):
    results = MatchSerializer(many=True)


class MatchDecisionInputSerializer(serializers.Serializer):
    matched = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text="The earlier checked claim's id."
    )


class MatchDecisionSerializer(serializers.Serializer):
    claim = serializers.IntegerField(source="claim_id")
    matched = serializers.IntegerField(source="matched_id")
    decision = serializers.ChoiceField(choices=ClaimMatch.Decision.values)
    decided_at = serializers.DateTimeField()


LIMIT = OpenApiParameter(
    "limit", int, description=f"How many results, 1 to {MAX_LIMIT} (default 5)."
)


def _limit(request) -> int:
    raw = request.query_params.get("limit", "5")
    if not re.fullmatch(r"[0-9]{1,3}", raw) or not 1 <= int(raw) <= MAX_LIMIT:
        raise ValidationError({"limit": f"limit must be a whole number from 1 to {MAX_LIMIT}."})
    return int(raw)


def _render(found: list[matching.Match]) -> Response:
    results = [
        {
            "claim": m.claim,
            "verdict": m.verdict,
            "score": m.score,
            "same": m.same,
            "differences": [d.as_dict() for d in m.differences],
            "decision": m.decision,
        }
        for m in found
    ]
    return Response(MatchListSerializer({"results": results}).data)


class ProjectMatchesApi(APIView):
    """Earlier claims with an approved verdict that match a text (for tools with no claim yet)."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "q", str, required=True, description="The claim's text (up to 2000 characters)."
            ),
            LIMIT,
        ],
        responses={200: MatchListSerializer, **ERRORS},
    )
    def get(self, request, slug):
        project = visible_project(request, slug)
        text = request.query_params.get("q", "").strip()
        if not text:
            raise ValidationError({"q": "q is required: the text of the claim to look up."})
        if len(text) > MAX_QUERY:
            raise ValidationError(
                {"q": f"q is {len(text)} characters long; the limit is {MAX_QUERY}."}
            )
        found = matching.search(
            text,
            project_ids=matching.scope_for(request.user, project),
            limit=_limit(request),
        )
        return _render(found)


class ClaimMatchesApi(APIView):
    """Earlier claims with an approved verdict that match a marked claim (never itself, never a
    dismissed pair); `decision` says which ones a reviewer confirmed."""

    @extend_schema(parameters=[LIMIT], responses={200: MatchListSerializer, **ERRORS})
    def get(self, request, pk):
        claim = visible_claim(request, pk)
        found = matching.matches_for_claim(claim, user=request.user, limit=_limit(request))
        return _render(found)


class ClaimMatchDecisionApi(APIView):
    """Confirm that the claim is the same claim as an earlier checked one, or dismiss it."""

    decision = ClaimMatch.Decision.SAME

    @extend_schema(
        request=MatchDecisionInputSerializer,
        responses={200: MatchDecisionSerializer, **WRITE_ERRORS},
    )
    def post(self, request, pk):
        data = MatchDecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decide = (
            services.confirm_match
            if self.decision == ClaimMatch.Decision.SAME
            else services.dismiss_match
        )
        link = decide(claim_id=pk, matched_id=data.validated_data["matched"], user=request.user)
        return Response(MatchDecisionSerializer(link).data)
