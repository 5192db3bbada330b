"""Measure the agreement and statistics pages, their API endpoint and `agreement.py` alone.

    .venv/bin/python benchmarks/stats.py [--claims 100000] [--double 0.1] [--runs 20]
                                         [--database-url URL]

Builds a project with `--claims` claims (10 per article, marked by two reviewers per article)
with bulk_create in a temporary SQLite file (unless --database-url names a database to fill):
a share `--double` of the claims is double-reviewed (two submitted verdicts, one approved),
the rest have one verdict (mostly approved, some submitted, returned or draft), and every
change has its Event, spread over 26 weeks. Then it prints p50/p95 server time (Django's test
client, in process, no network) of each page and endpoint, cold (cache cleared before each
request: the first view after a change) and warm (cached by the project's latest event), and
the time of `agreement.alpha` alone over the units. Numbers go in the README, never in a test.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SENTENCE = "Officials said the figure {i} rose by {p}% in {y}, according to the report."
PER_ARTICLE = 10
REVIEWERS = 20


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost")
    import django

    django.setup()


def build(claims: int, double: float, seed: int = 1) -> None:
    """Fill the database (see the module docstring)."""
    import datetime as dt

    from django.core.management import call_command
    from django.utils import timezone

    from annotations import services
    from annotations.models import Article, Claim, Event, Membership, Project, User, Verdict
    from annotations.text import context_around, text_sha256

    rng = random.Random(seed)
    call_command("migrate", verbosity=0)
    # Spread history over 26 weeks: the fields are auto_now_add, which bulk_create would
    # otherwise overwrite with "now".
    for model, name in ((Event, "at"), (Claim, "created_at")):
        model._meta.get_field(name).auto_now_add = False
    scale = services.ensure_default_scale()
    labels = list(scale.labels.order_by("position"))
    on_axis = [lb for lb in labels if lb.ordinal is not None]
    reviewers = [User.objects.create(username=f"bench-r{i}") for i in range(REVIEWERS)]
    editors = [User.objects.create(username=f"bench-e{i}") for i in range(2)]
    researcher = User.objects.create(username="bench-researcher")
    project = Project.objects.create(
        slug="bench", name="Bench", rating_scale=scale, required_verdicts=2
    )
    people = [(u, "reviewer") for u in reviewers] + [(u, "editor") for u in editors]
    people.append((researcher, "researcher"))
    Membership.objects.bulk_create(
        Membership(project=project, user=u, role=role, pseudonym=f"annotator-{i + 1}")
        for i, (u, role) in enumerate(people)
    )
    start = timezone.now() - dt.timedelta(weeks=26)
    articles = claims // PER_ARTICLE
    batch = 200
    for first in range(0, articles, batch):
        rows = []
        for a in range(first, min(first + batch, articles)):
            text = " ".join(
                SENTENCE.format(i=a * PER_ARTICLE + c, p=c, y=2000 + c) for c in range(PER_ARTICLE)
            )
            rows.append(Article(project=project, title=f"Article {a}", text=text,
                                text_sha256=text_sha256(text), language="en"))  # fmt: skip
        made = Article.objects.bulk_create(rows)
        claim_rows, claim_meta = [], []
        for article in made:
            pair = rng.sample(reviewers, 2)
            offset = 0
            for c in range(PER_ARTICLE):
                end = article.text.index(".", offset + 20) + 1
                # reviewers mark overlapping but different stretches now and then
                begin = offset + (3 if c % 4 == 3 else 0)
                prefix, suffix = context_around(article.text, begin, end)
                when = start + dt.timedelta(seconds=rng.randrange(26 * 7 * 86400))
                claim_rows.append(Claim(article=article, start=begin, end=end,
                                        quote=article.text[begin:end], prefix=prefix, suffix=suffix,
                                        created_by=pair[c % 2], created_at=when))  # fmt: skip
                claim_meta.append(pair)
                offset = end + 1
        claim_rows = Claim.objects.bulk_create(claim_rows)
        verdicts, events = [], []
        for claim, pair in zip(claim_rows, claim_meta, strict=True):
            events.append(Event(project=project, actor_id=claim.created_by_id, action="mark_claim",
                                target_type="claim", target_id=claim.pk, claim_id=claim.pk,
                                at=claim.created_at))  # fmt: skip
            truth = rng.choice(labels)
            marked = claim.created_at
            if rng.random() < double:
                second = truth if rng.random() < 0.75 else rng.choice(on_axis)
                plan = [(pair[0], truth, "approved"), (pair[1], second, "submitted")]
            else:
                status = rng.choices(
                    ["approved", "submitted", "returned", "draft"], [0.7, 0.1, 0.1, 0.1]
                )[0]
                plan = [(pair[0], truth, status)]
            for reviewer, label, status in plan:
                submitted = marked + dt.timedelta(hours=rng.uniform(1, 72))
                decided = submitted + dt.timedelta(hours=rng.uniform(1, 48))
                verdicts.append(
                    Verdict(
                        claim=claim,
                        reviewer=reviewer,
                        rating=label,
                        explanation="Because.",
                        explanation_html="<p>Because.</p>",
                        status=status,
                        submitted_at=None if status == "draft" else submitted,
                        approved_by=editors[0] if status == "approved" else None,
                        approved_at=decided if status == "approved" else None,
                    )
                )
                events.append((len(verdicts) - 1, status, submitted, decided))
        verdicts = Verdict.objects.bulk_create(verdicts)
        rows = []
        for item in events:
            if isinstance(item, Event):
                rows.append(item)
                continue
            index, status, submitted, decided = item
            v = verdicts[index]
            common = {"project": project, "target_type": "verdict", "target_id": v.pk,
                      "claim_id": v.claim_id, "verdict_id": v.pk}  # fmt: skip
            if status == "draft":
                continue
            rows.append(Event(actor_id=v.reviewer_id, action="submit", from_status="draft",
                              to_status="submitted", at=submitted, **common))  # fmt: skip
            if status in ("approved", "returned"):
                action = "approve" if status == "approved" else "return"
                rows.append(Event(actor=editors[0], action=action, from_status="submitted",
                                  to_status=status, at=decided, **common))  # fmt: skip
        Event.objects.bulk_create(rows, batch_size=2000)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(runs: int, cold_runs: int) -> list[tuple[str, str, float, float]]:
    from django.core.cache import cache
    from django.test import Client

    from annotations import agreement, stats
    from annotations.models import Project, User

    project = Project.objects.get(slug="bench")
    client = Client()
    client.force_login(User.objects.get(username="bench-researcher"))
    targets = [
        ("agreement page", "/projects/bench/agreement/"),
        ("statistics page", "/projects/bench/stats/"),
        ("agreement API (JSON)", "/api/v1/projects/bench/agreement/"),
        ("agreement API (CSV)", "/api/v1/projects/bench/agreement/?format=csv"),
    ]
    results = []
    for name, url in targets:
        for mode, n in (("cold", cold_runs), ("warm", runs)):
            samples = []
            client.get(url)  # warm imports and templates
            for _ in range(n):
                if mode == "cold":
                    cache.clear()
                started = time.perf_counter()
                response = client.get(url)
                samples.append(time.perf_counter() - started)
                if response.status_code != 200:
                    raise SystemExit(f"{url} answered {response.status_code}")
            results.append((name, mode, percentile(samples, 0.5), percentile(samples, 0.95)))

    # agreement.py alone, on the units the page uses (most single-coded, some double)
    values, _ = stats._verdict_values(project, stats.Filters())
    units = [{r: v[0] for r, v in per.items()} for per in values.values()]
    for level in agreement.LEVELS:
        samples = []
        for _ in range(5):
            started = time.perf_counter()
            agreement.alpha(units, level=level, bootstrap=1000, seed=1)
            samples.append(time.perf_counter() - started)
        label = f"agreement.alpha {level}, {len(units):,} units, 1000 bootstrap samples"
        results.append((label, "-", percentile(samples, 0.5), percentile(samples, 0.95)))
    # and the worst case: every one of 100,000 units rated by two reviewers
    rng = random.Random(2)
    dense = [{"a": rng.randrange(7), "b": rng.randrange(7)} for _ in range(100_000)]
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        agreement.alpha(dense, level="ordinal", bootstrap=1000, seed=1)
        samples.append(time.perf_counter() - started)
    results.append(
        (
            "agreement.alpha ordinal, 100,000 double-coded units, 1000 bootstrap",
            "-",
            percentile(samples, 0.5),
            percentile(samples, 0.95),
        )
    )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--double", type=float, default=0.1)
    parser.add_argument("--runs", type=int, default=20, help="warm requests per target")
    parser.add_argument("--cold-runs", type=int, default=5, help="cold requests per target")
    parser.add_argument("--database-url", help="Fill this database instead of a temp SQLite.")
    parser.add_argument(
        "--reuse", action="store_true", help="Measure the project already in --database-url."
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(args.database_url or f"sqlite:///{tmp}/bench.sqlite3")
        if not args.reuse:
            started = time.perf_counter()
            build(args.claims, args.double)
            print(f"built {args.claims:,} claims in {time.perf_counter() - started:.1f} s")
        from django.db import connection

        print(f"database: {connection.vendor}")
        rows = measure(args.runs, args.cold_runs)
    print()
    print("| What | Cache | p50 | p95 |")
    print("|---|---|---:|---:|")
    for name, mode, p50, p95 in rows:
        print(f"| {name} | {mode} | {p50 * 1000:.0f} ms | {p95 * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
