"""Real servers for tests: manage.py and gunicorn as subprocesses on loopback ports.

Used by the tests that need what the Django test client cannot give: several processes (and
several servers) sharing one database and one cache, as production runs.
"""

from __future__ import annotations

import http.client
import os
import secrets
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_env(**extra: str) -> dict[str, str]:
    """Return the environment of production settings (DEBUG off) on loopback plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "FACTCHECK_"))}
    env.pop("REDIS_URL", None)
    env.pop("DATABASE_REPLICA_URL", None)
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_LOG_LEVEL="ERROR",
    )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 180) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"manage.py {' '.join(args[:2])} failed:\n{done.stderr[-3000:]}"
    return done.stdout


def request(port: int, method: str, path: str, *, body=None, headers=None):
    """Return (status, headers, body bytes) of one HTTP request to 127.0.0.1:port."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


@contextmanager
def gunicorn(env: dict[str, str], *, workers: int, log: Path):
    """Run `gunicorn factcheck.wsgi` on a free port; yield the port once it answers."""
    port = free_port()
    command = [str(BIN / "gunicorn"), "factcheck.wsgi", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(workers)]
    with log.open("w") as out:
        server = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                assert server.poll() is None, f"gunicorn exited: {log.read_text()[-2000:]}"
                try:
                    if request(port, "GET", "/login/")[0] == 200:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, "gunicorn did not answer in 60 s"
                time.sleep(0.2)
            yield port
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def postgres_url() -> str | None:
    """Return DATABASE_URL if the suite runs on PostgreSQL, else None."""
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


@contextmanager
def scratch_postgres_database(suffix: str):
    """Create an empty PostgreSQL database beside the suite's (NAME_suffix); drop it after."""
    import psycopg

    url = postgres_url()
    assert url
    parts = urlsplit(url)
    # The pytest-xdist worker id keeps two processes of one run apart.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    name = f"{parts.path.lstrip('/')}_{suffix}{worker}"
    assert name.replace("_", "").isalnum(), name
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def worker_env() -> dict[str, str]:
    """Return the environment for a `manage.py db_worker` process that works on the test
    database of this test run (and writes files under its MEDIA_ROOT)."""
    from django.conf import settings
    from django.db import connection

    env = dict(os.environ)
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        env["SQLITE_TEST_NAME"] = ""
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    else:
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    env["DJANGO_MEDIA_ROOT"] = str(settings.MEDIA_ROOT)
    return env
