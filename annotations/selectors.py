"""Non-trivial reads: querysets shaped for one screen or endpoint, with their related rows
fetched up front so the number of queries does not grow with the data.

"May this user read this article / claim / verdict?" is answered here once each
(`readable_article`, `readable_claim`, `readable_verdict`, with `readable_verdicts` the rule for
lists), for the pages, the API and the history alike; objects the user may not read raise
NotVisible, a 404.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.db.models import (
    Count,
    Exists,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    StringAgg,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Length, Substr

from . import checkworthiness, permissions
from .exceptions import NotVisible
from .models import (
    Article,
    CheckworthinessModel,
    Claim,
    Event,
    Layer,
    LayerCompletion,
    Membership,
    Project,
    Sentence,
    SentenceDismissal,
    Source,
    Verdict,
)
from .querysets import layer_visibility
from .workflow import EDITORS, LIVE, PRIVATE, PUBLIC, Status


def readable_verdicts(user, project: Project) -> Q:
    """Return a Q over Verdict that keeps only the verdicts `user` may read in `project`.

    The one rule, used by pages, API and history alike: your own verdicts; others' once they
    left draft (submitted, approved, superseded, withdrawn); with independent double review, a
    reviewer sees another reviewer's verdict on a claim only once their own is submitted, or
    once the claim is published. Editors and admins also read returned verdicts (they returned
    them and follow the revision). Others' drafts are private to everyone.
    """
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    mine = Q(reviewer=user)
    if permissions.can_review(user, project):
        return mine | ~Q(status=Status.DRAFT)
    others = ~Q(status__in=PRIVATE)
    if project.required_verdicts > 1:
        my_submitted = Verdict.objects.filter(
            claim=OuterRef("claim"), reviewer=user, status__in=[Status.SUBMITTED, *PUBLIC]
        )
        others &= Q(Exists(my_submitted)) | Q(status__in=PUBLIC)
    return mine | others


def layers_visible(user, project: Project, claim_path: str = "") -> Q:
    """Return a Q over claims (at `claim_path`) hiding the reviewer layers `user` may not see
    yet (`querysets.layer_visibility`) in `project`; nothing to hide in a shared project, so
    its readers keep exactly their queries of before independent spans."""
    if not project.independent_spans:
        return Q()
    return layer_visibility(user, claim_path)


def verdicts_readable_by(user, project: Project) -> QuerySet[Verdict]:
    """Return the verdicts of `project` that `user` may read."""
    return Verdict.objects.filter(claim__article__project=project).filter(
        readable_verdicts(user, project)
    )


def _readable(queryset: QuerySet, user, pk, what: str):
    try:
        return queryset.visible_to(user).get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotVisible(f"No {what} with id {pk} in your projects.") from None


def readable_article(user, pk, queryset: QuerySet[Article] | None = None) -> Article:
    """Return article `pk` if `user` is a member of its project, else raise NotVisible (404)."""
    return _readable(Article.objects.all() if queryset is None else queryset, user, pk, "article")


def readable_claim(user, pk, queryset: QuerySet[Claim] | None = None) -> Claim:
    """Return claim `pk` if `user` is a member of its project, else raise NotVisible (404)."""
    return _readable(Claim.objects.all() if queryset is None else queryset, user, pk, "claim")


def readable_source(user, pk, queryset: QuerySet[Source] | None = None) -> Source:
    """Return source `pk` if `user` is a member of its project, else raise NotVisible (404)."""
    return _readable(Source.objects.all() if queryset is None else queryset, user, pk, "source")


def readable_verdict(user, pk, queryset: QuerySet[Verdict] | None = None) -> Verdict:
    """Return verdict `pk` if `user` may read it (`readable_verdicts`), else raise NotVisible."""
    queryset = Verdict.objects.all() if queryset is None else queryset
    verdict = _readable(
        queryset.select_related("claim__article__project__rating_scale"), user, pk, "verdict"
    )
    if (
        not Verdict.objects.filter(pk=verdict.pk)
        .filter(readable_verdicts(user, verdict.claim.article.project))
        .exists()
    ):
        raise NotVisible(f"No verdict with id {pk} in your projects.")
    return verdict


def _iso(value) -> str | None:
    """Format a datetime or date as the API does (RFC 3339, UTC as "Z")."""
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


@functools.lru_cache(maxsize=256)
def _sentence_rows(article_id: int, text_sha256: str) -> tuple[tuple, ...]:
    """Return an article's sentences as (index, start, end, rule score, reasons) rows.

    Sentences change only with the text, and an article's text never changes once stored, so
    the rows are keyed by the text's digest and read once per process (at most 256 kept). What
    depends on the project (threshold, trained model) or on reviewers (claims, dismissals) is
    added per request by `sentence_suggestions`, never kept here.
    """
    return tuple(
        Sentence.objects.filter(article_id=article_id)
        .order_by("index")
        .values_list("index", "start", "end", "score", "reasons")
    )


@functools.lru_cache(maxsize=32)
def _stored_model(model_id: int) -> checkworthiness.LinearModel:
    """Return a stored model as data ready to apply (a model row never changes once saved)."""
    data = CheckworthinessModel.objects.values_list("data", flat=True).get(pk=model_id)
    return checkworthiness.LinearModel.from_data(data)


_MODEL_SCORES: dict[tuple[int, str, int], tuple[float, ...]] = {}
_MODEL_SCORES_KEPT = 256


def _model_scores(
    article_id: int, text_sha256: str, model_id: int, text: str, rows: tuple[tuple, ...]
) -> tuple[float, ...]:
    """Return the trained model's score of each sentence, computed once per text and model."""
    key = (article_id, text_sha256, model_id)
    scores = _MODEL_SCORES.get(key)
    if scores is None:
        model = _stored_model(model_id)
        names = checkworthiness.article_names(text)
        scores = tuple(
            round(model.probability(sentence, checkworthiness.signals(sentence, names)), 2)
            for sentence in (text[start:end] for _, start, end, _, _ in rows)
        )
        if len(_MODEL_SCORES) >= _MODEL_SCORES_KEPT:
            # Oldest first; tolerant of another thread having emptied or trimmed it meanwhile.
            _MODEL_SCORES.pop(next(iter(_MODEL_SCORES), None), None)
        _MODEL_SCORES[key] = scores
    return scores


