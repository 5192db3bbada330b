"""JSON API views: parse and validate input, call one service or selector, render.

Objects of projects the caller is not a member of are looked up through `.visible_to(user)`
and answer 404. Writes go through `services`; their domain errors become JSON responses in
`exception_handler`. Verdict reads carry `ETag: "<version>"`; writes take `If-Match`.
"""

from __future__ import annotations

import hashlib
import re

import orjson
from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import APIException, ParseError, PermissionDenied
from rest_framework.filters import OrderingFilter
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import permissions, selectors, services, tasks
from ..models import Article, Assignment, Claim, Event, Project, Source, User, Verdict
from ..params import parse_id
from . import serializers as s
from .browser_filters import ArticleAssigneeFilter, ClaimBrowserFilter
from .filters import SourceFilter, VerdictFilter
from .pagination import IdCursorPagination, SmallPagination
from .permissions import CanReviewProject

ERRORS = {
    400: OpenApiResponse(
        s.ErrorSerializer, description="Invalid input; the message says what to fix."
    ),
    401: OpenApiResponse(s.ErrorSerializer, description="Not signed in, or unknown token."),
    403: OpenApiResponse(s.ErrorSerializer, description="Your role does not allow this."),
    404: OpenApiResponse(s.ErrorSerializer, description="No such object in your projects."),
}
WRITE_ERRORS = {
    **ERRORS,
    409: OpenApiResponse(s.ErrorSerializer, description="Conflicts with the current state."),
    413: OpenApiResponse(s.ErrorSerializer, description="Larger than a configured limit."),
}
VERSIONED_ERRORS = {
    **WRITE_ERRORS,
    412: OpenApiResponse(
        s.ErrorSerializer, description="Stale If-Match; body has current_version."
    ),
}
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    description='The verdict\'s ETag, e.g. "3". Optional: without it the action applies to '
    "whatever the current version is.",
)
IF_MATCH_REQUIRED = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=True,
    pattern=r'^(W/)?"?\d{1,10}"?$',
    description='The verdict\'s ETag from your last GET, e.g. "3" (428 without it, 412 if stale).',
)


class PreconditionRequired(APIException):
    status_code = 428
    default_detail = 'Send If-Match with the verdict\'s ETag (e.g. If-Match: "3"); GET it first.'


def parse_if_match(request, *, required: bool) -> int | None:
    """Return the version in If-Match, None if absent and optional."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        if required:
            raise PreconditionRequired()
        return None
    match = re.fullmatch(r'(?:W/)?"?(\d{1,10})"?', header)
    if not match:
        raise ParseError(f'If-Match must be the verdict\'s ETag, e.g. "3" (got {header[:40]!r}).')
    return int(match.group(1))


def visible_project(request, slug: str) -> Project:
    return get_object_or_404(
        Project.objects.visible_to(request.user).select_related("rating_scale"), slug=slug
    )


def visible_claim(request, pk) -> Claim:
    return selectors.readable_claim(
        request.user, pk, Claim.objects.select_related("article__project")
    )


def verdict_queryset(base=None):
    """Return verdicts (of `base`, default all) with what VerdictSerializer reads, prefetched."""
    base = Verdict.objects.all() if base is None else base
    return base.select_related("rating", "reviewer", "approved_by").prefetch_related("sources")


def verdict_response(verdict: Verdict, *, code: int = status.HTTP_200_OK) -> Response:
    verdict = verdict_queryset().get(pk=verdict.pk)
    response = Response(s.VerdictSerializer(verdict).data, status=code)
    response["ETag"] = verdict.etag
    return response


def verdict_summaries(user, project: Project) -> Prefetch:
    """Return the prefetch of a claim's verdicts `user` may read, as the article detail shows."""
    verdicts = (
        Verdict.objects.filter(selectors.readable_verdicts(user, project))
        .select_related("rating", "reviewer")
        .order_by("created_at", "pk")
    )
    return Prefetch("verdicts", queryset=verdicts)


def claim_response(request, claim: Claim, *, code: int = status.HTTP_200_OK) -> Response:
    """Render one claim with the summaries of the verdicts the caller may read."""
    claim = Claim.objects.select_related("created_by", "article__project").get(pk=claim.pk)
    prefetch_related_objects([claim], verdict_summaries(request.user, claim.article.project))
    return Response(s.ClaimWithVerdictsSerializer(claim).data, status=code)


