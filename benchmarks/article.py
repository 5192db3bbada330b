"""Server time of one article's data: `GET /api/v1/articles/{id}/` and the annotation page.

    .venv/bin/python benchmarks/article.py [--runs 200] [--database-url URL]

Builds two articles in a temporary SQLite database (unless --database-url names one): a short
one (30 sentences, 10 claims with verdicts) and a long one (about 50,000 characters, 1,000
sentences, 300 claims with verdicts), then requests each through Django's test client (the whole
request: middleware, authentication, view, rendering; no network) and prints p50/p95 wall time,
the median CPU time of the process (what the request costs without waiting for a busy core)
and the number of queries. Numbers go in the README, never in a test assertion.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SENTENCE = "Officials in 東京 said {i} rose {p}% in {y}, 🚀 notes."


def setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def build(sentences: int, claims: int, title: str):
    from annotations import services
    from annotations.models import Project, User

    project = Project.objects.filter(slug="bench").first()
    reviewer = User.objects.filter(username="bench-reviewer").first()
    editor = User.objects.filter(username="bench-editor").first()
    if project is None:
        reviewer = User.objects.create_user("bench-reviewer", password="x")
        editor = User.objects.create_user("bench-editor", password="x")
        project = services.create_project(creator=editor, slug="bench", name="Bench")
        services.add_member(project=project, user=reviewer, role="reviewer")
    text = " ".join(SENTENCE.format(i=i, p=i % 90, y=1900 + i) for i in range(sentences))
    article = services.import_article(
        project=project, creator=reviewer, title=title, text_body=text
    )
    spans = list(article.sentences.order_by("index").values_list("start", "end"))
    step = max(1, len(spans) // claims)
    for n, (start, end) in enumerate(spans[::step][:claims]):
        claim = services.mark_claim(article_id=article.pk, user=reviewer, start=start, end=end)
        source = services.attach_source(
            claim_id=claim.pk,
            user=reviewer,
            url=f"https://stats.example.org/{n}",
            stance="supports",
        )
        verdict = services.draft_verdict(
            claim_id=claim.pk,
            reviewer=reviewer,
            rating="mostly-true",
            explanation="The **report** agrees.",
            sources=[source.pk],
        )
        if n % 2 == 0:
            services.submit_verdict(verdict_id=verdict.pk, user=reviewer)
            services.approve_verdict(verdict_id=verdict.pk, editor=editor)
    return article, reviewer


def measure(client, url: str, runs: int) -> tuple[list[float], int]:
    from django.db import connection

    client.get(url)  # warm caches (sentences, templates)
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    times = []
    cpu = []
    for _ in range(runs):
        started = time.perf_counter()
        began = time.process_time()
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - began) * 1000)
    return times, cpu, len(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    tmp = None
    if not args.database_url:
        tmp = tempfile.TemporaryDirectory(prefix="factcheck-article-")
        args.database_url = f"sqlite:///{tmp.name}/bench.sqlite3"
    setup(args.database_url)
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    cases = [("short", 30, 10), ("long", 1000, 300)]
    built = {name: build(n, c, f"Bench {name}") for name, n, c in cases}
    # CPU time is this process's own work: on a shared, loaded machine the wall-clock figures
    # include waiting for a core, the CPU figures do not.
    print(
        f"| {'article':<40} | {'request':<16} | {'p50 ms':>7} | {'p95 ms':>7} "
        f"| {'CPU p50':>7} | {'queries':>7} |"
    )
    print(f"|{'-' * 42}|{'-' * 18}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 9}|")
    for name, (article, reviewer) in built.items():
        client = Client()
        client.force_login(reviewer)
        shape = (
            f"{len(article.text):,} chars, {article.sentences.count()} sentences, "
            f"{article.claims.count()} claims"
        )
        for label, url in [
            ("API detail", f"/api/v1/articles/{article.pk}/"),
            ("annotation page", f"/articles/{article.pk}/"),
            ("page + panel", f"/articles/{article.pk}/?claim={article.claims.last().pk}"),
        ]:
            times, cpu, queries = measure(client, url, args.runs)
            q = statistics.quantiles(times, n=20)
            print(
                f"| {shape:<40} | {label:<16} | {statistics.median(times):>7.1f} | "
                f"{q[18]:>7.1f} | {statistics.median(cpu):>7.1f} | {queries:>7} |"
            )
        del name
    if tmp:
        tmp.cleanup()


if __name__ == "__main__":
    main()
