"""Several processes and several machines share one state: rate limits, sessions and writes.

Real gunicorn servers as subprocesses. Without `REDIS_URL`, the workers of one machine share
the file cache (annotations/cache.py): `FACTCHECK_API_RATE=10/min` with 3 workers let 30 of 40
requests through while each worker kept its own memory cache. With `REDIS_URL`, two servers
(two "machines", each with its own cache directory) over one PostgreSQL database and one Redis
enforce one token's limit together, accept each other's sessions, and lose no write of
`benchmarks/load.py` split across them. The read-replica router sends API reads to the replica
and every write to the primary.

Redis: `REDIS_TEST_URL` (default redis://127.0.0.1:6379/2, a database of its own that these
tests flush); tests needing it skip when it is unreachable unless FACTCHECK_REQUIRE_REDIS=1 (CI).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest

from tests.servers import (
    ROOT,
    base_env,
    gunicorn,
    manage,
    postgres_url,
    request,
    scratch_postgres_database,
)

REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/2")
PASSWORD = "correct horse battery staple"

SETUP = """
import json
from annotations import services, tokens
from annotations.models import User
from tests.factories import ProjectFactory
project = ProjectFactory(slug="desk", name="Desk")
user = User.objects.create_user(username="alice", password="correct horse battery staple")
services.add_member(project=project, user=user, role="editor")
_, key = tokens.create_token(user=user, name="machines")
print("SETUP" + json.dumps({"key": key}))
"""


def shell(env: dict[str, str], code: str, marker: str = "SETUP") -> dict:
    """Run `code` in manage.py shell; return the JSON it printed after `marker`."""
    out = manage(env, "shell", "--verbosity", "0", "-c", code)
    line = next(line for line in out.splitlines() if line.startswith(marker))
    return json.loads(line[len(marker) :])


def redis_url() -> str:
    """Return the test Redis URL after flushing its database, or skip if Redis is not there."""
    import redis

    client = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=2)
    try:
        client.flushdb()
    except redis.exceptions.ConnectionError as exc:
        if os.environ.get("FACTCHECK_REQUIRE_REDIS") == "1":
            pytest.fail(f"Redis at {REDIS_TEST_URL} is unreachable but FACTCHECK_REQUIRE_REDIS=1")
        pytest.skip(f"Redis at {REDIS_TEST_URL} is unreachable ({exc})")
    return REDIS_TEST_URL


def require_postgres() -> str:
    url = postgres_url()
    if url is None:
        pytest.skip(
            "several machines share one PostgreSQL database: run the suite with "
            "DATABASE_URL=postgres://... (CI does); SQLite serves one machine"
        )
    return url


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    """Collected static files: production settings render pages through the manifest."""
    root = tmp_path_factory.mktemp("static")
    manage(base_env(DJANGO_STATIC_ROOT=str(root)), "collectstatic", "--noinput", "-v0")
    return str(root)


def hammer(ports: list[int], key: str, count: int) -> list[int]:
    """Send `count` GETs with the token, in turn to each port; return the status codes."""
    headers = {"Authorization": f"Token {key}"}
    return [
        request(ports[i % len(ports)], "GET", "/api/v1/projects/", headers=headers)[0]
        for i in range(count)
    ]


# --- One machine: the file cache -------------------------------------------------------------


INCREMENT = """
import sys
from django.core.cache import cache
cache.add("shared-counter", 0, 600)
for _ in range(%d):
    cache.incr("shared-counter")