def clear_sentence_caches() -> None:
    """Forget cached sentence rows, stored models and model scores (tests, after training)."""
    _sentence_rows.cache_clear()
    _stored_model.cache_clear()
    _MODEL_SCORES.clear()


def latest_model_id(project_id: int) -> int | None:
    """Return the id of the project's newest trained model, or None (then the rules decide)."""
    return (
        CheckworthinessModel.objects.filter(project_id=project_id)
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )


def sentence_suggestions(
    *,
    article_id: int,
    text: str,
    text_sha256: str,
    threshold: float,
    model_id: int | None,
    claim_spans: list[tuple[int, int]],
    dismissed: set[int],
    rows: tuple[tuple, ...] | None = None,
) -> list[dict]:
    """Return each sentence with `score`, `suggested` and `reasons`, as pages and the API show.

    `score` is the trained model's when the project has one (`model_id`), else the rules'.
    `suggested` is score >= the project's `threshold` and the sentence neither covered by
    claims (`checkworthiness.covered_sentences`) nor in `dismissed` (sentence indexes).
    `rows` are (index, start, end, rule score, reasons) when the caller has them already."""
    if rows is None:
        rows = _sentence_rows(article_id, text_sha256)
    if model_id is not None:
        scores = _model_scores(article_id, text_sha256, model_id, text, rows)
    else:
        scores = tuple(row[3] for row in rows)
    covered = checkworthiness.covered_sentences([(r[1], r[2]) for r in rows], claim_spans)
    return [
        {
            "index": index,
            "start": start,
            "end": end,
            "score": score,
            "suggested": score >= threshold and position not in covered and index not in dismissed,
            "dismissed": index in dismissed,
            "reasons": reasons,
        }
        for position, ((index, start, end, _, reasons), score) in enumerate(
            zip(rows, scores, strict=True)
        )
    ]


