"""Reusable query filters: `.visible_to(user)` on every model a user can reach, and the few
named states the workflow needs (`.awaiting_approval()`, `.approved()`, ...).

Visibility is membership: a user sees a project's data only if they are a member of it.
Superusers see everything.
"""

from __future__ import annotations

from django.db import models

from .workflow import Status


def _member_filter(user, path: str) -> models.Q:
    return models.Q(**{f"{path}memberships__user": user})


class ProjectQuerySet(models.QuerySet):
    def visible_to(self, user) -> ProjectQuerySet:
        """Return the projects `user` is a member of (all for a superuser, none for anonymous)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(memberships__user=user).distinct()


class _ProjectScoped(models.QuerySet):
    project_path = ""  # path from this model to its project, with a trailing "__"

    def visible_to(self, user):
        """Return the rows of projects `user` is a member of."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.is_superuser:
            return self.all()
        from .models import Membership

        project_ids = Membership.objects.filter(user=user).values("project_id")
        return self.filter(**{f"{self.project_path}project_id__in": project_ids})

    def in_project(self, project):
        return self.filter(**{f"{self.project_path}project": project})


class ArticleQuerySet(_ProjectScoped):
    project_path = ""


class ClaimQuerySet(_ProjectScoped):
    project_path = "article__"


class SourceQuerySet(_ProjectScoped):
    project_path = "claim__article__"


class VerdictQuerySet(_ProjectScoped):
    project_path = "claim__article__"

    def awaiting_approval(self):
        return self.filter(status=Status.SUBMITTED)

    def approved(self):
        return self.filter(status=Status.APPROVED)

    def current(self):
        """Verdicts that are not superseded or withdrawn."""
        return self.exclude(status__in=[Status.SUPERSEDED, Status.WITHDRAWN])


class EventQuerySet(_ProjectScoped):
    project_path = ""

    def update(self, **kwargs):  # pragma: no cover - guard
        raise TypeError("Events are append-only; they are never updated.")

    def delete(self):  # pragma: no cover - guard
        raise TypeError("Events are append-only; they are never deleted.")


class JobQuerySet(_ProjectScoped):
    project_path = ""
