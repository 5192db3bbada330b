"""Take the README's screenshots of the agreement and statistics pages.

    .venv/bin/python docs/screenshots/make_screenshots.py [--claims 3000]

Fills a temporary SQLite database with the benchmark's synthetic project (benchmarks/stats.py,
30% double-reviewed so the agreement tables have something to show), serves it with
`runserver --noreload` on a free loopback port, signs in as the researcher with headless
Chromium (/usr/bin/chromium, through Playwright) and saves full-page PNGs beside this file.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
PASSWORD = "screenshot-only"  # noqa: S105 - a throwaway account in a temporary database


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=3000)
    args = parser.parse_args()
    import stats as bench

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/shots.sqlite3"
        bench.setup_django(url)
        bench.build(args.claims, 0.3)
        from annotations.models import User

        user = User.objects.get(username="bench-researcher")
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        port = free_port()
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "1"}
        env["DJANGO_ALLOWED_HOSTS"] = "127.0.0.1,localhost"
        server = subprocess.Popen(  # noqa: S603 - our own manage.py, fixed arguments
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(base + "/login/", timeout=1)  # noqa: S310 - loopback
                    break
                except OSError:
                    time.sleep(0.2)
            from playwright.sync_api import sync_playwright

            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium")
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.goto(base + "/login/")
                page.fill("#id_username", "bench-researcher")
                page.fill("#id_password", PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_load_state()
                for name, path in (("agreement", "agreement"), ("statistics", "stats")):
                    page.goto(f"{base}/projects/bench/{path}/")
                    # the top of the page: the long tables below add megabytes, not information
                    height = min(2800, page.evaluate("document.body.scrollHeight"))
                    page.screenshot(
                        path=str(HERE / f"{name}.png"),
                        full_page=True,
                        clip={"x": 0, "y": 0, "width": 1280, "height": height},
                    )
                    print(f"saved {HERE / f'{name}.png'}")
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
