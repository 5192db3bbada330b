"""Export files prepared by a real `manage.py db_worker` process: the file equals the streamed
export, its digest and counts are recorded, the download honours Range, a job run twice (a
killed worker's job) does its work once more without harm, and permissions hold."""

from __future__ import annotations

import gzip
import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from annotations import tasks
from annotations.exports.rows import export_counts
from annotations.models import Job
from tests.factories import make_claim, make_verdict
from tests.servers import worker_env

# The worker is another process: it must see committed rows.
pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[1]


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def run_worker() -> str:
    """Run `db_worker --batch` against the test database until the queue is empty."""
    env = worker_env()
    done = subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay", "--no-reload"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stderr


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def corpus(article, reviewer, editor):
    claim = make_claim(article=article, user=reviewer)
    make_verdict(claim=claim, user=reviewer, status="approved", editor=editor)
    return article


def test_a_worker_writes_the_same_bytes_as_the_stream(corpus, project, researcher):
    client = api_for(researcher)
    response = client.post(
        reverse("api-project-exports", args=[project.slug]), {"format": "jsonl"}, format="json"
    )
    assert response.status_code == 202, response.json()
    job_id = response.json()["id"]
    assert response.json()["state"] == "queued"
    run_worker()
    job = client.get(reverse("api-job", args=[job_id])).json()
    assert job["state"] == "done", job
    assert job["counts"]["articles"] == 1 and job["counts"]["claims"] == 1
    # Tallied from the rows as they streamed: what the six count queries would have said.
    assert job["counts"] == export_counts(project=project)
    assert job["done"] == job["total"] == 1
    download = client.get(job["download"])
    assert download.status_code == 200
    packed = b"".join(download.streaming_content)
    assert hashlib.sha256(packed).hexdigest() == job["sha256"] == download["X-Checksum-Sha256"]
    assert len(packed) == job["size"]
    streamed = client.get(reverse("project-export", args=[project.slug]), {"format": "jsonl"})
    assert gzip.decompress(packed) == b"".join(streamed.streaming_content)


def test_range_requests(corpus, project, researcher):
    client = api_for(researcher)
    job_id = client.post(
        reverse("api-project-exports", args=[project.slug]), {}, format="json"
    ).json()["id"]
    run_worker()
    url = reverse("api-job-download", args=[job_id])
    whole = b"".join(client.get(url).streaming_content)
    part = client.get(url, HTTP_RANGE="bytes=10-19")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 10-19/{len(whole)}"
    assert b"".join(part.streaming_content) == whole[10:20]
    tail = client.get(url, HTTP_RANGE="bytes=-5")
    assert b"".join(tail.streaming_content) == whole[-5:]
    rest = client.get(url, HTTP_RANGE=f"bytes={len(whole) - 3}-")
    assert b"".join(rest.streaming_content) == whole[-3:]
    assert client.get(url, HTTP_RANGE=f"bytes={len(whole)}-").status_code == 416
    assert client.get(url, HTTP_RANGE="bytes=oops").status_code == 200


def test_a_job_run_again_after_a_killed_worker_finishes_once(corpus, project, researcher):
    """A worker killed mid-job leaves the job running with a partial file; the task run again
    (as the database backend does for an interrupted task) writes the file whole."""
    client = api_for(researcher)
    job_id = client.post(
        reverse("api-project-exports", args=[project.slug]), {}, format="json"
    ).json()["id"]
    Job.objects.filter(pk=job_id).update(state=Job.State.RUNNING)
    partial = Path(settings.MEDIA_ROOT) / "exports" / project.slug
    partial.mkdir(parents=True)
    (partial / "leftover.part").write_bytes(b"half a file")
    tasks.run_export_job.call(job_id)
    first = Job.objects.get(pk=job_id)
    assert first.state == "done" and first.sha256
    assert tasks.run_export_job.call(job_id) == {"skipped": "finished already"}
    assert Job.objects.get(pk=job_id).sha256 == first.sha256


def test_permissions(corpus, project, reviewer, researcher, project_admin, outsider):
    url = reverse("api-project-exports", args=[project.slug])
    assert api_for(reviewer).post(url, {}, format="json").status_code == 403
    assert api_for(outsider).post(url, {}, format="json").status_code == 404
    response = api_for(researcher).post(url, {"identities": True}, format="json")
    assert response.status_code == 403
    job_id = api_for(project_admin).post(url, {"identities": True}, format="json").json()["id"]
    # Identities are for admins: a researcher neither lists nor reads that job.
    assert api_for(researcher).get(reverse("api-job", args=[job_id])).status_code == 403
    listed = api_for(researcher).get(url).json()["results"]
    assert job_id not in [j["id"] for j in listed]
    assert api_for(outsider).get(reverse("api-job", args=[job_id])).status_code == 404
    bad = api_for(researcher).post(url, {"format": "pdf"}, format="json")
    assert bad.status_code == 400


def test_unfinished_and_expired_downloads_are_409(corpus, project, researcher):
    client = api_for(researcher)
    job_id = client.post(
        reverse("api-project-exports", args=[project.slug]), {}, format="json"
    ).json()["id"]
    response = client.get(reverse("api-job-download", args=[job_id]))
    assert response.status_code == 409 and "queued" in response.json()["detail"]
    tasks.run_export_job.call(job_id)
    job = Job.objects.get(pk=job_id)
    assert tasks.prune_expired_exports(now=job.expires_at.replace(year=job.expires_at.year + 1))
    response = client.get(reverse("api-job-download", args=[job_id]))
    assert response.status_code == 409 and "expired" in response.json()["detail"]
