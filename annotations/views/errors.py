"""Error pages: the API answers in JSON even when no route matched (an id beyond 64 bits, a
mistyped path), the pages in HTML."""

from __future__ import annotations

from django.http import JsonResponse
from django.views import defaults


def page_not_found(request, exception=None):
    """404: JSON under /api/, Django's page (templates/404.html if present) elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": f"No such resource: {request.path} (check the path and the ids in it)."},
            status=404,
        )
    return defaults.page_not_found(request, exception)
