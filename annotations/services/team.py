"""Services of the team pages: adding a member named by username or email, and new versions of
a project's rating scale. Membership itself (`add_member`, `remove_member`) and project settings
(`update_project`) live in `projects`; these build on them, so every change is still one
`Event` in the project's history."""

from __future__ import annotations

from django.db.models import Q

from ..exceptions import Conflict, ValidationFailed
from ..models import Membership, Project, User
from .projects import add_member


def add_member_by_name(*, project: Project, who: str, role: str, actor: User) -> Membership:
    """Give the existing user whose username or email address is `who` a role in `project`."""
    name = who.strip()
    if not name:
        raise ValidationFailed("Type a username or an email address.", field="who")
    matches = list(
        User.objects.filter(Q(username__iexact=name) | Q(email__iexact=name), is_active=True)[:2]
    )
    exact = [user for user in matches if user.username == name]
    if exact:
        matches = exact
    if not matches:
        raise ValidationFailed(
            f"No active user has the username or email address {name!r}; check the spelling, "
            "or send them an invitation.",
            field="who",
        )
    if len(matches) > 1:
        raise Conflict(
            f"Several users have the email address {name!r}; type the username instead.",
            field="who",
        )
    return add_member(project=project, user=matches[0], role=role, actor=actor)
