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


def _layer_filter(project: Project, reviewer_layers: str) -> Q:
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
        _layer_filter(project, reviewer_layers)
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


def _fetch(queryset) -> list[Row]:
    """Return a `.values()` queryset's rows as dicts, read straight from the driver.

    Django's values iterator applies per-value converters and builds rows in Python; here the
    timestamps are already text (`as_text`) and the other columns need no conversion (dates
    go through `_day`), so the compiled SQL is executed and zipped with the column names.
    """
    query = queryset.query
    names = [*query.extra_select, *query.values_select, *query.annotation_select]
    sql, params = query.get_compiler(queryset.db).as_sql()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


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


def _reviewer_fields(claim: Row, person) -> Row:
    """Return a reviewer-layer claim's own fields: its owner, curation state and curated claim."""
    if claim["layer"] != Layer.REVIEWER:
        return {}
    return {
        "annotator": person(claim["created_by_id"]),
        "curation": claim["curation"],
        "curated_claim": claim["curated_claim_id"],
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
    claims by position, sources and verdicts by primary key, so the same data always gives the same rows. Queries: 3 before the first
    chunk, then at most 6 per chunk (plus one to find that there is no further chunk).
    """
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}, not {status!r}")
    layer_filter = _layer_filter(project, reviewer_layers)
    people = _people(project, identities)
    ratings = _ratings(project)

    def person(user_id: int | None) -> str | None:
        if user_id is None:
            return None
        return people.get(user_id) or f"former-member-{user_id}"

    articles = Article.objects.filter(_article_filter(project, updated_since)).order_by("pk")
    verdict_filter = _verdict_filter(status)
    last_pk = 0
    while True:
        chunk = _fetch(
            articles.filter(pk__gt=last_pk).values(
                "id", "title", "url", "publisher", "author", "language", "text", "text_sha256",
                "version", "source_url", "source_sha256", "created_by_id",
                **as_text("published_at", "created_at", "updated_at", "fetched_at",
                          "curation_started_at"),
                finished=_finished_layers(),
            )[:chunk_size]
        )  # fmt: skip
        if not chunk:
            return
        last_pk = chunk[-1]["id"]
        article_ids = [a["id"] for a in chunk]
        claims = _fetch(
            Claim.objects.filter(article_id__in=article_ids)
            .filter(layer_filter)
            .order_by("article_id", "start", "end", "pk")
            .values(
                "id", "article_id", "start", "end", "quote", "prefix", "suffix", "statement",
                "claimant", "claim_date", "created_by_id", "anchor", "text_version", "layer",
                "curation", "curated_claim_id",
                **as_text("created_at", "updated_at"),
                matches=_confirmed_matches(),
            )
        )  # fmt: skip
        # Related rows are selected by article id (at most chunk_size parameters), never by a
        # list of claim ids that could outgrow a database's parameter limit.
        in_chunk = Q(claim__article_id__in=article_ids)
        sources_by_claim: dict[int, list[Row]] = defaultdict(list)
        verdicts_by_claim: dict[int, list[Row]] = defaultdict(list)
        if claims:
            sources = Source.objects.filter(in_chunk)
            if status == "approved":
                sources = sources.filter(_cited_by_approved())
            for s in _fetch(
                sources.order_by("pk").values(
                    "id", "claim_id", "url", "title", "publisher", "quote", "stance",
                    "accessed_at", "archived_url", "added_by_id",
                    **as_text("created_at", "updated_at"),
                )
            ):  # fmt: skip
                sources_by_claim[s["claim_id"]].append(
                    {
                        "id": s["id"],
                        "url": s["url"],
                        "title": s["title"],
                        "publisher": s["publisher"],
                        "quote": s["quote"],
                        "stance": s["stance"],
                        "accessed_at": _day(s["accessed_at"]),
                        "archived_url": s["archived_url"],
                        "added_by": person(s["added_by_id"]),
                        "created_at": db_timestamp(s["created_at_t"]),
                        "updated_at": db_timestamp(s["updated_at_t"]),
                    }
                )
            verdicts = _fetch(
                Verdict.objects.filter(in_chunk)
                .filter(verdict_filter)
                .order_by("pk")
                .values(
                    "id", "claim_id", "status", "version", "rating_id", "explanation_html",
                    "explanation_text",
                    "no_source_reason", "reviewer_id", "approved_by_id", "supersedes_id",
                    "correction_note", "review_note",
                    **as_text("submitted_at", "approved_at", "created_at", "updated_at"),
                )
            )  # fmt: skip
            cited: dict[int, list[int]] = defaultdict(list)
            if verdicts:
                through = Verdict.sources.through.objects.filter(
                    verdict__claim__article_id__in=article_ids,
                    verdict__status__in=[Status.APPROVED]
                    if status == "approved"
                    else Status.values,
                ).order_by("verdict_id", "source_id")
                for verdict_id, source_id in through.values_list("verdict_id", "source_id"):
                    cited[verdict_id].append(source_id)
            for v in verdicts:
                verdicts_by_claim[v["claim_id"]].append(
                    {
                        "id": v["id"],
                        "status": v["status"],
                        "version": v["version"],
                        "rating": ratings[v["rating_id"]],
                        "explanation_html": v["explanation_html"],
                        "explanation_text": v["explanation_text"],
                        "no_source_reason": v["no_source_reason"],
                        "sources": cited.get(v["id"], []),
                        "reviewer": person(v["reviewer_id"]),
                        "submitted_at": db_timestamp(v["submitted_at_t"]),
                        "approved_by": person(v["approved_by_id"]),
                        "approved_at": db_timestamp(v["approved_at_t"]),
                        "supersedes": v["supersedes_id"],
                        "correction_note": v["correction_note"],
                        "review_note": v["review_note"],
                        "created_at": db_timestamp(v["created_at_t"]),
                        "updated_at": db_timestamp(v["updated_at_t"]),
                    }
                )
        assignees: dict[int, list[str]] = defaultdict(list)
        for article_id, user_id in Assignment.objects.filter(
            article_id__in=article_ids
        ).values_list("article_id", "user_id"):
            assignees[article_id].append(person(user_id))
        claims_by_article: dict[int, list[Row]] = defaultdict(list)
        for c in claims:
            claims_by_article[c["article_id"]].append(
                {
                    "id": c["id"],
                    "start": c["start"],
                    "end": c["end"],
                    "quote": c["quote"],
                    "prefix": c["prefix"],
                    "suffix": c["suffix"],
                    "anchor": c["anchor"],
                    "text_version": c["text_version"],
                    "statement": c["statement"],
                    "claimant": c["claimant"],
                    "claim_date": _day(c["claim_date"]),
                    "created_by": person(c["created_by_id"]),
                    "created_at": db_timestamp(c["created_at_t"]),
                    "updated_at": db_timestamp(c["updated_at_t"]),
                    "sources": sources_by_claim.get(c["id"], []),
                    "verdicts": verdicts_by_claim.get(c["id"], []),
                    "matches": sorted(int(i) for i in (c["matches"] or "").split(",") if i),
                    "layer": c["layer"],
                    **_reviewer_fields(c, person),
                }
            )
        yield [
            {
                "id": a["id"],
                "title": a["title"],
                "url": a["url"],
                "publisher": a["publisher"],
                "author": a["author"],
                "published_at": db_timestamp(a["published_at_t"]),
                "language": a["language"],
                "text": a["text"],
                "text_sha256": a["text_sha256"],
                "version": a["version"],
                "source_url": a["source_url"],
                "source_sha256": a["source_sha256"],
                "fetched_at": db_timestamp(a["fetched_at_t"]),
                "created_by": person(a["created_by_id"]),
                "created_at": db_timestamp(a["created_at_t"]),
                "updated_at": db_timestamp(a["updated_at_t"]),
                "curation_started_at": db_timestamp(a["curation_started_at_t"]),
                "assignees": sorted(assignees.get(a["id"], [])),
                "finished_by": _finished_by(a["finished"], person),
                "claims": claims_by_article.get(a["id"], []),
            }
            for a in chunk
        ]
        if len(chunk) < chunk_size:
            return
