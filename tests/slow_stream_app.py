"""A WSGI app for `test_gunicorn_config`: streams for longer than the worker timeout."""

import time


def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])

    def body():
        for _ in range(8):
            time.sleep(0.8)
            yield b"chunk\n"

    return body()
