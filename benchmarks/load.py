"""Load test: simulated reviewers and editors write through the JSON API of a gunicorn server.

    .venv/bin/python benchmarks/load.py [--seconds 20] [--workers 8] [--reviewers 6]
        [--editors 2] [--gunicorn-workers 4] [--servers 1] [--redis-url redis://...]
        [--database-url postgres://postgres@127.0.0.1:5432/fc_load]

Starts the app under gunicorn on a free loopback port with production settings (DEBUG off) on
its own database: a temporary SQLite file, or the PostgreSQL database named in
--database-url, which it creates and drops. It loads the demo data, creates N reviewer and M
editor accounts with API tokens, then for a bounded time runs `--workers` threads: reviewer
threads mark a claim, attach a source, draft a verdict and submit it; editor threads take
verdicts from the queue and approve them with `If-Match`. It prints throughput, p50/p99 latency
per request kind and the errors, and then checks the database: every write the API confirmed
is there, nothing else is, and nothing is duplicated.

`--servers N` starts N gunicorn servers on N ports over the same database, as N machines behind
a load balancer would be (with `--redis-url`, sharing one Redis cache); every thread sends each
request to the next server in turn, so a claim marked on one is sourced, drafted, submitted and
approved through the others. Exit status 1 if any check fails or any
request got a 5xx or no answer. Figures go in the README, never in a test assertion.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

SETUP = """
import json
from annotations import services, tokens
from annotations.models import Article, Project, User
project = Project.objects.get(slug="demo")
out = {"reviewers": [], "editors": [], "articles": []}
for role, count in (("reviewer", %(reviewers)d), ("editor", %(editors)d)):
    for index in range(count):
        user = User.objects.create_user(username=f"load-{role}-{index}", password=None)
        services.add_member(project=project, user=user, role=role)
        _, key = tokens.create_token(user=user, name="load test")
        out[role + "s"].append({"username": user.username, "key": key})
out["articles"] = [
    {"id": a.pk, "length": len(a.text)} for a in Article.objects.filter(project=project)
]
print("SETUP" + json.dumps(out))
"""

CHECK = """
import json
from annotations.models import Claim, Event, Source, Verdict
def ids(qs):
    return sorted(qs.values_list("pk", flat=True))
