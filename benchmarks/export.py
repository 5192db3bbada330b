"""Measure every export format on a synthetic corpus, next to a raw-SQL + orjson baseline.

    .venv/bin/python benchmarks/export.py [--articles 2000] [--claims 20] [--database-url URL]

Builds the corpus with bulk_create in its own temporary SQLite file (unless --database-url
names a database to fill), then runs each format in a fresh subprocess, writing to a byte
counter, and prints claims per second, output bytes and peak memory. Peak memory is the
subprocess's peak resident set size (VmHWM from /proc/self/status), which includes the interpreter
and Django (the baseline row shows that floor). The baseline reads the same claims with one
raw SQL query (articles ⋈ claims ⋈ sources ⋈ verdicts ⋈ labels, streamed with fetchmany) and
writes one orjson line per claim. Numbers go in the README, never in a test assertion.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FORMATS = ["jsonl", "json", "csv", "claimreview", "wadm", "fever"]
SENTENCE = "Officials said the figure {i} rose by {p}% in {y}, according to the 🚀 report 東京."


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    import django

    django.setup()


def build(articles: int, claims: int) -> None:
    """Fill the database with `articles` × `claims` approved claims, each with one source."""
    from django.core.management import call_command
    from django.utils import timezone

    from annotations import services
    from annotations.models import (
        Article,
        Claim,
        Membership,
        Project,
        Source,
        User,
        Verdict,
    )
    from annotations.text import context_around, text_sha256

    call_command("migrate", verbosity=0)
    scale = services.ensure_default_scale()
    labels = list(scale.labels.all())
    reviewer = User.objects.create(username="bench-reviewer")
    editor = User.objects.create(username="bench-editor")
    project = Project.objects.create(
        slug="bench", name="Bench", rating_scale=scale, organisation_name="Bench Desk"
    )
    Membership.objects.create(
        project=project, user=reviewer, role="reviewer", pseudonym="annotator-1"
    )
    Membership.objects.create(project=project, user=editor, role="editor", pseudonym="annotator-2")
    now = timezone.now()
    through = Verdict.sources.through
    batch = 100
    for first in range(0, articles, batch):
        rows = []
        for a in range(first, min(first + batch, articles)):
            sentences = [SENTENCE.format(i=a * claims + c, p=c, y=2000 + c) for c in range(claims)]
            text = " ".join(sentences)
            rows.append(Article(project=project, title=f"Article {a}", url=f"https://news.example.org/{a}",
                                text=text, text_sha256=text_sha256(text), language="en", created_by=reviewer))  # fmt: skip
        made = Article.objects.bulk_create(rows)
        if made[0].pk is None:  # SQLite before RETURNING support
            made = list(
                Article.objects.filter(project=project).order_by("pk")[first : first + batch]
            )
        claim_rows = []
        for article in made:
            offset = 0
            for c in range(claims):
                sentence = SENTENCE.format(i=0, p=0, y=0)
                end = article.text.index(".", offset + 20) + 1
                quote = article.text[offset:end]
                prefix, suffix = context_around(article.text, offset, end)
                claim_rows.append(Claim(article=article, start=offset, end=end, quote=quote, prefix=prefix,
                                        suffix=suffix, statement=quote, created_by=reviewer))  # fmt: skip
                offset = end + 1
                del sentence, c
        claim_rows = Claim.objects.bulk_create(claim_rows)
        sources = Source.objects.bulk_create(
            Source(
                claim=claim,
                url=f"https://stats.example.org/{claim.pk}",
                stance="supports",
                quote="The figure rose.",
                added_by=reviewer,
            )
            for claim in claim_rows
        )
        verdicts = Verdict.objects.bulk_create(
            Verdict(
                claim=claim,
                reviewer=reviewer,
                rating=labels[claim.pk % len(labels)],
                explanation="The **report** says so.",
                explanation_html="<p>The <strong>report</strong> says so.</p>",
                status="approved",
                version=3,
                submitted_at=now,
                approved_by=editor,
                approved_at=now,
            )
            for claim in claim_rows
        )
        through.objects.bulk_create(
            through(verdict_id=v.pk, source_id=s.pk) for v, s in zip(verdicts, sources, strict=True)
        )


class Counter:
    def __init__(self):
        self.bytes = 0
        self.digest = hashlib.sha256()

    def write(self, chunk: bytes) -> None:
        self.bytes += len(chunk)
        self.digest.update(chunk)


def run_format(fmt: str) -> dict:
    from annotations.exports.pipeline import parse_options, run_export
    from annotations.models import Project

    project = Project.objects.select_related("rating_scale").get(slug="bench")
    sink = Counter()
    started = time.perf_counter()
    export = run_export(
        project=project, options=parse_options(format=fmt), base_url="http://localhost/"
    )
    for chunk in export.stream:
        sink.write(chunk)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "bytes": sink.bytes,
        "claims": export.context.counts["claims"],
        "sha256": sink.digest.hexdigest(),
    }


def run_baseline() -> dict:
    """Read the columns the jsonl export carries with one raw SQL join; one orjson line a row.

    Timestamps stay as the database's text and the article text is written once per article,
    so the output holds the same information as jsonl without its nesting and pseudonyms.
    """
    import orjson
    from django.db import connection

    columns = [
        "a.id", "a.title", "a.url", "a.publisher", "a.author", "a.published_at", "a.language",
        "a.text", "a.text_sha256", "a.created_by_id", "a.created_at", "a.updated_at",
        "c.id", "c.start", 'c."end"', "c.quote", "c.prefix", "c.suffix", "c.statement",
        "c.claimant", "c.claim_date", "c.created_by_id", "c.created_at", "c.updated_at",
        "s.id", "s.url", "s.title", "s.publisher", "s.quote", "s.stance", "s.accessed_at",
        "s.archived_url", "s.added_by_id", "s.created_at", "s.updated_at",
        "v.id", "v.status", "v.version", "v.explanation_html", "v.no_source_reason",
        "v.reviewer_id", "v.submitted_at", "v.approved_by_id", "v.approved_at",
        "v.supersedes_id", "v.correction_note", "v.review_note", "v.created_at", "v.updated_at",
        "l.slug", "l.name", "l.ordinal", "l.truth_score", "l.fever", "l.averitec",
        "l.claimreview_rating",
    ]  # fmt: skip
    sql = f"""
        SELECT {", ".join(columns)}
        FROM annotations_article a
        JOIN annotations_claim c ON c.article_id = a.id
        LEFT JOIN annotations_source s ON s.claim_id = c.id
        LEFT JOIN annotations_verdict v ON v.claim_id = c.id AND v.status = 'approved'
        LEFT JOIN annotations_ratinglabel l ON l.id = v.rating_id
        ORDER BY a.id, c.start, c.id, s.id, v.id
    """
    keys = [c.replace('"', "").replace(".", "_") for c in columns]
    sink = Counter()
    claims = 0
    last_article = None
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql)
        while rows := cursor.fetchmany(2000):
            lines = []
            for row in rows:
                record = dict(zip(keys, row, strict=True))
                if row[0] == last_article:
                    del record["a_text"]
                last_article = row[0]
                lines.append(orjson.dumps(record, default=str) + b"\n")
            sink.write(b"".join(lines))
            claims += len(rows)
    return {"seconds": time.perf_counter() - started, "bytes": sink.bytes, "claims": claims}


def peak_rss_mb() -> float:
    """Return this process's peak resident set size in MB.

    VmHWM from /proc, not getrusage's ru_maxrss: on Linux the latter survives execve, so a child
    would report its parent's peak when that was larger.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(args) -> None:
    setup_django(args.database_url)
    result = run_baseline() if args.child == "baseline" else run_format(args.child)
    result["maxrss_mb"] = peak_rss_mb()
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--claims", type=int, default=20, help="claims per article")
    parser.add_argument("--database-url", help="fill this database instead of a temporary SQLite")
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    tmp = None
    if not args.database_url:
        tmp = tempfile.TemporaryDirectory(prefix="factcheck-bench-")
        args.database_url = f"sqlite:///{tmp.name}/bench.sqlite3"
    started = time.perf_counter()
    build_cmd = [sys.executable, __file__, "--child", "build", "--database-url", args.database_url]
    env = {**os.environ, "BENCH_ARTICLES": str(args.articles), "BENCH_CLAIMS": str(args.claims)}
    subprocess.run(build_cmd, check=True, env=env)
    print(f"corpus: {args.articles} articles × {args.claims} claims, built in "
          f"{time.perf_counter() - started:.1f} s ({args.database_url.split(':')[0]})")  # fmt: skip
    results = {}
    plain = [sys.executable, str(ROOT / "benchmarks" / "export_plain.py"), args.database_url,
             "bench", "http://localhost/"]  # fmt: skip
    out = subprocess.run(plain, check=True, capture_output=True, text=True).stdout
    results["plain driver"] = json.loads(out)
    results["plain driver"]["maxrss_mb"] = float("nan")
    for name in ["baseline", *args.formats.split(",")]:
        cmd = [sys.executable, __file__, "--child", name, "--database-url", args.database_url]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        results[name] = json.loads(out.strip().splitlines()[-1])
    if "jsonl" in results:
        same = results["jsonl"]["sha256"] == results["plain driver"]["sha256"]
        ratio = results["jsonl"]["seconds"] / results["plain driver"]["seconds"]
        print(
            f"jsonl vs the plain driver program: {ratio:.2f}× its time; "
            f"same bytes: {'yes' if same else 'NO'} (sha256 {results['jsonl']['sha256'][:16]}…)"
        )
    base = results["baseline"]["seconds"]
    print(
        f"| {'format':<12} | {'claims/s':>10} | {'seconds':>7} | {'× baseline':>10} | {'bytes':>12} | {'peak RSS MB':>11} |"
    )
    print(f"|{'-' * 14}|{'-' * 12}|{'-' * 9}|{'-' * 12}|{'-' * 14}|{'-' * 13}|")
    for name, r in results.items():
        rate = r["claims"] / r["seconds"] if r["seconds"] else 0
        print(f"| {name:<12} | {rate:>10,.0f} | {r['seconds']:>7.2f} | {r['seconds'] / base:>10.2f} | "
              f"{r['bytes']:>12,} | {r['maxrss_mb']:>11.0f} |")  # fmt: skip
    if tmp:
        tmp.cleanup()


if __name__ == "__main__":
    if "--child" in sys.argv and sys.argv[sys.argv.index("--child") + 1] == "build":
        url = sys.argv[sys.argv.index("--database-url") + 1]
        setup_django(url)
        build(int(os.environ["BENCH_ARTICLES"]), int(os.environ["BENCH_CLAIMS"]))
    else:
        main()
