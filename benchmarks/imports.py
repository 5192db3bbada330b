"""Measure the article importers on adversarial files and the desk's write latency during a run.

    .venv/bin/python benchmarks/imports.py [--articles 400]

In its own temporary SQLite database (the setting where one writer blocks all others):
1. reads adversarial single-article files with `importers.read_file` (title and heading
   extraction), printing time and Python peak memory (tracemalloc);
2. asks `read_file` for a 1 GB sparse .txt file, which must be refused from its size;
3. runs `import_articles` on a .jsonl of `--articles` articles in a thread, once per article
   transaction and once with `--all-or-nothing`, while the main thread writes an article every
   50 ms through `services.import_article` (what the article form and API call), printing the
   import's rate and the writes' latency (median and worst) and failures.
Numbers go in the README, never in a test assertion.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ADVERSARIAL = {
    '"<title>" * 14285 (.html, 100 KB)': ("a.html", "<title>" * 14285),
    '"<title>" * 300000 (.html, 2.1 MB)': ("b.html", "<title>" * 300_000),
    '"<h1" * 700000 (.html, 2.1 MB)': ("c.html", "<h1" * 700_000),
    '"# " + "#" * 2000000 (.md)': ("d.md", "# " + "#" * 2_000_000 + "x"),
    '"\\n" * 2000000 (.md)': ("e.md", "\n" * 2_000_000 + "text"),
}


def measure(function):
    tracemalloc.start()
    started = time.perf_counter()
    result = function()
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, elapsed, peak


def reading(folder: Path) -> None:
    from annotations.importers import read_file

    print(f"{'input':40} {'time':>9} {'peak':>10}  outcome")
    for label, (name, content) in ADVERSARIAL.items():
        path = folder / name
        path.write_text(content, encoding="utf-8")
        records, elapsed, peak = measure(lambda path=path: list(read_file(path)))
        outcome = type(records[0]).__name__
        print(f"{label:40} {elapsed:8.3f}s {peak / 2**20:8.1f}MB  {outcome}")
    huge = folder / "huge.txt"
    with huge.open("wb") as handle:
        handle.write(b"Title\n")
        handle.truncate(1024**3)
    records, elapsed, peak = measure(lambda: list(read_file(huge)))
    print(
        f"{'1 GB sparse .txt':40} {elapsed:8.3f}s {peak / 2**20:8.1f}MB  {records[0].reason[:60]}"
    )


def desk_during_import(folder: Path, articles: int, all_or_nothing: bool) -> None:
    from django.core.management import call_command
    from django.db import connections

    from annotations import services
    from annotations.models import Article, Project

    project = Project.objects.get(slug="bench")
    path = folder / f"many-{all_or_nothing}.jsonl"
    path.write_text(
        "".join(
            json.dumps({"title": f"R{i}", "text": f"Run {all_or_nothing}: council spent {i} m."})
            + "\n"
            for i in range(articles)
        ),
        encoding="utf-8",
    )
    done = threading.Event()
    spent: list[float] = []

    def run():
        started = time.perf_counter()
        args = ["import_articles", "--project", "bench", str(path)]
        if all_or_nothing:
            args.append("--all-or-nothing")
        try:
            call_command(*args, stdout=io.StringIO(), stderr=io.StringIO())
        finally:
            spent.append(time.perf_counter() - started)
            connections.close_all()
            done.set()

    before = Article.objects.count()
    worker = threading.Thread(target=run)
    worker.start()
    latencies, failures, number = [], [], 0
    time.sleep(0.2)
    while not done.is_set():
        number += 1
        started = time.perf_counter()
        try:
            services.import_article(
                project=project,
                creator=None,
                title=f"Desk {all_or_nothing} {number}",
                text_body=f"A reviewer's article {all_or_nothing} number {number}.",
            )
        except Exception as exc:
            failures.append(type(exc).__name__ + ": " + str(exc)[:60])
        latencies.append(time.perf_counter() - started)
        time.sleep(0.05)
    worker.join()
    imported = Article.objects.count() - before - (number - len(failures))
    mode = "--all-or-nothing" if all_or_nothing else "per-article commits"
    print(
        f"{mode:20} {imported} articles in {spent[0]:.2f}s ({imported / spent[0]:.0f}/s); "
        f"{len(latencies)} desk writes: median {statistics.median(latencies) * 1000:.0f} ms, "
        f"worst {max(latencies) * 1000:.0f} ms, {len(failures)} failed"
        + (f" ({failures[0]})" if failures else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=400)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
        import django

        django.setup()
        from django.core.management import call_command

        from annotations import services
        from annotations.models import Project

        call_command("migrate", verbosity=0)
        Project.objects.create(
            slug="bench", name="Bench", rating_scale=services.ensure_default_scale()
        )
        reading(Path(folder))
        print()
        desk_during_import(Path(folder), options.articles, all_or_nothing=False)
        desk_during_import(Path(folder), options.articles, all_or_nothing=True)


if __name__ == "__main__":
    main()
