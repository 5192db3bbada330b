"""Fetching a web page safely for import: the one place the server opens a connection to a
URL a user typed. What belongs here is the network policy (schemes, public addresses only,
redirects, time and size limits, HTML only); extracting the article from the page belongs to
`extract.py`, storing it to `services`.

The host name is resolved once; every address it resolves to must be public, and the connection
goes to the checked address (the Host header and the TLS server name stay the host name), so a
DNS answer that changes between the check and the connection (rebinding) cannot reach an
internal address. Each redirect is checked the same way. `FACTCHECK_FETCH_ALLOW_HOSTS` names
hosts (exactly as written in URLs) that may resolve to non-public addresses: an intranet's news
server, or the local server a test starts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import http.client
import ipaddress
import re
import socket
import ssl
import time
from collections.abc import Callable, Iterable
from urllib.parse import urljoin, urlsplit

from django.conf import settings

from .exceptions import ValidationFailed

MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 5
CONNECT_SECONDS = 5.0
TOTAL_SECONDS = 20.0
HTML_TYPES = ("text/html", "application/xhtml+xml")
USER_AGENT = "factcheck-importer/1.0 (+https://github.com/factcheck)"
REDIRECT_STATUSES = {301, 302, 303, 307, 308}

# Ranges `ipaddress` does not flag on every Python version, named explicitly.
BLOCKED_NETWORKS = [
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8",  # "this network"; 0.0.0.0 reaches the local host on Linux
        "100.64.0.0/10",  # carrier-grade NAT (shared address space)
        "192.0.0.0/24",  # IETF protocol assignments
        "198.18.0.0/15",  # benchmarking
        "64:ff9b::/96",  # NAT64: embeds an IPv4 address that may be internal
        "64:ff9b:1::/48",  # local-use NAT64
        "2002::/16",  # 6to4: embeds an IPv4 address
    )
]

Resolver = Callable[[str, int], Iterable[str]]


class FetchRefused(ValidationFailed):
    """The URL was not fetched (or its answer not accepted); the message says why."""

    def __init__(self, message: str):
        super().__init__(message, field="fetch_url")


@dataclasses.dataclass(frozen=True)
class FetchedPage:
    """An HTML page as fetched: its bytes, where it finally came from and when."""

    requested_url: str
    final_url: str
    body: bytes
    charset: str | None
    content_type: str
    fetched_at: dt.datetime
    redirects: tuple[str, ...] = ()

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


def system_resolver(host: str, port: int) -> list[str]:
    """Return every address `host` resolves to (IPv4 and IPv6) through the system resolver."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchRefused(f"The host name “{host}” does not resolve ({exc.strerror}).") from None
    return [info[4][0] for info in infos]


