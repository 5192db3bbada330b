"""Services of the team pages: adding a member named by username or email, and new versions of
a project's rating scale. Membership itself (`add_member`, `remove_member`) and project settings
(`update_project`) live in `projects`; these build on them, so every change is still one
`Event` in the project's history."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max, Q

from .. import limits, permissions
from ..exceptions import (
    Conflict,
    DomainError,
    NotPermitted,
    NotVisible,
    StaleVersion,
    ValidationFailed,
)
from ..models import (
    Article,
    Assignment,
    AveritecClass,
    FeverClass,
    Membership,
    Project,
    RatingLabel,
    RatingScale,
    User,
    Verdict,
)
from ..workflow import ANNOTATORS
from .common import model_plain, record_event
from .projects import add_member, update_project
from .review import approve_verdict, return_verdict


def add_member_by_name(*, project: Project, who: str, role: str, actor: User) -> Membership:
    """Give the existing user whose username or email address is `who` a role in `project`."""
    name = who.strip()
    if not name:
        raise ValidationFailed("Type a username or an email address.", field="who")
    matches = list(
        User.objects.filter(Q(username__iexact=name) | Q(email__iexact=name), is_active=True)[:2]
    )
    exact = [user for user in matches if user.username == name]
    if exact:
        matches = exact
    if not matches:
        raise ValidationFailed(
            f"No active user has the username or email address {name!r}; check the spelling, "
            "or send them an invitation.",
            field="who",
        )
    if len(matches) > 1:
        raise Conflict(
            f"Several users have the email address {name!r}; type the username instead.",
            field="who",
        )
    return add_member(project=project, user=matches[0], role=role, actor=actor)


# --- Rating-scale versions --------------------------------------------------------------------

LABEL_FIELDS = (
    "slug", "name", "description", "colour", "position", "ordinal", "truth_score", "fever",
    "averitec", "claimreview_rating",
)  # fmt: skip
SLUG = re.compile(r"^[-a-z0-9_]+$")
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _scale_slug(project: Project, base: RatingScale) -> str:
    """Return the slug of the project's own scale family.

    A project's edits never add a version to a shared family (such as `default`): the newest
    default version is what new projects start with, and one project's labels must not leak into
    another's. The first edit starts `<project>-<base>`; later edits add versions to it.
    """
    prefix = f"{project.slug}-"
    return base.slug if base.slug.startswith(prefix) else (prefix + base.slug)[: limits.SLUG]


def _clean_label(raw: dict, index: int) -> dict:
    """Return one label's fields checked (as the model's constraints would), or raise."""
    unknown = set(raw) - set(LABEL_FIELDS)
    if unknown:
        raise ValidationFailed(f"Label {index + 1}: unknown fields {', '.join(sorted(unknown))}.")
    where = f"Label {index + 1}"
    slug = (raw.get("slug") or "").strip().lower()
    if not SLUG.match(slug) or len(slug) > limits.SLUG:
        raise ValidationFailed(
            f"{where}: the slug must be lower-case letters, digits, '-' or '_' "
            f"(at most {limits.SLUG}).",
            field="labels",
        )
    label = {
        "slug": slug,
        "name": model_plain(RatingLabel, "name", raw.get("name") or ""),
        "description": model_plain(RatingLabel, "description", raw.get("description") or ""),
        "colour": (raw.get("colour") or "#888888").strip(),
        "position": raw.get("position") if raw.get("position") is not None else index,
        "ordinal": raw.get("ordinal"),
        "truth_score": raw.get("truth_score"),
        "fever": raw.get("fever") or "",
        "averitec": raw.get("averitec") or "",
        "claimreview_rating": raw.get("claimreview_rating"),
    }
    if not label["name"]:
        raise ValidationFailed(f"{where} ({slug}) needs a name.", field="labels")
    if not COLOUR.match(label["colour"]):
        raise ValidationFailed(f"{where} ({slug}): colour must be #rrggbb.", field="labels")
    if label["fever"] not in {"", *FeverClass.values}:
        raise ValidationFailed(f"{where} ({slug}): unknown FEVER class.", field="labels")
    if label["averitec"] not in {"", *AveritecClass.values}:
        raise ValidationFailed(f"{where} ({slug}): unknown AVeriTeC class.", field="labels")
    if label["ordinal"] is None and label["claimreview_rating"] is not None:
        raise ValidationFailed(
            f"{where} ({slug}): only labels with an ordinal (on the truth axis) carry a "
            "ClaimReview rating; clear it or give the label an ordinal.",
            field="labels",
        )
    score = label["truth_score"]
    if score is not None and not 0 <= score <= 1:
        raise ValidationFailed(f"{where} ({slug}): truth score must be in [0, 1].", field="labels")
    return label


@transaction.atomic
def create_scale_version(
    *, project: Project, actor: User, labels: list[dict], name: str | None = None
) -> RatingScale:
    """Make a new version of the project's rating scale with `labels` and switch the project to
    it. The scale in use is never edited: verdicts keep the labels they were written with.

    Locks the project row, so two admins saving at once make two successive versions.
    """
    cleaned = [_clean_label(raw, index) for index, raw in enumerate(labels)]
    if not cleaned:
        raise ValidationFailed("A rating scale needs at least one label.", field="labels")
    slugs = [label["slug"] for label in cleaned]
    if len(set(slugs)) != len(slugs):
        twice = sorted({s for s in slugs if slugs.count(s) > 1})
        raise ValidationFailed(f"Label slugs must differ: {', '.join(twice)}.", field="labels")
    project = Project.objects.select_for_update().select_related("rating_scale").get(pk=project.pk)
    base = project.rating_scale
    slug = _scale_slug(project, base)
    latest = RatingScale.objects.filter(slug=slug).aggregate(v=Max("version"))["v"] or 0
    scale = RatingScale.objects.create(
        slug=slug,
        version=latest + 1,
        name=model_plain(RatingScale, "name", name) if name else base.name,
        description=base.description,
    )
    RatingLabel.objects.bulk_create(RatingLabel(scale=scale, **label) for label in cleaned)
    old = {label.slug: label.name for label in base.labels.all()}
    record_event(
        project_id=project.pk,
        actor=actor,
        action="create_scale_version",
        target=scale,
        changes={
            "scale": {"from": str(base), "to": str(scale)},
            "added": sorted(set(slugs) - set(old)),
            "dropped": sorted(set(old) - set(slugs)),
        },
    )
    update_project(project=project, actor=actor, rating_scale=scale)
    return scale


# --- Bulk decisions ---------------------------------------------------------------------------

BULK_LIMIT = 200


@dataclass(frozen=True)
class BulkOutcome:
    verdict_id: int
    ok: bool
    message: str


def review_in_bulk(
    *,
    project: Project,
    editor: User,
    action: str,
    choices: list[tuple[int, int | None]],
    note: str = "",
) -> list[BulkOutcome]:
    """Approve or return several verdicts, each through its own service call and transaction.

    `choices` are (verdict id, version the editor saw). Every verdict is checked on its own by
    `approve_verdict`/`return_verdict` (four-eyes, status, version, double review); one that
    fails is reported with the reason and does not stop the others. Verdicts of other projects
    are refused without being touched.
    """
    if action not in {"approve", "return"}:
        raise ValidationFailed("Choose approve or return.", field="action")
    if not choices:
        raise ValidationFailed("Tick at least one verdict.", field="verdicts")
    if len(choices) > BULK_LIMIT:
        raise ValidationFailed(
            f"At most {BULK_LIMIT} verdicts at once; you ticked {len(choices)}.", field="verdicts"
        )
    if action == "return" and not note.strip():
        raise ValidationFailed(
            "Returning needs a note saying what the reviewers should change.", field="note"
        )
    ids = [verdict_id for verdict_id, _ in choices]
    here = set(
        Verdict.objects.filter(pk__in=ids, claim__article__project=project).values_list(
            "pk", flat=True
        )
    )
    outcomes = []
    for verdict_id, version in dict(choices).items():  # a verdict ticked twice acts once
        if verdict_id not in here:
            outcomes.append(BulkOutcome(verdict_id, False, "not a verdict of this project"))
            continue
        try:
            if action == "approve":
                approve_verdict(verdict_id=verdict_id, editor=editor, version=version, note=note)
            else:
                return_verdict(verdict_id=verdict_id, editor=editor, version=version, note=note)
        except StaleVersion as exc:
            outcomes.append(
                BulkOutcome(
                    verdict_id,
                    False,
                    f"changed since you loaded it (you saw version {version}, it is now "
                    f"version {exc.current_version}); read it again",
                )
            )
        except DomainError as exc:
            outcomes.append(BulkOutcome(verdict_id, False, exc.message))
        else:
            outcomes.append(
                BulkOutcome(verdict_id, True, "approved" if action == "approve" else "returned")
            )
    return outcomes


# --- Assignments ------------------------------------------------------------------------------

ASSIGN_MODES = ("each", "round_robin")


@transaction.atomic
def assign_articles(
    *,
    project: Project,
    actor: User,
    article_ids: list[int],
    reviewers: list[User],
    mode: str = "each",
) -> list[Assignment]:
    """Assign articles of `project` to reviewers: every article to every reviewer (`each`), or
    the articles in turn to one reviewer after another (`round_robin`). An assignment that
    exists already is kept; each new one is an event."""
    if not permissions.can_review(actor, project):
        raise NotPermitted("Only editors and admins assign articles.")
    if mode not in ASSIGN_MODES:
        raise ValidationFailed("Choose each or round_robin.", field="mode")
    if not article_ids:
        raise ValidationFailed("Tick at least one article.", field="articles")
    if not reviewers:
        raise ValidationFailed("Choose at least one reviewer.", field="reviewers")
    Project.objects.select_for_update().filter(pk=project.pk).first()
    articles = list(
        Article.objects.filter(project=project, pk__in=article_ids).order_by("pk").only("pk")
    )
    if len(articles) != len(set(article_ids)):
        raise NotVisible("Some of the ticked articles are not in this project.")
    annotators = set(
        Membership.objects.filter(
            project=project, user__in=reviewers, role__in=ANNOTATORS
        ).values_list("user_id", flat=True)
    )
    strangers = [r.username for r in reviewers if r.pk not in annotators]
    if strangers:
        raise ValidationFailed(
            f"{', '.join(strangers)} cannot annotate in this project; only reviewers, editors "
            "and admins are assigned articles.",
            field="reviewers",
        )
    reviewers = sorted(set(reviewers), key=lambda r: r.username)
    if mode == "each":
        pairs = [(a, r) for a in articles for r in reviewers]
    else:
        pairs = [(a, reviewers[i % len(reviewers)]) for i, a in enumerate(articles)]
    existing = set(
        Assignment.objects.filter(article__in=articles).values_list("article_id", "user_id")
    )
    created = []
    for article, reviewer in pairs:
        if (article.pk, reviewer.pk) in existing:
            continue
        assignment = Assignment.objects.create(article=article, user=reviewer, assigned_by=actor)
        record_event(
            project_id=project.pk,
            actor=actor,
            action="assign",
            target=assignment,
            changes={"article": article.pk, "user": reviewer.username},
        )
        created.append(assignment)
    return created


@transaction.atomic
def unassign_articles(*, project: Project, actor: User, article_ids: list[int]) -> int:
    """Take every assignee off the given articles of `project`; return how many were removed."""
    if not permissions.can_review(actor, project):
        raise NotPermitted("Only editors and admins assign articles.")
    assignments = list(
        Assignment.objects.filter(article__project=project, article_id__in=article_ids)
        .select_related("user")
        .select_for_update(of=("self",))
    )
    for assignment in assignments:
        record_event(
            project_id=project.pk,
            actor=actor,
            action="unassign",
            target=assignment,
            changes={"article": assignment.article_id, "user": assignment.user.username},
        )
    Assignment.objects.filter(pk__in=[a.pk for a in assignments]).delete()
    return len(assignments)