"""


def test_the_file_cache_counts_atomically_across_processes(tmp_path):
    """Four processes increment one counter 150 times each: no increment is lost."""
    env = {**base_env(DJANGO_DEBUG="1"), "FACTCHECK_CACHE_DIR": str(tmp_path / "cache")}
    processes = [
        subprocess.Popen(
            [sys.executable, "manage.py", "shell", "-c", INCREMENT % 150],
            cwd=ROOT,
            env=env,
        )
        for _ in range(4)
    ]
    assert [p.wait(timeout=120) for p in processes] == [0, 0, 0, 0]
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c",
         "from django.core.cache import cache; print('RESULT', cache.get('shared-counter'))"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    assert "RESULT 600" in result.stdout


def test_file_cache_incr_keeps_the_expiry_and_add_adds_once(tmp_path, settings):
    from django.core.cache import caches

    settings.CACHES = {
        "default": {"BACKEND": "annotations.cache.FileCache", "LOCATION": str(tmp_path)}
    }
    cache = caches.create_connection("default")
    assert cache.add("k", 5, 0.5) is True
    assert cache.add("k", 9, 60) is False
    assert cache.incr("k") == 6
    import time

    time.sleep(0.6)  # the window set by add() has passed: incr did not extend it
    assert cache.get("k") is None
    with pytest.raises(ValueError, match="not found"):
        cache.incr("k")


@pytest.mark.slow
def test_the_api_rate_holds_across_the_workers_of_one_machine(tmp_path, static_root):
    """10/min with 3 gunicorn workers and no Redis: exactly 10 of 40 requests get through."""
    env = base_env(
        DJANGO_STATIC_ROOT=static_root,
        DATABASE_URL=f"sqlite:///{tmp_path / 'one.sqlite3'}",
        FACTCHECK_CACHE_DIR=str(tmp_path / "cache"),
        FACTCHECK_API_RATE="10/min",
    )
    manage(env, "migrate", "--noinput", "-v0")
    key = shell(env, SETUP)["key"]
    with gunicorn(env, workers=3, log=tmp_path / "server.log") as port:
        codes = hammer([port], key, 40)
        refused = request(
            port, "GET", "/api/v1/projects/", headers={"Authorization": f"Token {key}"}
        )
    assert codes.count(200) == 10 and codes.count(429) == 30, codes
    assert refused[0] == 429
    assert 0 < int(refused[1]["Retry-After"]) <= 60


# --- Several machines: one PostgreSQL, one Redis ---------------------------------------------


def test_redis_url_makes_the_cache_redis(tmp_path):
    url = redis_url()
    env = base_env(DJANGO_DEBUG="1", REDIS_URL=url, DATABASE_URL=f"sqlite:///{tmp_path / 'x'}")
    out = manage(
        env,
        "shell",
        "-c",
        "from django.core.cache import caches; cache = caches['default']; "
        "cache.set('probe', 41, 60); print('RESULT', type(cache).__name__, cache.incr('probe'))",
    )
    assert "RESULT RedisCache 42" in out
    import redis

    assert redis.Redis.from_url(url).get("factcheck:1:probe") == b"42"


def sign_in(port: int, username: str, password: str) -> str:
    """Sign in through the page on `port` (CSRF and all); return the session cookie's value."""
    status, headers, body = request(port, "GET", "/login/")
    assert status == 200
    csrf_cookie = SimpleCookie(headers["Set-Cookie"])["csrftoken"].value
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    status, headers, _ = request(
        port,
        "POST",
        "/login/",
        body=urlencode({"username": username, "password": password,
                        "csrfmiddlewaretoken": token}),
        headers={"Cookie": f"csrftoken={csrf_cookie}",
                 "Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    assert status == 302, status
    cookies = SimpleCookie()
    for value in headers.get_all("Set-Cookie"):
        cookies.load(value)
    return cookies["sessionid"].value


@pytest.mark.slow
def test_two_servers_share_rate_limits_and_sessions(tmp_path, static_root):
    """Two servers of 2 workers each, one PostgreSQL, one Redis: one token's 10/min holds
    across both, and a session made on one is valid on the other."""
    require_postgres()
    cache_url = redis_url()
    with scratch_postgres_database("machines") as database_url:
        common = {
            "DJANGO_STATIC_ROOT": static_root,
            "DATABASE_URL": database_url,
            "REDIS_URL": cache_url,
            "FACTCHECK_API_RATE": "10/min",
        }
        env = base_env(**common)
        manage(env, "migrate", "--noinput", "-v0")
        key = shell(env, SETUP)["key"]
        # Each "machine" has its own cache directory: only Redis can make them agree.
        env_a = {**env, "FACTCHECK_CACHE_DIR": str(tmp_path / "a")}
        env_b = {**env, "FACTCHECK_CACHE_DIR": str(tmp_path / "b")}
        with (
            gunicorn(env_a, workers=2, log=tmp_path / "a.log") as port_a,
            gunicorn(env_b, workers=2, log=tmp_path / "b.log") as port_b,
        ):
            with ThreadPoolExecutor(4) as pool:
                batches = list(pool.map(lambda _: hammer([port_a, port_b], key, 10), range(4)))
            codes = [code for batch in batches for code in batch]
            assert codes.count(200) == 10 and codes.count(429) == 30, codes

            session = sign_in(port_a, "alice", PASSWORD)
            status, _, body = request(
                port_b, "GET", "/", headers={"Cookie": f"sessionid={session}"}
            )
            assert status == 200
            assert b"alice" in body
            anonymous = request(port_b, "GET", "/")
            assert anonymous[0] == 302 and anonymous[1]["Location"].startswith("/login/")


@pytest.mark.slow
def test_the_load_test_split_across_two_servers_loses_no_write():
    """benchmarks/load.py for 6 s against two servers (one PostgreSQL, one Redis), each request
    to the next server in turn: every confirmed write is stored once, nothing else, no 5xx."""
    url = require_postgres()
    cache_url = redis_url()
    base = url.rsplit("/", 1)
    run = subprocess.run(
        [
            sys.executable,
            "benchmarks/load.py",
            "--seconds", "6",
            "--servers", "2",
            "--gunicorn-workers", "2",
            "--workers", "6",
            "--database-url", f"{base[0]}/{base[1]}_load",
            "--redis-url", cache_url,
        ],
        cwd=ROOT,
        env=base_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    checks = [line for line in run.stdout.splitlines() if line.startswith("check ")]
    assert len(checks) == 7 and all(line.endswith("OK") for line in checks), run.stdout
    writes = int(re.search(r"confirmed writes: (\d+)", run.stdout).group(1))
    assert writes > 0
    assert "errors (5xx or no answer): 0" in run.stdout


# --- The read replica -----------------------------------------------------------------------

REPLICA_PROBE = """
import json
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from annotations.models import User

def run(client, method, path, **extra):
    with CaptureQueriesContext(connections["default"]) as primary, \\
         CaptureQueriesContext(connections["replica"]) as replica:
        response = getattr(client, method)(path, **extra)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    kinds = lambda queries: sorted({q["sql"].split()[0].upper() for q in queries})
    return {"status": response.status_code, "primary": kinds(primary.captured_queries),
            "replica": kinds(replica.captured_queries)}

api = Client(HTTP_AUTHORIZATION="Token %(key)s")
browser = Client()
browser.force_login(User.objects.get(username="alice"))
body = json.dumps({"title": "Replica", "text": "One sentence here. Two."})
print("RESULT" + json.dumps({
    "api_get": run(api, "get", "/api/v1/projects/desk/articles/"),
    "export": run(api, "get", "/api/v1/projects/desk/export/?format=jsonl"),
    "api_post": run(api, "post", "/api/v1/projects/desk/articles/", data=body,
                    content_type="application/json"),
    "page": run(browser, "get", "/projects/desk/"),
}))
"""


@pytest.mark.slow
def test_the_replica_router_sends_api_reads_to_the_replica_and_writes_to_the_primary(tmp_path):
    """`DATABASE_REPLICA_URL` names a second connection to the same database (as a replica
    would hold the same rows): API GETs and the streamed export read only from it; an API
    POST reads and writes the primary only; pages read the primary (read-your-writes)."""
    with (
        scratch_postgres_database("replica")
        if postgres_url()
        else nullcontext(f"sqlite:///{tmp_path / 'primary.sqlite3'}")
    ) as database_url:
        env = base_env(
            DJANGO_DEBUG="1",
            DJANGO_ALLOWED_HOSTS="testserver",
            DATABASE_URL=database_url,
            DATABASE_REPLICA_URL=database_url,
        )
        manage(env, "migrate", "--noinput", "-v0")
        key = shell(env, SETUP)["key"]
        probe = REPLICA_PROBE % {"key": key}
        result = shell(env, probe, marker="RESULT")
    api_get, export, api_post, page = (
        result["api_get"], result["export"], result["api_post"], result["page"]
    )  # fmt: skip
    assert api_get["status"] == 200 and "SELECT" in api_get["replica"]
    assert "SELECT" not in api_get["primary"]  # the token's last use is written, not read
    assert export["status"] == 200 and "SELECT" in export["replica"]
    assert "SELECT" not in export["primary"]
    assert api_post["status"] == 201 and "INSERT" in api_post["primary"]
    assert api_post["replica"] == []
    assert page["status"] == 200 and "SELECT" in page["primary"] and page["replica"] == []


# --- The throttle's window ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_api_rate_window_refuses_past_the_limit_and_reopens_after_its_period(
    reviewer, settings
):
    """2/s: two requests pass, the third is 429 with Retry-After, and a second later the
    window has reopened (the counter expired with it, incr() did not extend it)."""
    import time

    from django.core.cache import cache
    from rest_framework.test import APIClient

    from annotations import tokens

    settings.FACTCHECK_API_RATES = {"user": "2/s", "anon": "1/min"}
    cache.clear()
    _, key = tokens.create_token(user=reviewer, name="window")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    codes = [client.get("/api/v1/projects/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    refused = client.get("/api/v1/projects/")
    assert refused.status_code == 429 and int(refused["Retry-After"]) <= 1
    time.sleep(1.1)
    assert client.get("/api/v1/projects/").status_code == 200
    cache.clear()
