"""Time and memory of hostile inputs at the largest size today's limits allow (issue 16).

    .venv/bin/python benchmarks/adversarial.py [--only NAME,NAME] [--database-url URL]

Each case runs in a fresh subprocess. Cases named `fn:` call the text function alone; cases named
`http:` go through the whole request with Django's test client against a temporary SQLite
database (migrated and filled by a build step that is not timed): the API import of an article,
the annotation page, the API article detail, marking a claim by quote, saving a verdict. The
memory columns are the subprocess's peak resident set size (VmHWM, interpreter and Django
included) and its growth over the resident size just before the case ran. The goal is every
case under 1 s and 100 MB. Numbers go in the README, never in a test assertion.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

EXPLANATION = 20_000  # FACTCHECK_MAX_EXPLANATION_CHARS
ARTICLE = 500_000  # FACTCHECK_MAX_ARTICLE_CHARS
HTML = 4 * ARTICLE  # import_article accepts raw input up to 4 x the article limit
QUOTE = 100_000  # the API's claim quote max_length
NESTED_CLAIMS = 2_000  # FACTCHECK_MAX_CLAIMS_PER_ARTICLE


def _html_path(markup: str):
    from annotations import sanitize, text

    return len(text.canonical_text(sanitize.clean_article_html(markup), is_html=True))


def _fn_cases():
    from annotations import sanitize, text

    return {
        "fn: markdown '[' x 20,000": lambda: sanitize.render_markdown("[" * EXPLANATION),
        "fn: markdown '![' x 10,000": lambda: sanitize.render_markdown("![" * (EXPLANATION // 2)),
        "fn: markdown '*a' x 10,000": lambda: sanitize.render_markdown("*a" * (EXPLANATION // 2)),
        "fn: markdown '&' x 20,000": lambda: sanitize.render_markdown("&" * EXPLANATION),
        "fn: markdown '- a\\n' x 5,000": lambda: sanitize.render_markdown("- a\n" * 5_000),
        "fn: markdown '<ul><li>' x 2,500": lambda: sanitize.render_markdown("<ul><li>" * 2_500),
        "fn: html '<div>x' x 333,333 (2 MB)": lambda: _html_path("<div>x" * (HTML // 6)),
        "fn: html '<p>x' x 49,000 (under the element cap)": lambda: _html_path("<p>x" * 49_000),
        "fn: html '<p>x' x 500,000 (2 MB)": lambda: _html_path("<p>x" * (HTML // 4)),
        "fn: html '<' x 2,000,000": lambda: _html_path("<" * HTML),
        "fn: html '<a' x 1,000,000": lambda: _html_path("<a" * (HTML // 2)),
        "fn: html '&' x 2,000,000": lambda: _html_path("&" * HTML),
        "fn: quote 'a' x 100,000 in 'a' x 500,000": lambda: text.anchor_quote(
            "a" * ARTICLE, "a" * QUOTE
        ),
        "fn: quote + 1,000-char prefix/suffix": lambda: text.anchor_quote(
            "a" * ARTICLE, "a" * 50_000, "a" * 1_000, "a" * 1_000
        ),
        "fn: sentences 'A. ' x 166,666": lambda: len(text.split_sentences("A. " * (ARTICLE // 3))),
        "fn: sentences 'Dr. ' x 125,000": lambda: len(
            text.split_sentences("Dr. " * (ARTICLE // 4))
        ),
        "fn: sentences 'x\\n\\n' x 166,666": lambda: len(
            text.split_sentences("x\n\n" * (ARTICLE // 3))
        ),
        "fn: sentences 'The x ' x 83,333": lambda: len(
            text.split_sentences("The x " * (ARTICLE // 6))
        ),
        "fn: strip_markup '<a' x 5,000": lambda: sanitize.strip_markup("<a" * 5_000),
    }


def _http_cases():
    """Return the cases that go through a request; each returns (status, response bytes)."""
    from django.test import Client

    from annotations.models import Article, Claim, User

    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(username="bench-reviewer"))
    client.get(
        "/api/v1/projects/"
    )  # warm up: URL resolver, middleware, DRF (a running server is warm)
    client.get("/")
    dots = Article.objects.get(title="dots")
    nested = Article.objects.get(title="nested")
    letters = Article.objects.get(title="letters")
    claim = Claim.objects.filter(article=nested).order_by("pk").first()

    def post(url, body):
        response = client.post(url, json.dumps(body), content_type="application/json")
        return response.status_code, len(response.content)

    def get(url):
        response = client.get(url)
        return response.status_code, len(response.content)

    articles = "/api/v1/projects/bench/articles/"
    return {
        "http: import 'B. ' x 166,666 (API)": lambda: post(
            articles, {"title": "B", "text": "B. " * (ARTICLE // 3)}
        ),
        "http: import html '<div>x' x 333,333 (API)": lambda: post(
            articles, {"title": "D", "html": "<div>x" * (HTML // 6)}
        ),
        "http: import html '<p>x' x 49,000 (API)": lambda: post(
            articles, {"title": "P", "html": "<p>x" * 49_000}
        ),
        "http: annotation page, 'A. ' x 166,666": lambda: get(f"/articles/{dots.pk}/"),
        "http: API article detail, 'A. ' x 166,666": lambda: get(f"/api/v1/articles/{dots.pk}/"),
        "http: annotation page, 2,000 nested claims": lambda: get(f"/articles/{nested.pk}/"),
        "http: API article detail, 2,000 nested claims": lambda: get(
            f"/api/v1/articles/{nested.pk}/"
        ),
        "http: mark claim by quote 'a' x 100,000": lambda: post(
            f"/api/v1/articles/{letters.pk}/claims/", {"quote": "a" * QUOTE}
        ),
        "http: verdict explanation '[' x 20,000": lambda: post(
            f"/api/v1/claims/{claim.pk}/verdicts/",
            {"rating": "false", "explanation": "[" * EXPLANATION, "no_source_reason": "bench"},
        ),
    }


def build() -> None:
    """Migrate and fill the database: a project, a reviewer, and the articles the page cases
    read (imported through the service, not timed)."""
    from django.core.management import call_command

    from annotations import services
    from annotations.models import Claim, User
    from annotations.text import context_around

    call_command("migrate", verbosity=0)
    reviewer = User.objects.create(username="bench-reviewer")
    project = services.create_project(creator=reviewer, slug="bench", name="Bench")
    services.import_article(
        project=project, creator=reviewer, title="dots", text_body="A. " * (ARTICLE // 3)
    )
    services.import_article(
        project=project, creator=reviewer, title="letters", text_body="a" * ARTICLE
    )
    words = "The council said rents rose 5% in 2023 while wages fell. "
    body = (words * (30_000 // len(words) + 1))[:30_000]
    nested = services.import_article(
        project=project, creator=reviewer, title="nested", text_body=body
    )
    rows = []
    for i in range(NESTED_CLAIMS):
        start, end = i * 7, len(nested.text) - i * 7
        prefix, suffix = context_around(nested.text, start, end)
        rows.append(Claim(article=nested, start=start, end=end, quote=nested.text[start:end],
                          prefix=prefix, suffix=suffix, created_by=reviewer))  # fmt: skip
    Claim.objects.bulk_create(rows)


def _status_kb(name: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    return 0


def child(name: str) -> None:
    """Run one case and print its JSON result."""
    import django

    django.setup()
    if name == "list":
        print(json.dumps([*_fn_cases(), *_http_cases()]))
        return
    cases = _fn_cases() if name.startswith("fn:") else _http_cases()
    case = cases[name]
    before = _status_kb("VmRSS")
    started = time.perf_counter()
    try:
        result = case()
        outcome = f"{result[0]}, {result[1]:,} bytes" if isinstance(result, tuple) else "ok"
        if isinstance(result, int) and not isinstance(result, bool):
            outcome = f"{result:,}"
    except Exception as exc:  # a refusal is an outcome to show, not a failure of the bench
        outcome = f"{type(exc).__name__}: {str(exc)[:48]}"
    seconds = time.perf_counter() - started
    peak = _status_kb("VmHWM")
    print(json.dumps({"seconds": seconds, "peak_mb": peak / 1024,
                      "growth_mb": max(0, peak - before) / 1024, "outcome": outcome}))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated substrings of the case names to run")
    parser.add_argument("--database-url", help="an empty database to use instead of a temp SQLite")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--build", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    os.environ.setdefault("DJANGO_DEBUG", "true")  # sqlite + test client; no query log kept
    if args.child or args.build:
        import django

        if args.build:
            django.setup()
            return build()
        return child(args.child)

    with tempfile.TemporaryDirectory(prefix="factcheck-adversarial-") as folder:
        env = {**os.environ, "DATABASE_URL": args.database_url or f"sqlite:///{folder}/a.sqlite3"}
        started = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--build"], check=True, env=env)
        print(f"database built in {time.perf_counter() - started:.1f} s")
        listed = subprocess.run(
            [sys.executable, __file__, "--child", "list"],
            check=True, capture_output=True, text=True, env=env,
        ).stdout  # fmt: skip
        names = json.loads(listed.strip().splitlines()[-1])
        if args.only:
            wanted = [part.strip() for part in args.only.split(",")]
            names = [name for name in names if any(part in name for part in wanted)]
        width = max(len(name) for name in names)
        print(f"| {'case':<{width}} | seconds | peak RSS MB | growth MB | outcome |")
        print(f"|{'-' * (width + 2)}|---------|-------------|-----------|---------|")
        for name in names:
            out = subprocess.run(
                [sys.executable, __file__, "--child", name],
                check=True, capture_output=True, text=True, env=env,
            ).stdout  # fmt: skip
            r = json.loads(out.strip().splitlines()[-1])
            print(f"| {name:<{width}} | {r['seconds']:>7.2f} | {r['peak_mb']:>11.0f} | "
                  f"{r['growth_mb']:>9.0f} | {r['outcome']} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
