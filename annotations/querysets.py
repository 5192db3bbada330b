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


def layer_visibility(user, claim_path: str = "") -> models.Q:
    """Return a Q over claims (at `claim_path`, with a trailing "__") that hides reviewer layers
    `user` may not see yet; combine it with membership (`visible_to` does).

    The rule of independent span annotation (`Project.independent_spans`): curated claims are
    everyone's; a reviewer-layer claim is seen by its owner, by the project's editors and admins,
    and by anyone else only once its owner has finished the article (`LayerCompletion`) and,
    if they annotate in the project themselves, once they have finished it too. Shared projects
    show every claim to every member.
    """
    from .models import LayerCompletion, Membership
    from .workflow import ANNOTATORS, EDITORS

    if not getattr(user, "is_authenticated", False):
        return models.Q(pk__in=[])
    if user.is_superuser:
        return models.Q()
    project = models.OuterRef(f"{claim_path}article__project")
    article = models.OuterRef(f"{claim_path}article")
    role_in = Membership.objects.filter(project=project, user=user)
    owner_finished = LayerCompletion.objects.filter(
        article=article, user=models.OuterRef(f"{claim_path}created_by")
    )
    viewer_finished = LayerCompletion.objects.filter(article=article, user=user)
    return (
        models.Q(**{f"{claim_path}layer": "curated"})
        | models.Q(**{f"{claim_path}article__project__independent_spans": False})
        | models.Q(**{f"{claim_path}created_by": user})
        | models.Q(models.Exists(role_in.filter(role__in=EDITORS)))
        | (
            models.Q(models.Exists(owner_finished))
            & (
                models.Q(models.Exists(viewer_finished))
                | ~models.Q(models.Exists(role_in.filter(role__in=ANNOTATORS)))
            )
        )
    )


class ClaimQuerySet(_ProjectScoped):
    project_path = "article__"

    def visible_to(self, user) -> ClaimQuerySet:
        """Return the claims of `user`'s projects that `user` may see (`layer_visibility`)."""
        return super().visible_to(user).filter(layer_visibility(user))

    def curated(self) -> ClaimQuerySet:
        """The claims that get verdicts: the curated layer (every claim of a shared project)."""
        return self.filter(layer="curated")


class SourceQuerySet(_ProjectScoped):
    project_path = "claim__article__"

    def visible_to(self, user) -> SourceQuerySet:
        """Return the sources on claims `user` may see (`layer_visibility`)."""
        return super().visible_to(user).filter(layer_visibility(user, "claim__"))


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
