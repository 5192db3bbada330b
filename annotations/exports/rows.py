"""`export_rows`: the one selector behind every export format.

It reads a project's articles in chunks, keyed by primary key, and turns each chunk into plain
JSON-able dicts (`Row`) with six queries whatever the chunk holds: articles, assignments, claims, sources,
verdicts, and the verdicts' cited sources. Before the first chunk it reads the project's
memberships (pseudonyms) and the rating scales once. Memory therefore depends on the chunk size,
not on the corpus.

Row shape (one article):
    {id, title, url, publisher, author, published_at, language, text, text_sha256, version,
     source_url, source_sha256, fetched_at, created_by, created_at, updated_at,
     curation_started_at,
     assignees: [people the article is assigned to, sorted],
     finished_by: [{annotator, finished_at}: reviewers who finished their layer, in order],
     claims: [{id, start, end, quote, prefix, suffix, anchor, text_version, statement, claimant,
               claim_date, created_by, created_at, updated_at, layer,
               (reviewer layer only:) annotator, curation, curated_claim,
               sources: [{id, url, title, publisher, quote, stance, accessed_at, archived_url,
                          added_by, created_at, updated_at}],
               verdicts: [{id, status, version, rating, explanation_html, explanation_text,
                           no_source_reason, sources: [source ids], reviewer, submitted_at,
                           approved_by, approved_at, supersedes, correction_note, review_note,
                           created_at, updated_at}],
               matches: [ids of earlier checked claims a reviewer confirmed as the same claim]}]}
`rating` is {slug, name, scale: {slug, version}, ordinal, truth_score, fever, averitec,
claimreview_rating, claimreview_bounds}. People appear as their project pseudonym, or as their
username when identities were asked for (the caller checks `permissions.can_export`).
`layer` is "curated" (the claims that get verdicts; every claim of a shared project) or
"reviewer" (independent span annotation: one reviewer's own span, `annotator` its owner, the
same name as `created_by`; `curation` what an editor made of it, "" while pending;
`curated_claim` the curated claim it was accepted or merged into, or null). Which reviewer
layers an export holds is `reviewer_layers`: "all" for the project's editors and admins (and the
command line), "finished" for anyone else (a researcher): a reviewer layer only once its owner
finished the article, the rule of `querysets.layer_visibility` for someone who does not annotate.
Offsets are code points into the text of article version `text_version` (the current
`version` unless the claim is orphaned: then they refer to the earlier text it was marked in);
`source_*`/`fetched_at` are the provenance of a text taken from a web page. Timestamps RFC 3339
in UTC.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from django.db import connections
from django.db.models import Exists, F, OuterRef, Q, StringAgg, Subquery, TextField, Value
from django.db.models.functions import Cast, Concat

from ..models import (
    Article,
    Assignment,
    Claim,
    ClaimMatch,
    Layer,
    LayerCompletion,
    Membership,
    Project,
    RatingScale,
    Source,
    Verdict,
)
from ..workflow import EDITORS, Status
from .common import Row, db_timestamp

STATUSES = ("approved", "all")
# Which reviewer layers an export holds (see the module doc): editors' and researchers' view.
REVIEWER_LAYERS = ("all", "finished")
DEFAULT_CHUNK = 100  # articles per chunk


def _article_filter(project: Project, updated_since: dt.datetime | None) -> Q:
    """Return a Q over Article: the project's articles, changed since `updated_since` if given.

    An article counts as changed when it, or any of its claims, sources or verdicts was
    updated at or after the instant (claims' `updated_at` also moves when a source is added),
    or a reviewer finished it, or its curation started, at or after the instant.
    """
    condition = Q(project=project)
    if updated_since is not None:
        condition &= (
            Q(updated_at__gte=updated_since)
            | Q(Exists(Claim.objects.filter(article=OuterRef("pk"), updated_at__gte=updated_since)))
            | Q(
                Exists(
                    Source.objects.filter(
                        claim__article=OuterRef("pk"), updated_at__gte=updated_since
                    )
                )
            )
            | Q(
                Exists(
                    Verdict.objects.filter(
                        claim__article=OuterRef("pk"), updated_at__gte=updated_since
                    )
                )
            )
            # A reviewer finishing the article shows their layer to researchers; curation
            # starting is in the record too.
            | Q(curation_started_at__gte=updated_since)
            | Q(
                Exists(
                    LayerCompletion.objects.filter(
                        article=OuterRef("pk"), finished_at__gte=updated_since
                    )
                )
            )
        )
    return condition


def _cited_by_approved() -> Q:
    """Return a Q over Source: cited by an approved verdict.

    The approved corpus is what editors approved: a published verdict with the sources it
    cited. A source attached later belongs to the next correction, not to the published one.
    """
    through = Verdict.sources.through.objects.filter(
        source_id=OuterRef("pk"), verdict__status=Status.APPROVED
    )
    return Q(Exists(through))


def _verdict_filter(status: str) -> Q:
    return Q() if status == "all" else Q(status=Status.APPROVED)


def reviewer_layers_for(user, project: Project) -> str:
    """Return the reviewer layers `user` exports: "all" for the project's editors and admins
    (superusers too), else "finished" (uses `permissions.roles_in`'s per-request cache)."""
    from ..permissions import roles_in

    return "all" if roles_in(user, project) & EDITORS else "finished"


def layer_filter(project: Project, reviewer_layers: str) -> Q:
    """Return a Q over Claim keeping the reviewer layers the export may hold.

    "finished" keeps a reviewer-layer claim once its owner finished the article
    (`LayerCompletion`); a shared project shows every claim, so it filters nothing there.
    """
    if reviewer_layers not in REVIEWER_LAYERS:
        raise ValueError(
            f"reviewer_layers must be one of {REVIEWER_LAYERS}, not {reviewer_layers!r}"
        )
    if reviewer_layers == "all" or not project.independent_spans:
        return Q()
    finished = LayerCompletion.objects.filter(
        article_id=OuterRef("article_id"), user_id=OuterRef("created_by_id")
    )
    return Q(layer=Layer.CURATED) | Q(Exists(finished))


def project_info(project: Project) -> dict[str, Any]:
    """Return the project's description as every export record carries it."""
    scale = project.rating_scale
    return {
        "slug": project.slug,
        "name": project.name,
        "description": project.description,
        "organisation_name": project.organisation_name,
        "organisation_url": project.organisation_url,
        "methodology_url": project.methodology_url,
        "corrections_policy_url": project.corrections_policy_url,
        "required_verdicts": project.required_verdicts,
        "independent_spans": project.independent_spans,
        "rating_scale": {"slug": scale.slug, "version": scale.version, "name": scale.name},
    }


def export_article_count(*, project: Project, updated_since: dt.datetime | None = None) -> int:
    """Return how many articles an export will hold (one query)."""
    return Article.objects.filter(_article_filter(project, updated_since)).count()


def export_counts(
    *,
    project: Project,
    status: str = "approved",
    updated_since: dt.datetime | None = None,
    reviewer_layers: str = "finished",
) -> dict[str, int]:
    """Return how many articles, claims, sources and verdicts an export will hold (6 queries)."""
    articles = Article.objects.filter(_article_filter(project, updated_since))
    claims = Claim.objects.filter(article__in=articles.values("pk")).filter(
        layer_filter(project, reviewer_layers)
    )
    return {
        "articles": articles.count(),
        "claims": claims.count(),
        "sources": Source.objects.filter(claim__in=claims.values("pk"))
        .filter(_cited_by_approved() if status == "approved" else Q())
        .count(),
        "verdicts": Verdict.objects.filter(claim__in=claims.values("pk"))
        .filter(_verdict_filter(status))
        .count(),
        "approved_verdicts": Verdict.objects.filter(
            claim__in=claims.values("pk"), status=Status.APPROVED
        ).count(),
        "approved_without_fever_class": Verdict.objects.filter(
            claim__in=claims.values("pk"), status=Status.APPROVED, rating__fever=""
        ).count(),
    }


def _people(project: Project, identities: bool) -> dict[int, str]:
    rows = Membership.objects.filter(project=project).values_list(
        "user_id", "user__username" if identities else "pseudonym"
    )
    return dict(rows)


def _ratings(project: Project) -> dict[int, dict[str, Any]]:
    """Return {label id: rating dict} for the project's scale and every scale its verdicts use."""
    used = Verdict.objects.filter(claim__article__project=project).values("rating__scale_id")
    scales = RatingScale.objects.filter(
        Q(pk=project.rating_scale_id) | Q(pk__in=used)
    ).prefetch_related("labels")
    ratings = {}
    for scale in scales:
        bounds = scale.claimreview_bounds()
        for label in scale.labels.all():
            ratings[label.pk] = {
                "slug": label.slug,
                "name": label.name,
                "scale": {"slug": scale.slug, "version": scale.version},
                "ordinal": label.ordinal,
                "truth_score": label.truth_score,
                "fever": label.fever or None,
                "averitec": label.averitec or None,
                "claimreview_rating": label.claimreview_rating,
                "claimreview_bounds": list(bounds)
                if bounds and label.claimreview_rating is not None
                else None,
            }
    return ratings


def as_text(*names: str) -> dict[str, Cast]:
    """Return `values()` expressions that read timestamp columns as the database's text.

    Keys get a `_t` suffix (a values() key may not shadow a field); `db_timestamp` turns them
    into RFC 3339. Parsing datetimes in Python cost more than everything else in an export.
    """
    return {f"{name}_t": Cast(F(name), output_field=TextField()) for name in names}


# Placeholder values a statement is compiled with, replaced by the real ids on each run. Negative
# and distinct (Django drops repeated values from an `__in` list), so they cannot be real keys.
_MARK = -(10**15)


def _marks(n: int) -> list[int]:
    return [_MARK - i for i in range(n)]


class _Statement:
    """A `.values()` queryset compiled to SQL once, run again for each chunk with new ids.

    Compiling a queryset (resolving lookups, joins and expressions) cost as much per chunk as
    reading the chunk. The queryset is built once with placeholder ids (`_marks`); their
    positions in the compiled parameters are remembered and filled in with each chunk's ids.
    An id list shorter than the placeholders is padded by repeating its last id (`IN (7, 8, 8)`
    selects what `IN (7, 8)` does), so one SQL text serves every chunk. Rows come back as the
    driver's tuples, columns in `names` order: no per-value converters (timestamps are already
    text, see `as_text`; dates go through `_day`).
    """

    def __init__(self, queryset, marks: list[int], names: list[str]) -> None:
        query = queryset.query
        selected = [*query.extra_select, *query.values_select, *query.annotation_select]
        if selected != names:  # the unpacking in export_rows relies on this order
            raise AssertionError(f"export columns {selected} != {names}")
        self.db = queryset.db
        sql, params = query.get_compiler(self.db).as_sql()
        where = {mark: i for i, mark in enumerate(marks)}
        self.slots = [
            (pos, where[p]) for pos, p in enumerate(params) if type(p) is int and p in where
        ]
        if not self.slots or {i for _, i in self.slots} != set(range(len(marks))):
            raise AssertionError("export statement lost its id placeholders")
        self.sql, self.params, self.size = sql, list(params), len(marks)

    def rows(self, ids: list[int]) -> list[tuple]:
        padded = ids + [ids[-1]] * (self.size - len(ids)) if len(ids) < self.size else ids
        params = self.params.copy()
        for pos, i in self.slots:
            params[pos] = padded[i]
        with connections[self.db].cursor() as cursor:
            cursor.execute(self.sql, params)
            return cursor.fetchall()


def _day(value) -> str | None:
    """Return a date column as YYYY-MM-DD (SQLite gives text, PostgreSQL a date)."""
    if value is None or isinstance(value, str):
        return value
    return value.isoformat()


def _confirmed_matches() -> Subquery:
    """Return a claim's confirmed "same claim" links as one comma-separated text column, so the
    claims query carries them (no query more per chunk)."""
    links = (
        ClaimMatch.objects.filter(claim_id=OuterRef("pk"), decision=ClaimMatch.Decision.SAME)
        .order_by()
        .values("claim_id")
        .annotate(ids=StringAgg(Cast("matched_id", TextField()), delimiter=Value(",")))
        .values("ids")
    )
    return Subquery(links, output_field=TextField())


def _finished_layers() -> Subquery:
    """Return an article's "I've finished" marks as one text column, "user id timestamp" joined
    by commas, so the articles query carries them (no query more per chunk)."""
    marks = (
        LayerCompletion.objects.filter(article_id=OuterRef("pk"))
        .order_by()
        .values("article_id")
        .annotate(
            marks=StringAgg(
                Concat(
                    Cast("user_id", TextField()),
                    Value(" "),
                    Cast("finished_at", TextField()),
                    output_field=TextField(),
                ),
                delimiter=Value(","),
            )
        )
        .values("marks")
    )
    return Subquery(marks, output_field=TextField())


def _finished_by(marks: str | None, person) -> list[dict[str, str | None]]:
    """Return the reviewers who finished an article, by finishing time (then name)."""
    if not marks:
        return []
    finished = []
    for mark in marks.split(","):
        user_id, _, at = mark.partition(" ")
        finished.append({"annotator": person(int(user_id)), "finished_at": db_timestamp(at)})
    return sorted(finished, key=lambda f: (f["finished_at"], f["annotator"]))


class _People(dict):
    """{user id: how the export names them}; None stays None, a non-member is former-member-N.

    A dict lookup per value instead of a Python call (people appear ~4 times per claim)."""

    def __missing__(self, user_id: int) -> str:
        name = self[user_id] = f"former-member-{user_id}"
        return name


ARTICLE_COLUMNS = [
    "id", "title", "url", "publisher", "author", "language", "text", "text_sha256", "version",
    "source_url", "source_sha256", "created_by_id",
    "published_at_t", "created_at_t", "updated_at_t", "fetched_at_t", "curation_started_at_t",
    "finished",
]  # fmt: skip
CLAIM_COLUMNS = [
    "id", "article_id", "start", "end", "quote", "prefix", "suffix", "statement", "claimant",
    "claim_date", "created_by_id", "anchor", "text_version", "layer", "curation",
    "curated_claim_id", "created_at_t", "updated_at_t", "matches",
]  # fmt: skip
SOURCE_COLUMNS = [
    "id", "claim_id", "url", "title", "publisher", "quote", "stance", "accessed_at",
    "archived_url", "added_by_id", "created_at_t", "updated_at_t",
]  # fmt: skip
VERDICT_COLUMNS = [
    "id", "claim_id", "status", "version", "rating_id", "explanation_html", "explanation_text",
    "no_source_reason", "reviewer_id", "approved_by_id", "supersedes_id", "correction_note",
    "review_note", "submitted_at_t", "approved_at_t", "created_at_t", "updated_at_t",
]  # fmt: skip


def _fields(columns: list[str]) -> list[str]:
    return [c for c in columns if not c.endswith("_t") and c not in ("matches", "finished")]


def _timestamps(columns: list[str]) -> dict[str, Cast]:
    return as_text(*(c[:-2] for c in columns if c.endswith("_t")))


def _statements(
    project: Project,
    status: str,
    updated_since: dt.datetime | None,
    chunk_size: int,
    layer_filter: Q,
) -> dict[str, _Statement]:
    """Return the six per-chunk statements of an export, each compiled once."""
    after = _marks(1)  # the last article id of the previous chunk
    ids = _marks(chunk_size)  # the chunk's article ids
    articles = (
        Article.objects.filter(_article_filter(project, updated_since))
        .filter(pk__gt=after[0])
        .order_by("pk")
        .values(
            *_fields(ARTICLE_COLUMNS),
            **_timestamps(ARTICLE_COLUMNS),
            finished=_finished_layers(),
        )[:chunk_size]
    )
    claims = (
        Claim.objects.filter(article_id__in=ids)
        .filter(layer_filter)
        .order_by("article_id", "start", "end", "pk")
        .values(*_fields(CLAIM_COLUMNS), **_timestamps(CLAIM_COLUMNS), matches=_confirmed_matches())
    )
    # Related rows are selected by article id (at most chunk_size parameters), never by a
    # list of claim ids that could outgrow a database's parameter limit.
    in_chunk = Q(claim__article_id__in=ids)
    sources = Source.objects.filter(in_chunk)
    if status == "approved":
        sources = sources.filter(_cited_by_approved())
    sources = sources.order_by("pk").values(*_fields(SOURCE_COLUMNS), **_timestamps(SOURCE_COLUMNS))
    verdicts = (
        Verdict.objects.filter(in_chunk)
        .filter(_verdict_filter(status))
        .order_by("pk")
        .values(*_fields(VERDICT_COLUMNS), **_timestamps(VERDICT_COLUMNS))
    )
    cited = (
        Verdict.sources.through.objects.filter(
            verdict__claim__article_id__in=ids,
            verdict__status__in=[Status.APPROVED] if status == "approved" else Status.values,
        )
        .order_by("verdict_id", "source_id")
        .values("verdict_id", "source_id")
    )
    assignees = Assignment.objects.filter(article_id__in=ids).values("article_id", "user_id")
    return {
        "articles": _Statement(articles, after, ARTICLE_COLUMNS),
        "claims": _Statement(claims, ids, CLAIM_COLUMNS),
        "sources": _Statement(sources, ids, SOURCE_COLUMNS),
        "verdicts": _Statement(verdicts, ids, VERDICT_COLUMNS),
        "cited": _Statement(cited, ids, ["verdict_id", "source_id"]),
        "assignees": _Statement(assignees, ids, ["article_id", "user_id"]),
    }


def export_rows(
    *,
    project: Project,
    status: str = "approved",
    updated_since: dt.datetime | None = None,
    identities: bool = False,
    chunk_size: int = DEFAULT_CHUNK,
    reviewer_layers: str = "finished",
) -> Iterator[list[Row]]:
    """Yield the project's articles as lists of row dicts, `chunk_size` articles at a time.

    `status="approved"` keeps only approved verdicts and the sources they cite; `"all"` keeps
    every verdict with its status and every source. Articles come in primary-key order,
    claims by position, sources and verdicts by primary key, so the same data always gives the
    same rows. Queries: 3 before the first chunk, then at most 6 per chunk (plus one to find
    that there is no further chunk). The six statements are compiled once (`_Statement`) and
    their rows unpacked from the driver's tuples: this loop is most of an export's own time.
    """
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}, not {status!r}")
    people = _People({None: None})
    people.update((user_id, name) for user_id, name in _people(project, identities).items() if name)
    ratings = _ratings(project)
    statements = _statements(
        project, status, updated_since, chunk_size, layer_filter(project, reviewer_layers)
    )
    timestamp = db_timestamp
    last_pk = 0
    # The process's long-lived objects (Django's, a worker's) leave the garbage collector's
    # view while the export runs: each chunk makes ~10 containers per claim that survive a
    # young collection, so full collections ran often and walked every object there is
    # (~8% of an export's CPU). Refcounting frees the rows as before; unfreeze() puts the
    # objects back into the oldest generation, so nothing escapes collection for good.
    gc.freeze()
    try:
        while True:
            chunk = statements["articles"].rows([last_pk])
            if not chunk:
                return
            last_pk = chunk[-1][0]
            article_ids = [a[0] for a in chunk]
            claims = statements["claims"].rows(article_ids)
            sources_by_claim: dict[int, list[Row]] = defaultdict(list)
            verdicts_by_claim: dict[int, list[Row]] = defaultdict(list)
            if claims:
                for (
                    id_, claim_id, url, title, publisher, quote, stance, accessed_at,
                    archived_url, added_by_id, created_at, updated_at,
                ) in statements["sources"].rows(article_ids):  # fmt: skip
                    sources_by_claim[claim_id].append(
                        {
                            "id": id_,
                            "url": url,
                            "title": title,
                            "publisher": publisher,
                            "quote": quote,
                            "stance": stance,
                            "accessed_at": _day(accessed_at),
                            "archived_url": archived_url,
                            "added_by": people[added_by_id],
                            "created_at": timestamp(created_at),
                            "updated_at": timestamp(updated_at),
                        }
                    )
                verdicts = statements["verdicts"].rows(article_ids)
                cited: dict[int, list[int]] = defaultdict(list)
                if verdicts:
                    for verdict_id, source_id in statements["cited"].rows(article_ids):
                        cited[verdict_id].append(source_id)
                for (
                    id_, claim_id, status_, version, rating_id, explanation_html, explanation_text,
                    no_source_reason, reviewer_id, approved_by_id, supersedes_id, correction_note,
                    review_note, submitted_at, approved_at, created_at, updated_at,
                ) in verdicts:  # fmt: skip
                    verdicts_by_claim[claim_id].append(
                        {
                            "id": id_,
                            "status": status_,
                            "version": version,
                            "rating": ratings[rating_id],
                            "explanation_html": explanation_html,
                            "explanation_text": explanation_text,
                            "no_source_reason": no_source_reason,
                            "sources": cited.get(id_, []),
                            "reviewer": people[reviewer_id],
                            "submitted_at": timestamp(submitted_at),
                            "approved_by": people[approved_by_id],
                            "approved_at": timestamp(approved_at),
                            "supersedes": supersedes_id,
                            "correction_note": correction_note,
                            "review_note": review_note,
                            "created_at": timestamp(created_at),
                            "updated_at": timestamp(updated_at),
                        }
                    )
            assignees: dict[int, list[str]] = defaultdict(list)
            for article_id, user_id in statements["assignees"].rows(article_ids):
                assignees[article_id].append(people[user_id])
            claims_by_article: dict[int, list[Row]] = defaultdict(list)
            for (
                id_, article_id, start, end, quote, prefix, suffix, statement, claimant, claim_date,
                created_by_id, anchor, text_version, layer, curation, curated_claim_id,
                created_at, updated_at, matches,
            ) in claims:  # fmt: skip
                claims_by_article[article_id].append(
                    {
                        "id": id_,
                        "start": start,
                        "end": end,
                        "quote": quote,
                        "prefix": prefix,
                        "suffix": suffix,
                        "anchor": anchor,
                        "text_version": text_version,
                        "statement": statement,
                        "claimant": claimant,
                        "claim_date": _day(claim_date),
                        "created_by": people[created_by_id],
                        "created_at": timestamp(created_at),
                        "updated_at": timestamp(updated_at),
                        "sources": sources_by_claim.get(id_, []),
                        "verdicts": verdicts_by_claim.get(id_, []),
                        "matches": sorted(map(int, matches.split(","))) if matches else [],
                        "layer": layer,
                        **(
                            {
                                "annotator": people[created_by_id],
                                "curation": curation,
                                "curated_claim": curated_claim_id,
                            }
                            if layer == Layer.REVIEWER
                            else {}
                        ),
                    }
                )
            yield [
                {
                    "id": id_,
                    "title": title,
                    "url": url,
                    "publisher": publisher,
                    "author": author,
                    "published_at": timestamp(published_at),
                    "language": language,
                    "text": text,
                    "text_sha256": text_sha256,
                    "version": version,
                    "source_url": source_url,
                    "source_sha256": source_sha256,
                    "fetched_at": timestamp(fetched_at),
                    "created_by": people[created_by_id],
                    "created_at": timestamp(created_at),
                    "updated_at": timestamp(updated_at),
                    "curation_started_at": timestamp(curation_started_at),
                    "assignees": sorted(assignees.get(id_, [])),
                    "finished_by": _finished_by(finished, people.__getitem__),
                    "claims": claims_by_article.get(id_, []),
                }
                for (
                    id_,
                    title,
                    url,
                    publisher,
                    author,
                    language,
                    text,
                    text_sha256,
                    version,
                    source_url,
                    source_sha256,
                    created_by_id,
                    published_at,
                    created_at,
                    updated_at,
                    fetched_at,
                    curation_started_at,
                    finished,
                ) in chunk
            ]
            if len(chunk) < chunk_size:
                return
    finally:
        gc.unfreeze()
