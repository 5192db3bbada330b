"""A small axe-core helper for the team pages' browser tests.

It looks for axe-core where `npm install axe-core@4.14.1 --prefix tests/browser/axe` puts it and
skips the check with the reason when it is missing (CI installs it). The CSP blocks injected
scripts, so the check opens its own context with `bypass_csp=True`; the page under test keeps
the real policy. (Another branch adds a shared helper; this one can give way to it at merge.)
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

AXE = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(browser, url: str, storage_state: dict, *, width: int = 1280) -> list[dict]:
    """Return axe-core's serious and critical violations of the page at `url`."""
    if not AXE.exists():
        if os.environ.get("FACTCHECK_REQUIRE_AXE") == "1":
            pytest.fail(f"{AXE} is missing but FACTCHECK_REQUIRE_AXE=1")
        pytest.skip(f"axe-core is not installed ({AXE}); npm install axe-core@4.14.1")
    context = browser.new_context(
        bypass_csp=True, storage_state=storage_state, viewport={"width": width, "height": 900}
    )
    try:
        page = context.new_page()
        page.goto(url)
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate("async () => (await axe.run()).violations")
    finally:
        context.close()
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in violations
        if v["impact"] in {"serious", "critical"}
    ]
