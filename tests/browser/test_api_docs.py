"""The interactive API docs in a real browser: Swagger UI loads from our own /static/ (the
sidecar, no CDN), renders the schema's operations, and the Content Security Policy blocks
nothing (the split view serves its init script as a file, not inline)."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_renders_the_schema_under_the_csp(page, live_server, reviewer):
    console: list[str] = []
    page.on("console", lambda msg: console.append(msg.text))
    scripts: list[str] = []
    page.on(
        "request", lambda req: scripts.append(req.url) if req.resource_type == "script" else None
    )

    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", reviewer.username)
    page.fill("#id_password", "correct horse battery staple")
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + reverse("dashboard"))
    response = page.goto(live_server.url + "/api/v1/docs/")

    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".opblock-summary-path", timeout=15_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/articles/{id}/claims/" in path for path in paths), paths[:5]
    assert scripts and all(url.startswith(live_server.url) for url in scripts), scripts
    assert any("/static/drf_spectacular_sidecar/" in url for url in scripts), scripts
    assert [m for m in console if "Content Security Policy" in m] == []