def validated(serializer_class, request, **kwargs):
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- Projects --------------------------------------------------------------------------------


class ProjectListApi(generics.ListAPIView):
    """The projects you are a member of; staff may create one (they become its admin)."""

    serializer_class = s.ProjectSerializer
    pagination_class = SmallPagination

    def get_queryset(self):
        return (
            Project.objects.visible_to(self.request.user)
            .select_related("rating_scale")
            .prefetch_related("rating_scale__labels")
            .order_by("name", "pk")
        )

    @extend_schema(
        request=s.ProjectCreateSerializer, responses={201: s.ProjectSerializer, **WRITE_ERRORS}
    )
    def post(self, request):
        if not request.user.is_staff:
            raise PermissionDenied("Only staff can create projects; ask an administrator.")
        data = validated(s.ProjectCreateSerializer, request)
        project = services.create_project(creator=request.user, **data)
        return Response(
            s.ProjectSerializer(project, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class ProjectDetailApi(APIView):
    @extend_schema(responses={200: s.ProjectSerializer, **ERRORS})
    def get(self, request, slug):
        project = visible_project(request, slug)
        return Response(s.ProjectSerializer(project, context={"request": request}).data)

    @extend_schema(
        request=s.ProjectUpdateSerializer, responses={200: s.ProjectSerializer, **WRITE_ERRORS}
    )
    def patch(self, request, slug):
        """Change the project's settings (admins); see ProjectUpdateSerializer."""
        project = visible_project(request, slug)
        if not permissions.can_edit_project(request.user, project):
            raise PermissionDenied("Only the project's admins change its settings.")
        data = validated(s.ProjectUpdateSerializer, request)
        project = services.update_project(project=project, actor=request.user, **data)
        project = visible_project(request, slug)
        return Response(s.ProjectSerializer(project, context={"request": request}).data)


class ProjectArticlesApi(generics.ListAPIView):
    """A project's articles (without text; GET an article for its text and claims)."""

    queryset = Article.objects.none()  # for the schema; get_queryset scopes it
    serializer_class = s.ArticleListSerializer
    pagination_class = IdCursorPagination
    filterset_class = ArticleAssigneeFilter  # ArticleFilter + assignee

    def get_queryset(self):
        project = visible_project(self.request, self.kwargs["slug"])
        return (
            Article.objects.filter(project=project)
            .select_related("project")
            .prefetch_related(
                Prefetch("assignments", queryset=Assignment.objects.select_related("user"))
            )
            .defer("text")
        )

    @extend_schema(
        request=s.ArticleCreateSerializer,
        responses={
            201: s.ArticleSerializer,
            202: OpenApiResponse(
                description="fetch_url: an import job was queued (GET /api/v1/jobs/{id}/)."
            ),
            **WRITE_ERRORS,
        },
    )
    def post(self, request, slug):
        project = visible_project(request, slug)
        data = validated(s.ArticleCreateSerializer, request)
        if "fetch_url" in data:
            # Fetching and extracting a page can take many seconds: a worker does it.
            from . import job_views

            job = tasks.start_import_job(
                project=project, user=request.user, urls=[data["fetch_url"]]
            )
            response = Response(job_views.JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
            response["Location"] = f"/api/v1/jobs/{job.pk}/"
            return response
        article = services.import_article(
            project=project,
            creator=request.user,
            title=data["title"],
            text_body=data.get("text"),
            html=data.get("html"),
            url=data.get("url", ""),
            publisher=data.get("publisher", ""),
            author=data.get("author", ""),
            published_at=data.get("published_at"),
            language=data.get("language", ""),
        )
        return Response(s.ArticleSerializer(article).data, status=status.HTTP_201_CREATED)


class ProjectClaimsApi(generics.ListAPIView):
    queryset = Claim.objects.none()  # for the schema; get_queryset scopes it
    serializer_class = s.ClaimWithVerdictsSerializer
    pagination_class = IdCursorPagination
    filterset_class = ClaimBrowserFilter  # ClaimFilter + the claim browser's filters

    def get_queryset(self):
        project = visible_project(self.request, self.kwargs["slug"])
        return (
            Claim.objects.filter(article__project=project)
            .filter(selectors.layers_visible(self.request.user, project))
            .select_related("created_by")
            .prefetch_related(verdict_summaries(self.request.user, project))
        )


class ProjectSourcesApi(generics.ListAPIView):
    queryset = Source.objects.none()  # for the schema; get_queryset scopes it
    serializer_class = s.SourceSerializer
    pagination_class = IdCursorPagination
    filterset_class = SourceFilter

    def get_queryset(self):
        project = visible_project(self.request, self.kwargs["slug"])
        return (
            Source.objects.filter(claim__article__project=project)
            .filter(selectors.layers_visible(self.request.user, project, "claim__"))
            .select_related("added_by")
        )


class ProjectVerdictsApi(generics.ListAPIView):
    """Every verdict you may read in the project, filterable by status, rating, reviewer..."""

    queryset = Verdict.objects.none()  # for the schema; get_queryset scopes it
    serializer_class = s.VerdictSerializer
    pagination_class = IdCursorPagination
    filterset_class = VerdictFilter
    filter_backends = [*generics.ListAPIView.filter_backends, OrderingFilter]
    ordering_fields = ["pk", "updated_at", "created_at"]

    def get_queryset(self):
        project = visible_project(self.request, self.kwargs["slug"])
        return verdict_queryset(selectors.verdicts_readable_by(self.request.user, project))


class ProjectQueueApi(generics.ListAPIView):
    """Submitted verdicts awaiting an editor, oldest submission first (editors and admins)."""

    queryset = Verdict.objects.none()  # for the schema; get_queryset scopes it
    serializer_class = s.VerdictSerializer
    pagination_class = SmallPagination
    permission_classes = [IsAuthenticated, CanReviewProject]

    def get_queryset(self):
        project = visible_project(self.request, self.kwargs["slug"])
        params = self.request.query_params
        article = parse_id(params, "article")
        reviewer = None
        if params.get("reviewer"):
            reviewer = (
                User.objects.filter(username=params["reviewer"])
                .values_list("pk", flat=True)
                .first()
                or -1
            )
        return selectors.review_queue_for(
            user=self.request.user,
            project=project,
            article_id=article,
            reviewer_id=reviewer,
            rating=params.get("rating") or None,
        ).select_related("approved_by")


# --- Articles and claims ---------------------------------------------------------------------


class ArticleDetailApi(APIView):
    """One article: text, sentences, claims and the verdicts you may read.

    Built from rows in at most four queries and rendered with orjson; `ETag` is a digest of the
    body and of the caller, so `If-None-Match` answers 304 when nothing you can see has changed,
    and never serves one user's view (with independent spans, their own layer) to another.
    """

    @extend_schema(responses={200: s.ArticleDetailSerializer, 304: None, **ERRORS})
    def get(self, request, pk):
        data = selectors.article_detail_data(article_id=pk, user=request.user)
        body = orjson.dumps(data)
        digest = hashlib.sha256(f"{request.user.pk}:".encode())
        digest.update(body)
        etag = f'"{digest.hexdigest()[:32]}"'
        if etag in _etags(request.headers.get("If-None-Match", "")):
            response = HttpResponse(status=status.HTTP_304_NOT_MODIFIED)
        else:
            response = HttpResponse(body, content_type="application/json")
        response["ETag"] = etag
        response["Cache-Control"] = "private, no-cache"
        return response


def _etags(header: str) -> set[str]:
    """Return the entity tags of an If-None-Match header (weak ones compare as strong)."""
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


class ArticleClaimsApi(generics.ListAPIView):
    """An article's claims with their readable verdicts; POST marks a new one."""

    queryset = Claim.objects.none()  # for the schema; get_queryset scopes it
    serializer_class = s.ClaimWithVerdictsSerializer
    pagination_class = IdCursorPagination

    def get_queryset(self):
        article = selectors.readable_article(
            self.request.user, self.kwargs["pk"], Article.objects.select_related("project")
        )
        return (
            Claim.objects.filter(article=article)
            .filter(selectors.layers_visible(self.request.user, article.project))
            .select_related("created_by")
            .prefetch_related(verdict_summaries(self.request.user, article.project))
        )

    @extend_schema(
        request=s.ClaimCreateSerializer,
        responses={201: s.ClaimWithVerdictsSerializer, **WRITE_ERRORS},
    )
    def post(self, request, pk):
        data = validated(s.ClaimCreateSerializer, request)
        claim = services.mark_claim(article_id=pk, user=request.user, **data)
        return claim_response(request, claim, code=status.HTTP_201_CREATED)


class ClaimDetailApi(APIView):
    @extend_schema(responses={200: s.ClaimWithVerdictsSerializer, **ERRORS})
    def get(self, request, pk):
        claim = selectors.readable_claim(request.user, pk)
        return claim_response(request, claim)

    @extend_schema(
        request=s.ClaimUpdateSerializer,
        responses={200: s.ClaimWithVerdictsSerializer, **WRITE_ERRORS},
    )
    def patch(self, request, pk):
        data = validated(s.ClaimUpdateSerializer, request)
        claim = services.update_claim(claim_id=pk, user=request.user, **data)
        return claim_response(request, claim)

    @extend_schema(responses={204: None, **WRITE_ERRORS})
    def delete(self, request, pk):
        services.delete_claim(claim_id=pk, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ClaimSourcesApi(generics.ListAPIView):
    queryset = Source.objects.none()  # for the schema; get_queryset scopes it
    serializer_class = s.SourceSerializer
    pagination_class = IdCursorPagination

    def get_queryset(self):
        claim = selectors.readable_claim(self.request.user, self.kwargs["pk"])
        return Source.objects.filter(claim=claim).select_related("added_by")

    @extend_schema(
        request=s.SourceCreateSerializer, responses={201: s.SourceSerializer, **WRITE_ERRORS}
    )
    def post(self, request, pk):
        data = validated(s.SourceCreateSerializer, request)
        source = services.attach_source(claim_id=pk, user=request.user, **data)
        return Response(s.SourceSerializer(source).data, status=status.HTTP_201_CREATED)


class SourceDetailApi(APIView):
    """One source; edit or remove it while no submitted or approved verdict cites it (409)."""

    @extend_schema(responses={200: s.SourceSerializer, **ERRORS})
    def get(self, request, pk):
        source = selectors.readable_source(
            request.user, pk, Source.objects.select_related("added_by")
        )
        return Response(s.SourceSerializer(source).data)

    @extend_schema(
        request=s.SourceUpdateSerializer, responses={200: s.SourceSerializer, **WRITE_ERRORS}
    )
    def patch(self, request, pk):
        data = validated(s.SourceUpdateSerializer, request)
        source = services.update_source(source_id=pk, user=request.user, **data)
        return Response(s.SourceSerializer(source).data)

    @extend_schema(responses={204: None, **WRITE_ERRORS})
    def delete(self, request, pk):
        services.remove_source(source_id=pk, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ClaimVerdictsApi(generics.ListAPIView):
    """The claim's verdicts you may read; POST starts your draft."""

    queryset = Verdict.objects.none()  # for the schema; get_queryset scopes it
    serializer_class = s.VerdictSerializer
    pagination_class = SmallPagination

    def get_queryset(self):
        claim = visible_claim(self.request, self.kwargs["pk"])
        visible_here = selectors.verdicts_readable_by(self.request.user, claim.article.project)
        return verdict_queryset(visible_here.filter(claim=claim)).order_by("created_at", "pk")

    @extend_schema(
        request=s.VerdictCreateSerializer, responses={201: s.VerdictSerializer, **WRITE_ERRORS}
    )
    def post(self, request, pk):
        data = validated(s.VerdictCreateSerializer, request)
        verdict = services.draft_verdict(claim_id=pk, reviewer=request.user, **data)
        return verdict_response(verdict, code=status.HTTP_201_CREATED)


class ClaimHistoryApi(generics.ListAPIView):
    """The claim's timeline: every change to it, its sources and the verdicts you may read."""

    queryset = Event.objects.none()  # for the schema; get_queryset scopes it
    serializer_class = s.EventSerializer
    pagination_class = SmallPagination

    def get_queryset(self):
        claim = visible_claim(self.request, self.kwargs["pk"])
        return selectors.claim_history_for(claim=claim, user=self.request.user)


class ArticleFinishApi(APIView):
    """Your layer of an article with independent spans: "I've finished this article".

    POST marks your layer finished (idempotent): other reviewers who finished too, and
    researchers, then see it, and you can no longer change it. DELETE takes the mark back
    ("I'm not finished"), refused with 409 once an editor started curating the article.
    Both answer with your layer's state. 400 in a project that shares its claims.
    """

    @extend_schema(responses={200: s.LayerStateSerializer, **ERRORS})
    def get(self, request, pk):
        return Response(selectors.layer_state(article_id=pk, user=request.user))

    @extend_schema(request=None, responses={200: s.LayerStateSerializer, **WRITE_ERRORS})
    def post(self, request, pk):
        services.finish_article(article_id=pk, user=request.user)
        return Response(selectors.layer_state(article_id=pk, user=request.user))

    @extend_schema(request=None, responses={200: s.LayerStateSerializer, **WRITE_ERRORS})
    def delete(self, request, pk):
        services.reopen_article(article_id=pk, user=request.user)
        return Response(selectors.layer_state(article_id=pk, user=request.user))


# --- Verdicts --------------------------------------------------------------------------------


def visible_verdict(request, pk) -> Verdict:
    """Return a verdict the caller may read (`selectors.readable_verdict`), or 404.

    Editors and admins also read returned verdicts: an editor who tries to approve a verdict
    another editor has just returned must learn that it was returned (409), not that it
    vanished (404).
    """
    return selectors.readable_verdict(request.user, pk, verdict_queryset())


class VerdictDetailApi(APIView):
    @extend_schema(responses={200: s.VerdictSerializer, **ERRORS})
    def get(self, request, pk):
        verdict = visible_verdict(request, pk)
        response = Response(s.VerdictSerializer(verdict).data)
        response["ETag"] = verdict.etag
        return response

    @extend_schema(
        request=s.VerdictUpdateSerializer,
        parameters=[IF_MATCH_REQUIRED],
        responses={200: s.VerdictSerializer, 428: s.ErrorSerializer, **VERSIONED_ERRORS},
    )
    def patch(self, request, pk):
        visible_verdict(request, pk)
        version = parse_if_match(request, required=True)
        data = validated(s.VerdictUpdateSerializer, request)
        verdict = services.update_verdict(verdict_id=pk, user=request.user, version=version, **data)
        return verdict_response(verdict)


class VerdictTransitionApi(APIView):
    """POST submit/ approve/ return/ withdraw/ with an optional If-Match and {note}."""

    action = ""

    @extend_schema(
        request=s.NoteSerializer,
        parameters=[IF_MATCH],
        responses={200: s.VerdictSerializer, **VERSIONED_ERRORS},
    )
    def post(self, request, pk):
        visible_verdict(request, pk)
        version = parse_if_match(request, required=False)
        note = validated(s.NoteSerializer, request).get("note", "")
        user = request.user
        if self.action == "submit":
            verdict = services.submit_verdict(verdict_id=pk, user=user, version=version)
        elif self.action == "approve":
            verdict = services.approve_verdict(
                verdict_id=pk, editor=user, version=version, note=note
            )
        elif self.action == "return":
            verdict = services.return_verdict(
                verdict_id=pk, editor=user, version=version, note=note
            )
        else:
            verdict = services.withdraw_verdict(
                verdict_id=pk, user=user, version=version, note=note
            )
        return verdict_response(verdict)


class VerdictCorrectApi(APIView):
    """Propose a correction of an approved verdict: a new draft that supersedes it once approved."""

    @extend_schema(
        request=s.CorrectionSerializer, responses={201: s.VerdictSerializer, **WRITE_ERRORS}
    )
    def post(self, request, pk):
        visible_verdict(request, pk)
        data = validated(s.CorrectionSerializer, request)
        verdict = services.correct_verdict(verdict_id=pk, user=request.user, **data)
        return verdict_response(verdict, code=status.HTTP_201_CREATED)
