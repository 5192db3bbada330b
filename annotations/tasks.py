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
import tempfile
import time
import uuid
import zipfile
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.tasks import task
from django.utils import timezone

from . import permissions
from .exceptions import Conflict, DomainError, NotPermitted, TooLarge, ValidationFailed
from .exports import pipeline
from .exports.rows import reviewer_layers_for
from .importers import RecordError, article_file_limit, read_file
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
    now = timezone.now()
    updated = Job.objects.filter(pk=job_id, state__in=[Job.State.QUEUED, Job.State.RUNNING]).update(
        state=Job.State.RUNNING, started_at=now, heartbeat_at=now
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
    progress = {"articles": 0, "saved": time.monotonic()}

    def on_chunk(rows) -> None:
        # A progress write at most twice a second: one per chunk was 1,000 write transactions
        # at 100,000 articles, each competing with the desk's writes on SQLite.
        progress["articles"] += len(rows)
        if time.monotonic() - progress["saved"] >= 0.5:
            progress["saved"] = time.monotonic()
            Job.objects.filter(pk=job.pk).update(
                done=progress["articles"], heartbeat_at=timezone.now()
            )

    # One count for the progress total; the summary's counts are tallied from the rows.
    Job.objects.filter(pk=job.pk).update(
        total=pipeline.count_articles(project=job.project, options=options)
    )
    export = pipeline.run_export(
        project=job.project,
        options=options,
        base_url=opts["base_url"],
        on_chunk=on_chunk,
        reviewer_layers=reviewer_layers_for(job.created_by, job.project),
        count=False,
        tally=True,
    )
    name = f"exports/{job.project.slug}/{job.pk}-{export.filename}.gz"
    final = Path(default_storage.path(name))
    final.parent.mkdir(parents=True, exist_ok=True)
    partial = final.with_name(final.name + ".part")
    digest = hashlib.sha256()
    size = 0
    with open(partial, "wb") as raw:
        # Level 6 (gzip's own default) rather than GzipFile's 9: 2.7x faster on export JSON
        # (level 9 took longer than the export itself) for a file ~14% larger.
        zipped = gzip.GzipFile(fileobj=_Digesting(raw, digest), mode="wb", mtime=0, compresslevel=6)
        with zipped:
            for chunk in export.stream:
                zipped.write(chunk)
        size = raw.tell()
    os.replace(partial, final)
    now = timezone.now()
    counts = {**export.context.counts, **export.tally, **export.stats}
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


# --- Bulk imports -----------------------------------------------------------------------------

MAX_IMPORT_URLS = 1000
MAX_ZIP_MEMBERS = 5000


def max_import_upload_bytes() -> int:
    """Return the largest .jsonl/.zip/.html file one import job takes (setting, 200 MB)."""
    return getattr(settings, "FACTCHECK_MAX_IMPORT_UPLOAD_BYTES", 200 * 1024 * 1024)


def start_import_job(
    *, project: Project, user: User, urls: list[str] | None = None, upload=None
) -> Job:
    """Queue an import of `urls` (fetched under the fetch policy) or of an uploaded .jsonl,
    .zip or saved .html page; return the job (state "queued").

    The upload is copied to the default storage (`imports/<project>/...`) so any worker can read
    it; the job's items are numbered from it in a fixed order, which is what makes a rerun skip
    exactly the items already done.
    """
    if not permissions.can_annotate(user, project):
        raise NotPermitted("Only reviewers, editors and admins can import articles.")
    if (urls is None) == (upload is None):
        raise ValidationFailed(
            "Give a list of URLs or a file to import (exactly one).", field="urls"
        )
    options: dict = {}
    total = None
    if urls is not None:
        urls = [u.strip() for u in urls if u.strip() and not u.strip().startswith("#")]
        if not urls:
            raise ValidationFailed("The list has no URLs.", field="urls")
        if len(urls) > MAX_IMPORT_URLS:
            raise TooLarge(
                f"{len(urls)} URLs; one job takes at most {MAX_IMPORT_URLS}.", field="urls"
            )
        for url in urls:
            if not url.lower().startswith(("http://", "https://")):
                raise ValidationFailed(f"“{url[:200]}” is not an http(s) URL.", field="urls")
        options = {"source": "urls", "urls": urls}
        total = len(urls)
    else:
        suffix = Path(upload.name).suffix.lower()
        if upload.size > max_import_upload_bytes():
            raise TooLarge(
                f"The file is {upload.size:,} bytes; an import takes at most "
                f"{max_import_upload_bytes():,}.",
                field="upload",
            )
        if suffix not in IMPORT_SUFFIXES:
            raise ValidationFailed(
                f"Upload a {', '.join(IMPORT_SUFFIXES)} file, not “{suffix or 'no suffix'}”.",
                field="upload",
            )
        name = default_storage.save(f"imports/{project.slug}/{uuid.uuid4().hex}{suffix}", upload)
        options = {"source": "file", "file": name, "name": Path(upload.name).name[:200]}
    with transaction.atomic():
        job = Job.objects.create(
            project=project, kind=Job.Kind.IMPORT, options=options, created_by=user, total=total
        )
        transaction.on_commit(lambda: _enqueue(run_import_job, job))
    return job


IMPORT_SUFFIXES = (".jsonl", ".zip", ".html", ".htm")


def resume_stalled_jobs(*, stalled_for: dt.timedelta) -> list[int]:
    """Enqueue again the import jobs whose worker stopped (killed, machine lost): queued or
    running with no sign of life for `stalled_for`. Return their ids.

    Safe even if the worker was only slow: a job's items are imported once whoever runs them
    (done items are skipped, and the database's uniqueness of URL and text turns a race into a
    "duplicate" that is not recorded over the "imported" outcome).
    """
    cutoff = timezone.now() - stalled_for
    stalled = Job.objects.filter(kind=Job.Kind.IMPORT).filter(
        Q(state=Job.State.RUNNING, heartbeat_at__lt=cutoff)
        | Q(state=Job.State.QUEUED, created_at__lt=cutoff)
    )
    ids = []
    for job in stalled:
        Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
        _enqueue(run_import_job, job)
        ids.append(job.pk)
    return ids


@task()
def run_import_job(job_id: int) -> dict:
    """Import every item of a job not yet done, recording each item's outcome as it goes."""
    job = _claim(job_id)
    if job is None:
        return {"skipped": "finished already"}
    try:
        done_items = {o["item"] for o in job.outcomes}
        total = 0
        for index, label, run in _import_items(job):
            total = index + 1
            if index in done_items:
                continue
            _import_one(job, index, label, run)
        counts = _outcome_counts(job.pk)
        Job.objects.filter(pk=job.pk).update(
            state=Job.State.DONE, total=total, counts=counts, finished_at=timezone.now()
        )
        return counts
    except Exception as exc:
        log.exception("import job %s failed", job_id)
        Job.objects.filter(pk=job_id).update(
            state=Job.State.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise


def _import_one(job: Job, index: int, label: str, run) -> None:
    """Run one item; record "imported" in the article's own transaction, or why not."""

    def mark_imported(article) -> None:
        # A fresh article is version 1; a page seen before whose text changed got a new version.
        outcome = "imported" if article.version == 1 else "new version"
        _record_outcome(
            job.pk, {"item": index, "label": label, "outcome": outcome, "article": article.pk}
        )

    try:
        run(job.project, job.created_by, mark_imported)
    except Conflict as exc:
        _record_outcome(
            job.pk, {"item": index, "label": label, "outcome": "duplicate", "reason": exc.message}
        )
    except DomainError as exc:
        _record_outcome(
            job.pk, {"item": index, "label": label, "outcome": "failed", "reason": exc.message}
        )


def _record_outcome(job_id: int, outcome: dict) -> None:
    """Append an item's outcome under a lock on the job row (one writer at a time)."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if any(o["item"] == outcome["item"] for o in job.outcomes):
            return
        job.outcomes = [*job.outcomes, outcome]
        job.done = len(job.outcomes)
        job.heartbeat_at = timezone.now()
        job.save(update_fields=["outcomes", "done", "heartbeat_at"])


def _outcome_counts(job_id: int) -> dict:
    counts = {"imported": 0, "duplicate": 0, "failed": 0}
    # "new version" appears only when a job met pages it had imported before.
    for outcome in Job.objects.get(pk=job_id).outcomes:
        counts[outcome["outcome"]] = counts.get(outcome["outcome"], 0) + 1
    return counts


def _import_items(job: Job):
    """Yield (index, label, run) for each item of the job, in a fixed order.

    `run(project, user, on_stored)` imports the item through the services.
    """
    from . import services  # the services import this module's callers; import late

    opts = job.options
    if opts["source"] == "urls":
        for index, url in enumerate(opts["urls"]):
            yield (
                index,
                url,
                lambda project, user, on_stored, url=url: services.import_url(
                    project=project, creator=user, url=url, on_stored=on_stored
                ),
            )
        return
    path = Path(default_storage.path(opts["file"]))
    yield from enumerate_items(path, opts.get("name", path.name))


def enumerate_items(path: Path, name: str):
    """Yield numbered import items from a .jsonl, .zip or .html file (see `_import_items`)."""
    for index, (label, item) in enumerate(_file_items(path, name)):
        yield index, label, item


def _file_items(path: Path, name: str):
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        yield name, _page_item(path.read_bytes(), name)
    elif suffix == ".jsonl":
        for record in read_file(path):
            yield from _record_item(record, name)
    elif suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            members = sorted(
                (m for m in archive.infolist() if not m.is_dir()), key=lambda m: m.filename
            )
            if len(members) > MAX_ZIP_MEMBERS:
                raise TooLarge(
                    f"The zip holds {len(members)} files; the limit is {MAX_ZIP_MEMBERS}."
                )
            limit = article_file_limit()
            for member in members:
                label = f"{name}/{member.filename}"
                member_suffix = Path(member.filename).suffix.lower()
                if member.file_size > limit and member_suffix != ".jsonl":
                    yield label, _failed_item(f"{member.file_size:,} bytes; the limit is {limit:,}")
                    continue
                if member_suffix not in (".html", ".htm", ".jsonl", ".txt", ".md"):
                    yield label, _failed_item(f"unsupported file type {member_suffix or '(none)'}")
                    continue
                with tempfile.TemporaryDirectory() as folder:
                    # Extracted with a size cap: the declared size of a zip member can lie.
                    target = Path(folder) / f"member{member_suffix}"
                    with archive.open(member) as source, target.open("wb") as out:
                        cap = 64 * limit if member_suffix == ".jsonl" else limit
                        copied = 0
                        while block := source.read(1024 * 1024):
                            copied += len(block)
                            if copied > cap:
                                break
                            out.write(block)
                    if copied > cap:
                        yield label, _failed_item(f"larger than {cap:,} bytes once unpacked")
                    elif member_suffix in (".html", ".htm"):
                        yield label, _page_item(target.read_bytes(), label)
                    else:
                        for record in read_file(target):
                            yield from _record_item(record, label)


def _page_item(body: bytes, label: str):
    from . import extract, services

    def run(project, user, on_stored):
        return services.import_page(
            project=project,
            creator=user,
            html=extract.decode_page(body),
            sha256=hashlib.sha256(body).hexdigest(),
            on_stored=on_stored,
            title="",
        )

    return run


def _record_item(record, label: str):
    from . import services

    if isinstance(record, RecordError):
        yield f"{label}:{record.line}", _failed_item(record.reason)
        return

    def run(project, user, on_stored, record=record):
        return services.import_article(
            project=project,
            creator=user,
            title=record.title,
            text_body=record.text_body,
            html=record.html,
            on_stored=on_stored,
            **record.extra,
        )

    yield f"{label}:{record.line}", run


def _failed_item(reason: str):
    def run(project, user, on_stored):
        raise ValidationFailed(reason)

    return run
