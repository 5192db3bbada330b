"""Request middleware of our own: refuse oversized request bodies with 413 and the limit,
and query strings with NUL characters with 400; mark API reads for the read replica.

Django answers a body above `DATA_UPLOAD_MAX_MEMORY_SIZE` with `RequestDataTooBig`, which its
handler turns into a bare 400 (or, raised inside another middleware, into whatever that
middleware makes of it). `RequestSizeLimitMiddleware` checks the declared `Content-Length`
before anything reads the body and answers 413 with the limit in the message: JSON
`{"detail": ...}` under `/api/` (the same shape as `api/exception_handler.py`), a small HTML page
elsewhere. The same limit also bounds multipart uploads as a whole, so nothing streams an
unbounded body to disk. A `RequestDataTooBig` that still reaches a view (a view that reads a
body without a Content-Length check, e.g. a limit lowered at run time) gets the same answer.

`QueryStringMiddleware` refuses a query string carrying a NUL character (`%00`) with 400:
PostgreSQL cannot store or compare text containing NUL, so any filter or search that passed one
on failed with a 500. One check here covers every page and API parameter.

Nothing here touches the domain; put the business limits (article size, claims per article)
in `services`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpResponse, JsonResponse
from django.utils.html import format_html

API_PREFIX = "/api/"


def _human(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} bytes"


def too_large_message(limit: int) -> str:
    """Return the sentence both the HTML page and the JSON body carry."""
    return (
        f"The request body is larger than the limit of {limit} bytes ({_human(limit)}). "
        "Send less data at once, e.g. split the article or the upload."
    )


def _error_response(request, *, status: int, title: str, message: str) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": message}, status=status)
    page = format_html(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{} · factcheck</title>'
        "</head><body><main><h1>{}</h1><p>{}</p>"
        '<p><a href="/">Back to the dashboard</a></p></main></body></html>',
        title,
        title,
        message,
    )
    return HttpResponse(page, status=status, content_type="text/html; charset=utf-8")


def too_large_response(request) -> HttpResponse:
    """Return the 413 answer for `request` (JSON under /api/, HTML elsewhere)."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return _error_response(
        request, status=413, title="Request too large", message=too_large_message(limit)
    )


def _declared_length(request) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None


class RequestSizeLimitMiddleware:
    """Answer 413 (with the limit) to bodies above DATA_UPLOAD_MAX_MEMORY_SIZE, never a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        length = _declared_length(request)
        if limit is not None and length is not None and length > limit:
            return too_large_response(request)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, RequestDataTooBig):
            return too_large_response(request)
        if isinstance(exception, TooManyFieldsSent):
            limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
            return _error_response(
                request,
                status=400,
                title="Too many form fields",
                message=f"The request has more than the limit of {limit} form fields.",
            )
        return None


class QueryStringMiddleware:
    """Answer 400 to a query string whose names or values contain NUL, naming the parameter."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "%00" in request.META.get("QUERY_STRING", "") or "\x00" in request.META.get(
            "QUERY_STRING", ""
        ):
            for name, values in request.GET.lists():
                if "\x00" in name or any("\x00" in value for value in values):
                    shown = name.replace("\x00", "%00")[:40]
                    return _error_response(
                        request,
                        status=400,
                        title="Invalid query parameter",
                        message=(
                            f"The query parameter {shown!r} contains a NUL character (%00), "
                            "which no search or filter accepts; remove it."
                        ),
                    )
        return self.get_response(request)


class ReplicaReadsMiddleware:
    """Mark API GET/HEAD requests as replica reads (see routers.py); every other request reads
    the primary. Set at the start of every request, never reset at its end: a streamed
    response's body is produced after this returns, in the same thread."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from .routers import read_from_replica

        read_from_replica(request.method in ("GET", "HEAD") and request.path.startswith(API_PREFIX))
        return self.get_response(request)
