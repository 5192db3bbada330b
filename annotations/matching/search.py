"""The database half of claim matching: candidates from the database's own full-text index
(SQLite FTS5 with bm25, PostgreSQL `tsvector` + GIN; see `annotations.search_index`), restricted
to claims with an approved verdict in the given projects, re-ranked with `compare()`; and the
scope and decisions a reviewer's suggestions depend on. Nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass

from .compare import (
    RELATED_THRESHOLD,
    Difference,
    compare,
    query_terms,
    same_threshold,
    semantic_similarities,
)

CANDIDATE_POOL = 25  # rows read from the full-text index before re-ranking
MIN_TERMS = 3  # rank by at least this many of the query's rarest words...
POSTINGS_BUDGET = 3000  # ...and by more only while their index postings stay within this


@dataclass
class Match:
    """An earlier claim with its approved verdict, scored against the text searched for."""

    claim: object  # models.Claim, with .article
    verdict: object  # models.Verdict, with .rating
    score: float
    same: bool
    differences: list[Difference]


def _selective_terms(cursor, vendor: str, terms: list[str]) -> list[str]:
    """Return the terms worth ranking by: the rarest ones, within a budget of index postings.

    Ranking cost grows with the rows that match any term, so words most claims contain ("year",
    "20") would make every lookup slow while adding little: keep terms rarest first until
    their postings pass POSTINGS_BUDGET, and at least MIN_TERMS of them. One query for all
    document frequencies.
    """
    if vendor == "sqlite":
        one = "(SELECT count(*) FROM claim_fts WHERE claim_fts MATCH %s)"
        params = [f'"{t}"' for t in terms]
    else:
        one = "(SELECT count(*) FROM annotations_claim WHERE search_vector @@ plainto_tsquery('english', %s))"
        params = list(terms)
    cursor.execute("SELECT " + ", ".join([one] * len(terms)), params)
    frequency = dict(zip(terms, cursor.fetchone(), strict=True))
    chosen, postings = [], 0
    for term in sorted((t for t in terms if frequency[t]), key=frequency.__getitem__):
        if len(chosen) >= MIN_TERMS and postings + frequency[term] > POSTINGS_BUDGET:
            break
        chosen.append(term)
        postings += frequency[term]
    return chosen


def _candidates(
    text: str, *, project_ids: list[int], exclude: set[int], pool: int
) -> list[tuple[int, str, str]]:
    """Return up to `pool` (id, quote, statement) of claims with an approved verdict in
    `project_ids` that the full-text index finds for `text`, best first (two queries, three
    if the scope is narrow)."""
    from django.db import connection

    from ..workflow import Status

    terms = query_terms(text)
    if not terms or not project_ids:
        return []
    if connection.vendor not in ("sqlite", "postgresql"):
        return _scan(terms, project_ids=project_ids, exclude=exclude, pool=pool)
    # Only integers are formatted into the SQL (int() below); text goes in as a parameter.
    scope = ",".join(str(int(p)) for p in project_ids)
    excluded = ",".join(str(int(c)) for c in exclude) or "0"
    where = (
        f"a.project_id IN ({scope}) AND c.id NOT IN ({excluded}) AND EXISTS (SELECT 1 FROM "  # noqa: S608
        "annotations_verdict v WHERE v.claim_id = c.id AND v.status = %s)"
    )
    with connection.cursor() as cursor:
        terms = _selective_terms(cursor, connection.vendor, terms)
        if not terms:
            return []
        if connection.vendor == "sqlite":
            match = " OR ".join(f'"{t}"' for t in terms)
            ranked = "SELECT rowid AS id, rank AS score FROM claim_fts WHERE claim_fts MATCH %s"
            order = "f.score"
        else:
            match = " | ".join(terms)
            ranked = (
                "SELECT id, -ts_rank_cd(search_vector, q) AS score FROM annotations_claim, "
                "to_tsquery('english', %s) q WHERE search_vector @@ q"
            )
            order = "f.score, f.id"
        # Rank in the index alone first (cheap), then keep what the caller may see. Should the
        # scope filter leave too few, rank again with the filter inside (exact, slower).
        head = pool * 5
        sql = (
            f"SELECT c.id, c.quote, c.statement FROM ({ranked} ORDER BY score LIMIT {int(head)}) f "  # noqa: S608
            "JOIN annotations_claim c ON c.id = f.id "
            f"JOIN annotations_article a ON a.id = c.article_id WHERE {where} "
            f"ORDER BY {order} LIMIT {int(pool)}"
        )
        cursor.execute(sql, [match, Status.APPROVED])
        rows = cursor.fetchall()
        if len(rows) < pool:
            cursor.execute(f"SELECT count(*) FROM ({ranked} LIMIT {int(head)}) f", [match])  # noqa: S608
            if cursor.fetchone()[0] >= head:
                cursor.execute(
                    sql.replace(f" LIMIT {int(head)}) f", ") f"), [match, Status.APPROVED]
                )
                rows = cursor.fetchall()
        return rows


def _scan(
    terms: list[str], *, project_ids: list[int], exclude: set[int], pool: int
) -> list[tuple[int, str, str]]:
    """Without an index (databases other than SQLite and PostgreSQL): scan for the longest
    words. Slow, but correct."""
    from django.db.models import Q

    from ..models import Verdict

    condition = Q()
    for term in terms[:3]:
        condition |= Q(claim__quote__icontains=term) | Q(claim__statement__icontains=term)
    rows = (
        Verdict.objects.approved()
        .filter(condition, claim__article__project_id__in=project_ids)
        .exclude(claim_id__in=exclude)
        .values_list("claim_id", "claim__quote", "claim__statement")[:pool]
    )
    return list(rows)


def search(
    text: str,
    *,
    project_ids: list[int],
    exclude: set[int] | frozenset[int] = frozenset(),
    limit: int = 5,
    threshold: float | None = None,
    pool: int | None = None,
) -> list[Match]:
    """Return up to `limit` earlier claims with an approved verdict that match `text`, best
    first: candidates from the full-text index, re-ranked by `compare()`.

    Three queries whatever the result (four when a narrow scope needs an exact re-rank): the
    words' frequencies, the index lookup with the candidates' texts, then the approved
    verdicts, ratings and claims of the best `limit` only. `project_ids` must already be the
    projects the caller may read; `exclude` holds claim ids never to return (the claim
    itself, dismissed pairs).
    """
    from ..models import Verdict
    from ..workflow import Status

    threshold = same_threshold() if threshold is None else threshold
    pool = pool or CANDIDATE_POOL
    rows = _candidates(text, project_ids=project_ids, exclude=set(exclude), pool=pool)
    scored = []
    semantic = semantic_similarities(text, [statement or quote for _, quote, statement in rows])
    for rank, (claim_id, quote, statement) in enumerate(rows):
        result = compare(text, statement or quote, threshold=threshold, semantic=semantic[rank])
        if statement and not result.same:
            # The statement is the normalised claim; the quote may still be the closer wording.
            by_quote = compare(text, quote, threshold=threshold, semantic=semantic[rank])
            if by_quote.same or by_quote.score > result.score + 0.1:
                result = by_quote
        if result.score >= RELATED_THRESHOLD:
            scored.append((not result.same, -result.score, rank, claim_id, result))
    best = sorted(scored)[:limit]
    verdicts = {
        v.claim_id: v
        for v in Verdict.objects.filter(
            claim_id__in=[row[3] for row in best], status=Status.APPROVED
        )
        .select_related("rating", "claim")
        .defer("claim__prefix", "claim__suffix", "explanation")
        .order_by()  # the default ordering would join articles for nothing
    }
    matches = []
    for *_, claim_id, result in best:
        verdict = verdicts.get(claim_id)
        if verdict is None:  # its verdict was superseded or withdrawn a moment ago
            continue
        matches.append(Match(verdict.claim, verdict, result.score, result.same, result.differences))
    return matches[:limit]


def scope_for(user, project) -> list[int]:
    """Return the ids of the projects whose claims `user` may be shown for `project`: the
    project itself, plus every other project they are a member of if its setting says so."""
    from ..models import Project

    if not project.match_across_projects:
        return [project.pk]
    others = Project.objects.visible_to(user).values_list("pk", flat=True)
    return sorted({project.pk, *others})


def decided_pairs(claim_id: int) -> dict[int, str]:
    """Return {other claim id: decision} of the pairs decided for `claim_id`, either way round."""
    from django.db.models import Q

    from ..models import ClaimMatch

    rows = ClaimMatch.objects.filter(Q(claim_id=claim_id) | Q(matched_id=claim_id)).values_list(
        "claim_id", "matched_id", "decision"
    )
    return {(b if a == claim_id else a): decision for a, b, decision in rows}


def matches_for_claim(claim, *, user, limit: int = 5) -> tuple[list[Match], dict[int, str]]:
    """Return the earlier checked claims for a marked `claim` (never itself, never a dismissed
    pair) and the decisions taken so far. `claim.article.project` must be readable by `user`."""
    decided = decided_pairs(claim.pk)
    dismissed = {other for other, decision in decided.items() if decision == "dismissed"}
    found = search(
        claim.statement or claim.quote,
        project_ids=scope_for(user, claim.article.project),
        exclude={claim.pk, *dismissed},
        limit=limit,
    )
    return found, decided