load = {"created_by__username__startswith": "load-"}
print("CHECK" + json.dumps({
    "claims": ids(Claim.objects.filter(**load)),
    "sources": ids(Source.objects.filter(added_by__username__startswith="load-")),
    "verdicts": ids(Verdict.objects.filter(reviewer__username__startswith="load-")),
    "submitted": ids(Verdict.objects.filter(reviewer__username__startswith="load-",
                                            submitted_at__isnull=False)),
    "approved": ids(Verdict.objects.filter(approved_by__username__startswith="load-")),
    "claim_spans": Claim.objects.filter(**load).values("article_id", "start", "end").count(),
    "distinct_spans": Claim.objects.filter(**load).values("article_id", "start", "end")
        .distinct().count(),
    "events": {a: Event.objects.filter(actor__username__startswith="load-", action=a).count()
               for a in ("mark_claim", "attach_source", "draft", "submit", "approve")},
}))
"""


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    created: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, status: int, seconds: float) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            self.statuses[(kind, status)] += 1

    def add(self, what: str, pk: int) -> None:
        with self.lock:
            self.created[what].append(pk)


class Api:
    """A minimal JSON client for one thread; a fresh connection per request (gunicorn's sync
    workers close it anyway)."""

    def __init__(self, ports: list[int], key: str, stats: Stats):
        self.ports, self.key, self.stats = ports, key, stats
        self.calls = 0

    def call(self, kind: str, method: str, path: str, body=None, headers=None):
        port = self.ports[self.calls % len(self.ports)]  # round-robin, like a load balancer
        self.calls += 1
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        payload = json.dumps(body).encode() if body is not None else None
        all_headers = {"Authorization": f"Token {self.key}", "Accept": "application/json"}
        if payload is not None:
            all_headers["Content-Type"] = "application/json"
        all_headers.update(headers or {})
        started = time.perf_counter()
        try:
            connection.request(method, path, body=payload, headers=all_headers)
            response = connection.getresponse()
            data = response.read()
        except OSError as exc:
            with self.stats.lock:
                self.stats.errors.append(f"{kind}: no answer ({exc})")
                self.stats.statuses[(kind, "no answer")] += 1
            return None, None
        finally:
            connection.close()
        self.stats.record(kind, response.status, time.perf_counter() - started)
        if response.status >= 500:
            with self.stats.lock:
                self.stats.errors.append(f"{kind}: {response.status} {data[:200]!r}")
        try:
            return response.status, json.loads(data) if data else None
        except ValueError:
            return response.status, None


def reviewer_loop(api: Api, articles: list[dict], stop: threading.Event, rng: random.Random):
    ratings = ["true", "mostly-true", "half-true", "mostly-false", "false", "misleading"]
    while not stop.is_set():
        article = rng.choice(articles)
        start = rng.randrange(0, max(1, article["length"] - 40))
        end = start + rng.randint(8, 40)
        status, claim = api.call(
            "mark claim",
            "POST",
            f"/api/v1/articles/{article['id']}/claims/",
            {"start": start, "end": min(end, article["length"]), "statement": "Load test."},
        )
        if status != 201:
            continue  # 409: another thread marked that span first; 400: whitespace span
        api.stats.add("claims", claim["id"])
        status, source = api.call(
            "attach source",
            "POST",
            f"/api/v1/claims/{claim['id']}/sources/",
            {"url": f"https://stats.example.org/{claim['id']}", "stance": "supports"},
        )
        if status != 201:
            continue
        api.stats.add("sources", source["id"])
        status, verdict = api.call(
            "draft verdict",
            "POST",
            f"/api/v1/claims/{claim['id']}/verdicts/",
            {
                "rating": rng.choice(ratings),
                "explanation": "The **figures** disagree; see the source.",
                "sources": [source["id"]],
            },
        )
        if status != 201:
            continue
        api.stats.add("verdicts", verdict["id"])
        status, verdict = api.call(
            "submit",
            "POST",
            f"/api/v1/verdicts/{verdict['id']}/submit/",
            {},
            {"If-Match": f'"{verdict["version"]}"'},
        )
        if status == 200:
            api.stats.add("submitted", verdict["id"])


def editor_loop(api: Api, stop: threading.Event, rng: random.Random):
    while not stop.is_set():
        status, page = api.call("queue", "GET", "/api/v1/projects/demo/queue/?page_size=20")
        if status != 200 or not page or not page.get("results"):
            time.sleep(0.05)
            continue
        verdict = rng.choice(page["results"])
        status, approved = api.call(
            "approve",
            "POST",
            f"/api/v1/verdicts/{verdict['id']}/approve/",
            {},
            {"If-Match": f'"{verdict["version"]}"'},
        )
        if status == 200:
            api.stats.add("approved", approved["id"])
        # 409/412: another editor decided it first, which is the point of If-Match.


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict, *args: str, marker: str | None = None):
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        sys.exit(f"manage.py {' '.join(args[:2])} failed:\n{result.stderr[-3000:]}")
    if marker:
        line = next(line for line in result.stdout.splitlines() if line.startswith(marker))
        return json.loads(line[len(marker) :])
    return None


def postgres_admin(url: str, sql: str) -> None:
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(sql)


def percentile(values: list[float], share: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(share * 100) - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=8, help="concurrent simulated users")
    parser.add_argument("--reviewers", type=int, default=6, help="reviewer accounts")
    parser.add_argument("--editors", type=int, default=2, help="editor accounts")
    parser.add_argument("--editor-share", type=float, default=0.25, help="share of editor threads")
    parser.add_argument("--gunicorn-workers", type=int, default=4, help="per server")
    parser.add_argument("--servers", type=int, default=1, help="gunicorn servers, one database")
    parser.add_argument("--redis-url", help="shared cache for all servers (REDIS_URL)")
    parser.add_argument("--database-url", help="postgres://.../NAME (created and dropped)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="factcheck-load-"))
    postgres = args.database_url
    if postgres:
        name = urlsplit(postgres).path.lstrip("/")
        if not name.replace("_", "").isalnum():
            sys.exit(f"Unsafe database name {name!r}.")
        postgres_admin(postgres, f'DROP DATABASE IF EXISTS "{name}"')
        postgres_admin(postgres, f'CREATE DATABASE "{name}"')
        database_url = postgres
    else:
        database_url = f"sqlite:///{folder / 'load.sqlite3'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "FACTCHECK_"))}
    env.update(
        DATABASE_URL=database_url,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_STATIC_ROOT=str(folder / "static"),
        FACTCHECK_API_RATE="1000000/min",
        DJANGO_LOG_LEVEL="ERROR",
        DATABASE_CONN_MAX_AGE="60",  # persistent connections, as the README recommends
        FACTCHECK_CACHE_DIR=str(folder / "cache"),
    )
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    servers: list[subprocess.Popen] = []
    try:
        started = time.perf_counter()
        manage(env, "migrate", "--noinput")
        manage(env, "loaddemo", "--force")
        setup = manage(
            env,
            "shell",
            "--verbosity",
            "0",
            "-c",
            SETUP % {"reviewers": args.reviewers, "editors": args.editors},
            marker="SETUP",
        )
        ports = [free_port() for _ in range(args.servers)]
        for port in ports:
            servers.append(
                subprocess.Popen(
                    [
                        str(Path(PYTHON).with_name("gunicorn")),
                        "factcheck.wsgi",
                        "--bind",
                        f"127.0.0.1:{port}",
                        "--workers",
                        str(args.gunicorn_workers),
                        "--preload",
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        deadline = time.monotonic() + 30
        for port, server in zip(ports, servers, strict=True):
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        sys.exit("gunicorn did not start")
                    time.sleep(0.1)
        warm = Api(
            ports,
            setup["editors"][0]["key"] if args.editors else setup["reviewers"][0]["key"],
            Stats(),
        )
        for _ in range(args.gunicorn_workers * 3 * len(ports)):  # every worker has answered once
            warm.call("warm-up", "GET", "/api/v1/projects/demo/")
        print(
            f"Set up in {time.perf_counter() - started:.1f}s: {database_url.split('://')[0]}, "
            f"{len(setup['articles'])} articles, {args.reviewers} reviewers, "
            f"{args.editors} editors, {len(ports)} server(s) of {args.gunicorn_workers} gunicorn "
            f"workers on :{', :'.join(map(str, ports))}"
            f"{', one Redis cache' if args.redis_url else ''}"
        )

        stats, stop = Stats(), threading.Event()
        threads = []
        editor_threads = max(1, round(args.workers * args.editor_share)) if args.editors else 0
        for index in range(args.workers):
            rng = random.Random(args.seed * 1000 + index)
            if index < editor_threads:
                account = setup["editors"][index % args.editors]
                target = editor_loop
                targs = (Api(ports, account["key"], stats), stop, rng)
            else:
                account = setup["reviewers"][index % args.reviewers]
                target = reviewer_loop
                targs = (Api(ports, account["key"], stats), setup["articles"], stop, rng)
            threads.append(threading.Thread(target=target, args=targs, daemon=True))
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        time.sleep(args.seconds)
        stop.set()
        for thread in threads:
            thread.join(timeout=90)
        elapsed = time.perf_counter() - began

        report(stats, elapsed, args)
        found = manage(env, "shell", "--verbosity", "0", "-c", CHECK, marker="CHECK")
        ok = verify(stats, found)
        return 0 if ok and not stats.errors else 1
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)
        if postgres:
            name = urlsplit(postgres).path.lstrip("/")
            postgres_admin(postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(folder, ignore_errors=True)


def report(stats: Stats, elapsed: float, args) -> None:
    total = sum(len(v) for v in stats.latencies.values())
    print(
        f"\n{total} requests in {elapsed:.1f}s with {args.workers} threads: "
        f"{total / elapsed:.0f} requests/s"
    )
    print(f"{'request':<15}{'count':>7}{'p50 ms':>9}{'p99 ms':>9}  statuses")
    for kind, values in sorted(stats.latencies.items()):
        codes = ", ".join(
            f"{code}×{n}" for (k, code), n in sorted(stats.statuses.items(), key=str) if k == kind
        )
        print(
            f"{kind:<15}{len(values):>7}{percentile(values, 0.5) * 1000:>9.1f}"
            f"{percentile(values, 0.99) * 1000:>9.1f}  {codes}"
        )
    writes = sum(len(v) for k, v in stats.created.items())
    print(
        f"confirmed writes: {writes} ({', '.join(f'{k} {len(v)}' for k, v in stats.created.items())}); "
        f"{writes / elapsed:.0f} writes/s"
    )
    print(f"errors (5xx or no answer): {len(stats.errors)}")
    for line in stats.errors[:10]:
        print("  " + line)


def verify(stats: Stats, found: dict) -> bool:
    """Compare what the API confirmed with what the database holds."""
    ok = True
    for what in ("claims", "sources", "verdicts", "submitted", "approved"):
        confirmed = stats.created.get(what, [])
        stored = found[what]
        duplicates = len(confirmed) - len(set(confirmed))
        missing = sorted(set(confirmed) - set(stored))
        extra = sorted(set(stored) - set(confirmed))
        good = not duplicates and not missing and not extra
        ok &= good
        print(
            f"check {what:<10} confirmed {len(confirmed):>5}  stored {len(stored):>5}  "
            f"missing {len(missing)}  unconfirmed {len(extra)}  duplicate ids {duplicates}  "
            f"{'OK' if good else 'FAIL'}"
        )
    spans_ok = found["claim_spans"] == found["distinct_spans"]
    print(
        f"check spans      {found['claim_spans']} claims on {found['distinct_spans']} distinct "
        f"spans  {'OK' if spans_ok else 'FAIL'}"
    )
    events = found["events"]
    expected = {
        "mark_claim": "claims", "attach_source": "sources", "draft": "verdicts",
        "submit": "submitted", "approve": "approved",
    }  # fmt: skip
    events_ok = all(events[a] == len(stats.created.get(w, [])) for a, w in expected.items())
    print(f"check events     one per confirmed write: {events}  {'OK' if events_ok else 'FAIL'}")
    return ok and spans_ok and events_ok


if __name__ == "__main__":
    sys.exit(main())
