"""Import jobs run by a real `manage.py db_worker` process against the test database, fetching
from a real HTTP server on loopback: a job's items are imported and reported; a worker killed
mid-job loses nothing, and once the job is resumed the rest is imported without duplicates."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from django.core.management import call_command

from annotations import tasks
from annotations.models import Article, Job
from tests.page_server import ARTICLE_HTML, running_page_server
from tests.servers import worker_env
from tests.test_export_jobs import ROOT, run_worker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def server(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.FACTCHECK_FETCH_ALLOW_HOSTS = ["localhost"]
    monkeypatch.setenv("FACTCHECK_FETCH_ALLOW_HOSTS", "localhost")  # for the worker process
    with running_page_server() as srv:
        for n in range(4):
            srv.pages[f"/p{n}"] = (
                ARTICLE_HTML.replace("bus budget", f"bus budget (part {n})"),
                "text/html",
            )
        yield srv


def test_a_worker_imports_a_url_list(server, project, reviewer):
    urls = [server.url(f"/p{n}") for n in range(2)] + ["http://10.0.0.1/internal"]
    job = tasks.start_import_job(project=project, user=reviewer, urls=urls)
    run_worker()
    job.refresh_from_db()
    assert job.state == Job.State.DONE, job.error
    assert [o["outcome"] for o in job.outcomes] == ["imported", "imported", "failed"]
    assert "10.0.0.1, which is private" in job.outcomes[2]["reason"]
    assert Article.objects.count() == 2


def test_a_killed_worker_loses_nothing_and_the_resumed_job_adds_no_duplicates(
    server, project, reviewer
):
    server.delays["/p2"] = 60  # the worker will be killed while it waits for this page
    urls = [server.url(f"/p{n}") for n in range(4)]
    job = tasks.start_import_job(project=project, user=reviewer, urls=urls)
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-startup-delay", "--no-reload"],
        cwd=ROOT,
        env=worker_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 90
        while Job.objects.get(pk=job.pk).done < 2:
            assert time.monotonic() < deadline, "the worker did not import two items in time"
            assert worker.poll() is None, "the worker exited early"
            time.sleep(0.3)
    finally:
        worker.kill()  # SIGKILL: no cleanup runs
        worker.wait(timeout=30)
    job.refresh_from_db()
    assert job.state == Job.State.RUNNING
    assert [o["item"] for o in job.outcomes] == [0, 1]
    assert Article.objects.count() == 2

    server.delays.clear()
    call_command("resume_jobs", "--stalled-seconds", "0")
    run_worker()

    job.refresh_from_db()
    assert job.state == Job.State.DONE
    assert sorted(o["item"] for o in job.outcomes) == [0, 1, 2, 3]
    assert {o["outcome"] for o in job.outcomes} == {"imported"}
    assert Article.objects.count() == 4
    assert len({a.url for a in Article.objects.all()}) == 4
