"""Measure sentence splitting and scoring on a 50,000-character article of every trap.

    .venv/bin/python benchmarks/text.py [--chars 50000] [--repeat 5]

Prints the best of N runs; numbers go in the README, never in a test assertion.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from annotations.text import canonical_text, split_sentences

POOL = [
    "The U.S. economy grew 3.5% in 2023, according to the Treasury.",
    "Dr. Smith said it was the highest rate since 1999!",
    "Is that true?",
    "Prices rose by more than $1.2 billion, e.g. in housing, food, etc. Officials disagreed.",
    'He said "No." Then he left (see below.)',
    "东京的人口增加了5%。",
    "The launch 🚀 went well... Mostly.",
    "- a list item\n- another item\n",
    "\n\n",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chars", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    parts: list[str] = []
    while sum(map(len, parts)) < args.chars:
        parts.append(POOL[len(parts) * 7 % len(POOL)] + " ")
    article = canonical_text("".join(parts)[: args.chars])
    best = float("inf")
    for _ in range(args.repeat):
        began = time.perf_counter()
        spans = split_sentences(article)
        best = min(best, time.perf_counter() - began)
    print(
        f"{len(article):,} characters -> {len(spans):,} sentences in {best * 1000:.1f} ms (best of {args.repeat})"
    )


if __name__ == "__main__":
    main()
