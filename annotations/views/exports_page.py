"""The researcher export page: counts, a streamed download, export files prepared as
background jobs, and the equivalent API and command lines.

Function-based views like the rest of the HTML app: parse the request, call one service or
selector, render. Every write goes through `services` (or `tasks.start_*` for background
work); a `DomainError` becomes a message beside the field it names. The pages work without
JavaScript and without inline scripts or styles (the CSP forbids both).
"""

from __future__ import annotations

import shlex
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from .. import permissions, tasks
from ..exceptions import DomainError
from ..exports.pipeline import FORMATS
from ..exports.rows import export_counts, reviewer_layers_for
from ..forms.team import (
    ExportForm,
)
from ..models import (
    Job,
    Project,
)
from .team import refused, visible_project

EXPORT_DEFAULTS = {"format": "jsonl", "status": "approved"}
JOBS_LISTED = 20


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
    project = visible_project(request, slug)
    if not permissions.can_export(request.user, project):
        return refused(request, "Only researchers, editors and admins of this project export it.")
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
    project = visible_project(request, slug)
    if not permissions.can_export(request.user, project):
        return refused(request, "Only researchers, editors and admins of this project export it.")
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
