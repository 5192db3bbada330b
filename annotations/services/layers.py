"""Independent span annotation: each reviewer's layer of claims, and "I've finished this article".

With `Project.independent_spans` on, a claim marked by a reviewer goes into their own layer
(`Layer.REVIEWER`, owner `created_by`), unseen by the other reviewers (`querysets.layer_visibility`)
until both have finished the article. An editor then curates the layers into the curated layer
(`services.curation`); only curated claims get verdicts. Shared projects have one layer, curated.
"""

from __future__ import annotations

from django.db import transaction

from .. import permissions
from ..exceptions import Conflict, InvalidTransition, NotPermitted, ValidationFailed
from ..models import Article, Claim, Curation, Layer, LayerCompletion, Project, User
from .common import record_event, visible_or_raise


def layer_for(project: Project) -> str:
    """The layer a claim marked in `project` goes into."""
    return Layer.REVIEWER if project.independent_spans else Layer.CURATED


def check_layer_writable(claim: Claim, user: User) -> None:
    """Raise unless `user` may change `claim` (its span, fields or sources) given its layer.

    A reviewer-layer claim is changed by its owner only, and not once they marked the article
    finished (they take the mark back first) or an editor curated the claim.
    """
    if claim.layer != Layer.REVIEWER:
        return
    if claim.created_by_id != user.pk:
        raise NotPermitted(
            "This claim is in another reviewer's layer; only they change it (an editor curates "
            "it on the curation page)."
        )
    if claim.curation != Curation.PENDING:
        raise InvalidTransition(
            f"An editor already curated this claim ({claim.get_curation_display().lower()})."
        )
    if LayerCompletion.objects.filter(article_id=claim.article_id, user=user).exists():
        raise InvalidTransition(
            "You marked this article finished; take the mark back (“I'm not finished”) to change "
            "your claims."
        )


def check_marking_open(article: Article, user: User) -> None:
    """Raise if `user` finished `article` in a project with independent spans."""
    if (
        article.project.independent_spans
        and LayerCompletion.objects.filter(article=article, user=user).exists()
    ):
        raise InvalidTransition(
            "You marked this article finished; take the mark back (“I'm not finished”) to mark "
            "more claims."
        )


def check_verdicts_allowed(claim: Claim) -> None:
    """Verdicts are written on curated claims only."""
    if claim.layer == Layer.REVIEWER:
        raise InvalidTransition(
            "This claim is in a reviewer's layer: verdicts are written on the curated claims, "
            "after an editor curates the article."
        )


def _article_for_layer(article_id: int, user: User) -> Article:
    article = visible_or_raise(
        Article.objects.select_related("project").only(
            "pk", "project__id", "project__independent_spans", "curation_started_at"
        ),
        article_id,
        user,
        "article",
    )
    if not article.project.independent_spans:
        raise InvalidTransition(
            "This project shares its claims; there is no personal layer to finish. An admin can "
            "turn on independent span annotation in the project settings."
        )
    if not permissions.can_annotate(user, article.project):
        raise NotPermitted("Only reviewers, editors and admins have a layer of claims.")
    return article


def finish_article(*, article_id: int, user: User) -> LayerCompletion:
    """Mark `user`'s layer of the article finished (idempotent)."""
    article = _article_for_layer(article_id, user)
    with transaction.atomic():
        Article.objects.select_for_update(of=("self",)).filter(pk=article.pk).first()
        done = LayerCompletion.objects.filter(article=article, user=user).first()
        if done is not None:
            return done
        done = LayerCompletion.objects.create(article=article, user=user)
        claims = Claim.objects.filter(
            article=article, layer=Layer.REVIEWER, created_by=user
        ).count()
        record_event(
            project_id=article.project_id,
            actor=user,
            action="finish_article",
            target=article,
            changes={"claims": claims},
        )
    return done


def reopen_article(*, article_id: int, user: User) -> None:
    """Take back `user`'s "finished" mark, until an editor starts curating the article."""
    article = _article_for_layer(article_id, user)
    with transaction.atomic():
        locked = (
            Article.objects.select_for_update(of=("self",))
            .only("pk", "curation_started_at")
            .get(pk=article.pk)
        )
        done = LayerCompletion.objects.filter(article=article, user=user).first()
        if done is None:
            return
        if locked.curation_started_at is not None:
            raise Conflict(
                "An editor started curating this article; your layer can no longer change."
            )
        done.delete()
        record_event(
            project_id=article.project_id,
            actor=user,
            action="reopen_article",
            target=article,
        )


def uncurated_layers(project: Project) -> tuple[int, list[tuple[int, str]]]:
    """Return (uncurated reviewer-layer claims, [(article id, title), ...] of up to 10 articles)."""
    pending = Claim.objects.filter(
        article__project=project, layer=Layer.REVIEWER, curation=Curation.PENDING
    )
    count = pending.count()
    articles = list(
        Article.objects.filter(pk__in=pending.values("article_id"))
        .order_by("pk")
        .values_list("pk", "title")[:10]
    )
    return count, articles


def check_can_share(project: Project) -> None:
    """Refuse to turn independent spans off while reviewer layers wait for curation."""
    count, articles = uncurated_layers(project)
    if count:
        where = "; ".join(f"#{pk} {title[:60]}" for pk, title in articles)
        more = " and others" if len(articles) == 10 else ""
        raise ValidationFailed(
            f"{count} reviewer-layer {'claim waits' if count == 1 else 'claims wait'} for curation "
            f"(articles {where}{more}). Curate or reject them on each article's curation page "
            "before the project shares its claims again.",
            field="independent_spans",
        )