def why_not_public(address: str) -> str | None:
    """Return why `address` must not be reached (e.g. "loopback"), or None if it is public."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return "an IPv4-mapped IPv6 address"
        if ip.sixtofour is not None or ip.teredo is not None:
            return "an IPv6 tunnel address embedding IPv4"
    for network in BLOCKED_NETWORKS:
        if ip.version == network.version and ip in network:
            return f"in the non-public range {network}"
    checks = [
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("unspecified", ip.is_unspecified),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
    ]
    for reason, flagged in checks:
        if flagged:
            return reason
    if not ip.is_global:
        return "not globally routable"
    return None


_NUMERIC_HOST = re.compile(r"[0-9a-fA-FxX.]+")


def literal_address(host: str) -> str | None:
    """Return the address a host written as an IP literal means (any spelling), or None.

    Besides the canonical forms, C's `inet_aton` (and so browsers and `getaddrinfo`) read
    "2130706433", "0x7f.1", "0177.0.0.1" and "127.1" as 127.0.0.1; those are read the same way
    here, so they are checked as the address they are.
    """
    bare = host.strip("[]")
    try:
        return str(ipaddress.ip_address(bare.split("%", 1)[0]))
    except ValueError:
        pass
    if _NUMERIC_HOST.fullmatch(host) and not host.endswith("."):
        try:
            return socket.inet_ntoa(socket.inet_aton(host))
        except OSError:
            return None
    return None


def allowed_hosts() -> set[str]:
    """Return the host names that may resolve to non-public addresses (lower-case)."""
    hosts = getattr(settings, "FACTCHECK_FETCH_ALLOW_HOSTS", ()) or ()
    if isinstance(hosts, str):
        hosts = hosts.split(",")
    return {h.strip().lower() for h in hosts if h.strip()}


@dataclasses.dataclass(frozen=True)
class _Target:
    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]


def check_url(url: str, *, resolver: Resolver = system_resolver) -> _Target:
    """Check `url` against the policy and return where to connect; raise FetchRefused if not."""
    if len(url) > 2000:
        raise FetchRefused("The URL is longer than 2000 characters.")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise FetchRefused(f"The URL is not valid ({exc}).") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchRefused(
            f"Only http and https URLs can be fetched, not “{scheme or 'no scheme'}”."
        )
    host = (parts.hostname or "").lower()
    if not host:
        raise FetchRefused("The URL has no host name.")
    if parts.username is not None or parts.password is not None:
        raise FetchRefused("URLs with a user name or password are not fetched.")
    port = port or (443 if scheme == "https" else 80)
    literal = literal_address(host)
    addresses = [literal] if literal is not None else list(resolver(host, port))
    if not addresses:
        raise FetchRefused(f"The host name “{host}” does not resolve.")
    if host not in allowed_hosts():
        for address in addresses:
            reason = why_not_public(address)
            if reason is not None:
                raise FetchRefused(
                    f"Refusing to fetch {host}: it resolves to {address}, which is {reason}; "
                    "only public addresses are fetched."
                )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return _Target(scheme=scheme, host=host, port=port, path=path, addresses=tuple(addresses))


def _connection(target: _Target, *, ssl_context: ssl.SSLContext | None):
    """Return an HTTP(S) connection to `target.host` whose socket goes to the checked address."""
    if target.scheme == "https":
        conn = http.client.HTTPSConnection(
            target.host,
            target.port,
            timeout=CONNECT_SECONDS,
            context=ssl_context or ssl.create_default_context(),
        )
    else:
        conn = http.client.HTTPConnection(target.host, target.port, timeout=CONNECT_SECONDS)
    pinned = target.addresses

    # http.client opens its socket through this attribute; replacing it keeps `host` (the Host
    # header, and the TLS server name and certificate check) while the TCP connection goes to
    # the addresses that were checked, in order, never to a second DNS answer.
    def connect_pinned(address, timeout, source_address=None):
        error: OSError | None = None
        for ip in pinned:
            try:
                return socket.create_connection((ip, address[1]), timeout, source_address)
            except OSError as exc:
                error = exc
        raise error or OSError("no address to connect to")

    conn._create_connection = connect_pinned
    return conn


def fetch_html(
    url: str,
    *,
    resolver: Resolver = system_resolver,
    ssl_context: ssl.SSLContext | None = None,
    max_bytes: int = MAX_BYTES,
    total_seconds: float = TOTAL_SECONDS,
) -> FetchedPage:
    """Fetch the HTML page at `url` under the policy of this module; raise FetchRefused if not.

    `resolver` and `ssl_context` are seams for tests (a resolver answering what a test needs, a
    context trusting a test certificate); production uses the system's.
    """
    deadline = time.monotonic() + total_seconds
    current = url.strip()
    redirects: list[str] = []
    while True:
        target = check_url(current, resolver=resolver)
        conn = _connection(target, ssl_context=ssl_context)
        try:
            response, sock = _request(conn, target, deadline)
            if response.status in REDIRECT_STATUSES:
                location = response.getheader("Location")
                if not location:
                    raise FetchRefused(f"{current} redirected without saying where to.")
                if len(redirects) >= MAX_REDIRECTS:
                    raise FetchRefused(f"More than {MAX_REDIRECTS} redirects; giving up.")
                redirects.append(current)
                current = urljoin(current, location.strip())
                continue
            if response.status != 200:
                raise FetchRefused(f"{current} answered HTTP {response.status}, not 200.")
            content_type, charset = _content_type(response.getheader("Content-Type", ""))
            if content_type not in HTML_TYPES:
                raise FetchRefused(
                    f"{current} is “{content_type or 'of no stated type'}”, not an HTML page."
                )
            length = response.getheader("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise FetchRefused(
                    f"The page is {int(length)} bytes; the limit is {max_bytes} bytes."
                )
            body = _read_capped(sock, response, deadline, max_bytes)
        except TimeoutError:
            raise FetchRefused(
                f"{current} took too long (limits: {CONNECT_SECONDS:g} s to connect, "
                f"{total_seconds:g} s in all)."
            ) from None
        except (OSError, http.client.HTTPException) as exc:
            raise FetchRefused(f"Could not fetch {current}: {exc}.") from None
        finally:
            conn.close()
        return FetchedPage(
            requested_url=url.strip(),
            final_url=current,
            body=body,
            charset=charset,
            content_type=content_type,
            fetched_at=dt.datetime.now(dt.UTC),
            redirects=tuple(redirects),
        )


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    return left


def _request(conn, target: _Target, deadline: float):
    """Connect (within the connect limit) and send the GET; return the response and socket."""
    conn.timeout = min(CONNECT_SECONDS, _remaining(deadline))
    conn.connect()
    # Kept here: http.client drops `conn.sock` once a response that closes the connection
    # owns it, and every later read must still be bounded by the time left.
    sock = conn.sock
    sock.settimeout(_remaining(deadline))
    conn.request(
        "GET",
        target.path,
        headers={
            "User-Agent": USER_AGENT,
            "Accept": "text/html,application/xhtml+xml;q=0.9",
            "Accept-Encoding": "identity",
        },
    )
    return conn.getresponse(), sock


def _read_capped(sock, response, deadline: float, max_bytes: int) -> bytes:
    """Read the body in blocks, each bounded by the time left; stop past `max_bytes`."""
    chunks: list[bytes] = []
    size = 0
    while True:
        sock.settimeout(_remaining(deadline))
        block = response.read1(64 * 1024)
        if not block:
            break
        size += len(block)
        if size > max_bytes:
            raise FetchRefused(f"The page is larger than the limit of {max_bytes} bytes.")
        chunks.append(block)
    _remaining(deadline)
    return b"".join(chunks)


def _content_type(header: str) -> tuple[str, str | None]:
    main, _, params = header.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key.lower() == "charset" and value:
            charset = value.strip("\"' ").lower()
    return main.strip().lower(), charset
