"""Services for check-worthiness: "Not a claim" dismissals and training a project's model.

Labels are what reviewers did: a sentence that claims cover (`checkworthiness.COVERED_SHARE`)
is check-worthy, a dismissed sentence is not. `train_checkworthiness` turns a project's labels
into a `CheckworthinessModel` row (data, never a pickle) with its cross-validated scores; pages
and the API use the newest row once it exists (`selectors.checkworthiness_model_for`).
"""

from __future__ import annotations

from django.db import transaction

from .. import checkworthiness as cw
from .. import permissions, training
from ..exceptions import NotPermitted, NotVisible, ValidationFailed
from ..models import (
    Article,
    CheckworthinessModel,
    Claim,
    Project,
    Sentence,
    SentenceDismissal,
    User,
)
from .common import visible_or_raise


def dismiss_sentence(*, article_id: int, index: int, user: User) -> SentenceDismissal:
    """Mark sentence `index` of an article "Not a claim"; dismissing it again changes nothing.

    Raises NotVisible for an article outside the user's projects or a sentence it does not
    have, NotPermitted for researchers."""
    article = visible_or_raise(
        Article.objects.select_related("project"), article_id, user, "article"
    )
    if not permissions.can_annotate(user, article.project):
        raise NotPermitted("Researchers can read articles but not dismiss suggestions.")
    sentence = _sentence(article, index)
    with transaction.atomic():
        # The article lock serialises two dismissals of one sentence (one row per sentence in
        # a shared project; one per reviewer with independent spans).
        Article.objects.select_for_update(of=("self",)).filter(pk=article.pk).first()
        mine = SentenceDismissal.objects.filter(sentence=sentence)
        if article.project.independent_spans:
            mine = mine.filter(dismissed_by=user)
        dismissal = mine.order_by("pk").first()
        if dismissal is None:
            dismissal = SentenceDismissal.objects.create(sentence=sentence, dismissed_by=user)
    return dismissal


def restore_sentence(*, article_id: int, index: int, user: User) -> None:
    """Undo a "Not a claim": the sentence is suggested again if it scores high enough."""
    article = visible_or_raise(
        Article.objects.select_related("project"), article_id, user, "article"
    )
    if not permissions.can_annotate(user, article.project):
        raise NotPermitted("Researchers can read articles but not restore suggestions.")
    dismissals = SentenceDismissal.objects.filter(sentence=_sentence(article, index))
    if article.project.independent_spans:
        dismissals = dismissals.filter(dismissed_by=user)
    dismissals.delete()


def _sentence(article: Article, index) -> Sentence:
    if isinstance(index, bool) or not isinstance(index, int):
        raise ValidationFailed("The sentence index must be an integer.", field="index")
    try:
        return Sentence.objects.get(article=article, index=index)
    except Sentence.DoesNotExist:
        raise NotVisible(f"Article {article.pk} has no sentence {index}.") from None


def training_examples(*, project: Project) -> list[training.Example]:
    """Return the project's labelled sentences: covered by claims (True) or dismissed (False).

    One pass per article that has claims or dismissals; each sentence's signals are computed
    with its article's recurring names, as at import.

    Curated claims only (every claim of a shared project): with independent spans the reviewer
    layers are unfinished, partly contradictory work until an editor curates them, and the
    curated layer is what the team agreed is a claim (`selectors.checkworthiness_labels` counts
    the same)."""
    dismissed = set(
        SentenceDismissal.objects.filter(sentence__article__project=project).values_list(
            "sentence_id", flat=True
        )
    )
    claims: dict[int, list[tuple[int, int]]] = {}
    for article_id, start, end in (
        Claim.objects.curated()
        .filter(article__project=project)
        .values_list("article_id", "start", "end")
    ):
        claims.setdefault(article_id, []).append((start, end))
    with_dismissals = set(
        Sentence.objects.filter(pk__in=dismissed).values_list("article_id", flat=True)
    )
    examples: list[training.Example] = []
    articles = Article.objects.filter(pk__in=set(claims) | with_dismissals).only("pk", "text")
    for article in articles.order_by("pk"):
        rows = list(
            Sentence.objects.filter(article=article)
            .order_by("index")
            .values_list("pk", "start", "end")
        )
        covered = cw.covered_sentences([(s, e) for _, s, e in rows], claims.get(article.pk, []))
        names = cw.article_names(article.text)
        for position, (pk, start, end) in enumerate(rows):
            if position in covered or pk in dismissed:
                sentence = article.text[start:end]
                examples.append(
                    training.Example(
                        sentence, tuple(cw.signals(sentence, names)), position in covered
                    )
                )
    return examples


def train_checkworthiness(*, project: Project, user: User | None) -> CheckworthinessModel:
    """Train the project's model on its labels, store it with its cross-validated scores.

    `user` None is the command line (trusted); otherwise only project admins train. Raises
    ValidationFailed when the project has too few labels (`training.MIN_LABELS`, of each class
    `training.MIN_PER_CLASS`). Runs in the caller's thread: about a second per thousand labels.
    """
    if user is not None and not permissions.can_edit_project(user, project):
        raise NotPermitted("Only project admins train the check-worthiness model.")
    examples = training_examples(project=project)
    labels = [example.label for example in examples]
    if not training.has_enough_labels(labels):
        positives = sum(labels)
        raise ValidationFailed(
            f"Not enough labels to train: {len(labels)} ({positives} claims, "
            f"{len(labels) - positives} dismissed); need {training.MIN_LABELS} with at least "
            f"{training.MIN_PER_CLASS} of each. Mark claims and dismiss suggestions first."
        )
    scores = training.cross_validate(examples, threshold=project.suggest_threshold)
    model = training.fit(examples)
    return CheckworthinessModel.objects.create(
        project=project,
        data=model.as_data(),
        labels=len(labels),
        positives=sum(labels),
        precision=scores.precision,
        recall=scores.recall,
        f1=scores.f1,
        folds=scores.folds,
        trained_by=user,
    )
