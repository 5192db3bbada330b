"""A corpus of XSS payloads and the checks every test of user text uses.

`PAYLOADS` mixes script tags, event handlers, javascript:/data:/vbscript: URLs with entity,
whitespace and case tricks, SVG and MathML, CSS expressions, broken and nested tags, encoding
tricks and Markdown link tricks. `assert_harmless_html(html)` parses HTML the way a browser
does (html5lib) and fails on anything that could run script; `assert_plain(text)` fails on
anything a browser would read as a tag; `assert_http_url(url)` on any URL that is not
absolute http(s). Page, API and export tests import these rather than writing their own.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# bleach's own copy of html5lib, the WHATWG parser browsers follow (no extra dependency).
from bleach._vendor import html5lib

PAYLOADS: list[str] = [
    # Script elements, plain and disguised.
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<script/src=data:,alert(1)></script>",
    "<ScRiPt>alert(1)</sCrIpT>",
    "<<script>script>alert(1)<</script>/script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<script>alert(1)//",
    "<script\x00>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "<template><script>alert(1)</script></template>",
    # Event handlers.
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=x OnErRoR=alert(1)>",
    '<img src=x onerror="&#97;&#108;&#101;&#114;&#116;(1)">',
    "<body onload=alert(1)>",
    "<div onmouseover='alert(1)'>hover</div>",
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>x</marquee>",
    "<b/onclick=alert(1)>bold</b>",
    '<a href="https://ok.example" onclick="alert(1)">ok</a>',
    "<p style=x onpointerenter=alert(1)>x</p>",
    # Dangerous URLs with encoding, whitespace and case tricks.
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="  javascript:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="jav&#x0A;ascript:alert(1)">x</a>',
    '<a href="jav\tascript:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)">x</a>',
    '<a href="javascript&colon;alert(1)">x</a>',
    '<a href="java&NewLine;script:alert(1)">x</a>',
    '<a href="\x01javascript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="DATA:text/html,<script>alert(1)</script>">x</a>',
    '<a href="//evil.example/">protocol-relative</a>',
    '<a href="/relative/path">relative</a>',
    '<a href="javascript://%0aalert(1)">x</a>',
    '<a href="https:javascript:alert(1)">x</a>',
    "<a href=javascript:alert(1)>unquoted</a>",
    "<a href='javas\u0000cript:alert(1)'>nul</a>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    '<button formaction="javascript:alert(1)">x</button>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<link rel="stylesheet" href="javascript:alert(1)">',
    '<img src="javascript:alert(1)">',
    '<img srcset="javascript:alert(1) 1x">',
    # SVG and MathML.
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">x</text></a></svg>',
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    '<svg><use href="data:image/svg+xml,<svg id=x onload=alert(1)>#x"/></svg>',
    "<math><mi xlink:href='javascript:alert(1)'>x</mi></math>",
    '<math><maction actiontype="statusline" xlink:href="javascript:alert(1)">x</maction></math>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
    # CSS.
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<div style="width: expression(alert(1))">x</div>',
    "<style>@import 'https://evil.example/x.css';</style>",
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<p style="behavior: url(xss.htc)">x</p>',
    # Broken, nested and odd markup.
    "<img src=x onerror=alert(1)//",
    '<a href="https://ok.example/"<script>alert(1)</script>>x</a>',
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "<!--<img src=x onerror=alert(1)>-->",
    "<!-- --!><img src=x onerror=alert(1)> -->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<?xml version='1.0'?><script>alert(1)</script>",
    "<div><p><b><i><script>alert(1)</script></i></b></p></div>",
    "<x onclick=alert(1)>custom</x>",
    "<a<img src=x onerror=alert(1)>>",
    # Entity-encoded markup that a careless decode would turn back into tags.
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;",
    "&#60;img src=x onerror=alert(1)&#62;",
    "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
    # Unicode tricks: fullwidth brackets, zero-width and bidi characters.
    "＜script＞alert(1)＜/script＞",
    "<scr\u200bipt>alert(1)</script>",
    '<a href="java\u200bscript:alert(1)">zero-width</a>',
    "\u202e<script>alert(1)</script>",
    '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058alert(1)">x</a>',
    # Markdown link and image tricks.
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[click](javascript&#58;alert(1))",
    "[click](  javascript:alert(1)  )",
    "[click](<javascript:alert(1)>)",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    '[click](https://ok.example "title\\" onclick=\\"alert(1)")',
    "![img](javascript:alert(1))",
    '![img](x "onerror=alert(1)")',
    "[ref][1]\n\n[1]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "`<script>alert(1)</script>`",
    "```\n<script>alert(1)</script>\n```",
    "**<img src=x onerror=alert(1)>**",
]

# Elements that run script, load active content or restyle the page.
FORBIDDEN_ELEMENTS = frozenset(
    {
        "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "svg",
        "math", "link", "meta", "base", "form", "input", "button", "textarea", "select",
        "template", "noscript", "img", "video", "audio", "source", "details", "marquee",
    }
)  # fmt: skip
URL_ATTRIBUTES = frozenset(
    {"href", "src", "srcset", "action", "formaction", "data", "xlink:href", "poster", "background"}
)
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_TAG = re.compile(r"<[a-zA-Z!/?]")


def _elements(html: str):
    document = html5lib.parseFragment(html, treebuilder="etree", namespaceHTMLElements=False)
    yield from document.iter()


def _local(name) -> str:
    name = str(name)
    return name.rsplit("}", 1)[-1].lower()


def assert_harmless_html(html: str, *, where: str = "") -> None:
    """Fail unless `html`, parsed as a browser would, holds nothing that can run or load code:
    no forbidden elements, no on* attributes, no style attribute, and every URL attribute an
    absolute http(s) or mailto URL."""
    label = f" in {where}" if where else ""
    for element in _elements(html):
        tag = element.tag
        if not isinstance(tag, str):  # comments and processing instructions
            continue
        name = _local(tag)
        assert name not in FORBIDDEN_ELEMENTS, f"<{name}> survived{label}: {html[:300]!r}"
        for attribute, value in element.attrib.items():
            attr = _local(attribute)
            assert not attr.startswith("on"), f"{attr}= survived{label}: {html[:300]!r}"
            assert attr != "style", f"style= survived{label}: {html[:300]!r}"
            if attr in URL_ATTRIBUTES or attribute.endswith("href"):
                assert_safe_link(value, where=f"{name}[{attr}]{label}")


def assert_safe_link(url: str, *, where: str = "") -> None:
    """Fail unless `url` (an attribute value after entity decoding) is absolute http(s)/mailto."""
    stripped = "".join(ch for ch in url if ch.isprintable() and not ch.isspace())
    scheme = urlsplit(stripped).scheme.lower()
    assert scheme in SAFE_SCHEMES, f"unsafe URL {url!r} at {where}"
    if scheme in {"http", "https"}:
        assert urlsplit(stripped).hostname, f"URL without a host {url!r} at {where}"


def assert_plain(text: str, *, where: str = "") -> None:
    """Fail if `text` holds anything a browser would read as a tag or comment."""
    match = _TAG.search(text or "")
    assert match is None, f"markup survived in plain field {where}: {text[:300]!r}"


def assert_http_url(url: str, *, where: str = "") -> None:
    """Fail unless `url` is empty or an absolute http(s) URL with a host."""
    if not url:
        return
    parts = urlsplit(url)
    assert parts.scheme.lower() in {"http", "https"} and parts.hostname, (
        f"non-http(s) URL stored at {where}: {url!r}"
    )
    assert not any(ch.isspace() or ord(ch) < 32 for ch in url), f"whitespace in URL {url!r}"


# Dangerous URLs for URL fields (source url, archived_url, article url).
BAD_URLS: list[str] = [
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "jav&#x09;ascript:alert(1)",
    "javascript&colon;alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "file:///etc/passwd",
    "ftp://files.example.org/x",
    "//evil.example/x",
    "/relative",
    "https://",
    "https:javascript:alert(1)",
    "http://exa mple.org",
    "https://example.org/\u0000x",
    "mailto:someone@example.org",
    'https://example.org/"><script>alert(1)</script>',
]


# --- Whole pages ---------------------------------------------------------------------------------

# A page may hold the app's own forms; it must never hold these.
PAGE_FORBIDDEN_ELEMENTS = frozenset(
    {"style", "iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math", "base",
     "img", "video", "audio", "source", "marquee"}
)  # fmt: skip


def _same_site(url: str) -> bool:
    return (url.startswith(("/", "?", "#")) and not url.startswith("//")) or url == ""


def assert_page_harmless(page: str, *, where: str = "") -> None:
    """Fail unless a whole rendered page runs only the app's own code: scripts only from
    /static/ with no inline body, no on* or style attributes, no active elements, and every
    link same-site or absolute http(s)/mailto (the favicon's `data:,` excepted)."""
    label = f" in {where}" if where else ""
    for element in _elements(page):
        tag = element.tag
        if not isinstance(tag, str):
            continue
        name = _local(tag)
        attrs = {_local(k): v for k, v in element.attrib.items()}
        if name == "script":
            assert attrs.get("src", "").startswith("/static/"), f"foreign script{label}"
            assert not (element.text or "").strip(), f"inline script{label}: {element.text!r}"
            continue
        assert name not in PAGE_FORBIDDEN_ELEMENTS, f"<{name}> on the page{label}"
        if name == "meta":
            assert "http-equiv" not in attrs or attrs["http-equiv"].lower() != "refresh"
        for attr, value in attrs.items():
            assert not attr.startswith("on"), f"{attr}={value!r} on <{name}>{label}"
            assert attr != "style", f"style={value!r} on <{name}>{label}"
            if attr in URL_ATTRIBUTES:
                if name == "link" and value == "data:,":
                    continue
                if not _same_site(value):
                    assert_safe_link(value, where=f"<{name} {attr}>{label}")
