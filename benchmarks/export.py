"""Measure the jsonl export against a plain-driver program that writes the same bytes; the
other formats, the HTTP export and the export job on the same corpus.

    .venv/bin/python benchmarks/export.py [--articles 2000] [--claims 10] [--runs 7]
        [--database-url URL] [--db-file PATH [--reuse]] [--formats jsonl,csv,...]
        [--http] [--as-job]

The corpus has the shape of issue 17: `--articles` articles of `--claims` claims, every other
article with emoji and CJK, one approved verdict and one cited source per claim. It is built in
a subprocess: the first (up to) 1,000 articles with `bulk_create`, then the rows are doubled
with `INSERT ... SELECT` (new ids, URLs, titles and texts; the text's sha256 recomputed) until
there are enough, so 100,000 articles (1,000,000 claims) take about a minute. A SQLite file
named with `--db-file` is kept; `--reuse` exports an existing one without building again.
On PostgreSQL (`--database-url postgres://...`) the database is emptied and refilled unless
`--reuse`.

Then, in fresh subprocesses with production settings (DJANGO_DEBUG=0), `--runs` times each and
interleaved so that load from other work hits both: `benchmarks/export_plain.py` and our jsonl
export (`pipeline.run_export`, what `manage.py export` and the HTTP view run). Prints each
run, the medians, our time over the plain program's, and whether both wrote the same bytes
(sha256). `--formats` adds one timed run of each other format (claims per second, bytes, peak
RSS, i.e. VmHWM, interpreter and Django included).

`--http` starts gunicorn (2 sync workers, DEBUG off) and times `GET /api/v1/projects/bench/
export/?format=jsonl` with an API token, the whole body read by a client process, `--runs`
times (the peers' figures in issue 17 were taken that way). `--as-job` queues the export as a
background job (`tasks.start_export_job`) and runs the real worker, `manage.py db_worker
--batch`, reporting the job's time, the gzip file's size and sha256, the sha256 of its content
against the plain program's output, and the worker process's peak RSS (VmHWM polled from /proc
every 50 ms while it runs). Numbers go in the README, never in a test assertion.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import resource
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FORMATS = ["jsonl", "json", "csv", "claimreview", "wadm", "fever"]
SENTENCES = (
    "Officials said the figure {i} rose by {p}% in {y}, according to the 🚀 report 東京.",
    "Officials said the figure {i} rose by {p} percent in {y}, according to the report.",
)
BASE = 1000  # articles made with bulk_create; the rest are copies made in SQL


def production_env(database_url: str, folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "FACTCHECK_"))}
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="factcheck.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_STATIC_ROOT=str(folder / "static"),
        DJANGO_MEDIA_ROOT=str(folder / "media"),
        DJANGO_LOG_LEVEL="ERROR",
        FACTCHECK_API_RATE="1000000/min",
        FACTCHECK_CACHE_DIR=str(folder / "cache"),
    )
    env.pop("SQLITE_TEST_NAME", None)
    return env


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    import django

    django.setup()


# --- building the corpus ---------------------------------------------------------------------


def build(articles: int, claims: int) -> None:
    """Fill the (migrated, empty) database with `articles` × `claims` approved claims."""
    from django.core.management import call_command
    from django.utils import timezone

    from annotations import services, tokens
    from annotations.models import Article, Claim, Membership, Project, Source, User, Verdict
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
    _, key = tokens.create_token(user=editor, name="export benchmark")
    Path(os.environ["BENCH_TOKEN_FILE"]).write_text(key)
    now = timezone.now()
    through = Verdict.sources.through
    batch = 100
    for first in range(0, min(articles, BASE), batch):
        rows = []
        for a in range(first, min(first + batch, articles)):
            sentence = SENTENCES[a % 2]
            text = " ".join(
                sentence.format(i=a * claims + c, p=c, y=2000 + c) for c in range(claims)
            )
            rows.append(Article(project=project, title=f"Article {a}", url=f"https://news.example.org/{a}",
                                text=text, text_sha256=text_sha256(text), language="en", created_by=reviewer))  # fmt: skip
        made = Article.objects.bulk_create(rows)
        claim_rows = []
        for article in made:
            offset = 0
            for _ in range(claims):
                end = article.text.index(".", offset + 20) + 1
                quote = article.text[offset:end]
                prefix, suffix = context_around(article.text, offset, end)
                claim_rows.append(Claim(article=article, start=offset, end=end, quote=quote, prefix=prefix,
                                        suffix=suffix, statement=quote, created_by=reviewer))  # fmt: skip
                offset = end + 1
        claim_rows = Claim.objects.bulk_create(claim_rows)
        sources = Source.objects.bulk_create(
            Source(claim=claim, url=f"https://stats.example.org/{claim.pk}", stance="supports",
                   quote="The figure rose.", added_by=reviewer)
            for claim in claim_rows
        )  # fmt: skip
        verdicts = Verdict.objects.bulk_create(
            Verdict(claim=claim, reviewer=reviewer, rating=labels[claim.pk % len(labels)],
                    explanation="The **report** says so.",
                    explanation_html="<p>The <strong>report</strong> says so.</p>",
                    explanation_text="The report says so.", status="approved", version=3,
                    submitted_at=now, approved_by=editor, approved_at=now)
            for claim in claim_rows
        )  # fmt: skip
        through.objects.bulk_create(
            through(verdict_id=v.pk, source_id=s.pk) for v, s in zip(verdicts, sources, strict=True)
        )
    while (have := Article.objects.filter(project=project).count()) < articles:
        _double(project, min(have, articles - have))
    from django.db import connection

    with connection.cursor() as cursor:  # planner statistics, as after a real import
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def _double(project, n: int) -> None:
    """Copy the project's first `n` articles with their claims, sources, verdicts and citations.

    One `INSERT ... SELECT` per table; ids are shifted past the current maximum (foreign keys
    between the copied tables shifted alike), each copy gets its own title, URL and text (the
    id appended) and that text's sha256.
    """
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.db.models import Max

    from annotations.models import Article, Claim, Source, Verdict

    through = Verdict.sources.through
    copied = [Article, Claim, Source, Verdict, through]
    offset = {m: m.objects.aggregate(top=Max("pk"))["top"] or 0 for m in copied}
    first = Article.objects.filter(project=project).order_by("pk").values_list("pk", flat=True)[0]
    last = first + n - 1
    postgres = connection.vendor == "postgresql"
    if not postgres:
        connection.ensure_connection()
        connection.connection.create_function(
            "bench_sha256", 1, lambda t: hashlib.sha256(t.encode()).hexdigest(), deterministic=True
        )
    sha = "encode(sha256(convert_to({}, 'UTF8')), 'hex')" if postgres else "bench_sha256({})"
    in_range = {
        Article: f"id BETWEEN {first} AND {last}",
        Claim: f"article_id BETWEEN {first} AND {last}",
        Source: f"claim_id IN (SELECT id FROM {Claim._meta.db_table} "
        f"WHERE article_id BETWEEN {first} AND {last})",
        Verdict: f"claim_id IN (SELECT id FROM {Claim._meta.db_table} "
        f"WHERE article_id BETWEEN {first} AND {last})",
    }
    in_range[through] = (
        f"verdict_id IN (SELECT id FROM {Verdict._meta.db_table} WHERE {in_range[Verdict]})"
    )
    with transaction.atomic():
        for model in copied:
            q = connection.ops.quote_name
            columns, values = [], []
            for f in model._meta.concrete_fields:
                column = f.column
                expression = q(column)
                if f.primary_key:
                    expression = f"{q(column)} + {offset[model]}"
                elif f.is_relation and f.related_model in offset:
                    expression = f"{q(column)} + {offset[f.related_model]}"
                if model is Article:
                    new_id = f"CAST(id + {offset[Article]} AS TEXT)"
                    text = f"text || ' ' || {new_id}"
                    expression = {
                        "title": f"'Article ' || {new_id}",
                        "url": f"'https://news.example.org/' || {new_id}",
                        "text": text,
                        "text_sha256": sha.format(text),
                    }.get(column, expression)
                columns.append(q(column))
                values.append(expression)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
                    f"SELECT {', '.join(values)} FROM {model._meta.db_table} "
                    f"WHERE {in_range[model]} ORDER BY id"
                )
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), copied):
                cursor.execute(sql)


def build_corpus(args, env: dict, folder: Path) -> None:
    if args.reuse:
        print(f"corpus: reusing {args.database_url}")
        return
    if args.database_url.startswith("sqlite"):
        Path(args.database_url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    else:
        reset_postgres(args.database_url)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, __file__, "--child", "build"],
        check=True,
        env={**env, "BENCH_ARTICLES": str(args.articles), "BENCH_CLAIMS": str(args.claims),
             "BENCH_TOKEN_FILE": str(token_file(args))},
    )  # fmt: skip
    print(
        f"corpus: {args.articles:,} articles × {args.claims} claims "
        f"({args.articles * args.claims:,} claims) built in {time.perf_counter() - started:.1f} s"
    )


def reset_postgres(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    if not name.replace("_", "").isalnum():
        sys.exit(f"Unsafe database name {name!r}.")
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def token_file(args) -> Path:
    """Where the editor's API token is kept next to a reused corpus."""
    if args.database_url.startswith("sqlite"):
        return Path(args.database_url.removeprefix("sqlite:///") + ".token")
    return Path(tempfile.gettempdir()) / (args.database_url.rsplit("/", 1)[1] + ".bench-token")


