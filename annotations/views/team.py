"""Team pages: the researcher export page, project creation and settings, the project history,
members, and the claim browser.

Function-based views like the rest of the HTML app: parse the request, call one service or
selector, render. Every write goes through `services` (or `tasks.start_*` for background work);
a `DomainError` becomes a message beside the field it names. The pages work without
JavaScript and without inline scripts or styles (the CSP forbids both).
"""

from __future__ import annotations

import shlex
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.mail import send_mail
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_POST

from .. import limits, permissions, selectors, services, tasks
from ..api.browser_filters import SORTS, ClaimBrowserFilter, sorted_claims, with_current_verdict
from ..exceptions import DomainError, ValidationFailed
from ..exports.pipeline import FORMATS
from ..exports.rows import export_counts, reviewer_layers_for
from ..forms.team import (
    ExportForm,
    InvitationForm,
    JoinForm,
    LabelForm,
    LabelFormSet,
    MemberAddForm,
    MemberRoleForm,
    NewProjectForm,
    ProjectSettingsForm,
    ScaleVersionForm,
)
from ..models import (
    Article,
    Assignment,
    Claim,
    Event,
    Invitation,
    Job,
    Membership,
    Project,
    RatingLabel,
    Source,
    Verdict,
)
from ..workflow import ANNOTATORS, Role, Status

EXPORT_DEFAULTS = {"format": "jsonl", "status": "approved"}
JOBS_LISTED = 20


def _refused(request, message: str, status: int = 403):
    return render(
        request, "annotations/editorial/refused.html", {"message": message}, status=status
    )


def _visible_project(request, slug: str) -> Project:
    """Return the project among the user's (404 otherwise, never 403)."""
    return get_object_or_404(
        Project.objects.visible_to(request.user).select_related("rating_scale"), slug=slug
    )


# --- Export page ------------------------------------------------------------------------------


def _export_form(request, project: Project, data) -> ExportForm:
    return ExportForm(
        {**EXPORT_DEFAULTS, **data.dict()},
        may_see_identities=permissions.can_export(request.user, project, identities=True),
    )


def _export_query(form: ExportForm) -> str:
    """Return the API query string for the form's (valid) choice, as the user typed it."""
    data = form.cleaned_data
    query = {"format": data["format"], "status": data["status"]}
    if data.get("updated_since"):
        query["updated_since"] = data["updated_since"].strip()
    if data.get("identities"):
        query["identities"] = "1"
    return urlencode(query)


def _commands(request, project: Project, form: ExportForm, query: str) -> dict[str, str]:
    """Return the `curl` and `manage.py export` commands that fetch the same export."""
    options = form.options()
    api_url = request.build_absolute_uri(
        reverse("project-export", kwargs={"slug": project.slug}) + "?" + query
    )
    filename = f"factcheck-{project.slug}-{options.format}.{FORMATS[options.format].extension}"
    curl = (
        'curl --fail --compressed -H "Authorization: Token $FACTCHECK_TOKEN" '
        f"-o {shlex.quote(filename)} {shlex.quote(api_url)}"
    )
    manage = [
        "python", "manage.py", "export", "--project", project.slug,
        "--format", options.format, "--status", options.status,
    ]  # fmt: skip
    if form.cleaned_data.get("updated_since"):
        manage += ["--updated-since", form.cleaned_data["updated_since"].strip()]
    if options.identities:
        manage.append("--identities")
    manage += ["--output", filename]
    return {"curl": curl, "manage": shlex.join(manage)}


def _export_jobs(request, project: Project):
    jobs = Job.objects.filter(project=project, kind=Job.Kind.EXPORT).select_related("created_by")
    if not permissions.can_export(request.user, project, identities=True):
        jobs = jobs.exclude(options__identities=True)
    return list(jobs[:JOBS_LISTED])


@login_required
def project_export(request, slug):
    """Choose an export, see what it will contain, download it or have a file prepared."""
    project = _visible_project(request, slug)
    if not permissions.can_export(request.user, project):
        return _refused(request, "Only researchers, editors and admins of this project export it.")
    form = _export_form(request, project, request.GET)
    context = {"project": project, "form": form, "jobs": _export_jobs(request, project)}
    if form.is_valid():
        options = form.options()
        query = _export_query(form)
        context.update(
            counts=export_counts(
                project=project,
                status=options.status,
                updated_since=options.updated_since,
                reviewer_layers=reviewer_layers_for(request.user, project),
            ),
            options=options,
            query=query,
            download_url=reverse("project-export", kwargs={"slug": project.slug}) + "?" + query,
            commands=_commands(request, project, form, query),
        )
    return render(
        request, "annotations/team/export.html", context, status=200 if form.is_valid() else 400
    )


