"""Background jobs on Django's tasks framework (`django.tasks`), run by `manage.py db_worker`.

A job is a `Job` row (what was asked, progress, outcomes, the file it wrote); the task is the
code that does it, enqueued with the job's id. Tasks are safe to run twice and to be killed:
they take the job with a compare-and-set, write files under a temporary name and move them into
place at the end, and record completion last. Starting a job is `start_*` (a service-like
function the API and pages call); the worker calls the `@task` functions.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import logging
import os
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from . import permissions
from .exceptions import NotPermitted
from .exports import pipeline
from .models import Job, Project, User

log = logging.getLogger(__name__)


# --- Export files -----------------------------------------------------------------------------


def start_export_job(
    *, project: Project, user: User, options: pipeline.ExportOptions, base_url: str
) -> Job:
    """Queue an export of `project` to a gzip file; return the job (state "queued")."""
    if not permissions.can_export(user, project, identities=options.identities):
        raise NotPermitted(
            "Only admins export annotator identities."
            if options.identities
            else "Only researchers, editors and admins export."
        )
    stored_options = {
        "format": options.format,
        "status": options.status,
        "updated_since": options.updated_since.isoformat() if options.updated_since else None,
        "identities": options.identities,
        "base_url": base_url,
    }
    with transaction.atomic():
        job = Job.objects.create(
            project=project, kind=Job.Kind.EXPORT, options=stored_options, created_by=user
        )
        # Enqueue once the job row is committed, so a fast worker never misses it.
        transaction.on_commit(lambda: _enqueue(run_export_job, job))
    return job


def _enqueue(task_function, job: Job) -> None:
    result = task_function.enqueue(job.pk)
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id))


def _claim(job_id: int) -> Job | None:
    """Move a queued (or interrupted) job to running; None if it is already finished."""
    updated = Job.objects.filter(pk=job_id, state__in=[Job.State.QUEUED, Job.State.RUNNING]).update(
        state=Job.State.RUNNING, started_at=timezone.now()
    )
    return Job.objects.select_related("project__rating_scale").get(pk=job_id) if updated else None


@task()
def run_export_job(job_id: int) -> dict:
    """Write the export a job asks for to `exports/<project>/<job>.<ext>.gz` with its digest."""
    job = _claim(job_id)
    if job is None:
        return {"skipped": "finished already"}
    prune_expired_exports()
    try:
        return _write_export(job)
    except Exception as exc:
        log.exception("export job %s failed", job_id)
        Job.objects.filter(pk=job_id).update(
            state=Job.State.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise


def _write_export(job: Job) -> dict:
    opts = job.options
    options = pipeline.ExportOptions(
        format=opts["format"],
        status=opts["status"],
        updated_since=dt.datetime.fromisoformat(opts["updated_since"])
        if opts.get("updated_since")
        else None,
        identities=opts["identities"],
    )
    progress = {"articles": 0}

    def on_chunk(rows) -> None:
        progress["articles"] += len(rows)
        Job.objects.filter(pk=job.pk).update(done=progress["articles"])

    export = pipeline.run_export(
        project=job.project, options=options, base_url=opts["base_url"], on_chunk=on_chunk
    )
    Job.objects.filter(pk=job.pk).update(total=export.context.counts["articles"])
    name = f"exports/{job.project.slug}/{job.pk}-{export.filename}.gz"
    final = Path(default_storage.path(name))
    final.parent.mkdir(parents=True, exist_ok=True)
    partial = final.with_name(final.name + ".part")
    digest = hashlib.sha256()
    size = 0
    with open(partial, "wb") as raw:
        with gzip.GzipFile(fileobj=_Digesting(raw, digest), mode="wb", mtime=0) as zipped:
            for chunk in export.stream:
                zipped.write(chunk)
        size = raw.tell()
    os.replace(partial, final)
    now = timezone.now()
    counts = {**export.context.counts, **export.stats}
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.DONE,
        file=name,
        size=size,
        sha256=digest.hexdigest(),
        counts=counts,
        done=progress["articles"],
        finished_at=now,
        expires_at=now + dt.timedelta(days=settings.FACTCHECK["EXPORT_FILE_DAYS"]),
    )
    return {"file": name, "size": size, "sha256": digest.hexdigest()}


class _Digesting:
    """A write-only file wrapper that feeds what passes through into a hash."""

    def __init__(self, raw, digest) -> None:
        self.raw, self.digest = raw, digest

    def write(self, data) -> int:
        self.digest.update(data)
        return self.raw.write(data)

    def flush(self) -> None:
        self.raw.flush()


def prune_expired_exports(now: dt.datetime | None = None) -> int:
    """Delete export files past their expiry; return how many were removed."""
    now = now or timezone.now()
    removed = 0
    for job in Job.objects.filter(kind=Job.Kind.EXPORT, expires_at__lt=now).exclude(file=""):
        if default_storage.exists(job.file):
            default_storage.delete(job.file)
        Job.objects.filter(pk=job.pk).update(file="", size=None)
        removed += 1
    return removed
