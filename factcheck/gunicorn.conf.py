"""gunicorn settings for `make serve` (and any deployment: `gunicorn -c factcheck/gunicorn.conf.py
factcheck.wsgi`). Environment variables override each value.

Threaded workers (`gthread`): the worker's main loop keeps telling the arbiter it is alive while
its threads serve, so a long response (an export streamed for minutes) is not killed at
`timeout`, which then only catches a worker that is truly stuck. Large exports are still better
prepared as export files by the background worker.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