@login_required
@require_POST
def project_export_job(request, slug):
    """Have a worker prepare the chosen export as a file; back to the export page's job list."""
    project = _visible_project(request, slug)
    if not permissions.can_export(request.user, project):
        return _refused(request, "Only researchers, editors and admins of this project export it.")
    form = _export_form(request, project, request.POST)
    back = reverse("project_export", kwargs={"slug": project.slug})
    if not form.is_valid():
        messages.error(
            request,
            "Check the export choice: "
            + "; ".join(str(error) for errors in form.errors.values() for error in errors),
        )
        return redirect(back)
    try:
        job = tasks.start_export_job(
            project=project,
            user=request.user,
            options=form.options(),
            base_url=request.build_absolute_uri("/"),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(
        request,
        f"Export file #{job.pk} is being prepared; it appears below when ready (reload the page).",
    )
    return redirect(back + "?" + _export_query(form) + "#jobs")


# --- New project, settings, history -----------------------------------------------------------


def may_create_projects(user) -> bool:
    """Superusers and staff start projects (they become the new project's admin)."""
    return bool(getattr(user, "is_authenticated", False) and (user.is_superuser or user.is_staff))


@login_required
def project_create(request):
    """Start a project; its creator becomes its admin."""
    if not may_create_projects(request.user):
        return _refused(request, "Only staff start projects; ask an administrator.")
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


def _admin_project(request, slug: str):
    """Return (project, refusal): refusal is a response unless the user administers it."""
    project = _visible_project(request, slug)
    if not permissions.can_edit_project(request.user, project):
        return project, _refused(request, "Only the project's admins change its settings.")
    return project, None


@login_required
def project_settings(request, slug):
    """Edit a project's settings; every change is one event in the project history."""
    project, refusal = _admin_project(request, slug)
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
    project, refusal = _admin_project(request, slug)
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
    project = _visible_project(request, slug)
    can_edit = permissions.can_edit_project(request.user, project)
    if not can_edit and not permissions.can_review(request.user, project):
        return _refused(request, "Only the project's editors and admins see its members.")
    form = MemberAddForm()
    if request.method == "POST":
        if not can_edit:
            return _refused(request, "Only the project's admins add members.")
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
    project, refusal = _admin_project(request, slug)
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
    project, refusal = _admin_project(request, slug)
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
    project, refusal = _admin_project(request, slug)
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


# --- Claim browser ----------------------------------------------------------------------------

CLAIMS_PER_PAGE = 50


def _browser_choices(project: Project, claim_filter) -> None:
    """Offer the project's rating labels and members as choices (two queries)."""
    form = claim_filter.form
    form.label_suffix = ""
    labels = (
        RatingLabel.objects.filter(
            Q(scale=project.rating_scale_id)
            | Q(pk__in=Verdict.objects.filter(claim__article__project=project).values("rating"))
        )
        .order_by("scale_id", "position", "pk")
        .values_list("slug", "name")
    )
    seen: dict[str, str] = {}
    for slug, name in labels:
        seen.setdefault(slug, name)
    form.fields["rating"] = forms.ChoiceField(
        choices=[("", "Any rating"), *seen.items()], required=False, label="Rating"
    )
    people = Membership.objects.filter(project=project).order_by("user__username")
    usernames = [(u, u) for u in people.values_list("user__username", flat=True)]
    form.fields["reviewer"] = forms.ChoiceField(
        choices=[("", "Anyone"), *usernames], required=False, label="Reviewer"
    )
    form.fields["assignee"] = forms.ChoiceField(
        choices=[("", "Anyone"), *usernames], required=False, label="Article assigned to"
    )
    for name in ("article", "claimant", "has_approved_verdict", "updated_since"):
        form.fields.pop(name, None)  # kept in the API; the page has closer equivalents


class BrowserSortForm(forms.Form):
    sort = forms.ChoiceField(
        choices=[(key, label) for key, (label, _) in SORTS.items()], required=False, label="Sort by"
    )


@login_required
def claim_browser(request, slug):
    """Every claim of a project with its current verdict: filter, search, sort, page."""
    project = _visible_project(request, slug)
    claims = (
        Claim.objects.filter(article__project=project)
        .filter(selectors.layers_visible(request.user, project))  # hidden layers stay hidden
        .select_related("article")
    )
    claims = with_current_verdict(claims, user=request.user, project=project)
    claims = claims.annotate(
        n_sources=Coalesce(
            Subquery(
                Source.objects.filter(claim=OuterRef("pk"))
                .values("claim")
                .annotate(n=Count("pk"))
                .values("n")[:1]
            ),
            0,
        )
    )
    claim_filter = ClaimBrowserFilter(
        request.GET, queryset=claims, request=request, project=project
    )
    _browser_choices(project, claim_filter)
    sort_form = BrowserSortForm(request.GET)
    valid = claim_filter.is_valid() and sort_form.is_valid()
    results = claim_filter.qs if valid else claims.none()
    sort = sort_form.cleaned_data.get("sort") if valid else ""
    results = sorted_claims(results, sort or "new", user=request.user, project=project)
    page = Paginator(results, CLAIMS_PER_PAGE).get_page(request.GET.get("page"))
    verdicts = Verdict.objects.select_related("rating", "reviewer").in_bulk(
        [c.current_verdict_id for c in page if c.current_verdict_id]
    )
    for claim in page:
        claim.current = verdicts.get(claim.current_verdict_id)
    export_query = {}
    if valid:
        data = claim_filter.form.cleaned_data
        export_query["status"] = "approved" if data.get("status") == Status.APPROVED else "all"
        if data.get("created_from"):
            export_query["updated_since"] = data["created_from"].isoformat()
    return render(
        request,
        "annotations/team/claims.html",
        {
            "project": project,
            "filter": claim_filter,
            "form": claim_filter.form,
            "sort_form": sort_form,
            "page": page,
            "can_export": permissions.can_export(request.user, project),
            "export_url": reverse("project_export", kwargs={"slug": project.slug})
            + "?"
            + urlencode(export_query),
        },
        status=200 if valid else 400,
    )


# --- Bulk decisions from the queue ------------------------------------------------------------


def _bulk_choices(values: list[str]) -> list[tuple[int, int | None]]:
    """Parse the ticked "verdict id:version seen" values; raise ValidationFailed on junk."""
    choices = []
    for value in values:
        verdict_id, _, version = value.partition(":")
        if not verdict_id.isdigit() or (version and not version.isdigit()):
            raise ValidationFailed(f"{value!r} is not a verdict of the queue.", field="verdicts")
        choices.append((int(verdict_id), int(version) if version else None))
    return choices


@login_required
@require_POST
def queue_bulk(request, slug):
    """Approve or return the ticked verdicts, one by one; say which succeeded and why not."""
    project = _visible_project(request, slug)
    if not permissions.can_review(request.user, project):
        return _refused(request, "Only editors and admins of this project decide on verdicts.")
    back = reverse("review_queue", kwargs={"slug": project.slug})
    action = request.POST.get("action", "")
    try:
        outcomes = services.review_in_bulk(
            project=project,
            editor=request.user,
            action=action,
            choices=_bulk_choices(request.POST.getlist("verdict")),
            note=request.POST.get("note", "")[: limits.NOTE],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    done = [o for o in outcomes if o.ok]
    verb = "Approved" if action == "approve" else "Returned"
    if done:
        ids = ", ".join(f"#{o.verdict_id}" for o in done)
        messages.success(request, f"{verb} {len(done)} of {len(outcomes)}: {ids}.")
    for outcome in outcomes:
        if not outcome.ok:
            messages.error(
                request, f"Verdict #{outcome.verdict_id} not {verb.lower()}: {outcome.message}"
            )
    return redirect(back)


# --- Assignments ------------------------------------------------------------------------------

ASSIGN_PER_PAGE = 50


def _ids(values: list[str], what: str) -> list[int]:
    if not all(value.isdigit() for value in values):
        raise ValidationFailed(f"Those are not {what} of this project.")
    return [int(value) for value in values]


@login_required
def project_assign(request, slug):
    """List articles with their assignees; editors and admins tick articles and assign them to
    one or several reviewers (each gets every article) or round-robin."""
    project = _visible_project(request, slug)
    if not permissions.can_review(request.user, project):
        return _refused(request, "Only editors and admins of this project assign articles.")
    annotators = list(
        Membership.objects.filter(project=project, role__in=ANNOTATORS)
        .select_related("user")
        .order_by("user__username")
    )
    if request.method == "POST":
        try:
            article_ids = _ids(request.POST.getlist("article"), "articles")
            if request.POST.get("action") == "unassign":
                removed = services.unassign_articles(
                    project=project, actor=request.user, article_ids=article_ids
                )
                messages.success(request, f"Removed {removed} assignment{pluralize(removed)}.")
            else:
                wanted = set(_ids(request.POST.getlist("reviewer"), "reviewers"))
                reviewers = [m.user for m in annotators if m.user_id in wanted]
                if len(reviewers) != len(wanted):
                    raise ValidationFailed("Only the project's annotators can be assigned.")
                created = services.assign_articles(
                    project=project,
                    actor=request.user,
                    article_ids=article_ids,
                    reviewers=reviewers,
                    mode=request.POST.get("mode", "each"),
                )
                messages.success(
                    request, f"Made {len(created)} new assignment{pluralize(len(created))}."
                )
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect(request.get_full_path())
    articles = Article.objects.filter(project=project).defer("text").order_by("-created_at", "-pk")
    page = Paginator(articles, ASSIGN_PER_PAGE).get_page(request.GET.get("page"))
    assignees: dict[int, list[str]] = {}
    for article_id, username in Assignment.objects.filter(
        article_id__in=[a.pk for a in page]
    ).values_list("article_id", "user__username"):
        assignees.setdefault(article_id, []).append(username)
    for article in page:
        article.assignees = sorted(assignees.get(article.pk, []))
    return render(
        request,
        "annotations/team/assign.html",
        {"project": project, "page": page, "annotators": annotators},
    )


@login_required
def next_assignment(request):
    """Open the oldest assigned article the user has not finished (optionally in one project)."""
    project = None
    if slug := request.GET.get("project"):
        project = _visible_project(request, slug)
    for assignment in selectors.assignments_of(user=request.user, project=project):
        if not selectors.is_finished(assignment):
            return redirect(assignment.article)
    messages.info(request, "Nothing assigned to you is left to do.")
    return redirect("dashboard")


# --- Invitations ------------------------------------------------------------------------------


def _mail_invitation(request, invitation, link: str) -> str:
    """Mail the link if an address was given; return what to tell the admin (never raise)."""
    if not invitation.email:
        return ""
    try:
        send_mail(
            f"Invitation to {invitation.project.name} on factcheck",
            f"{request.user.username} invites you to join {invitation.project.name} as "
            f"{invitation.role}.\n\nOpen this link within 7 days (it works once):\n{link}\n",
            None,
            [invitation.email],
        )
    except Exception as exc:  # mail is optional: any failure means "copy the link"
        return f"The link could not be mailed ({type(exc).__name__}); copy it from here."
    return f"The link was mailed to {invitation.email}."


@login_required
def project_invitations(request, slug):
    """List a project's invitations; admins make one (the link is shown once) or revoke one."""
    project, refusal = _admin_project(request, slug)
    if refusal:
        return refusal
    form = InvitationForm(request.POST or None)
    link = mailed = ""
    if request.method == "POST" and form.is_valid():
        try:
            invitation, key = services.create_invitation(
                project=project, actor=request.user, **form.cleaned_data
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            link = request.build_absolute_uri(reverse("invitation_accept", kwargs={"key": key}))
            mailed = _mail_invitation(request, invitation, link)
            form = InvitationForm()
    invitations = list(
        Invitation.objects.filter(project=project).select_related("created_by", "accepted_by")[:50]
    )
    response = render(
        request,
        "annotations/team/invitations.html",
        {
            "project": project,
            "form": form,
            "invitations": invitations,
            "link": link,
            "mailed": mailed,
        },
        status=400 if form.errors else 200,
    )
    response["Cache-Control"] = "no-store"  # the link is shown once
    return response


@login_required
@require_POST
def invitation_revoke(request, slug, pk):
    project, refusal = _admin_project(request, slug)
    if refusal:
        return refusal
    invitation = get_object_or_404(Invitation, project=project, pk=pk)
    services.revoke_invitation(invitation=invitation, actor=request.user)
    messages.success(request, f"Revoked invitation #{invitation.pk}.")
    return redirect("project_invitations", slug=project.slug)


def invitation_accept(request, key):
    """Join a project through an invitation: signed in, with one click; otherwise by making an
    account here (or signing in first)."""
    try:
        invitation = services.find_invitation(key)
    except DomainError as exc:
        return render(
            request, "annotations/editorial/refused.html", {"message": exc.message}, status=404
        )
    signed_in = request.user.is_authenticated
    form = None if signed_in else JoinForm(request.POST or None)
    if request.method == "POST":
        user = request.user
        if not signed_in:
            if not form.is_valid():
                return _invitation_page(request, invitation, key, form, status=400)
            with transaction.atomic():
                user = form.save()
        try:
            services.accept_invitation(key=key, user=user)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("dashboard" if signed_in else "login")
        if not signed_in:
            login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
        messages.success(
            request, f"Welcome to {invitation.project.name}: you are {invitation.role}."
        )
        return redirect(invitation.project)
    return _invitation_page(request, invitation, key, form)


def _invitation_page(request, invitation, key, form, status=200):
    response = render(
        request,
        "annotations/team/invitation_accept.html",
        {"invitation": invitation, "form": form, "key": key},
        status=status,
    )
    response["Cache-Control"] = "no-store"
    # The key is in the address: never send it to other sites. (Not "no-referrer": Chromium
    # then posts the form with "Origin: null", which the CSRF check rightly refuses.)
    response["Referrer-Policy"] = "same-origin"
    return response
