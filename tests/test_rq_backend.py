"""The Redis/RQ tasks backend (django-tasks-rq) runs our jobs with Django 6.1's built-in tasks:
an import job is queued in the Redis at 127.0.0.1:6379 (database 6, emptied first) and a real
`manage.py rqworker --burst --job-class django_tasks_rq.Job` process imports it. Skipped with the
reason when no Redis answers (CI starts one)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from annotations import tasks
from annotations.models import Article, Job
from tests.page_server import ARTICLE_HTML, running_page_server
from tests.test_export_jobs import ROOT
from tests.test_import_worker import worker_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
REDIS_URL = "redis://127.0.0.1:6379/6"


@pytest.fixture
def redis_queue(settings):
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no Redis at {REDIS_URL}: {exc}")
    client.flushdb()
    settings.RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    yield client
    client.flushdb()


def test_an_import_job_runs_through_redis_and_an_rq_worker(
    redis_queue, settings, tmp_path, project, reviewer
):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.FACTCHECK_FETCH_ALLOW_HOSTS = ["localhost"]
    with running_page_server() as server:
        job = tasks.start_import_job(project=project, user=reviewer, urls=[server.url("/article")])
        job.refresh_from_db()
        assert job.task_id  # enqueued in Redis once the job row was committed
        assert redis_queue.llen("rq:queue:default") == 1
        env = {
            **worker_env(),
            "FACTCHECK_TASKS_BACKEND": "django_tasks_rq.RQBackend",
            "FACTCHECK_RQ_URL": REDIS_URL,
            "FACTCHECK_FETCH_ALLOW_HOSTS": "localhost",
        }
        done = subprocess.run(
            [
                sys.executable,
                "manage.py",
                "rqworker",
                "--burst",
                "--job-class",
                "django_tasks_rq.Job",
                "default",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 0, done.stderr[-3000:]
    job.refresh_from_db()
    assert job.state == Job.State.DONE, (job.error, done.stderr[-3000:])
    assert [o["outcome"] for o in job.outcomes] == ["imported"]
    assert Article.objects.get().source_sha256
    assert Article.objects.get().source_html == ARTICLE_HTML
