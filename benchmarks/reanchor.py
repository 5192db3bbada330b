"""Measure claim re-anchoring (annotations/reanchor.py) on synthetic edited articles.

    .venv/bin/python benchmarks/reanchor.py [--articles 500] [--claims 10] [--chars 20000] [--seed 1]

Each article (~20,000 characters of paragraphs, with some repeated sentences so that quotes
recur) gets `--claims` claims, each a sentence or part of one. It is then edited with 1, 5 and
20 random changes: insertions, deletions and substitutions at random positions (so some land
inside quotes) and moved paragraphs. The benchmark follows every original character through the
edits, so it knows where each quote truly is afterwards; it compares that with what
`reanchor` answers and prints, per number of edits:

- untouched exact: of the quotes no edit touched, the share re-anchored exactly (goal 100%);
- light recovered: of the quotes with at most 10% of their characters edited (but some), the
  share found (exact or fuzzy) overlapping the true span by at least 0.9 (goal >= 95%);
- wrong: of all claims, the share anchored (exact or fuzzy) overlapping the true span by less
  than 0.5, or anchored although the quote was deleted outright (goal <= 0.5%);
- fuzzy (flagged for review), orphaned, lost (claims with no outcome: goal 0);
- time per article (diff and all its claims; goal < 50 ms).

Overlap is |found ∩ true| / |found ∪ true| in characters. Numbers go in the README, never in a
test assertion.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from annotations.reanchor import EXACT, FUZZY, ORPHANED, Span, reanchor  # noqa: E402

WORDS = [
    "council",
    "budget",
    "minister",
    "report",
    "percent",
    "rose",
    "fell",
    "million",
    "euros",
    "city",
    "government",
    "said",
    "according",
    "figures",
    "year",
    "data",
    "since",
    "increase",
    "decrease",
    "police",
    "hospital",
    "school",
    "tax",
    "energy",
    "prices",
    "inflation",
    "unemployment",
    "record",
    "highest",
    "lowest",
    "official",
    "statement",
    "survey",
    "voters",
    "election",
    "campaign",
    "spending",
    "deficit",
    "growth",
    "climate",
    "emissions",
    "housing",
    "rents",
    "wages",
    "pension",
    "health",
    "care",
    "transport",
    "network",
    "passengers",
    "doubled",
    "halved",
    "tripled",
    "analysts",
    "critics",
    "claimed",
]
STOCK = [  # sentences that recur in many articles (and twice in some): repeats to pick from
    "The minister said the figures were the highest on record.",
    "Critics said the numbers were misleading.",
    "The report was published on Tuesday.",
]


def sentence(rng: random.Random) -> str:
    if rng.random() < 0.08:
        return rng.choice(STOCK)
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 24))]
    if rng.random() < 0.5:
        words.insert(rng.randint(0, len(words)), f"{rng.randint(2, 99)}%")
    if rng.random() < 0.2:
        words.insert(rng.randint(0, len(words)), rng.choice(["東京", "🚀", "Zürich", "São"]))
    return " ".join(words).capitalize() + "."


def make_article(rng: random.Random, chars: int) -> tuple[str, list[tuple[int, int]]]:
    """Return a text of about `chars` characters and its sentence spans."""
    paragraphs: list[list[str]] = []
    size = 0
    while size < chars:
        para = [sentence(rng) for _ in range(rng.randint(3, 7))]
        paragraphs.append(para)
        size += sum(len(s) + 1 for s in para) + 1
    text_parts: list[str] = []
    spans: list[tuple[int, int]] = []
    at = 0
    for p, para in enumerate(paragraphs):
        if p:
            text_parts.append("\n")
            at += 1
        for i, s in enumerate(para):
            if i:
                text_parts.append(" ")
                at += 1
            spans.append((at, at + len(s)))
            text_parts.append(s)
            at += len(s)
    return "".join(text_parts), spans


def choose_claims(rng, text, sentences, count) -> list[Span]:
    chosen = rng.sample(sentences, min(count, len(sentences)))
    claims = []
    for start, end in sorted(chosen):
        if rng.random() < 0.4:  # part of a sentence
            length = end - start
            a = start + rng.randint(0, length // 3)
            b = end - rng.randint(0, length // 3)
            while a < b and text[a].isspace():
                a += 1
            while b > a and text[b - 1].isspace():
                b -= 1
            start, end = (a, b) if b - a >= 10 else (start, end)
        claims.append(
            Span(
                start, end, text[start:end], text[max(0, start - 32) : start], text[end : end + 32]
            )
        )
    return claims


def edit(
    rng: random.Random, text: str, origin: list[int], edits: int, claims: list[Span]
) -> tuple[str, list[int]]:
    """Apply `edits` random changes; `origin[i]` is the old offset of new character i (-1: new).

    Half the insertions, deletions and substitutions land inside a claim's quote (the case
    that matters), the rest anywhere.
    """
    chars = list(text)
    for _ in range(edits):
        kind = rng.choices(["insert", "delete", "substitute", "move"], [3, 3, 3, 1])[0]
        n = len(chars)
        if kind == "move":
            breaks = [i for i, c in enumerate(chars) if c == "\n"]
            if len(breaks) < 3:
                continue
            i = rng.randrange(len(breaks) - 1)
            a, b = breaks[i] + 1, breaks[i + 1] + 1  # one paragraph with its newline
            block, block_origin = chars[a:b], origin[a:b]
            del chars[a:b], origin[a:b]
            j = rng.choice([k + 1 for k, c in enumerate(chars) if c == "\n"])
            chars[j:j] = block
            origin[j:j] = block_origin
            continue
        pos = rng.randrange(n)
        if rng.random() < 0.5:
            claim = rng.choice(claims)
            offset = claim.start + rng.randrange(len(claim.quote))
            with contextlib.suppress(ValueError):  # unless that character was deleted already
                pos = origin.index(offset)
        if kind == "insert":
            new = list(" " + " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3))))
            chars[pos:pos] = new
            origin[pos:pos] = [-1] * len(new)
        elif kind == "delete":
            length = rng.randint(1, 12)
            del chars[pos : pos + length], origin[pos : pos + length]
        else:
            length = rng.randint(1, 8)
            new = list(rng.choice(WORDS)[:length])
            chars[pos : pos + length] = new
            origin[pos : pos + length] = [-1] * len(new)
    return "".join(chars), origin


def truth(claim: Span, new: str, positions: dict[int, int]) -> tuple[tuple[int, int] | None, float]:
    """Return the claim's true span in the new text and the share of its characters edited."""
    kept = [positions[o] for o in range(claim.start, claim.end) if o in positions]
    if not kept:
        return None, 1.0
    start, end = min(kept), max(kept) + 1
    if new[start:end] == claim.quote:
        return (start, end), 0.0
    edited = (len(claim.quote) - len(kept)) + ((end - start) - len(kept))
    return (start, end), min(1.0, edited / len(claim.quote))


