"""URL fetching (annotations/fetch.py): public addresses only, checked once and connected to as
checked, through at most five checked redirects, within time and size limits, HTML only. The
pages come from a real HTTP server on loopback that each test starts; loopback is reachable
only through the host names a test allows with FACTCHECK_FETCH_ALLOW_HOSTS."""

from __future__ import annotations

import pytest

from annotations import fetch
from annotations.fetch import FetchRefused, fetch_html
from tests.page_server import running_page_server


@pytest.fixture
def server(settings):
    settings.FACTCHECK_FETCH_ALLOW_HOSTS = ["localhost"]
    with running_page_server() as srv:
        yield srv


def loopback_resolver(host, port):
    return ["127.0.0.1"]


def refused(url, match, **kwargs):
    with pytest.raises(FetchRefused, match=match):
        fetch_html(url, **kwargs)


def test_an_allowed_host_is_fetched_with_its_final_url_and_digest(server):
    page = fetch_html(server.url("/redirect?to=/article"), resolver=loopback_resolver)
    assert page.final_url == server.url("/article")
    assert page.redirects == (server.url("/redirect?to=/article"),)
    assert b"Council doubles the bus budget" in page.body
    assert page.charset == "utf-8"
    assert len(page.sha256) == 64


def test_loopback_is_refused_by_default_even_under_its_name(settings):
    settings.FACTCHECK_FETCH_ALLOW_HOSTS = []
    refused("http://localhost/", r"resolves to 127\.0\.0\.1, which is loopback")


# --- The attacks: each refused before a connection, with the reason ---------------------------


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/", "loopback"),
        ("http://2130706433/", r"127\.0\.0\.1, which is loopback"),  # decimal
        ("http://0177.0.0.1/", r"127\.0\.0\.1, which is loopback"),  # octal
        ("http://0x7f000001/", r"127\.0\.0\.1, which is loopback"),  # hexadecimal
        ("http://127.1/", r"127\.0\.0\.1, which is loopback"),  # short form
        ("http://[::1]/", "loopback"),  # IPv6 loopback
        ("http://[::ffff:127.0.0.1]/", "IPv4-mapped"),
        ("http://[::ffff:7f00:1]/", "IPv4-mapped"),
        ("http://[64:ff9b::7f00:1]/", r"64:ff9b::/96"),  # NAT64 of loopback
        ("http://[2002:7f00:1::]/", "tunnel"),  # 6to4 of loopback
        ("http://169.254.169.254/latest/meta-data/", "link-local"),  # cloud metadata
        ("http://[fe80::1]/", "link-local"),
        ("http://10.0.0.5/", "private"),
        ("http://192.168.1.1/", "private"),
        ("http://172.16.0.1/", "private"),
        ("http://100.64.0.1/", r"100\.64\.0\.0/10"),  # carrier-grade NAT
        ("http://224.0.0.1/", "multicast"),
        ("http://240.0.0.1/", "reserved"),
        ("http://0.0.0.0/", r"0\.0\.0\.0/8"),
        ("http://[fd00::1]/", "private"),  # unique local
    ],
)
def test_non_public_addresses_in_any_spelling_are_refused(settings, url, reason):
    settings.FACTCHECK_FETCH_ALLOW_HOSTS = ["localhost"]  # allowing a name allows no literal

    def no_dns(host, port):
        raise AssertionError(f"{host} is an address literal: no DNS lookup")

    refused(url, reason, resolver=no_dns)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///etc/passwd", "Only http and https"),
        ("ftp://example.com/article.html", "Only http and https"),
        ("gopher://example.com:70/", "Only http and https"),
        ("javascript:alert(1)", "Only http and https"),
        ("http:///article", "no host name"),
        ("http://user:pw@example.com/", "user name or password"),
        ("http://example.com:99999/", "not valid"),
    ],
)
def test_other_schemes_and_malformed_urls_are_refused(url, reason):
    refused(url, reason, resolver=lambda h, p: ["93.184.216.34"])


def test_a_name_resolving_to_a_private_address_is_refused():
    refused(
        "https://intranet.example/",
        r"intranet\.example: it resolves to 10\.1\.2\.3, which is private",
        resolver=lambda host, port: ["10.1.2.3"],
    )


def test_a_name_with_one_private_address_among_public_ones_is_refused():
    refused(
        "https://mixed.example/",
        r"resolves to 192\.168\.0\.7",
        resolver=lambda host, port: ["93.184.216.34", "192.168.0.7"],
    )


def test_the_connection_goes_to_the_checked_address_not_a_second_answer(server, settings):
    """A resolver that answers loopback first and an unroutable address afterwards (DNS
    rebinding in reverse: if the fetcher looked the name up again it would hang or fail). The
    page arrives, the resolver was asked once, and the Host header kept the name."""
    settings.FACTCHECK_FETCH_ALLOW_HOSTS = ["pinned.test"]
    answers = [["127.0.0.1"], ["10.255.255.1"], ["10.255.255.1"]]
    calls = []

    def rebinding(host, port):
        calls.append(host)
        return answers[len(calls) - 1]

    page = fetch_html(f"http://pinned.test:{server.port}/article", resolver=rebinding)
    assert b"bus budget" in page.body
    assert calls == ["pinned.test"]
    assert server.requests[-1] == ("/article", f"pinned.test:{server.port}")


def test_a_rebinding_answer_at_check_time_is_refused():
    """The answer that is checked is the one used: a name that answers public, then private,
    is checked on its first answer and connected to that one; a name whose first answer is
    private never gets a connection."""
    answers = iter([["127.0.0.1"], ["93.184.216.34"]])
    refused("http://rebind.example/", "loopback", resolver=lambda h, p: next(answers))


