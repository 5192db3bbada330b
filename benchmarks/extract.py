"""Measure trafilatura's extraction (annotations/extract.py) on large pages, to decide where it
may run: inside a request or only in a job.

    .venv/bin/python benchmarks/extract.py [--megabytes 5]

Three synthetic pages of about --megabytes each: one long article (paragraphs of prose), the
same with navigation and boilerplate around it, and deeply repetitive nested markup (many small
<div>s with links, as a comment section or a link farm). Prints seconds per page and the length
of the extracted text. Numbers go in the README, never in a test assertion.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from annotations.exceptions import ValidationFailed  # noqa: E402
from annotations.extract import extract_page  # noqa: E402

PROSE = (
    "The council said the budget grew by {n} percent in a decade, and critics disagreed "
    "about what the figure meant for riders in the outer districts. "
)


def pages(size: int) -> dict[str, str]:
    paragraphs = []
    total = 0
    n = 0
    while total < size:
        para = "<p>" + " ".join(PROSE.format(n=n + i) for i in range(6)) + "</p>\n"
        paragraphs.append(para)
        total += len(para)
        n += 6
    article = "".join(paragraphs)
    nav = "<nav>" + "".join(f"<a href='/s{i}'>Section {i}</a>" for i in range(200)) + "</nav>"
    divs = "<div><span>x</span><a href='#'>y</a></div>" * (size // 40)
    head = "<html lang='en'><head><title>Big</title></head><body>"
    return {
        "long article": f"{head}<article>{article}</article></body></html>",
        "article + boilerplate": f"{head}{nav}<article>{article}</article>{nav}</body></html>",
        "nested markup": f"{head}{divs}</body></html>",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megabytes", type=float, default=5)
    args = parser.parse_args()
    size = int(args.megabytes * 1024 * 1024)
    print(f"| page (~{args.megabytes:g} MB) | seconds | extracted characters |")
    print("|---|---|---|")
    for name, html in pages(size).items():
        began = time.perf_counter()
        try:
            chars = len(extract_page(html).text)
        except ValidationFailed:
            chars = 0
        print(f"| {name} | {time.perf_counter() - began:.1f} | {chars:,} |")


if __name__ == "__main__":
    main()
