"""Background jobs over the API: export files prepared by a worker, their progress, and the
download (with `Range`, so a large file can be fetched in parts or resumed).

    POST /api/v1/projects/{slug}/exports/   {format?, status?, updated_since?, identities?} -> 202
    GET  /api/v1/projects/{slug}/exports/   the project's export jobs, newest first
    POST /api/v1/projects/{slug}/imports/   {urls: [...]} or a multipart `file` (.jsonl/.zip/.html)
    GET  /api/v1/projects/{slug}/imports/   the project's import jobs, newest first
    GET  /api/v1/jobs/{id}/                 one job: state, progress, counts, outcomes, file
    GET  /api/v1/jobs/{id}/download/        the gzip file (206 for a Range; 416 if unsatisfiable)
"""

from __future__ import annotations

import re

from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import permissions, tasks
from ..exceptions import Conflict, NotPermitted, NotVisible
from ..exports.pipeline import FORMATS, parse_options
from ..models import Job
from .pagination import SmallPagination
from .serializers import ErrorSerializer
from .views import ERRORS, WRITE_ERRORS, visible_project


class JobSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    project = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    download = serializers.SerializerMethodField()
    page = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "id", "project", "kind", "state", "options", "created_by", "created_at",
            "started_at", "finished_at", "done", "total", "counts", "outcomes", "error",
            "size", "sha256", "expires_at", "download", "page",
        ]  # fmt: skip

    def get_page(self, job) -> str:
        return f"/projects/{job.project.slug}/jobs/{job.pk}/"

    def get_download(self, job) -> str | None:
        if job.state != Job.State.DONE or not job.file:
            return None
        return f"/api/v1/jobs/{job.pk}/download/"


class ExportJobCreateSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=list(FORMATS), required=False, default="jsonl")
    status = serializers.ChoiceField(choices=["approved", "all"], required=False)
    updated_since = serializers.CharField(required=False, max_length=64)
    identities = serializers.BooleanField(required=False, default=False)


def _may_read(user, job: Job) -> bool:
    if job.kind == Job.Kind.EXPORT:
        return permissions.can_export(
            user, job.project_id, identities=bool(job.options.get("identities"))
        )
    return permissions.is_member(user, job.project_id)


def visible_job(request, pk) -> Job:
    try:
        job = (
            Job.objects.visible_to(request.user).select_related("project", "created_by").get(pk=pk)
        )
    except (Job.DoesNotExist, ValueError, OverflowError):
        raise NotVisible(f"No job with id {pk} in your projects.") from None
    if not _may_read(request.user, job):
        raise NotPermitted("Your role in this project may not read this job.")
    return job


class ProjectExportJobsApi(generics.ListAPIView):
    """Export files of a project: list them, or ask a worker to prepare one."""

    serializer_class = JobSerializer
    pagination_class = SmallPagination
    queryset = Job.objects.none()

    def get_queryset(self):
        project = visible_project(self.request, self.kwargs["slug"])
        if not permissions.can_export(self.request.user, project):
            raise NotPermitted("Only researchers, editors and admins export.")
        jobs = Job.objects.filter(project=project, kind=Job.Kind.EXPORT)
        if not permissions.can_export(self.request.user, project, identities=True):
            jobs = jobs.exclude(options__identities=True)
        return jobs.select_related("project", "created_by")

    @extend_schema(
        request=ExportJobCreateSerializer, responses={202: JobSerializer, **WRITE_ERRORS}
    )
    def post(self, request, slug):
        project = visible_project(request, slug)
        data = ExportJobCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        options = parse_options(
            format=data.validated_data["format"],
            status=data.validated_data.get("status"),
            updated_since=data.validated_data.get("updated_since"),
            identities=data.validated_data["identities"],
        )
        job = tasks.start_export_job(
            project=project,
            user=request.user,
            options=options,
            base_url=request.build_absolute_uri("/"),
        )
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class ImportJobCreateSerializer(serializers.Serializer):
    urls = serializers.ListField(
        child=serializers.CharField(max_length=2000),
        required=False,
        max_length=tasks.MAX_IMPORT_URLS,
        help_text="Pages to fetch and import, one article each.",
    )
    file = serializers.FileField(
        required=False, help_text="A .jsonl, .zip or saved .html page (multipart)."
    )

    def validate(self, attrs):
        if ("urls" in attrs) == ("file" in attrs):
            raise serializers.ValidationError({"urls": "Give urls or a file (exactly one)."})
        return attrs


