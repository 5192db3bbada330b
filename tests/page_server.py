"""A small HTTP server on loopback that the URL-import tests start: it serves articles, and
the misbehaving answers (redirects anywhere, huge, endless, slow, wrong types) that the fetch
policy must refuse. Routes are read from the path; `pages` maps extra paths to HTML."""

from __future__ import annotations

import http.server
import threading
import time
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

ARTICLE_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Council doubles the bus budget | The Daily Example</title>
<meta name="author" content="Jane Reporter">
<meta property="og:site_name" content="The Daily Example">
<meta property="article:published_time" content="2026-11-03T08:00:00Z">
</head><body>
<nav><a href="/">Home</a> <a href="/sport">Sport</a></nav>
<article>
<h1>Council doubles the bus budget</h1>
<p>The city council voted on Tuesday to double the bus budget to 40 million euros, the largest
rise in a decade. The mayor said ridership had grown by 30 percent since 2020.</p>
<p>Opposition members said the figure was misleading because the network also grew by a third
over the same period, and called for an independent audit of the numbers.</p>
<p>The new budget takes effect in January, and the first new lines open in the spring.</p>
</article>
<footer>Copyright The Daily Example. Subscribe to our newsletter.</footer>
</body></html>"""


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    server: PageServer

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def _send(self, status: int, body: bytes = b"", content_type: str | None = "text/html"):
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        self.server.requests.append((parts.path, self.headers.get("Host")))
        route = parts.path
        try:
            if route in self.server.pages:
                time.sleep(self.server.delays.get(route, 0))
                body, content_type = self.server.pages[route]
                self._send(200, body.encode(), content_type)
            elif route == "/article":
                self._send(200, ARTICLE_HTML.encode(), "text/html; charset=utf-8")
            elif route == "/redirect":
                self.send_response(int(query.get("status", 302)))
                self.send_header("Location", query["to"])
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif route == "/loop":
                self.send_response(302)
                self.send_header("Location", f"/loop?n={int(query.get('n', 0)) + 1}")
                self.end_headers()
            elif route == "/big":  # states its size honestly
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(6 * 1024 * 1024))
                self.end_headers()
                self.wfile.write(b"<p>" + b"x" * (6 * 1024 * 1024 - 3))
            elif route == "/big-unstated":  # no Content-Length: only reading tells
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                block = b"<p>" + b"y" * 65533
                for _ in range(100):  # 6.25 MiB
                    self.wfile.write(block)
            elif route == "/big-lying":  # claims to be small, sends more
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", "100")
                self.end_headers()
                for _ in range(100):
                    self.wfile.write(b"z" * 65536)
            elif route == "/endless":
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                while not self.server.stopping:
                    self.wfile.write(b"<p>more</p>" * 1000)
            elif route == "/slow-headers":
                time.sleep(float(query.get("s", 3)))
                self._send(200, ARTICLE_HTML.encode())
            elif route == "/trickle":  # a byte at a time, each in time, never finishing
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                while not self.server.stopping:
                    self.wfile.write(b"<")
                    self.wfile.flush()
                    time.sleep(0.2)
            elif route == "/type":
                content_type = query.get("t") or None
                self._send(200, ARTICLE_HTML.encode(), content_type)
            elif route == "/status":
                self._send(int(query["code"]), b"gone")
            else:
                self._send(404, b"not here")
        except (BrokenPipeError, ConnectionResetError):
            pass


class PageServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.requests: list[tuple[str, str | None]] = []
        self.pages: dict[str, tuple[str, str]] = {}
        self.delays: dict[str, float] = {}  # seconds to wait before serving a page
        self.stopping = False

    @property
    def port(self) -> int:
        return self.server_address[1]

    def url(self, path: str, host: str = "localhost") -> str:
        return f"http://{host}:{self.port}{path}"


@contextmanager
def running_page_server():
    """Start a PageServer in a thread; stop it afterwards."""
    server = PageServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stopping = True
        server.shutdown()
        server.server_close()
