"""Living articles over the API: a new version of an article's text (claims re-anchored), its
earlier versions, and re-attaching a claim the new text orphaned.

    GET  POST /api/v1/articles/{id}/versions/   body: {text | html | refetch: true, title?}
    POST      /api/v1/claims/{id}/reattach/     body: {quote} | {start, end}
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import services, tasks
from ..exceptions import NotVisible, ValidationFailed
from ..models import Article, ArticleVersion
from .job_views import JobSerializer
from .views import ERRORS, WRITE_ERRORS, visible_claim


class VersionCreateSerializer(serializers.Serializer):
    text = serializers.CharField(required=False, trim_whitespace=False)
    html = serializers.CharField(required=False, trim_whitespace=False)
    refetch = serializers.BooleanField(
        required=False, help_text="Fetch the article's URL again in a job (answer 202)."
    )
    title = serializers.CharField(required=False, allow_blank=True, max_length=500)

    def validate(self, attrs):
        given = [k for k in ("text", "html") if k in attrs] + (
            ["refetch"] if attrs.get("refetch") else []
        )
        if len(given) != 1:
            raise serializers.ValidationError(
                {"text": "Give exactly one of text, html or refetch."}
            )
        return attrs


class VersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ArticleVersion
        fields = ["number", "title", "text_sha256", "source_url", "source_sha256", "fetched_at",
                  "replaced_at"]  # fmt: skip


class VersionResultSerializer(serializers.Serializer):
    article = serializers.IntegerField()
    version = serializers.IntegerField()
    exact = serializers.ListField(child=serializers.IntegerField())
    fuzzy = serializers.ListField(child=serializers.IntegerField())
    orphaned = serializers.ListField(child=serializers.IntegerField())


class ReattachSerializer(serializers.Serializer):
    quote = serializers.CharField(required=False, trim_whitespace=False, max_length=100_000)
    start = serializers.IntegerField(required=False, min_value=0)
    end = serializers.IntegerField(required=False, min_value=1)

    def validate(self, attrs):
        if ("quote" in attrs) == ("start" in attrs or "end" in attrs):
            raise serializers.ValidationError({"quote": "Give quote, or start and end."})
        return attrs


def visible_article(request, pk) -> Article:
    article = (
        Article.objects.visible_to(request.user).select_related("project").filter(pk=pk).first()
    )
    if article is None:
        raise NotVisible(f"No article with id {pk} in your projects.")
    return article


class ArticleVersionsApi(APIView):
    @extend_schema(responses={200: VersionSerializer(many=True), **ERRORS})
    def get(self, request, pk):
        article = visible_article(request, pk)
        return Response(VersionSerializer(article.versions.all(), many=True).data)

    @extend_schema(
        request=VersionCreateSerializer,
        responses={
            201: VersionResultSerializer,
            202: OpenApiResponse(JobSerializer, description="refetch: an import job was queued."),
            **WRITE_ERRORS,
        },
    )
    def post(self, request, pk):
        article = visible_article(request, pk)
        data = VersionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if values.get("refetch"):
            if not article.url:
                raise ValidationFailed("This article has no URL to fetch again.", field="refetch")
            job = tasks.start_import_job(
                project=article.project, user=request.user, urls=[article.url]
            )
            response = Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
            response["Location"] = f"/api/v1/jobs/{job.pk}/"
            return response
        result = services.add_article_version(
            article_id=article.pk,
            user=request.user,
            text_body=values.get("text"),
            html=values.get("html"),
            title=values.get("title", ""),
        )
        body = {
            "article": result.article.pk,
            "version": result.version,
            "exact": result.exact,
            "fuzzy": result.fuzzy,
            "orphaned": result.orphaned,
        }
        return Response(VersionResultSerializer(body).data, status=status.HTTP_201_CREATED)


class ClaimReattachApi(APIView):
    @extend_schema(
        request=ReattachSerializer,
        responses={200: OpenApiResponse(description="The claim's new span."), **WRITE_ERRORS},
    )
    def post(self, request, pk):
        claim = visible_claim(request, pk)
        data = ReattachSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        claim = services.reattach_claim(claim_id=claim.pk, user=request.user, **data.validated_data)
        return Response(
            {"id": claim.pk, "start": claim.start, "end": claim.end, "quote": claim.quote,
             "anchor": claim.anchor, "text_version": claim.text_version}
        )  # fmt: skip
