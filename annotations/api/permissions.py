"""DRF permission classes for the JSON API, thin wrappers over `annotations.permissions`.

Most role checks happen in the services (every write asks `can_annotate` or `workflow`),
so one rule holds for the pages and the API. The classes here guard the few reads that need a
role beyond membership. A project the caller cannot see passes the check so that the view's
`.visible_to(user)` lookup answers 404, never 403: outsiders must not learn a project exists.
"""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from .. import permissions
from ..models import Project


def _project_of(request, view) -> Project | None:
    slug = view.kwargs.get("slug")
    return Project.objects.visible_to(request.user).filter(slug=slug).first() if slug else None


class CanReviewProject(BasePermission):
    """The caller is an editor or admin of the project named by the URL's slug."""

    message = "Only the project's editors and admins see the review queue."

    def has_permission(self, request, view) -> bool:
        project = _project_of(request, view)
        return project is None or permissions.can_review(request.user, project)
