"""Services for projects and their members."""

from __future__ import annotations

import importlib

from django.apps import apps as django_apps
from django.db import transaction

from .. import permissions
from ..exceptions import Conflict, ValidationFailed
from ..models import Membership, Project, RatingScale, User
from ..workflow import Role
from .common import http_url, model_plain, record_event
from .layers import check_can_share


def ensure_default_scale() -> RatingScale:
    """Return the newest default rating scale, creating it (as its data migration does) if a
    database flush removed it."""
    scale = RatingScale.objects.filter(slug="default").order_by("-version").first()
    if scale is None:
        migration = importlib.import_module("annotations.migrations.0002_default_rating_scale")
        migration.create_default_scale(django_apps, None)
        scale = RatingScale.objects.get(slug="default", version=1)
    return scale


@transaction.atomic
def create_project(
    *,
    creator: User,
    slug: str,
    name: str,
    rating_scale: RatingScale | None = None,
    organisation_name: str = "",
    organisation_url: str = "",
    description: str = "",
    required_verdicts: int = 1,
) -> Project:
    """Create a project with the default rating scale; the creator becomes its admin."""
    if Project.objects.filter(slug=slug).exists():
        raise Conflict(f"A project with the slug {slug!r} already exists.", field="slug")
    if not 1 <= required_verdicts <= 5:
        raise ValidationFailed(
            "required_verdicts must be between 1 and 5.", field="required_verdicts"
        )
    scale = rating_scale or ensure_default_scale()
    project = Project.objects.create(
        slug=slug,
        name=model_plain(Project, "name", name),
        description=model_plain(Project, "description", description),
        organisation_name=model_plain(Project, "organisation_name", organisation_name),
        organisation_url=http_url(organisation_url, field="organisation_url", required=False),
        rating_scale=scale,
        required_verdicts=required_verdicts,
    )
    add_member(project=project, user=creator, role=Role.ADMIN, actor=creator)
    record_event(project_id=project.pk, actor=creator, action="create", target=project)
    return project


def _next_pseudonym(project: Project) -> str:
    """Return the next free "annotator-N" of the project; pseudonyms are never reused."""
    taken = Membership.objects.filter(project=project).values_list("pseudonym", flat=True)
    numbers = [int(p.rsplit("-", 1)[1]) for p in taken if p.rsplit("-", 1)[-1].isdigit()]
    return f"annotator-{max(numbers, default=0) + 1}"


def _keep_an_admin(project: Project, leaving: Membership) -> None:
    """Refuse to leave a project without an admin (the project row is locked by the caller)."""
    others = Membership.objects.filter(project=project, role=Role.ADMIN).exclude(pk=leaving.pk)
    if not others.exists():
        raise Conflict(
            f"{leaving.user.username} is the last admin of {project.name}; make another member "
            "admin first."
        )


@transaction.atomic
def add_member(*, project: Project, user: User, role: str, actor: User | None = None) -> Membership:
    """Give `user` a role in `project` (or change it), with a stable export pseudonym.

    Locks the project row so two additions never hand out the same pseudonym.
    """
    if role not in Role.values:
        raise ValidationFailed(f"Unknown role {role!r}; use one of {', '.join(Role.values)}.")
    Project.objects.select_for_update().filter(pk=project.pk).first()
    membership = Membership.objects.filter(project=project, user=user).first()
    if membership is None:
        membership = Membership.objects.create(
            project=project, user=user, role=role, pseudonym=_next_pseudonym(project)
        )
        action = "add_member"
        changes = {"user": user.username, "role": role}
    else:
        if membership.role == Role.ADMIN and role != Role.ADMIN:
            _keep_an_admin(project, membership)
        changes = {"user": user.username, "role": {"from": membership.role, "to": role}}
        membership.role = role
        membership.save(update_fields=["role"])
        action = "change_role"
    permissions.forget_roles(user)
    record_event(
        project_id=project.pk, actor=actor, action=action, target=membership, changes=changes
    )
    return membership


# What project settings a project admin may change, and how each is checked.
PROJECT_SETTINGS = (
    "independent_spans",
    "name",
    "description",
    "organisation_name",
    "organisation_url",
    "methodology_url",
    "corrections_policy_url",
    "suggest_threshold",
    "required_verdicts",
    "rating_scale",
)


@transaction.atomic
def update_project(*, project: Project, actor: User | None, **fields) -> Project:
    """Change a project's settings; one event lists what changed (from and to)."""
    unknown = set(fields) - set(PROJECT_SETTINGS)
    if unknown:
        raise ValidationFailed(f"Cannot change {', '.join(sorted(unknown))} of a project.")
    project = Project.objects.select_for_update().get(pk=project.pk)
    values = {}
    for name, value in fields.items():
        if name.endswith("_url"):
            values[name] = http_url(value, field=name, required=False)
        elif name == "required_verdicts":
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
                raise ValidationFailed(
                    "required_verdicts must be between 1 and 5.", field="required_verdicts"
                )
            values[name] = value
        elif name == "suggest_threshold":
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
                raise ValidationFailed(
                    "suggest_threshold must be a number from 0 to 1.", field="suggest_threshold"
                )
            values[name] = float(value)
        elif name == "independent_spans":
            if not isinstance(value, bool):
                raise ValidationFailed(
                    "independent_spans must be true or false.", field="independent_spans"
                )
            if not value and project.independent_spans:
                check_can_share(project)
            values[name] = value
        elif name == "rating_scale":
            if not isinstance(value, RatingScale):
                raise ValidationFailed("Choose a rating scale.", field="rating_scale")
            values[name] = value
        else:
            values[name] = model_plain(Project, name, value)
    if "name" in values and not values["name"]:
        raise ValidationFailed("The project needs a name.", field="name")
    changes = {}
    for name, value in values.items():
        old = getattr(project, name)
        if old != value:
            changes[name] = {"from": str(old), "to": str(value)}
            setattr(project, name, value)
    if changes:
        project.save(update_fields=list(changes))
        record_event(
            project_id=project.pk,
            actor=actor,
            action="update_project",
            target=project,
            changes=changes,
        )
    return project


@transaction.atomic
def remove_member(*, project: Project, user: User, actor: User | None = None) -> None:
    """Take `user` out of `project`. Their work stays (exports name them former-member-N)."""
    Project.objects.select_for_update().filter(pk=project.pk).first()
    membership = Membership.objects.filter(project=project, user=user).first()
    if membership is None:
        return
    if membership.role == Role.ADMIN:
        _keep_an_admin(project, membership)
    record_event(
        project_id=project.pk,
        actor=actor,
        action="remove_member",
        target=membership,
        changes={"user": user.username, "role": membership.role},
    )
    membership.delete()
    permissions.forget_roles(user)
