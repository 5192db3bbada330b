"""API for check-worthiness: "Not a claim" on a sentence, and training a project's model.

The sentences themselves, with `score`, `suggested` and `reasons`, come with the article
(`GET /api/v1/articles/{id}/`).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from ..models import Project
from ..services import checkworthiness as services
from . import serializers as s
from .views import ERRORS, WRITE_ERRORS, visible_project


class SentenceDismissalApi(APIView):
    """POST marks an article's sentence "Not a claim" (idempotent); DELETE undoes it."""

    @extend_schema(request=None, responses={201: s.SentenceDismissalSerializer, **WRITE_ERRORS})
    def post(self, request, pk, index):
        dismissal = services.dismiss_sentence(article_id=pk, index=index, user=request.user)
        return Response(
            s.SentenceDismissalSerializer(dismissal).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=None, responses={204: None, **ERRORS})
    def delete(self, request, pk, index):
        services.restore_sentence(article_id=pk, index=index, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CheckworthinessModelSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    labels = serializers.IntegerField()
    positives = serializers.IntegerField()
    precision = serializers.FloatField()
    recall = serializers.FloatField()
    f1 = serializers.FloatField()
    folds = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class CheckworthinessTrainApi(APIView):
    """POST trains the project's check-worthiness model (admins); the answer carries its
    cross-validated precision, recall and F1."""

    @extend_schema(request=None, responses={201: CheckworthinessModelSerializer, **WRITE_ERRORS})
    def post(self, request, slug):
        project: Project = visible_project(request, slug)
        model = services.train_checkworthiness(project=project, user=request.user)
        return Response(CheckworthinessModelSerializer(model).data, status=status.HTTP_201_CREATED)
