"""Measure claim matching on the hand-written set in tests/data/matching, alone and among
synthetic approved claims, with the latency of both API endpoints.

    .venv/bin/python benchmarks/matching.py [--claims 50000] [--database-url URL] [--queries 200]

Without --database-url it builds a temporary SQLite file; with a PostgreSQL URL it fills that
(empty) database. Loads the earlier claims of tests/data/matching/pairs.psv as approved
verdicts, adds `--claims` synthetic approved news-like claims (same topics, places and verbs,
so they compete for the same index terms), then asks for matches of every rewording, near
miss and unrelated claim, and times GET /api/v1/projects/{slug}/matches/?q= and
GET /api/v1/claims/{id}/matches/ through Django's full request stack. Prints one table row;
numbers go in the README, never in a test assertion (tests/test_matching_eval.py checks the
quality goals on the set alone).

Metrics: MAP@5 and MRR over rewordings (one relevant earlier claim each, so MAP@5 is the mean
of 1/rank within the top five), Recall@5, the share of rewordings whose earlier claim is judged
`same`, the share of near misses whose earlier claim is judged `same`, and the number of
unrelated claims with any result judged `same`.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "matching"
sys.path.insert(0, str(ROOT))


@dataclass
class EvalSet:
    originals: dict[int, str]
    rewordings: list[tuple[int, str]]
    near_misses: list[tuple[int, str, str]]
    unrelated: list[str]


def _rows(name: str) -> list[list[str]]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [line.split("|") for line in lines if line.strip() and not line.startswith("#")]


def load_set() -> EvalSet:
    """Read the evaluation set from tests/data/matching."""
    originals, rewordings = {}, []
    for number, _topic, earlier, reworded in _rows("pairs.psv"):
        originals[int(number)] = earlier
        rewordings.append((int(number), reworded))
    near = [(int(of), change, text) for of, change, text in _rows("near_misses.psv")]
    unrelated = [row[0] for row in _rows("unrelated.txt")]
    return EvalSet(originals, rewordings, near, unrelated)


# Synthetic distractors: the same kind of sentence as the set, about the same subjects.
SUBJECTS = [
    "Knife crime", "Unemployment", "Inflation", "House prices", "Rents", "Homelessness",
    "Burglary", "Shoplifting", "Road deaths", "Bus journeys", "Rail fares", "Energy bills",
    "Food prices", "Teachers' pay", "Waiting lists", "Nursing vacancies", "Smoking rates",
    "Drug deaths", "Obesity rates", "Net migration", "Asylum claims", "Wind power output",
    "Coal use", "Carbon emissions", "Sewage discharges", "School absences", "Tuition fees",
    "Student debt", "Car thefts", "Fraud", "Exports", "Imports", "Wages", "Council tax bills",
    "Mortgage rates", "Petrol prices", "Heat pump installations", "Electric car sales",
    "Apprenticeships", "Hospital admissions", "Measles cases", "Alcohol deaths", "GP numbers",
    "Police numbers", "Prison numbers", "Tourist numbers", "Broadband speeds", "Fuel duty",
]  # fmt: skip
PLACES = [
    "London", "Manchester", "Birmingham", "Leeds", "Glasgow", "Edinburgh", "Cardiff",
    "Belfast", "Bristol", "Liverpool", "Newcastle", "Sheffield", "Nottingham", "Wales",
    "Scotland", "England", "France", "Germany", "Spain", "Italy", "Canada", "Australia",
    "Japan", "India", "China", "Brazil", "Mexico", "Nigeria", "Kenya", "Sweden", "Norway",
    "Poland", "Ireland", "Texas", "California", "Ontario", "Bavaria", "Lagos", "Mumbai",
]  # fmt: skip
VERBS_UP = ["rose", "increased", "went up", "climbed", "jumped", "grew"]
VERBS_DOWN = ["fell", "dropped", "declined", "decreased", "went down", "slumped"]
TAILS = [
    "last year", "in {y}", "since {y}", "over the past decade", "in the year to March",
    "in the first quarter", "according to official figures", "compared with {y}",
]  # fmt: skip


def distractor(rng: random.Random) -> str:
    verb = rng.choice(VERBS_UP if rng.random() < 0.5 else VERBS_DOWN)
    amount = f"{rng.randint(1, 60)}.{rng.randint(1, 9)}%"
    tail = rng.choice(TAILS).format(y=rng.randint(1995, 2024))
    return f"{rng.choice(SUBJECTS)} in {rng.choice(PLACES)} {verb} by {amount} {tail}"


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    import django

    django.setup()


def load_claims(*, project, reviewer, editor, texts: list[str], approved: bool) -> list[int]:
    """Store `texts` as claims (one article per 50), approved if asked; return their ids in order.

    Bulk inserts, as import_corpus does: the search index is kept by the database itself.
    """
    from django.utils import timezone

    from annotations.models import Article, Claim, Verdict
    from annotations.text import text_sha256

    labels = list(project.rating_scale.labels.all())
    now = timezone.now()
    ids: list[int] = []
    for first in range(0, len(texts), 50):
        chunk = texts[first : first + 50]
        body = "\n".join(chunk)
        article = Article.objects.create(
            project=project, title=f"Claims {first}", text=body, text_sha256=text_sha256(body),
            language="en", created_by=reviewer,
        )  # fmt: skip
        rows, offset = [], 0
        for sentence in chunk:
            rows.append(Claim(article=article, start=offset, end=offset + len(sentence),
                              quote=sentence, created_by=reviewer))  # fmt: skip
            offset += len(sentence) + 1
        made = Claim.objects.bulk_create(rows)
        if made and made[0].pk is None:
            made = list(Claim.objects.filter(article=article).order_by("start"))
        if approved:
            Verdict.objects.bulk_create(
                Verdict(
                    claim=claim,
                    reviewer=reviewer,
                    rating=labels[claim.pk % len(labels)],
                    explanation="Checked.",
                    explanation_html="<p>Checked.</p>",
                    status="approved",
                    version=3,
                    submitted_at=now,
                    approved_by=editor,
                    approved_at=now,
                )
                for claim in made
            )
        ids.extend(claim.pk for claim in made)
    return ids


def evaluate(project_ids: list[int], original_ids: dict[int, int], data: EvalSet) -> dict:
    """Return the quality figures of `matching.search` on the set (see the module docstring)."""
    from annotations import matching

    ap, rr, recall, same = [], [], 0, 0
    for number, text in data.rewordings:
        gold = original_ids[number]
        found = matching.search(text, project_ids=project_ids, limit=5)
        ranks = [i for i, m in enumerate(found, start=1) if m.claim.pk == gold]
        rank = ranks[0] if ranks else None
        ap.append(1 / rank if rank else 0.0)
        rr.append(1 / rank if rank else 0.0)
        recall += rank is not None
        same += any(m.claim.pk == gold and m.same for m in found)
    near_same = 0
    near_failures = []
    for number, change, text in data.near_misses:
        found = matching.search(text, project_ids=project_ids, limit=5)
        if any(m.claim.pk == original_ids[number] and m.same for m in found):
            near_same += 1
            near_failures.append((change, text))
    unrelated_same = 0
    for text in data.unrelated:
        found = matching.search(text, project_ids=project_ids, limit=5)
        unrelated_same += any(m.same for m in found)
    n = len(data.rewordings)
    return {
        "map5": sum(ap) / n,
        "mrr": sum(rr) / n,
        "recall5": recall / n,
        "rewordings_same": same / n,
        "near_misses_same": near_same / len(data.near_misses),
        "unrelated_same": unrelated_same,
        "near_failures": near_failures,
    }


def _percentiles(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return statistics.median(samples) * 1000, p95 * 1000


def time_endpoints(*, project, user, claim_ids: list[int], texts: list[str], queries: int):
    """Return ((p50, p95) of the text endpoint, (p50, p95) of the claim endpoint) in ms."""
    from django.test import Client

    client = Client(SERVER_NAME="localhost")
    client.force_login(user)
    text_times, claim_times = [], []
    # One untimed round first: the first request pays for lazy imports and loading.
    client.get(f"/api/v1/projects/{project.slug}/matches/", {"q": texts[0]})
    client.get(f"/api/v1/claims/{claim_ids[0]}/matches/")
    for i in range(queries):
        text = texts[i % len(texts)]
        started = time.perf_counter()
        response = client.get(f"/api/v1/projects/{project.slug}/matches/", {"q": text})
        text_times.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"{response.status_code}: {response.content[:300]!r}")
        started = time.perf_counter()
        response = client.get(f"/api/v1/claims/{claim_ids[i % len(claim_ids)]}/matches/")
        claim_times.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"{response.status_code}: {response.content[:300]!r}")
    return _percentiles(text_times), _percentiles(claim_times)


def time_search(*, project, texts: list[str], queries: int) -> tuple[float, float]:
    """Return (p50, p95) in ms of `matching.search` alone (no HTTP, session or rendering)."""
    from annotations import matching

    times = []
    for i in range(queries):
        started = time.perf_counter()
        matching.search(texts[i % len(texts)], project_ids=[project.pk])
        times.append(time.perf_counter() - started)
    return _percentiles(times)


def _semantic_available() -> bool:
    from annotations.matching.compare import _load_embedder

    return _load_embedder() is not None


def _set_mode(mode: str) -> None:
    from django.conf import settings

    settings.FACTCHECK_MATCH_SEMANTIC = mode == "semantic"


def time_floor(*, project, user, queries: int) -> tuple[float, float]:
    """Return (p50, p95) ms of the cheapest API read, the project detail: what every request
    costs here before any matching (session, user, middleware, rendering)."""
    from django.test import Client

    client = Client(SERVER_NAME="localhost")
    client.force_login(user)
    times = []
    for _ in range(queries):
        started = time.perf_counter()
        client.get(f"/api/v1/projects/{project.slug}/")
        times.append(time.perf_counter() - started)
    return _percentiles(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=50_000, help="approved claims in all")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the temporary SQLite file")
    args = parser.parse_args()
    tmp = None
    if not args.database_url:
        tmp = tempfile.NamedTemporaryFile(suffix=".sqlite3", delete=False)  # noqa: SIM115
        args.database_url = f"sqlite:///{tmp.name}"
    setup_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection

    from annotations import services
    from annotations.models import Membership, Project, User

    call_command("migrate", verbosity=0)
    if Project.objects.filter(slug="bench").exists():
        raise SystemExit("The database already holds the benchmark; give an empty database.")
    scale = services.ensure_default_scale()
    reviewer = User.objects.create(username="bench-reviewer")
    editor = User.objects.create(username="bench-editor")
    project = Project.objects.create(slug="bench", name="Bench", rating_scale=scale)
    for user, role in ((reviewer, "reviewer"), (editor, "editor")):
        Membership.objects.create(project=project, user=user, role=role, pseudonym=user.username)
    data = load_set()
    numbers = list(data.originals)
    modes = ["lexical"] + (["semantic"] if _semantic_available() else [])
    started = time.perf_counter()
    ids = load_claims(project=project, reviewer=reviewer, editor=editor, approved=True,
                      texts=[data.originals[n] for n in numbers])  # fmt: skip
    original_ids = dict(zip(numbers, ids, strict=True))
    quality = {}
    for mode in modes:
        _set_mode(mode)
        quality[(len(ids), mode)] = evaluate([project.pk], original_ids, data)
    rng = random.Random(12)
    extra = max(0, args.claims - len(ids))
    load_claims(project=project, reviewer=reviewer, editor=editor, approved=True,
                texts=[distractor(rng) for _ in range(extra)])  # fmt: skip
    loaded = time.perf_counter() - started
    if connection.vendor == "postgresql":
        # What autovacuum does soon after a bulk load; the statistics and visibility map it
        # leaves make the index lookups several times faster.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    marked = load_claims(project=project, reviewer=reviewer, editor=editor, approved=False,
                         texts=[text for _, text in data.rewordings])  # fmt: skip
    texts = [text for _, text in data.rewordings] + [t for _, _, t in data.near_misses]
    latency = {}
    for mode in modes:
        _set_mode(mode)
        quality[(len(ids) + extra, mode)] = evaluate([project.pk], original_ids, data)
        latency[mode] = (
            *time_endpoints(project=project, user=reviewer, claim_ids=marked, texts=texts,
                            queries=args.queries),
            time_search(project=project, texts=texts, queries=args.queries),
        )  # fmt: skip
    floor = time_floor(project=project, user=reviewer, queries=args.queries)
    print(f"database: {connection.vendor}; approved claims: {len(ids) + extra}; "
          f"loaded in {loaded:.0f} s; queries timed: {args.queries} per endpoint")  # fmt: skip
    print("| approved claims | re-ranker | MAP@5 | MRR | Recall@5 | rewordings same | "
          "near misses same | unrelated same |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for (size, mode), r in quality.items():
        print(f"| {size} | {mode} | {r['map5']:.3f} | {r['mrr']:.3f} | {r['recall5']:.3f} | "
              f"{r['rewordings_same']:.1%} | {r['near_misses_same']:.1%} | "
              f"{r['unrelated_same']} |")  # fmt: skip
    print("| re-ranker | text endpoint p50 / p95 ms | claim endpoint p50 / p95 ms | "
          "search() alone p50 / p95 ms |")  # fmt: skip
    print("|---|---|---|---|")
    for mode, timings in latency.items():
        print(f"| {mode} | " + " | ".join(f"{a:.1f} / {b:.1f}" for a, b in timings) + " |")
    print(f"floor: GET /api/v1/projects/{{slug}}/ p50 / p95 {floor[0]:.1f} / {floor[1]:.1f} ms")
    for (size, mode), r in quality.items():
        for change, text in r["near_failures"]:
            print(f"  {size} {mode}: near miss judged same ({change}): {text}")
    if tmp is not None and not args.keep:
        os.unlink(tmp.name)
    elif tmp is not None:
        print(f"kept {tmp.name}")


if __name__ == "__main__":
    main()
