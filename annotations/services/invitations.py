"""Invitations: one-time links that make their holder a member of a project with a role.

The link's key is random and long; only its SHA-256 digest is stored (like API tokens), so the
key is shown once, to the admin who made it. An invitation is valid for `VALID_FOR`, can be
revoked, and is used up by the first person who accepts it. Each change is an event.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.utils import timezone

from .. import permissions
from ..exceptions import Conflict, NotPermitted, NotVisible, ValidationFailed
from ..models import Invitation, Membership, Project, User
from ..tokens import digest
from ..workflow import Role
from .common import record_event
from .projects import add_member

VALID_FOR = dt.timedelta(days=7)
KEY_PREFIX = "inv_"


@transaction.atomic
def create_invitation(
    *, project: Project, actor: User, role: str, email: str = ""
) -> tuple[Invitation, str]:
    """Make an invitation to `project` with `role`; return it and its key (shown once)."""
    if not permissions.can_edit_project(actor, project):
        raise NotPermitted("Only the project's admins invite people.")
    if role not in Role.values:
        raise ValidationFailed(
            f"Unknown role {role!r}; use one of {', '.join(Role.values)}.", field="role"
        )
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        project=project,
        role=role,
        key_hash=digest(key),
        email=email.strip(),
        created_by=actor,
        expires_at=timezone.now() + VALID_FOR,
    )
    record_event(
        project_id=project.pk,
        actor=actor,
        action="invite",
        target=invitation,
        changes={
            "role": role,
            "email": invitation.email,
            "expires_at": invitation.expires_at.isoformat(),
        },
    )
    return invitation, key


@transaction.atomic
def revoke_invitation(*, invitation: Invitation, actor: User) -> Invitation:
    """Revoke a pending invitation (idempotent)."""
    if not permissions.can_edit_project(actor, invitation.project):
        raise NotPermitted("Only the project's admins revoke invitations.")
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.revoked_at is None and invitation.accepted_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        record_event(
            project_id=invitation.project_id,
            actor=actor,
            action="revoke_invitation",
            target=invitation,
        )
    return invitation


def find_invitation(key: str, *, for_update: bool = False) -> Invitation:
    """Return the pending invitation with this key, or raise NotVisible saying why not."""
    invitations = Invitation.objects.select_related("project")
    if for_update:
        invitations = invitations.select_for_update(of=("self",))
    invitation = invitations.filter(key_hash=digest(key or "")).first()
    if invitation is None:
        raise NotVisible("This invitation link is not valid; ask the project admin for a new one.")
    state = invitation.state()
    if state != "pending":
        raise NotVisible(
            f"This invitation was {state}; ask the project admin for a new one."
            if state != "accepted"
            else "This invitation has been used already; ask the project admin for a new one."
        )
    return invitation


@transaction.atomic
def accept_invitation(*, key: str, user: User) -> Membership:
    """Make `user` a member of the invitation's project with its role; use the invitation up.

    Locks the invitation row, so two people opening the same link cannot both join.
    """
    invitation = find_invitation(key, for_update=True)
    if Membership.objects.filter(project=invitation.project, user=user).exists():
        raise Conflict(
            f"You are already a member of {invitation.project.name}; the invitation is left "
            "for someone else."
        )
    membership = add_member(
        project=invitation.project, user=user, role=invitation.role, actor=invitation.created_by
    )
    invitation.accepted_by = user
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_by", "accepted_at"])
    record_event(
        project_id=invitation.project_id,
        actor=user,
        action="accept_invitation",
        target=invitation,
        changes={"user": user.username, "role": invitation.role},
    )
    return membership