def overlap(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union else 0.0


def run(articles: int, claims: int, chars: int, seed: int) -> None:
    rng = random.Random(seed)
    corpus = []
    for _ in range(articles):
        text, sentences = make_article(rng, chars)
        corpus.append((text, choose_claims(rng, text, sentences, claims)))
    print(f"{articles} articles of ~{chars:,} characters, {claims} claims each (seed {seed})\n")
    header = (
        "| edits | untouched exact | light (≤10%) recovered ≥0.9 | wrong | fuzzy (flagged) | "
        "orphaned | lost | ms/article (median, p95) |"
    )
    print(header)
    print("|" + "---|" * 8)
    for edits in (1, 5, 20):
        stats = dict.fromkeys(
            ["claims", "untouched", "untouched_ok", "light", "light_ok", "wrong", FUZZY, ORPHANED],
            0,
        )
        times = []
        for text, spans in corpus:
            new, origin = edit(rng, text, list(range(len(text))), edits, spans)
            positions = {o: i for i, o in enumerate(origin) if o >= 0}
            began = time.perf_counter()
            results = reanchor(text, new, spans)
            times.append((time.perf_counter() - began) * 1000)
            stats["claims"] += len(spans)
            stats["lost"] = stats.get("lost", 0) + len(spans) - len(results)
            for span, result in zip(spans, results, strict=True):
                true_span, edited = truth(span, new, positions)
                found = (result.start, result.end) if result.found else None
                if result.outcome in (FUZZY, ORPHANED):
                    stats[result.outcome] += 1
                if found is not None and (true_span is None or overlap(found, true_span) < 0.5):
                    stats["wrong"] += 1
                if true_span is not None and edited == 0.0:
                    stats["untouched"] += 1
                    stats["untouched_ok"] += result.outcome == EXACT and found == true_span
                elif true_span is not None and edited <= 0.10:
                    stats["light"] += 1
                    stats["light_ok"] += found is not None and overlap(found, true_span) >= 0.9

        def share(n, d):
            return f"{100 * n / d:.2f}% ({n}/{d})" if d else "n/a"

        p95 = sorted(times)[int(0.95 * (len(times) - 1))]
        print(
            f"| {edits} | {share(stats['untouched_ok'], stats['untouched'])} "
            f"| {share(stats['light_ok'], stats['light'])} "
            f"| {share(stats['wrong'], stats['claims'])} "
            f"| {share(stats[FUZZY], stats['claims'])} "
            f"| {share(stats[ORPHANED], stats['claims'])} "
            f"| {stats['lost']} "
            f"| {statistics.median(times):.1f}, {p95:.1f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--claims", type=int, default=10)
    parser.add_argument("--chars", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    run(args.articles, args.claims, args.chars, args.seed)


if __name__ == "__main__":
    main()