# --- one measured export per subprocess ------------------------------------------------------


class Counter:
    def __init__(self):
        self.bytes = 0
        self.digest = hashlib.sha256()

    def write(self, chunk: bytes) -> None:
        self.bytes += len(chunk)
        self.digest.update(chunk)


def run_format(fmt: str) -> dict:
    """Export as `manage.py export` does (no count queries unless the format states totals)."""
    from annotations.exports.pipeline import parse_options, run_export
    from annotations.models import Project

    project = Project.objects.select_related("rating_scale").get(slug="bench")
    sink = Counter()
    started, cpu = time.perf_counter(), time.process_time()
    export = run_export(
        project=project,
        options=parse_options(format=fmt),
        base_url="http://localhost/",
        count=False,
        tally=True,
    )
    for chunk in export.stream:
        sink.write(chunk)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "cpu_seconds": time.process_time() - cpu,
        "bytes": sink.bytes,
        "claims": export.tally["claims"],
        "sha256": sink.digest.hexdigest(),
    }


def peak_rss_mb(pid: str = "self") -> float:
    """Return a process's peak resident set size in MB (VmHWM from /proc).

    Not getrusage's ru_maxrss: on Linux that survives execve, so a child would report its
    parent's peak when that was larger.
    """
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 if pid == "self" else 0.0


