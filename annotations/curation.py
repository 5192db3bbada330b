"""Reads for curating independent layers: reviewer spans grouped into clusters, and the data the
curation page and API show. Writes live in `services.curation`.

`group_spans` is pure: it sorts the spans once and sweeps them, so grouping n spans is
O(n log n). A cluster is a run of spans each of which overlaps the cluster so far (the union of
their extents is one interval); its agreement says whether every reviewer in it marked exactly
the same span (`identical`), the spans only overlap (`overlapping`), or one reviewer alone marked
it (`single`). `curation_data` reads one article's layers in a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Substr

from . import permissions
from .exceptions import InvalidTransition, NotPermitted, NotVisible
from .models import (
    Article,
    Assignment,
    Claim,
    Curation,
    Layer,
    LayerCompletion,
    Membership,
    User,
    Verdict,
)
from .workflow import CURATORS, FREEZES_CLAIM

IDENTICAL = "identical"
OVERLAPPING = "overlapping"
SINGLE = "single"

AGREEMENT_LABELS = {
    IDENTICAL: "Identical spans",
    OVERLAPPING: "Overlapping spans (disagreement)",
    SINGLE: "Marked by one reviewer",
}

#: The page and API show this many code points of a quote (the full span is in the text).
QUOTE_HEAD = 200


@dataclass
class SpanRow:
    """One claim of a layer, as curation shows it."""

    pk: int
    start: int
    end: int
    quote: str
    owner_id: int | None = None
    owner: str = ""  # the owner's pseudonym in the project
    username: str = ""
    layer: str = Layer.REVIEWER
    curation: str = Curation.PENDING
    curated_claim_id: int | None = None
    frozen: bool = False  # curated claims: a verdict in review or published

    @property
    def pending(self) -> bool:
        return self.layer == Layer.REVIEWER and self.curation == Curation.PENDING

    @property
    def curation_label(self) -> str:
        return Curation(self.curation).label


@dataclass
class Cluster:
    """Reviewer spans whose extents overlap, transitively: [start, end) is their union."""

    start: int
    end: int
    spans: list[SpanRow] = field(default_factory=list)

    @property
    def owners(self) -> int:
        return len({s.owner_id for s in self.spans})

    @property
    def agreement(self) -> str:
        if self.owners < 2:
            return SINGLE
        if len({(s.start, s.end) for s in self.spans}) == 1:
            return IDENTICAL
        return OVERLAPPING

    @property
    def agreement_label(self) -> str:
        return AGREEMENT_LABELS[self.agreement]

    @property
    def pending(self) -> list[SpanRow]:
        return [s for s in self.spans if s.pending]

    @property
    def key(self) -> str:
        return f"{self.start}-{self.end}"


def group_spans(spans: Iterable[SpanRow]) -> list[Cluster]:
    """Group spans into clusters of identical or overlapping extents, in text order.

    Spans are sorted by (start, end, pk) and swept once: a span that starts before the running
    end of the current cluster joins it (touching spans, end == start, do not overlap).
    """
    clusters: list[Cluster] = []
    for span in sorted(spans, key=lambda s: (s.start, s.end, s.pk)):
        if clusters and span.start < clusters[-1].end:
            current = clusters[-1]
            current.end = max(current.end, span.end)
            current.spans.append(span)
        else:
            clusters.append(Cluster(start=span.start, end=span.end, spans=[span]))
    return clusters


def overlap_all(spans: list[tuple[int, int]]) -> bool:
    """Return whether the spans form one connected run of overlaps (their union is one interval)."""
    ordered = sorted(spans)
    reach = ordered[0][1]
    for start, end in ordered[1:]:
        if start >= reach:
            return False
        reach = max(reach, end)
    return True


@dataclass
class Person:
    user_id: int
    username: str
    pseudonym: str
    finished_at: object = None


@dataclass
class CurationData:
    article: Article
    clusters: list[Cluster]
    curated: list[SpanRow]
    finished: list[Person]
    unfinished: list[Person]
    owners: list[Person]

    @property
    def pending(self) -> int:
        return sum(len(c.pending) for c in self.clusters)


def check_curator(user: User, article: Article) -> None:
    """Raise unless `user` may curate `article` (an editor or admin of an independent project)."""
    if not permissions.roles_in(user, article.project_id) & CURATORS:
        raise NotPermitted("Only the project's editors and admins curate reviewers' layers.")
    if not article.project.independent_spans:
        raise InvalidTransition(
            "This project shares its claims: there are no reviewer layers to curate. An admin "
            "can turn on independent span annotation in the project settings."
        )


def span_rows(claims: QuerySet[Claim]) -> list[SpanRow]:
    """Return `claims` as SpanRows in text order, in one query: a quote head, the owner's
    pseudonym in the project, and whether a verdict in review or published freezes the claim."""
    pseudonym = Membership.objects.filter(
        project_id=OuterRef("article__project_id"), user=OuterRef("created_by")
    ).values("pseudonym")[:1]
    rows = (
        claims.annotate(
            head=Substr("quote", 1, QUOTE_HEAD),
            owner=Subquery(pseudonym),
            frozen=Exists(Verdict.objects.filter(claim=OuterRef("pk"), status__in=FREEZES_CLAIM)),
        )
        .order_by("start", "end", "pk")
        .values_list(
            "pk",
            "start",
            "end",
            "head",
            "created_by_id",
            "owner",
            "created_by__username",
            "layer",
            "curation",
            "curated_claim_id",
            "frozen",
        )
    )
    return [
        SpanRow(pk, start, end, head, owner_id, owner or "", username, layer, cur, curated, frozen)
        for pk, start, end, head, owner_id, owner, username, layer, cur, curated, frozen in rows
    ]


def curation_data(*, article_id, user: User) -> CurationData:
    """Return one article's reviewer layers grouped into clusters, its curated layer, and who
    finished their layer and who has not.

    Queries: the article with its project, the caller's roles (cached per request), reviewer
    spans with their owner's pseudonym, curated spans with whether a verdict freezes them,
    and the people (finished, assigned, layer owners): six whatever the article holds. Raises
    NotVisible (404) outside the caller's projects, NotPermitted (403) for non-editors and
    InvalidTransition (409) in a project that shares its claims.
    """
    try:
        article = (
            Article.objects.visible_to(user)
            .select_related("project")
            .only(
                "pk",
                "title",
                "text",
                "curation_started_at",
                "project__id",
                "project__slug",
                "project__name",
                "project__independent_spans",
            )
            .get(pk=article_id)
        )
    except (Article.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotVisible(f"No article with id {article_id} in your projects.") from None
    check_curator(user, article)
    reviewer_spans: list[SpanRow] = []
    curated: list[SpanRow] = []
    for row in span_rows(Claim.objects.filter(article_id=article.pk).exclude(anchor="orphaned")):
        (reviewer_spans if row.layer == Layer.REVIEWER else curated).append(row)
    finished_at = dict(
        LayerCompletion.objects.filter(article_id=article.pk).values_list("user_id", "finished_at")
    )
    owner_ids = {s.owner_id for s in reviewer_spans}
    assigned = Assignment.objects.filter(article_id=article.pk).values("user_id")
    people = {
        user_id: Person(user_id, username, pseudonym_ or "", finished_at.get(user_id))
        for user_id, username, pseudonym_ in Membership.objects.filter(
            Q(user_id__in=[*owner_ids, *finished_at]) | Q(user_id__in=assigned),
            project_id=article.project_id,
        ).values_list("user_id", "user__username", "pseudonym")
    }
    for span in reviewer_spans:  # an owner who has left the project keeps their layer
        if span.owner_id not in people:
            people[span.owner_id] = Person(
                span.owner_id, span.username, "former member", finished_at.get(span.owner_id)
            )
    ordered = sorted(people.values(), key=lambda p: (p.pseudonym, p.user_id))
    return CurationData(
        article=article,
        clusters=group_spans(reviewer_spans),
        curated=curated,
        finished=[p for p in ordered if p.finished_at is not None],
        unfinished=[p for p in ordered if p.finished_at is None],
        owners=[p for p in ordered if p.user_id in owner_ids],
    )
