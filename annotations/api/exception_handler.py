"""Map errors to JSON responses with a message that says what to fix.

Domain errors carry their own status (400 validation, 403 not permitted, 404 not visible,
409 invalid transition or conflict, 412 stale version, 413 too large). DRF's own errors are
flattened into the same shape: {"detail": "...", "field": "...", "errors": {...}}.
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ..exceptions import DomainError, StaleVersion


def _flatten(errors, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(errors, dict):
        items = []
        for key, value in errors.items():
            name = key if key != "non_field_errors" else ""
            items += _flatten(value, f"{prefix}.{name}" if prefix and name else prefix or name)
        return items
    if isinstance(errors, list):
        items = []
        for index, value in enumerate(errors):
            nested = isinstance(value, dict | list)
            items += _flatten(value, f"{prefix}[{index}]" if nested else prefix)
        return items
    return [(prefix, str(errors))]


def exception_handler(exc, context):
    """Return the JSON response for `exc`, or None to let Django answer (a real 500)."""
    if isinstance(exc, DomainError):
        body = {"detail": exc.message}
        if exc.field:
            body["field"] = exc.field
        if isinstance(exc, StaleVersion):
            body["current_version"] = exc.current_version
        response = Response(body, status=exc.status_code)
        if isinstance(exc, StaleVersion):
            response["ETag"] = f'"{exc.current_version}"'
        return response
    if isinstance(exc, RequestDataTooBig):
        from django.conf import settings

        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return Response(
            {"detail": f"The request body is larger than the limit of {limit} bytes."},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, Http404):
        message = str(exc) or "Not found."
        return Response({"detail": message}, status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, exceptions.ValidationError):
        pairs = _flatten(exc.detail)
        detail = "; ".join(f"{field}: {msg}" if field else msg for field, msg in pairs)
        body = {"detail": detail or "Invalid input.", "errors": exc.detail}
        if pairs and pairs[0][0]:
            body["field"] = pairs[0][0]
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, exceptions.NotAuthenticated):
        header = getattr(exc, "auth_header", None)
        exc = exceptions.NotAuthenticated(
            "Sign in, or send 'Authorization: Token <key>' (create a token on your account "
            "page or with manage.py create_token)."
        )
        if header:
            exc.auth_header = header
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"detail": str(response.data["detail"])}
    return response
