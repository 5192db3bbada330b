"""App configuration: registers the system checks, the `<id:...>` URL converter and the
search-index guard."""

from django.apps import AppConfig
from django.urls import register_converter


class AnnotationsConfig(AppConfig):
    name = "annotations"
    verbose_name = "Fact-check annotations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import checks  # noqa: F401  (registers the checks)
        from .params import IdConverter

        # Before any URLconf is loaded: routes use <id:pk> so a 20-digit id is a 404, not a 500.
        register_converter(IdConverter, "id")

        post_migrate.connect(_ensure_search_index, sender=self)


def _ensure_search_index(sender, using="default", **kwargs) -> None:
    """Put back the claims' full-text index if a table rebuild dropped part of it (SQLite)."""
    from django.db import connections

    from . import search_index

    search_index.ensure(connections[using])
