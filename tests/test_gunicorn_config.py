"""The production gunicorn settings let a stream outlive the worker timeout: a sync worker
was killed at 60 s in the middle of a long export; threaded workers keep heartbeating."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_a_stream_longer_than_the_timeout_completes():
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "-c", "factcheck/gunicorn.conf.py",
            "--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "3",
            "tests.slow_stream_app:app",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        started = time.monotonic()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as response:
            body = response.read()
        assert body == b"chunk\n" * 8
        # A sync worker is killed at 3 s; gthread heartbeats about once a second, so a 3 s
        # timeout leaves it two missed beats of slack on a busy machine (1 s was racy in CI).
        assert time.monotonic() - started > 6  # twice the timeout
    finally:
        server.terminate()
        _, err = server.communicate(timeout=10)
    assert b"WORKER TIMEOUT" not in err
