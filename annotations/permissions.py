"""Who may do what: a handful of predicates over a user's roles in a project.

Views and services ask these questions; DRF permission classes wrap them. The role groups
come from `workflow`; what may be done to a verdict is `workflow.allowed_actions`, not here. Objects of projects a
user is not a member of are never fetched (querysets' `.visible_to`), so they come back 404,
not 403. A superuser acts as an admin of every project.
"""

from __future__ import annotations

from .models import Membership, Project
from .workflow import ANNOTATORS, EDITORS, EXPORTERS, Role, allowed_actions


def roles_in(user, project: Project | int) -> set[str]:
    """Return the roles `user` holds in `project` (superusers hold admin everywhere)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    if user.is_superuser:
        return {Role.ADMIN}
    project_id = project if isinstance(project, int) else project.pk
    cache = getattr(user, "_factcheck_roles", None)
    if cache is None:
        cache = user._factcheck_roles = {}
    if project_id not in cache:
        cache[project_id] = set(
            Membership.objects.filter(user=user, project_id=project_id).values_list(
                "role", flat=True
            )
        )
    return cache[project_id]


def remember_roles(user, project_id: int, roles: set[str]) -> None:
    """Record `user`'s roles in a project read by a query that fetched them along the way."""
    cache = getattr(user, "_factcheck_roles", None)
    if cache is None:
        cache = user._factcheck_roles = {}
    cache[project_id] = set(roles)


def forget_roles(user) -> None:
    """Drop the per-request role cache (after a membership change)."""
    if hasattr(user, "_factcheck_roles"):
        del user._factcheck_roles


def is_member(user, project) -> bool:
    return bool(roles_in(user, project))


def can_annotate(user, project) -> bool:
    """Mark claims, attach sources, write verdicts."""
    return bool(roles_in(user, project) & ANNOTATORS)


def can_edit_project(user, project) -> bool:
    """Change a project's settings and members."""
    return Role.ADMIN in roles_in(user, project)


def can_review(user, project) -> bool:
    """See the review queue of the project (whether a given verdict may be approved is
    `workflow.allowed_actions`: never one's own)."""
    return bool(roles_in(user, project) & EDITORS)


def can_export(user, project, *, identities: bool = False) -> bool:
    """Export the project's corpus; annotator identities only for admins."""
    roles = roles_in(user, project)
    if identities:
        return Role.ADMIN in roles
    return bool(roles & EXPORTERS)


def verdict_actions(user, verdict) -> frozenset[str]:
    """Return what `user` may do to `verdict` now (`workflow.allowed_actions` for their roles)."""
    project_id = verdict.claim.article.project_id
    return allowed_actions(
        status=verdict.status,
        roles=roles_in(user, project_id),
        is_author=verdict.reviewer_id == getattr(user, "pk", None),
    )