class ProjectImportJobsApi(generics.ListAPIView):
    """Bulk imports of a project: list them, or queue one (a worker runs it)."""

    serializer_class = JobSerializer
    pagination_class = SmallPagination
    queryset = Job.objects.none()

    def get_queryset(self):
        project = visible_project(self.request, self.kwargs["slug"])
        return Job.objects.filter(project=project, kind=Job.Kind.IMPORT).select_related(
            "project", "created_by"
        )

    @extend_schema(
        request=ImportJobCreateSerializer, responses={202: JobSerializer, **WRITE_ERRORS}
    )
    def post(self, request, slug):
        project = visible_project(request, slug)
        data = ImportJobCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = tasks.start_import_job(
            project=project,
            user=request.user,
            urls=data.validated_data.get("urls"),
            upload=data.validated_data.get("file"),
        )
        response = Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
        response["Location"] = f"/api/v1/jobs/{job.pk}/"
        return response


class JobDetailApi(APIView):
    @extend_schema(responses={200: JobSerializer, **ERRORS})
    def get(self, request, pk):
        return Response(JobSerializer(visible_job(request, pk)).data)


RANGE = re.compile(r"bytes=(\d*)-(\d*)")


class JobDownloadApi(APIView):
    """The file a job wrote. `Range: bytes=a-b` gives 206 with that part."""

    @extend_schema(
        responses={
            200: OpenApiResponse(OpenApiTypes.BINARY, description="The gzip file."),
            206: OpenApiResponse(OpenApiTypes.BINARY, description="The requested range."),
            409: OpenApiResponse(ErrorSerializer, description="Not finished, or expired."),
            416: OpenApiResponse(description="The range is outside the file."),
            **ERRORS,
        }
    )
    def get(self, request, pk):
        job = visible_job(request, pk)
        if job.state != Job.State.DONE:
            raise Conflict(f"Job #{job.pk} is {job.state}; download it when it is done.")
        if not job.file or not default_storage.exists(job.file):
            raise Conflict(f"The file of job #{job.pk} has expired; start a new export.")
        size = default_storage.size(job.file)
        name = job.file.rsplit("/", 1)[-1]
        header = request.headers.get("Range", "").strip()
        match = RANGE.fullmatch(header) if header else None
        if header and (match is None or "," in header or match.groups() == ("", "")):
            match = None
            header = ""  # malformed or multiple ranges: ignore, send the whole file (RFC 9110)
        if match is None:
            response = FileResponse(
                default_storage.open(job.file, "rb"),
                as_attachment=True,
                filename=name,
                content_type="application/gzip",
            )
            response["Accept-Ranges"] = "bytes"
            response["X-Checksum-Sha256"] = job.sha256
            return response
        first, last = match.groups()
        if first == "":  # the last N bytes
            start, end = max(0, size - int(last)), size - 1
        else:
            start = int(first)
            end = min(int(last), size - 1) if last else size - 1
        if start >= size or start > end:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        response = StreamingHttpResponse(
            _read_range(job.file, start, end - start + 1),
            status=206,
            content_type="application/gzip",
        )
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
        response["Accept-Ranges"] = "bytes"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


def _read_range(path: str, start: int, length: int, block: int = 64 * 1024):
    with default_storage.open(path, "rb") as handle:
        handle.seek(start)
        while length > 0:
            data = handle.read(min(block, length))
            if not data:
                return
            length -= len(data)
            yield data
