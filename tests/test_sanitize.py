"""The one HTML policy."""

import pytest

from annotations import sanitize


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        '<a href="JaVaScRiPt&#58;alert(1)">x</a>',
        '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
        "<svg><script>alert(1)</script></svg>",
        "<math><mi xlink:href='javascript:alert(1)'>x</mi></math>",
        '<div style="background:url(javascript:alert(1))">x</div>',
        "<iframe src='https://evil.example'></iframe>",
        "<<script>script>alert(1)<</script>/script>",
    ],
)
def test_nothing_executable_survives(payload):
    for rendered in (
        sanitize.clean_html(payload),
        sanitize.render_markdown(payload),
        sanitize.clean_article_html(payload),
    ):
        lowered = rendered.lower()
        assert (
            "<script" not in lowered and "javascript:" not in lowered and "onerror" not in lowered
        )
        assert "<iframe" not in lowered and "<svg" not in lowered and "style=" not in lowered
    assert "<" not in sanitize.strip_markup(payload).replace("< ", "")


def test_links_are_nofollow():
    html = sanitize.render_markdown("[report](https://stats.example.org/r)")
    assert (
        'href="https://stats.example.org/r"' in html
        and 'rel="nofollow noopener noreferrer"' in html
    )


def test_strip_markup_keeps_text_and_decodes_entities():
    assert sanitize.strip_markup("Caf&eacute; <b>bold</b> a < b") == "Café bold a < b"
    assert sanitize.strip_markup("&lt;script&gt;alert(1)&lt;/script&gt;ok") == "ok"


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://example.org/a?b=c", True),
        ("http://example.org", True),
        ("HTTPS://EXAMPLE.ORG", True),
        ("javascript:alert(1)", False),
        ("https://", False),
        ("//example.org", False),
        ("https://exa mple.org", False),
        ("https://example.org/\nx", False),
        ("mailto:a@b.org", False),
    ],
)
def test_is_http_url(url, ok):
    assert sanitize.is_http_url(url) is ok
