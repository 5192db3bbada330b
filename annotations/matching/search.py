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
    decision: str = ""  # "same" or "dismissed" once a reviewer decided on the pair


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
    text: str, *, project_ids: list[int], exclude: set[int], pool: int, for_claim: int | None
) -> list[tuple[int, str, str, str]]:
    """Return up to `pool` (id, quote, statement, decision) of claims with an approved verdict
    in `project_ids` that the full-text index finds for `text`, best first.

    `decision` is the reviewers' decision on the pair (`for_claim`, that claim), "" if none;
    dismissed pairs are left out. One query for long texts (the words' frequencies), one to
    rank: in the index alone, the caller's scope and approval checked on the ranked head. Only
    if that head was full and the scope kept too few of it, a third ranks with the scope
    inside (exact, slower: a narrow scope in a big database).
    """
    from django.db import connection

    from ..workflow import Status

    terms = query_terms(text)
    if not terms or not project_ids:
        return []
    if connection.vendor not in ("sqlite", "postgresql"):
        return _scan(terms, project_ids=project_ids, exclude=exclude, pool=pool)
    with connection.cursor() as cursor:
        if len(terms) > MIN_TERMS:
            terms = _selective_terms(cursor, connection.vendor, terms)
        if not terms:
            return []
        if connection.vendor == "sqlite":
            match = " OR ".join(f'"{t}"' for t in terms)
            ranked = "SELECT rowid AS id, rank AS score FROM claim_fts WHERE claim_fts MATCH %s"
        else:
            match = " | ".join(terms)
            ranked = (
                "SELECT id, -ts_rank_cd(search_vector, q) AS score FROM annotations_claim, "
                "to_tsquery('english', %s) q WHERE search_vector @@ q"
            )
        # Only integers are formatted into the SQL (int() below); text goes in as parameters.
        scope = {int(p) for p in project_ids}
        pair = int(for_claim or 0)
        columns = (
            "c.id, c.quote, c.statement, a.project_id, EXISTS (SELECT 1 FROM annotations_verdict "  # noqa: S608
            "v WHERE v.claim_id = c.id AND v.status = %s), (SELECT m.decision FROM "
            f"annotations_claimmatch m WHERE (m.claim_id = {pair} AND m.matched_id = c.id) OR "
            f"(m.matched_id = {pair} AND m.claim_id = c.id) LIMIT 1)"
        )
        head = pool * 5
        sql = (
            f"SELECT {columns} FROM ({ranked} ORDER BY score LIMIT {int(head)}) f "  # noqa: S608
            "JOIN annotations_claim c ON c.id = f.id "
            "JOIN annotations_article a ON a.id = c.article_id ORDER BY f.score, f.id"
        )
        cursor.execute(sql, [Status.APPROVED, match])
        ranked_rows = cursor.fetchall()
        kept = [
            (claim_id, quote, statement, decision or "")
            for claim_id, quote, statement, project_id, approved, decision in ranked_rows
            if approved and project_id in scope and claim_id not in exclude
            and decision != "dismissed"
        ]  # fmt: skip
        if len(kept) < pool and len(ranked_rows) >= head:
            in_scope = ",".join(map(str, sorted(scope)))
            exact = (
                f"SELECT {columns} FROM ({ranked}) f "  # noqa: S608
                "JOIN annotations_claim c ON c.id = f.id "
                f"JOIN annotations_article a ON a.id = c.article_id "
                f"WHERE a.project_id IN ({in_scope}) AND EXISTS (SELECT 1 FROM "
                "annotations_verdict v WHERE v.claim_id = c.id AND v.status = %s) "
                f"ORDER BY f.score, f.id LIMIT {int(pool + len(exclude)) + 50}"
            )
            cursor.execute(exact, [Status.APPROVED, match, Status.APPROVED])
            kept = [
                (claim_id, quote, statement, decision or "")
                for claim_id, quote, statement, _, _, decision in cursor.fetchall()
                if claim_id not in exclude and decision != "dismissed"
            ]
        return kept[:pool]


def _scan(
    terms: list[str], *, project_ids: list[int], exclude: set[int], pool: int
) -> list[tuple[int, str, str, str]]:
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
    return [(*row, "") for row in rows]


def search(
    text: str,
    *,
    project_ids: list[int],
    exclude: set[int] | frozenset[int] = frozenset(),
    limit: int = 5,
    threshold: float | None = None,
    pool: int | None = None,
    for_claim: int | None = None,
) -> list[Match]:
    """Return up to `limit` earlier claims with an approved verdict that match `text`, best
    first: candidates from the full-text index, re-ranked by `compare()`.

    At most four queries whatever the result, usually two: the words' frequencies (long texts
    only), the index lookup with the candidates' texts (see `_candidates`), then the approved
    verdicts, ratings and claims of the best `limit` (only if any). `project_ids` must already
    be the projects the caller may read; `exclude` holds claim ids never to return. With
    `for_claim`, pairs dismissed for that claim are left out and each match carries the
    decision taken on it.
    """
    from ..models import Verdict
    from ..workflow import Status

    threshold = same_threshold() if threshold is None else threshold
    pool = pool or CANDIDATE_POOL
    rows = _candidates(
        text, project_ids=project_ids, exclude=set(exclude), pool=pool, for_claim=for_claim
    )
    scored = []
    semantic = semantic_similarities(text, [statement or quote for _, quote, statement, _ in rows])
    for rank, (claim_id, quote, statement, decision) in enumerate(rows):
        result = compare(text, statement or quote, threshold=threshold, semantic=semantic[rank])
        if statement and not result.same:
            # The statement is the normalised claim; the quote may still be the closer wording.
            by_quote = compare(text, quote, threshold=threshold, semantic=semantic[rank])
            if by_quote.same or by_quote.score > result.score + 0.1:
                result = by_quote
        if result.score >= RELATED_THRESHOLD:
            scored.append((not result.same, -result.score, rank, claim_id, decision, result))
    best = sorted(scored)[:limit]
    if not best:
        return []
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
    for *_, claim_id, decision, result in best:
        verdict = verdicts.get(claim_id)
        if verdict is None:  # its verdict was superseded or withdrawn a moment ago
            continue
        matches.append(
            Match(verdict.claim, verdict, result.score, result.same, result.differences, decision)
        )
    return matches


def scope_for(user, project) -> list[int]:
    """Return the ids of the projects whose claims `user` may be shown for `project`: the
    project itself, plus every other project they are a member of if its setting says so."""
    from ..models import Project

    if not project.match_across_projects:
        return [project.pk]
    others = Project.objects.visible_to(user).values_list("pk", flat=True)
    return sorted({project.pk, *others})


def matches_for_claim(claim, *, user, limit: int = 5) -> list[Match]:
    """Return the earlier checked claims for a marked `claim` (never itself, never a dismissed
    pair), each with the decision taken on it. `claim.article.project` must be readable by
    `user`."""
    return search(
        claim.statement or claim.quote,
        project_ids=scope_for(user, claim.article.project),
        exclude={claim.pk},
        limit=limit,
        for_claim=claim.pk,
    )
