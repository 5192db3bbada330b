"""App configuration: registers the system checks and the `<id:...>` URL converter."""

from django.apps import AppConfig
from django.urls import register_converter


class AnnotationsConfig(AppConfig):
    name = "annotations"
    verbose_name = "Fact-check annotations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the checks)
        from .params import IdConverter

        # Before any URLconf is loaded: routes use <id:pk> so a 20-digit id is a 404, not a 500.
        register_converter(IdConverter, "id")
