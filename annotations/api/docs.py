"""The OpenAPI schema and the interactive docs, for signed-in users and token holders only.

drf-spectacular serves both to anyone by default. Here they take DRF's usual authentication
(token or session) and `IsAuthenticated`: an anonymous API client gets 401 with the usual JSON
message; an anonymous browser opening the docs page is sent to the sign-in page and back.
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated
from rest_framework.permissions import IsAuthenticated


class SchemaApi(SpectacularAPIView):
    """The OpenAPI 3 schema (signed-in users and tokens)."""

    permission_classes = [IsAuthenticated]


class DocsPage(SpectacularSwaggerSplitView):
    """Swagger UI over the schema; anonymous browsers are sent to sign in first."""

    permission_classes = [IsAuthenticated]

    def handle_exception(self, exc):
        sent_token = "Authorization" in self.request.headers
        if isinstance(exc, NotAuthenticated | AuthenticationFailed) and not sent_token:
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)
