"""The annotation page in headless Chromium: load, time to interactive, and mark-to-highlight.

    .venv/bin/python benchmarks/annotate_page.py [--loads 5] [--marks 10] [--port 8765]

Builds the long article of `benchmarks/article.py` (about 50,000 characters, 1,000 sentences,
300 claims with sources and verdicts) in a temporary SQLite database, serves it with
`manage.py runserver --noreload` on loopback, signs in with Playwright (/usr/bin/chromium) and
prints, as medians:

- load: navigation start to the `load` event, and to `annotate-ready` (the mark
  `static/js/annotate.js` sets once its handlers are in place: the page is interactive);
- mark: from clicking "Mark as claim" on a selection to the new highlight in the DOM (the POST
  to the API included), measured inside the page with `performance.now()`.

Numbers go in the README, never in a test assertion.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

MARK = """async (needle) => {
  const root = document.getElementById("article-text");
  const segs = root.querySelectorAll(".seg:not(.claim)");
  let node = null, at = -1;
  for (let i = segs.length - 1; i >= 0 && at < 0; i--) {
    node = segs[i].firstChild;
    at = node ? node.data.indexOf(needle) : -1;
  }
  if (at < 0) return null;
  const range = document.createRange();
  range.setStart(node, at);
  range.setEnd(node, at + needle.length);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  const before = root.querySelectorAll(".anchor").length;
  const done = new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      if (root.querySelectorAll(".anchor").length > before) {
        observer.disconnect();
        resolve();
      }
    });
    observer.observe(root, { childList: true, subtree: true });
  });
  const started = performance.now();
  document.getElementById("mark-claim").click();
  await done;
  return performance.now() - started;
}"""


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 -- our own loopback server
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server at {url} did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--marks", type=int, default=10)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory(prefix="factcheck-annotate-")
    database_url = f"sqlite:///{tmp.name}/bench.sqlite3"
    import article as article_bench  # benchmarks/article.py: the same corpus

    article_bench.setup(database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    article, reviewer = article_bench.build(1000, 300, "Bench long")
    # article.setup() hashes with MD5 for speed; the server keeps the project's hashers.
    from django.conf import settings
    from django.contrib.auth import hashers

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    hashers.get_hashers.cache_clear()
    hashers.get_hashers_by_algorithm.cache_clear()
    reviewer.set_password("bench-password")
    reviewer.save(update_fields=["password"])
    shape = (
        f"{len(article.text):,} chars, {article.sentences.count()} sentences, "
        f"{article.claims.count()} claims"
    )
    env = os.environ | {
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "1",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    }
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{args.port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        wait_for(f"{base}/login/")
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"{base}/login/")
            page.get_by_label("Username").fill("bench-reviewer")
            page.get_by_label("Password").fill("bench-password")
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"{base}/")
            url = f"{base}/articles/{article.pk}/"
            page.goto(url)  # warm the server's sentence cache and the static files
            loads, ready = [], []
            for _ in range(args.loads):
                page.goto(url, wait_until="load")
                page.wait_for_function(
                    "() => performance.getEntriesByName('annotate-ready').length > 0"
                )
                timing = page.evaluate(
                    "(() => ({load: performance.getEntriesByType('navigation')[0].loadEventEnd,"
                    " ready: performance.getEntriesByName('annotate-ready')[0].startTime}))()"
                )
                loads.append(timing["load"])
                ready.append(timing["ready"])
            marks = []
            for n in range(args.marks):
                took = page.evaluate(MARK, f"rose {n + 10}% in")
                if took is None:
                    raise SystemExit(f"no unmarked 'rose {n + 10}% in' left to mark")
                marks.append(took)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
        tmp.cleanup()
    print(f"| {'article':<40} | {'measure':<36} | {'median ms':>9} | {'max ms':>7} |")
    print(f"|{'-' * 42}|{'-' * 38}|{'-' * 11}|{'-' * 9}|")
    for label, values in [
        ("load event", loads),
        ("interactive (annotate-ready)", ready),
        ("mark: click to highlight (with POST)", marks),
    ]:
        print(
            f"| {shape:<40} | {label:<36} | {statistics.median(values):>9.0f} | "
            f"{max(values):>7.0f} |"
        )


if __name__ == "__main__":
    main()