def mark_suggestions(
    *, article: Article, sentences: list[Sentence], claims: list[Claim], user=None
) -> list:
    """Set `score` (the model's once the project has one), `suggested` and `dismissed` on each
    sentence of the annotation page, and return the suggested ones in order (two queries)."""
    rows = tuple((s.index, s.start, s.end, s.score, s.reasons) for s in sentences)
    states = sentence_suggestions(
        rows=rows,
        article_id=article.pk,
        text=article.text,
        text_sha256=article.text_sha256,
        threshold=article.project.suggest_threshold,
        # annotation_page_data's article carries both (no query); another caller's may not.
        model_id=article.model_id
        if hasattr(article, "model_id")
        else latest_model_id(article.project_id),
        claim_spans=[(claim.start, claim.end) for claim in claims],
        dismissed=_indexes(article.dismissed_ix)
        if hasattr(article, "dismissed_ix")
        else dismissed_indexes(
            article.pk, user=user, independent=article.project.independent_spans
        ),
    )
    by_index = {state["index"]: state for state in states}
    for sentence in sentences:
        state = by_index.get(sentence.index)
        sentence.score = state["score"] if state else sentence.score
        sentence.suggested = bool(state and state["suggested"])
        sentence.dismissed = bool(state and state["dismissed"])
    return [sentence for sentence in sentences if sentence.suggested]


def checkworthiness_labels(*, project: Project) -> tuple[int, int]:
    """Return (labels, of which check-worthy) the project has for training: sentences covered
    by claims and sentences dismissed. Two queries; sentence spans only, never the text.

    Curated claims only: with independent spans a reviewer's layer is unfinished work that the
    other members may not see yet (the counts are on the project page), and the curated layer is
    what the team agreed is a claim (`services.checkworthiness.training_examples` does the same).
    """
    curated = Claim.objects.curated().filter(article__project=project)
    claims: dict[int, list[tuple[int, int]]] = {}
    for article_id, start, end in curated.values_list("article_id", "start", "end"):
        claims.setdefault(article_id, []).append((start, end))
    with_claims = curated.values("article_id")
    spans: dict[int, list[tuple[int, int, bool]]] = {}
    dismissed = Exists(SentenceDismissal.objects.filter(sentence=OuterRef("pk")))
    for article_id, start, end, is_dismissed in (
        Sentence.objects.annotate(dismissed=dismissed)
        .filter(Q(article_id__in=with_claims) | Q(article__project=project, dismissed=True))
        .order_by("article_id", "index")
        .values_list("article_id", "start", "end", "dismissed")
    ):
        spans.setdefault(article_id, []).append((start, end, is_dismissed))
    labels = positives = 0
    for article_id, rows in spans.items():
        covered = checkworthiness.covered_sentences(
            [(start, end) for start, end, _ in rows], claims.get(article_id, [])
        )
        for position, (_, _, dismissed) in enumerate(rows):
            if position in covered:
                labels += 1
                positives += 1
            elif dismissed:
                labels += 1
    return labels, positives


def _dismissed_subquery(user) -> Subquery:
    """Return, for an Article queryset, the indexes of its sentences marked "Not a claim" that
    `user`'s suggestions leave out (anyone's in a shared project, their own with independent
    spans) as one comma-separated text column: the article's query carries them."""
    marks = (
        SentenceDismissal.objects.filter(sentence__article_id=OuterRef("pk"))
        .filter(Q(sentence__article__project__independent_spans=False) | Q(dismissed_by=user.pk))
        .order_by()
        .values("sentence__article_id")
        .annotate(ix=StringAgg(Cast("sentence__index", TextField()), delimiter=Value(",")))
        .values("ix")
    )
    return Subquery(marks, output_field=TextField())


def _indexes(joined: str | None) -> set[int]:
    return {int(i) for i in joined.split(",")} if joined else set()


def dismissed_indexes(article_id: int, *, user=None, independent: bool = False) -> set[int]:
    """Return the indexes of an article's sentences marked "Not a claim": anyone's in a shared
    project, `user`'s own with independent spans."""
    dismissals = SentenceDismissal.objects.filter(sentence__article_id=article_id)
    if independent:
        dismissals = dismissals.filter(dismissed_by=user)
    return set(dismissals.values_list("sentence__index", flat=True))


