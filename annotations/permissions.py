"""Who may do what: a handful of predicates over a user's roles in a project.

Views and services ask these questions; DRF permission classes wrap them. Objects of projects a
user is not a member of are never fetched (querysets' `.visible_to`), so they come back 404,
not 403. A superuser acts as an admin of every project.
"""

from __future__ import annotations

from .models import Membership, Project, Verdict
from .workflow import Role

ANNOTATORS = frozenset({Role.REVIEWER, Role.EDITOR, Role.ADMIN})
EDITORS = frozenset({Role.EDITOR, Role.ADMIN})
READERS_OF_EXPORTS = frozenset({Role.RESEARCHER, Role.EDITOR, Role.ADMIN})


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
    """Approve or return verdicts in the project (own verdicts excepted, see `can_approve`)."""
    return bool(roles_in(user, project) & EDITORS)


def can_approve(user, verdict: Verdict, project=None) -> bool:
    """Approve or return `verdict`: an editor or admin of its project who did not write it."""
    project = project or verdict.claim.article.project_id
    return verdict.reviewer_id != user.pk and can_review(user, project)


def can_export(user, project, *, identities: bool = False) -> bool:
    """Export the project's corpus; annotator identities only for admins."""
    roles = roles_in(user, project)
    if identities:
        return Role.ADMIN in roles
    return bool(roles & READERS_OF_EXPORTS)