def child(args) -> None:
    setup_django()
    result = run_format(args.child)
    result["maxrss_mb"] = peak_rss_mb()
    print(json.dumps(result))


def ours(fmt: str, env: dict) -> dict:
    cmd = [sys.executable, __file__, "--child", fmt]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def plain(args, env: dict) -> dict:
    cmd = [sys.executable, str(ROOT / "benchmarks" / "export_plain.py"), args.database_url,
           "bench", "http://localhost/"]  # fmt: skip
    return json.loads(
        subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    )


# --- HTTP ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port: int, token: str) -> dict:
    """GET the jsonl export, reading the whole body; time from request to last byte."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/projects/bench/export/?format=jsonl",
        headers={"Authorization": f"Token {token}"},
    )
    sink = Counter()
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=600) as response:  # noqa: S310 (http://127.0.0.1)
        while block := response.read(1 << 20):
            sink.write(block)
    return {
        "seconds": time.perf_counter() - started,
        "bytes": sink.bytes,
        "sha256": sink.digest.hexdigest(),
    }


def run_http(args, env: dict, expected_sha: str | None) -> None:
    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "factcheck.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "--timeout", "600", "--preload"],
        cwd=ROOT, env={**env, "DATABASE_CONN_MAX_AGE": "60"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    sys.exit("gunicorn did not start")
                time.sleep(0.1)
        token = token_file(args).read_text().strip()
        http_get(port, token)  # warm-up: both workers have imported everything (--preload)
        runs = []
        for i in range(args.runs):
            r = http_get(port, token)
            runs.append(r)
            print(f"  http run {i + 1}: {r['seconds']:.2f} s, {r['bytes']:,} bytes")
        seconds = statistics.median(r["seconds"] for r in runs)
        same = (
            "not checked"
            if expected_sha is None
            else "yes"
            if all(r["sha256"] == expected_sha for r in runs)
            else "NO"
        )
        print(
            f"HTTP jsonl export (gunicorn, 2 sync workers, DEBUG off): median {seconds:.2f} s "
            f"of {len(runs)} (min {min(r['seconds'] for r in runs):.2f}, max "
            f"{max(r['seconds'] for r in runs):.2f}); same bytes as the plain program: "
            f"{same}; doccano 1.8.4 6.1 s ({6.1 / seconds:.1f}× ours), "
            f"Label Studio 1.23.2 7.6–8.7 s ({7.6 / seconds:.1f}–{8.7 / seconds:.1f}× ours)"
        )
    finally:
        server.terminate()
        server.wait(timeout=30)


# --- the export job --------------------------------------------------------------------------

START_JOB = """
from annotations import tasks
from annotations.exports.pipeline import parse_options
from annotations.models import Project, User
job = tasks.start_export_job(
    project=Project.objects.select_related("rating_scale").get(slug="bench"),
    user=User.objects.get(username="bench-editor"),
    options=parse_options(format="jsonl"),
    base_url="http://localhost/",
)
print("JOB", job.pk)
"""

READ_JOB = """
import json
from annotations.models import Job
job = Job.objects.get(pk=%d)
print("JOB" + json.dumps({"state": job.state, "error": job.error, "file": job.file,
    "size": job.size, "sha256": job.sha256, "counts": job.counts, "done": job.done,
    "total": job.total, "seconds": (job.finished_at - job.started_at).total_seconds()
    if job.finished_at else None}))
