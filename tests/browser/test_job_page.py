"""An import job's page in a real browser: while the job runs, the page's script (a static
module the CSP allows) notices progress through the API and reloads, so outcomes appear without
the user reloading; once done it stops. No CSP violation on the page."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from annotations.models import Job

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_the_job_page_follows_progress_by_itself(page, live_server, project, reviewer, article):
    job = Job.objects.create(
        project=project,
        kind=Job.Kind.IMPORT,
        created_by=reviewer,
        state=Job.State.RUNNING,
        options={"source": "urls", "urls": ["https://news.example.org/a"]},
        total=1,
    )
    csp_errors: list[str] = []
    page.on(
        "console",
        lambda msg: csp_errors.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", reviewer.username)
    page.fill("#id_password", "correct horse battery staple")
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + reverse("dashboard"))
    page.goto(live_server.url + reverse("job_detail", args=[project.slug, job.pk]))
    assert page.locator(".job-state").inner_text() == "Running"
    assert "No item done yet." in page.locator(".job-items").inner_text()

    Job.objects.filter(pk=job.pk).update(
        state=Job.State.DONE,
        done=1,
        counts={"imported": 1, "duplicate": 0, "failed": 0},
        outcomes=[
            {"item": 0, "label": "https://news.example.org/a", "outcome": "imported",
             "article": article.pk}
        ],
    )  # fmt: skip
    expect(page.locator(".job-state")).to_have_text("Done", timeout=15_000)
    assert article.title in page.locator(".job-items").inner_text()
    assert csp_errors == []
