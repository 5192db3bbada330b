"""Team pages: creating a project, its settings and rating-scale versions, the project
history and the members. The team's other pages are `exports_page`, `claim_browser`,
`assignments` and `invitations`, which share `refused`, `visible_project` and `admin_project`
from here.

Function-based views like the rest of the HTML app: parse the request, call one service or
selector, render. Every write goes through `services` (or `tasks.start_*` for background
work); a `DomainError` becomes a message beside the field it names. The pages work without
JavaScript and without inline scripts or styles (the CSP forbids both).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from .. import permissions, selectors, services
from ..exceptions import DomainError
from ..forms.team import (
    LabelForm,
    LabelFormSet,
    MemberAddForm,
    MemberRoleForm,
    NewProjectForm,
    ProjectSettingsForm,
    ScaleVersionForm,
)
from ..models import (
    Event,
    Membership,
    Project,
)
from ..workflow import Role


def refused(request, message: str, status: int = 403):
    return render(
        request, "annotations/editorial/refused.html", {"message": message}, status=status
    )


def visible_project(request, slug: str) -> Project:
    """Return the project among the user's (404 otherwise, never 403)."""
    return get_object_or_404(
        Project.objects.visible_to(request.user).select_related("rating_scale"), slug=slug
    )


# --- New project, settings, history -----------------------------------------------------------


def may_create_projects(user) -> bool:
    """Superusers and staff start projects (they become the new project's admin)."""
    return bool(getattr(user, "is_authenticated", False) and (user.is_superuser or user.is_staff))


@login_required
def project_create(request):
    """Start a project; its creator becomes its admin."""
    if not may_create_projects(request.user):
        return refused(request, "Only staff start projects; ask an administrator.")
    form = NewProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.create_project(creator=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"Created {project.name}. Add its members next.")
            return redirect("project_members", slug=project.slug)
    return render(
        request,
        "annotations/team/project_new.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


def admin_project(request, slug: str):
    """Return (project, refusal): refusal is a response unless the user administers it."""
    project = visible_project(request, slug)
    if not permissions.can_edit_project(request.user, project):
        return project, refused(request, "Only the project's admins change its settings.")
    return project, None


@login_required
def project_settings(request, slug):
    """Edit a project's settings; every change is one event in the project history."""
    project, refusal = admin_project(request, slug)
    if refusal:
        return refusal
    form = ProjectSettingsForm(
        request.POST or None, initial=ProjectSettingsForm.initial_for(project)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_project(project=project, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, "Saved the project settings.")
            return redirect("project_settings", slug=project.slug)
    return render(
        request,
        "annotations/team/settings.html",
        {
            "project": project,
            "form": form,
            "scale": project.rating_scale,
            "labels": list(project.rating_scale.labels.all()),
            "scale_version_url": reverse("project_scale_version", kwargs={"slug": project.slug}),
        },
        status=400 if form.errors else 200,
    )


HISTORY_TARGETS = ("project", "membership", "ratingscale", "invitation", "assignment")
EVENTS_PER_PAGE = 50


@login_required
def project_history(request, slug):
    """List the changes to a project's settings, scale and members, newest first."""
    project, refusal = admin_project(request, slug)
    if refusal:
        return refusal
    events = (
        Event.objects.filter(project=project, target_type__in=HISTORY_TARGETS)
        .select_related("actor")
        .order_by("-at", "-pk")
    )
    page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "annotations/team/history.html", {"project": project, "page": page})


# --- Members ----------------------------------------------------------------------------------


@login_required
def project_members(request, slug):
    """List members with their role and last activity; admins add, re-role and remove them."""
    project = visible_project(request, slug)
    can_edit = permissions.can_edit_project(request.user, project)
    if not can_edit and not permissions.can_review(request.user, project):
        return refused(request, "Only the project's editors and admins see its members.")
    form = MemberAddForm()
    if request.method == "POST":
        if not can_edit:
            return refused(request, "Only the project's admins add members.")
        form = MemberAddForm(request.POST)
        if form.is_valid():
            try:
                membership = services.add_member_by_name(
                    project=project,
                    who=form.cleaned_data["who"],
                    role=form.cleaned_data["role"],
                    actor=request.user,
                )
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                messages.success(
                    request, f"{membership.user.username} is now {membership.role} here."
                )
                return redirect("project_members", slug=project.slug)
    return render(
        request,
        "annotations/team/members.html",
        {
            "project": project,
            "form": form,
            "can_edit": can_edit,
            "members": selectors.members_with_activity(project=project),
            "roles": Role.choices,
        },
        status=400 if form.errors else 200,
    )


def _member_of(project: Project, user_id: int):
    membership = (
        Membership.objects.filter(project=project, user_id=user_id).select_related("user").first()
    )
    if membership is None:
        raise Http404("No such member.")
    return membership


@login_required
@require_POST
def member_role(request, slug, user_id):
    """Change a member's role (takes effect on their next request)."""
    project, refusal = admin_project(request, slug)
    if refusal:
        return refusal
    membership = _member_of(project, user_id)
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the roles.")
    else:
        try:
            services.add_member(
                project=project, user=membership.user, role=form.cleaned_data["role"],
                actor=request.user,
            )  # fmt: skip
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, f"{membership.user.username} is now {form.cleaned_data['role']}."
            )
    return redirect("project_members", slug=project.slug)


@login_required
@require_POST
def member_remove(request, slug, user_id):
    """Remove a member; their work stays, their access ends on their next request."""
    project, refusal = admin_project(request, slug)
    if refusal:
        return refusal
    membership = _member_of(project, user_id)
    try:
        services.remove_member(project=project, user=membership.user, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Removed {membership.user.username} from {project.name}.")
    if membership.user == request.user:
        return redirect("dashboard")
    return redirect("project_members", slug=project.slug)


@login_required
def scale_version(request, slug):
    """Make a new version of the project's rating scale from the current one's labels."""
    project, refusal = admin_project(request, slug)
    if refusal:
        return refusal
    base = project.rating_scale
    labels = list(base.labels.all())
    if request.method == "POST":
        form = ScaleVersionForm(request.POST)
        formset = LabelFormSet(request.POST, prefix="labels")
        if form.is_valid() and formset.is_valid():
            # Blank extra rows come back with empty cleaned_data; ticked rows are dropped.
            rows = [
                {k: v for k, v in row.cleaned_data.items() if k != "DELETE"}
                for row in formset.forms
                if row.cleaned_data and not row.cleaned_data.get("DELETE")
            ]
            try:
                scale = services.create_scale_version(
                    project=project, actor=request.user, labels=rows,
                    name=form.cleaned_data["name"],
                )  # fmt: skip
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                messages.success(request, f"{project.name} now rates with {scale}.")
                return redirect("project_settings", slug=project.slug)
    else:
        form = ScaleVersionForm(initial={"name": base.name})
        formset = LabelFormSet(
            prefix="labels", initial=[LabelForm.initial_for(label) for label in labels]
        )
    return render(
        request,
        "annotations/team/scale_version.html",
        {
            "project": project,
            "base": base,
            "in_use": base.in_use(),
            "form": form,
            "formset": formset,
        },
        status=400 if request.method == "POST" else 200,
    )
