"""OpenAPI generation tweaks for drf-spectacular: names that keep the two page shapes apart.

A cursor page (`{next, previous, results}`) and a numbered page (`{count, next, previous,
results}`) of the same serializer would otherwise share one component name, and whichever is
generated last would describe both, so clients (and schemathesis) would be told the wrong shape.
"""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework.pagination import CursorPagination


class AutoSchema(SpectacularAutoSchema):
    def get_paginated_name(self, serializer_name: str) -> str:
        paginator = self._get_paginator()
        if isinstance(paginator, CursorPagination):
            return f"{serializer_name}CursorPage"
        return super().get_paginated_name(serializer_name)