"""


def manage_shell(env: dict, code: str) -> str:
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "--verbosity", "0", "-c", code],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return next(line for line in out.splitlines() if line.startswith("JOB"))[3:].strip()


def run_job(args, env: dict, folder: Path, expected_sha: str | None) -> None:
    job_id = int(manage_shell(env, START_JOB))
    started = time.perf_counter()
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay", "--no-reload"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    peak = 0.0
    done = threading.Event()

    def poll() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, peak_rss_mb(str(worker.pid)))
            time.sleep(0.05)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    _, stderr = worker.communicate()
    wall = time.perf_counter() - started
    done.set()
    poller.join()
    if worker.returncode:
        sys.exit(f"db_worker failed:\n{stderr[-3000:]}")
    job = json.loads(manage_shell(env, READ_JOB % job_id))
    if job["state"] != "done":
        sys.exit(f"export job {job_id} ended {job['state']}: {job['error']}")
    content = hashlib.sha256()
    with gzip.open(folder / "media" / job["file"], "rb") as f:
        while block := f.read(1 << 22):
            content.update(block)
    same = "not checked" if expected_sha is None else content.hexdigest() == expected_sha
    print(
        f"export job (db_worker --batch, jsonl.gz): {job['counts'].get('articles', 0):,} "
        f"articles, {job['counts'].get('claims', 0):,} claims in {job['seconds']:.1f} s (worker "
        f"process {wall:.1f} s wall, start-up included); file {job['size']:,} bytes gzip, "
        f"sha256 {job['sha256'][:16]}…; content same bytes as the plain program: "
        f"{same if isinstance(same, str) else 'yes' if same else 'NO'}; worker peak RSS "
        f"{peak:.0f} MB"
    )


# --- main ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--claims", type=int, default=10, help="claims per article")
    parser.add_argument("--runs", type=int, default=7, help="interleaved runs of each program")
    parser.add_argument("--database-url", help="PostgreSQL database to (re)fill and export")
    parser.add_argument("--db-file", help="SQLite file to build and keep (default: temporary)")
    parser.add_argument("--reuse", action="store_true", help="export the corpus built before")
    parser.add_argument("--formats", default="", help="also time these formats once each")
    parser.add_argument("--http", action="store_true", help="time the HTTP export (gunicorn)")
    parser.add_argument("--as-job", action="store_true", help="run the export job (db_worker)")
    parser.add_argument("--no-plain", action="store_true", help="skip the interleaved runs")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    folder = Path(tempfile.mkdtemp(prefix="factcheck-bench-"))
    try:
        if not args.database_url:
            path = Path(args.db_file) if args.db_file else folder / "bench.sqlite3"
            args.database_url = f"sqlite:///{path.resolve()}"
        if args.reuse and not args.db_file and args.database_url.startswith("sqlite"):
            sys.exit("--reuse needs --db-file (or a PostgreSQL --database-url)")
        env = production_env(args.database_url, folder)
        build_corpus(args, env, folder)
        engine = args.database_url.split(":")[0]
        expected = None
        if not args.no_plain:
            plains, ourses = [], []
            for i in range(args.runs):  # interleaved: load from other work hits both alike
                if i % 2:  # and in alternating order
                    o = ours("jsonl", env)
                    p = plain(args, env)
                else:
                    p, o = plain(args, env), ours("jsonl", env)
                plains.append(p)
                ourses.append(o)
                print(f"  run {i + 1}: plain {p['seconds']:.2f} s (CPU {p['cpu_seconds']:.2f} s), "
                      f"jsonl {o['seconds']:.2f} s (CPU {o['cpu_seconds']:.2f} s), ratio "
                      f"{o['seconds'] / p['seconds']:.2f}, peak RSS {o['maxrss_mb']:.0f} MB")  # fmt: skip
            expected = plains[0]["sha256"]
            same = all(r["sha256"] == expected for r in plains + ourses)

            def med(runs, key="seconds"):
                return statistics.median(r[key] for r in runs)

            ratios = sorted(
                o["seconds"] / p["seconds"] for p, o in zip(plains, ourses, strict=True)
            )
            print(
                f"{engine}, {ourses[0]['claims']:,} claims, {ourses[0]['bytes']:,} bytes, "
                f"{args.runs} interleaved runs: plain driver median {med(plains):.2f} s "
                f"(CPU {med(plains, 'cpu_seconds'):.2f} s), jsonl median {med(ourses):.2f} s "
                f"(CPU {med(ourses, 'cpu_seconds'):.2f} s): {med(ourses) / med(plains):.2f}× wall, "
                f"{med(ourses, 'cpu_seconds') / med(plains, 'cpu_seconds'):.2f}× CPU (per-pair "
                f"wall ratios: median {statistics.median(ratios):.2f}, range {ratios[0]:.2f}–"
                f"{ratios[-1]:.2f}); same bytes: {'yes' if same else 'NO'} (sha256 "
                f"{expected[:16]}…); jsonl peak RSS {max(r['maxrss_mb'] for r in ourses):.0f} MB"
            )
        if args.formats:
            print(f"| {'format':<12} | {'claims/s':>10} | {'seconds':>7} | {'bytes':>12} | {'peak RSS MB':>11} |")  # fmt: skip
            print(f"|{'-' * 14}|{'-' * 12}|{'-' * 9}|{'-' * 14}|{'-' * 13}|")
            for fmt in args.formats.split(","):
                r = ours(fmt, env)
                print(f"| {fmt:<12} | {r['claims'] / r['seconds']:>10,.0f} | {r['seconds']:>7.2f} | "
                      f"{r['bytes']:>12,} | {r['maxrss_mb']:>11.0f} |")  # fmt: skip
        if args.http:
            run_http(args, env, expected)
        if args.as_job:
            run_job(args, env, folder, expected)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    if "--child" in sys.argv and sys.argv[sys.argv.index("--child") + 1] == "build":
        setup_django()
        build(int(os.environ["BENCH_ARTICLES"]), int(os.environ["BENCH_CLAIMS"]))
    else:
        main()