def test_a_redirect_to_loopback_is_refused(server):
    target = f"http://127.0.0.1:{server.port}/article"
    refused(
        server.url(f"/redirect?to={target}"),
        r"127\.0\.0\.1.*loopback",
        resolver=loopback_resolver,
    )
    assert [path for path, _ in server.requests] == ["/redirect"]  # never followed


def test_a_redirect_to_the_metadata_address_is_refused(server):
    refused(
        server.url("/redirect?to=http://169.254.169.254/latest/meta-data/&status=307"),
        r"169\.254\.169\.254, which is link-local",
        resolver=loopback_resolver,
    )


@pytest.mark.parametrize("spelling", ["2130706433", "0177.0.0.1", "[::1]", "[::ffff:127.0.0.1]"])
def test_a_redirect_to_another_spelling_of_loopback_is_refused(server, spelling):
    refused(
        server.url(f"/redirect?to=http://{spelling}:{server.port}/article"),
        "Refusing to fetch",
        resolver=loopback_resolver,
    )


def test_a_redirect_to_another_scheme_is_refused(server):
    refused(
        server.url("/redirect?to=file:///etc/passwd"),
        "Only http and https",
        resolver=loopback_resolver,
    )


def test_more_than_five_redirects_are_refused(server):
    refused(server.url("/loop"), "More than 5 redirects", resolver=loopback_resolver)
    assert len(server.requests) == 6


def test_five_redirects_are_followed(server):
    chain = "/article"
    for _ in range(5):
        chain = f"/redirect?to={chain.replace('&', '%26').replace('?', '%3F').replace('=', '%3D')}"
    page = fetch_html(server.url(chain), resolver=loopback_resolver)
    assert page.final_url == server.url("/article")
    assert len(page.redirects) == 5


def test_a_body_stated_larger_than_5_mb_is_refused_before_reading(server):
    refused(server.url("/big"), r"6291456 bytes; the limit is 5242880", resolver=loopback_resolver)


def test_a_body_growing_past_5_mb_is_refused_while_reading(server):
    refused(server.url("/big-unstated"), "larger than the limit", resolver=loopback_resolver)


def test_a_body_longer_than_its_stated_length_is_cut_at_that_length(server):
    page = fetch_html(server.url("/big-lying"), resolver=loopback_resolver)
    assert len(page.body) == 100


def test_an_endless_body_is_refused(server):
    refused(server.url("/endless"), "larger than the limit", resolver=loopback_resolver)


def test_a_server_slow_to_answer_runs_out_of_time(server):
    refused(
        server.url("/slow-headers?s=3"),
        "took too long",
        resolver=loopback_resolver,
        total_seconds=1,
    )


def test_a_body_trickling_forever_runs_out_of_the_total_time(server):
    """Each byte arrives well within a read timeout; only the overall limit stops it."""
    refused(server.url("/trickle"), "took too long", resolver=loopback_resolver, total_seconds=1.5)


@pytest.mark.parametrize(
    ("content_type", "shown"),
    [
        ("application/json", "application/json"),
        ("application/pdf", "application/pdf"),
        ("image/svg+xml", "image/svg"),
        ("text/plain", "text/plain"),
        ("", "of no stated type"),
    ],
)
def test_answers_that_are_not_html_are_refused(server, content_type, shown):
    refused(
        server.url(f"/type?t={content_type}"),
        f"{shown}.*not an HTML page",
        resolver=loopback_resolver,
    )


def test_xhtml_is_accepted(server):
    page = fetch_html(server.url("/type?t=application/xhtml%2Bxml"), resolver=loopback_resolver)
    assert page.content_type == "application/xhtml+xml"


def test_an_error_status_is_refused_with_the_status(server):
    refused(server.url("/status?code=404"), "answered HTTP 404", resolver=loopback_resolver)


def test_why_not_public_accepts_a_public_address():
    assert fetch.why_not_public("93.184.216.34") is None
    assert fetch.why_not_public("2606:4700:4700::1111") is None


@pytest.fixture
def tls_server(settings, tmp_path):
    """An HTTPS PageServer with a self-signed certificate for pinned.test, recording the TLS
    server name (SNI) each client asks for. Skipped without the openssl command."""
    import shutil
    import ssl
    import subprocess

    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=pinned.test", "-addext", "subjectAltName=DNS:pinned.test",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    settings.FACTCHECK_FETCH_ALLOW_HOSTS = ["pinned.test"]
    names: list[str | None] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda sock, name, ctx: names.append(name)
    with running_page_server() as srv:
        srv.socket = context.wrap_socket(srv.socket, server_side=True)
        client = ssl.create_default_context(cafile=str(cert))
        yield srv, client, names


def test_https_keeps_the_host_name_for_sni_and_the_certificate(tls_server):
    """The socket goes to the checked address, yet TLS asks for and verifies pinned.test."""
    srv, client, names = tls_server
    page = fetch_html(
        f"https://pinned.test:{srv.port}/article", resolver=loopback_resolver, ssl_context=client
    )
    assert b"bus budget" in page.body
    assert names == ["pinned.test"]
    assert srv.requests[-1] == ("/article", f"pinned.test:{srv.port}")


def test_https_with_a_certificate_for_another_name_is_refused(tls_server, settings):
    srv, client, _ = tls_server
    settings.FACTCHECK_FETCH_ALLOW_HOSTS = ["other.test"]
    refused(
        f"https://other.test:{srv.port}/article",
        "Could not fetch.*(certificate|hostname)",
        resolver=loopback_resolver,
        ssl_context=client,
    )