def article_detail_data(*, article_id, user) -> dict:
    """Return one article as the API shows it: text, sentences, claims, readable verdicts.

    With independent spans, the claims are those `user` may see (`layers_visible`), each with
    its `layer`, `curation`, `curated_claim` and, on a reviewer layer, its `annotator`.

    Rows, not model instances: three queries (the article with the caller's role, its
    project's newest model and the sentences the caller dismissed; claims; verdicts) whatever
    the article holds, plus the sentences and the stored model once per process. Raises
    NotVisible (404) for articles outside the caller's projects.
    """
    role = Membership.objects.filter(project=OuterRef("project"), user=user.pk)
    newest_model = CheckworthinessModel.objects.filter(project=OuterRef("project")).order_by(
        "-created_at", "-pk"
    )
    try:
        article = (
            Article.objects.visible_to(user)
            .annotate(
                my_role=Subquery(role.values("role")[:1]),
                model_id=Subquery(newest_model.values("pk")[:1]),
                dismissed_ix=_dismissed_subquery(user),
            )
            .values(
                "id", "project__slug", "project_id", "project__required_verdicts", "title",
                "url", "publisher", "author", "published_at", "language", "text_sha256",
                "created_at", "updated_at", "text", "my_role", "version", "source_url",
                "source_sha256", "fetched_at", "model_id", "project__suggest_threshold",
                "dismissed_ix",
                "project__independent_spans",
            )
            .get(pk=article_id)
        )  # fmt: skip
    except (Article.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotVisible(f"No article with id {article_id} in your projects.") from None
    project = Project(
        pk=article["project_id"],
        required_verdicts=article["project__required_verdicts"],
        independent_spans=article["project__independent_spans"],
    )
    if not user.is_superuser:
        permissions.remember_roles(user, project.pk, {article["my_role"]} - {None})
    claims = list(
        Claim.objects.filter(article_id=article["id"])
        .filter(layers_visible(user, project))
        .order_by("start", "end", "pk")
        .values(
            "id", "start", "end", "quote", "prefix", "suffix", "statement", "claimant",
            "claim_date", "created_by__username", "created_at", "updated_at", "anchor",
            "text_version", "layer", "curation", "curated_claim_id",
        )
    )  # fmt: skip
    verdicts: dict[int, list[dict]] = {}
    for v in (
        Verdict.objects.filter(claim__article_id=article["id"])
        .filter(readable_verdicts(user, project))
        .order_by("created_at", "pk")
        .values("id", "claim_id", "status", "rating__slug", "reviewer__username", "version")
    ):
        verdicts.setdefault(v["claim_id"], []).append(
            {
                "id": v["id"],
                "status": v["status"],
                "rating": v["rating__slug"],
                "reviewer": v["reviewer__username"],
                "version": v["version"],
            }
        )
    return {
        "id": article["id"],
        "project": article["project__slug"],
        "title": article["title"],
        "url": article["url"],
        "publisher": article["publisher"],
        "author": article["author"],
        "published_at": _iso(article["published_at"]),
        "language": article["language"],
        "text_sha256": article["text_sha256"],
        "version": article["version"],
        "source_url": article["source_url"],
        "source_sha256": article["source_sha256"],
        "fetched_at": _iso(article["fetched_at"]),
        "created_at": _iso(article["created_at"]),
        "updated_at": _iso(article["updated_at"]),
        "text": article["text"],
        "sentences": sentence_suggestions(
            article_id=article["id"],
            text=article["text"],
            text_sha256=article["text_sha256"],
            threshold=article["project__suggest_threshold"],
            model_id=article["model_id"],
            claim_spans=[(c["start"], c["end"]) for c in claims],
            dismissed=_indexes(article["dismissed_ix"]),
        ),
        "claims": [
            {
                "id": c["id"],
                "article": article["id"],
                "start": c["start"],
                "end": c["end"],
                "quote": c["quote"],
                "prefix": c["prefix"],
                "suffix": c["suffix"],
                "statement": c["statement"],
                "claimant": c["claimant"],
                "claim_date": _iso(c["claim_date"]),
                "created_by": c["created_by__username"],
                "created_at": _iso(c["created_at"]),
                "updated_at": _iso(c["updated_at"]),
                "anchor": c["anchor"],
                "text_version": c["text_version"],
                "layer": c["layer"],
                "curation": c["curation"],
                "curated_claim": c["curated_claim_id"],
                "annotator": (c["created_by__username"] if c["layer"] == Layer.REVIEWER else None),
                "verdicts": verdicts.get(c["id"], []),
            }
            for c in claims
        ],
    }


@dataclass(slots=True)
class SentenceRow:
    """A sentence as the annotation page needs it (no model instance), made per request:
    `mark_suggestions` sets the project's score, `suggested` and `dismissed` on it."""

    index: int
    start: int
    end: int
    score: float
    reasons: tuple[str, ...]
    suggested: bool = False
    dismissed: bool = False


@dataclass(frozen=True, slots=True)
class RatingRow:
    """A rating label's slug and name, for badges and highlight classes."""

    slug: str
    name: str


@dataclass(slots=True)
class ClaimRow:
    """A claim as the annotation page lists it: span, a short quote head, its state."""

    pk: int
    start: int
    end: int
    quote_head: str
    quote_length: int
    anchor: str = "exact"
    state: str = "none"
    rating: RatingRow | None = None


#: The sidebar shows this many code points of a claim's quote (the full quote is in the text).
QUOTE_HEAD = 120


def _page_sentences(article_id: int, text_sha256: str) -> list[SentenceRow]:
    """Return an article's sentences as fresh rows, from the per-process `_sentence_rows`."""
    return [
        SentenceRow(i, b, e, sc, tuple(r or ()))
        for i, b, e, sc, r in _sentence_rows(article_id, text_sha256)
    ]


def annotation_page_data(*, article_id, user) -> dict:
    """Return what the annotation page draws: the article (with its project), its sentences,
    and its claims as rows with their state (none, draft, submitted, approved + rating).

    With independent spans, the claims are those `user` may see (`layers_visible`).

    Rows, not model instances, for the sentences and claims: three queries (the article with
    its project, the caller's role, the newest model and the sentences the caller dismissed;
    claims with a short quote head; the readable verdicts' statuses) whatever the article holds,
    plus the sentences once per process. Raises NotVisible (404)
    for articles outside the caller's projects.
    """
    role = Membership.objects.filter(project=OuterRef("project"), user=user.pk)
    newest_model = CheckworthinessModel.objects.filter(project=OuterRef("project")).order_by(
        "-created_at", "-pk"
    )
    try:
        article = (
            Article.objects.visible_to(user)
            .select_related("project")
            .annotate(
                my_role=Subquery(role.values("role")[:1]),
                model_id=Subquery(newest_model.values("pk")[:1]),
                dismissed_ix=_dismissed_subquery(user),
            )
            .get(pk=article_id)
        )
    except (Article.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotVisible(f"No article with id {article_id} in your projects.") from None
    project = article.project
    if not user.is_superuser:
        permissions.remember_roles(user, project.pk, {article.my_role} - {None})
    sentences = _page_sentences(article.pk, article.text_sha256)
    # The page works on the curated layer and the viewer's own; others' layers are on the
    # curation page (editors) and, once finished, in the page's "Finished layers" list, so an
    # editor's page does not grow with every reviewer's claims.
    shown = layers_visible(user, project)
    if project.independent_spans:
        shown &= Q(layer=Layer.CURATED) | Q(created_by=user.pk)
    claims = [
        ClaimRow(pk, start, end, head, length, anchor)
        for pk, start, end, head, length, anchor in Claim.objects.filter(article_id=article.pk)
        .filter(shown)
        .order_by("start", "end", "pk")
        .annotate(head=Substr("quote", 1, QUOTE_HEAD + 1), length=Length("quote"))
        .values_list("pk", "start", "end", "head", "length", "anchor")
    ]
    by_pk = {c.pk: c for c in claims}
    seen: dict[int, set[str]] = {}
    approved: dict[int, RatingRow] = {}
    for claim_id, status, slug, name in (
        Verdict.objects.filter(claim__article_id=article.pk, claim__layer=Layer.CURATED)
        .filter(readable_verdicts(user, project))
        .exclude(status=Status.WITHDRAWN)
        .values_list("claim_id", "status", "rating__slug", "rating__name")
    ):
        seen.setdefault(claim_id, set()).add(status)
        if status == Status.APPROVED:
            approved[claim_id] = RatingRow(slug, name)
    for claim_id, statuses in seen.items():
        row = by_pk[claim_id]
        if claim_id in approved:
            row.state, row.rating = "approved", approved[claim_id]
        elif Status.SUBMITTED in statuses:
            row.state = "submitted"
        elif statuses & {Status.DRAFT, Status.RETURNED}:
            row.state = "draft"
    return {"article": article, "project": project, "sentences": sentences, "claims": claims}


def panel_claim(*, article_id: int, claim_id: int, user, project: Project) -> Claim | None:
    """Return one claim of the article for the claim panel, with its sources and the verdicts
    `user` may read (rating, reviewer, approver, cited sources), or None if it is not there."""
    verdicts = (
        Verdict.objects.filter(readable_verdicts(user, project))
        .select_related("rating", "reviewer", "approved_by")
        .prefetch_related("sources")
        .order_by("created_at", "pk")
    )
    return (
        Claim.objects.filter(article_id=article_id, pk=claim_id)
        .filter(layers_visible(user, project))
        .select_related("created_by")
        .prefetch_related(
            Prefetch("sources", queryset=Source.objects.order_by("pk")),
            Prefetch("verdicts", queryset=verdicts),
        )
        .first()
    )


def review_queue_for(
    *,
    user,
    project: Project,
    article_id: int | None = None,
    reviewer_id: int | None = None,
    rating: str | None = None,
) -> QuerySet[Verdict]:
    """Return the submitted verdicts of `project` awaiting an editor, oldest submission first.

    A claim that already has an approved verdict is decided: its other independent verdicts
    leave the queue (they keep their status); only corrections of it still wait here.
    """
    queryset = (
        Verdict.objects.awaiting_approval()
        .filter(claim__article__project=project)
        .select_related("claim__article", "rating", "reviewer", "supersedes__rating")
        .prefetch_related("sources")
        .order_by("submitted_at", "pk")
    )
    queryset = queryset.exclude(_decided_claim())
    if article_id is not None:
        queryset = queryset.filter(claim__article_id=article_id)
    if reviewer_id is not None:
        queryset = queryset.filter(reviewer_id=reviewer_id)
    if rating:
        queryset = queryset.filter(rating__slug=rating)
    return queryset


def claim_history(*, claim_id: int) -> QuerySet[Event]:
    """Return every event of a claim and its verdicts and sources, oldest first."""
    return Event.objects.filter(claim_id=claim_id).select_related("actor").order_by("at", "pk")


# --- Reviewer pages (dashboard, project page) -------------------------------------------------


def articles_with_progress(*, project: Project, user) -> QuerySet[Article]:
    """Return the project's articles annotated with `n_claims` (the claims `user` may see),
    `n_approved` (curated claims with an approved verdict), `n_open` (curated claims without any
    live verdict) and `finished_by_me` (`user` marked their layer of it finished), in one query.

    Only curated claims get verdicts, so the verdict counts are of the curated layer (every
    claim of a shared project); hidden reviewer layers are never counted (`layer_visibility`).
    """
    approved = Verdict.objects.filter(claim=OuterRef("pk"), status=Status.APPROVED)
    live = Verdict.objects.filter(claim=OuterRef("pk"), status__in=LIVE)
    claims = Claim.objects.filter(article=OuterRef("pk")).order_by().values("article")
    curated = claims.filter(layer=Layer.CURATED)
    return Article.objects.filter(project=project).annotate(
        n_claims=_count(claims.filter(layers_visible(user, project))),
        n_approved=_count(curated.filter(Exists(approved))),
        n_open=_count(curated.filter(~Exists(live))),
        finished_by_me=Exists(LayerCompletion.objects.filter(article=OuterRef("pk"), user=user.pk)),
    )


def _count(subquery: QuerySet) -> Coalesce:
    """Return the number of rows of a `.values("article")` subquery (0 when none)."""
    return Coalesce(Subquery(subquery.annotate(n=Count("pk")).values("n")[:1]), 0)


def touched_by(user) -> Q:
    """Return a Q over Article for the articles `user` imported or annotated."""
    return (
        Q(created_by=user)
        | Q(Exists(Claim.objects.filter(article=OuterRef("pk"), created_by=user)))
        | Q(Exists(Source.objects.filter(claim__article=OuterRef("pk"), added_by=user)))
        | Q(Exists(Verdict.objects.filter(claim__article=OuterRef("pk"), reviewer=user)))
    )


def project_progress(*, projects: list[Project]) -> dict[int, dict[str, int]]:
    """Return {project id: {claims, approved, articles, reviewed}} for `projects` in one query.

    An article is fully reviewed when it has claims and every one has an approved verdict.
    Curated claims only (every claim of a shared project): they are the ones that get verdicts,
    and every member sees them, so the counts are the same for everyone.
    """
    stats = {p.pk: {"claims": 0, "approved": 0, "articles": 0, "reviewed": 0} for p in projects}
    approved = Verdict.objects.filter(claim=OuterRef("pk"), status=Status.APPROVED)
    claims = (
        Claim.objects.filter(article=OuterRef("pk"), layer=Layer.CURATED)
        .order_by()
        .values("article")
    )
    rows = (
        Article.objects.filter(project__in=list(stats))
        .annotate(n_claims=_count(claims), n_approved=_count(claims.filter(Exists(approved))))
        .values_list("project_id", "n_claims", "n_approved")
    )
    for project_id, n_claims, n_approved in rows:
        entry = stats[project_id]
        entry["articles"] += 1
        entry["claims"] += n_claims
        entry["approved"] += n_approved
        entry["reviewed"] += int(n_claims > 0 and n_claims == n_approved)
    return stats


def my_open_verdicts(*, user) -> QuerySet[Verdict]:
    """Return `user`'s drafts and returned verdicts, newest change first, with claim and article."""
    return (
        Verdict.objects.visible_to(user)
        .filter(reviewer=user, status__in=[Status.DRAFT, Status.RETURNED])
        .select_related("claim__article__project", "rating")
        .order_by("-updated_at", "-pk")
    )


def awaiting_approval_counts(*, user, projects: list[Project]) -> dict[int, int]:
    """Return {project id: submitted verdicts awaiting approval} for projects `user` edits."""
    if user.is_superuser:
        editable = [p.pk for p in projects]
    else:
        editable = list(
            Membership.objects.filter(
                user=user, project__in=projects, role__in=EDITORS
            ).values_list("project_id", flat=True)
        )
    if not editable:
        return {}
    rows = (
        Verdict.objects.awaiting_approval()
        .filter(claim__article__project_id__in=editable)
        .order_by()
        .values("claim__article__project_id")
        .annotate(n=Count("pk"))
        .values_list("claim__article__project_id", "n")
    )
    return {pk: 0 for pk in editable} | dict(rows)


def _decided_claim() -> Q:
    """Return a Q over Verdict: its claim has an approved verdict that this one does not correct.

    Such a verdict lost the decision: an independent verdict when another was approved, or a
    correction of a verdict that another correction has since superseded.
    """
    approved = Verdict.objects.filter(claim=OuterRef("claim"), status=Status.APPROVED)
    return Q(Exists(approved)) & ~Q(supersedes__status=Status.APPROVED)


def review_queue_claim_ids(queue: QuerySet[Verdict]) -> QuerySet:
    """Return the claim ids of a review queue, the claim waiting longest first.

    The editor decides claim by claim (with double review a claim has several verdicts), so the
    queue page paginates these ids and then fetches every queued verdict of the page's claims.
    """
    return (
        queue.order_by()
        .values("claim_id")
        .annotate(first_submitted=Min("submitted_at"), first_pk=Min("pk"))
        .order_by("first_submitted", "first_pk")
    )


def claim_history_for(*, claim: Claim, user) -> QuerySet[Event]:
    """Return `claim_history` without the events of verdicts `user` may not read yet.

    The verdicts are those of `readable_verdicts`: with double review a reviewer does not see
    another reviewer's verdict (its rating in the history included) before submitting their own.
    """
    readable = readable_verdicts(user, claim.article.project)
    verdict_ids = Verdict.objects.filter(claim=claim).filter(readable).values("pk")
    return claim_history(claim_id=claim.pk).filter(
        Q(verdict_id__isnull=True) | Q(verdict_id__in=verdict_ids)
    )


def members_with_activity(*, project: Project) -> list[Membership]:
    """Return the project's memberships with their users and `last_activity` (the time of the
    member's latest event in this project, or None), admins first, in one query."""
    latest = (
        Event.objects.filter(project=project, actor=OuterRef("user"))
        .order_by("-at")
        .values("at")[:1]
    )
    order = {"admin": 0, "editor": 1, "reviewer": 2, "researcher": 3}
    members = list(
        Membership.objects.filter(project=project)
        .select_related("user")
        .annotate(last_activity=Subquery(latest))
    )
    members.sort(key=lambda m: (order.get(m.role, 9), m.user.username.lower()))
    return members


# Statuses that count an assigned claim as done by its reviewer (an editor has it, or had it).
ASSIGNMENT_DONE = (Status.SUBMITTED, Status.APPROVED, Status.SUPERSEDED)


def assignments_of(*, user, project: Project | None = None) -> QuerySet:
    """Return `user`'s assignments in projects they still belong to, oldest first, each with
    `n_claims` (claims of the article) and `n_done` (claims the user's verdict on which reached
    an editor), in one query. An article is finished when it has claims and all are done.
    Curated claims only: they are the ones that get verdicts (every claim of a shared project)."""
    from .models import Assignment

    claims = (
        Claim.objects.filter(article=OuterRef("article"), layer=Layer.CURATED)
        .order_by()
        .values("article")
    )
    mine = Verdict.objects.filter(claim=OuterRef("pk"), reviewer=user, status__in=ASSIGNMENT_DONE)
    assignments = Assignment.objects.filter(
        user=user, article__project__in=Project.objects.visible_to(user)
    )
    if project is not None:
        assignments = assignments.filter(article__project=project)
    return (
        assignments.select_related("article__project")
        .defer("article__text")
        .annotate(
            n_claims=_count(claims),
            n_done=_count(claims.filter(Exists(mine))),
            layer_finished=Exists(
                LayerCompletion.objects.filter(article=OuterRef("article"), user=user.pk)
            ),
        )
        .order_by("created_at", "pk")
    )


def is_finished(assignment) -> bool:
    """An assigned article is finished when it has claims and the user's verdicts on all of
    them reached an editor; with independent spans, once the user finished their layer and
    has a verdict on every curated claim so far (none before an editor curates)."""
    if assignment.article.project.independent_spans:
        return assignment.layer_finished and assignment.n_done >= assignment.n_claims
    return assignment.n_claims > 0 and assignment.n_done >= assignment.n_claims


#: The annotation page lists this many claims of each finished layer (the rest: curation page).
FINISHED_LAYER_ROWS = 50


def layer_state(
    *, article_id, user, article: Article | None = None, with_claims: bool = False
) -> dict:
    """Return `user`'s layer of an article with independent spans, as the annotation page and
    `GET /api/v1/articles/{id}/finish/` show it: finished or not (and when), how many claims it
    holds, whether curation started (then the mark stays), and the other reviewers' finished
    layers `user` may see (`layer_visibility`), with their claims as (id, quote head) rows in
    text order if `with_claims` (the page's read-only list). Three queries at most; NotVisible
    (404) for articles outside `user`'s projects."""
    if article is None:
        article = readable_article(
            user,
            article_id,
            Article.objects.select_related("project").only(
                "pk", "curation_started_at", "project__id", "project__independent_spans"
            ),
        )
    project = article.project
    state = {
        "article": article.pk,
        "independent_spans": project.independent_spans,
        "has_layer": project.independent_spans and permissions.can_annotate(user, project),
        "finished": False,
        "finished_at": None,
        "claims": 0,
        "curation_started": article.curation_started_at is not None,
        "can_reopen": False,
        "finished_layers": [],
    }
    if not project.independent_spans:
        return state
    visible = Claim.objects.filter(article_id=article.pk, layer=Layer.REVIEWER).filter(
        layer_visibility(user)
    )
    by_owner: dict[int, list[tuple[int, str]]] = {}
    for pk, owner, head in (
        visible.order_by("start", "end", "pk")
        .annotate(head=Substr("quote", 1, QUOTE_HEAD))
        .values_list("pk", "created_by_id", "head")
    ):
        by_owner.setdefault(owner, []).append((pk, head))
    counts = {owner: len(rows) for owner, rows in by_owner.items()}
    completions = list(
        LayerCompletion.objects.filter(article_id=article.pk)
        .select_related("user")
        .order_by("finished_at", "pk")
    )
    mine = next((done for done in completions if done.user_id == user.pk), None)
    if mine is not None:
        state["finished"], state["finished_at"] = True, mine.finished_at
    # Another's finished layer shows once `layer_visibility` lets `user` see it: editors at
    # once, annotators after finishing themselves, researchers when it is finished.
    sees_finished = (
        user.is_superuser
        or permissions.can_review(user, project)
        or mine is not None
        or not permissions.can_annotate(user, project)
    )
    if sees_finished:
        state["finished_layers"] = [
            {
                "annotator": done.user.username,
                "finished_at": done.finished_at,
                "claims": counts.get(done.user_id, 0),
                **(
                    {
                        "claim_rows": by_owner.get(done.user_id, [])[:FINISHED_LAYER_ROWS],
                        "more_claims": max(0, counts.get(done.user_id, 0) - FINISHED_LAYER_ROWS),
                    }
                    if with_claims
                    else {}
                ),
            }
            for done in completions
            if done.user_id != user.pk
        ]
    state["claims"] = counts.get(user.pk, 0)
    state["can_reopen"] = state["finished"] and not state["curation_started"]
    return state
