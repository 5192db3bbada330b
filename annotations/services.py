"""Every write to the domain goes through a function here.

Services are keyword-only and typed, own their transaction, lock the rows they change
(`select_for_update`; SQLite serialises writers with IMMEDIATE transactions instead), check
permissions and invariants the database cannot hold, write one `Event` per change, and save
with `update_fields`. They raise the errors of `exceptions.py`, which the HTML views and the API
turn into messages and status codes. This is the only module that assigns a verdict's status.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterable, Sequence
from typing import Any

from django.apps import apps as django_apps
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import permissions, sanitize, text
from .exceptions import (
    BadSpan,
    Conflict,
    InvalidTransition,
    NotPermitted,
    NotVisible,
    StaleVersion,
    TooLarge,
    ValidationFailed,
)
from .models import (
    Article,
    Claim,
    Event,
    Membership,
    Project,
    RatingLabel,
    RatingScale,
    Sentence,
    Source,
    User,
    Verdict,
)
from .workflow import EDITABLE, Action, Role, Status, actor_allowed, find_transition


def limit(name: str) -> int:
    return settings.FACTCHECK[name]


def record_event(
    *,
    project_id: int,
    actor: User | None,
    action: str,
    target: Any,
    claim_id: int | None = None,
    verdict_id: int | None = None,
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    changes: dict | None = None,
) -> Event:
    """Append one event to the history."""
    return Event.objects.create(
        project_id=project_id,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=type(target).__name__.lower(),
        target_id=target.pk,
        claim_id=claim_id,
        verdict_id=verdict_id,
        from_status=from_status,
        to_status=to_status,
        note=note,
        changes=changes or {},
    )


def _plain(value: str | None, *, field: str, max_length: int | None = None) -> str:
    cleaned = sanitize.strip_markup(value or "")
    if max_length is not None and len(cleaned) > max_length:
        raise ValidationFailed(
            f"{field} is {len(cleaned)} characters long; the limit is {max_length}.", field=field
        )
    return cleaned


def _url(value: str | None, *, field: str, required: bool) -> str:
    value = (value or "").strip()
    if not value:
        if required:
            raise ValidationFailed(f"{field} is required.", field=field)
        return ""
    if len(value) > 2000:
        raise ValidationFailed(f"{field} is longer than 2000 characters.", field=field)
    if not sanitize.is_http_url(value):
        raise ValidationFailed(
            f"{field} must be an http:// or https:// address (got {value[:80]!r}).", field=field
        )
    return value


def _visible(queryset, pk: int, user: User, what: str):
    try:
        return queryset.visible_to(user).get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise NotVisible(f"No {what} with id {pk} in your projects.") from None


# --- Projects and members --------------------------------------------------------------------


def ensure_default_scale() -> RatingScale:
    """Return the newest default rating scale, creating it (as its data migration does) if a
    database flush removed it."""
    scale = RatingScale.objects.filter(slug="default").order_by("-version").first()
    if scale is None:
        migration = importlib.import_module("annotations.migrations.0002_default_rating_scale")
        migration.create_default_scale(django_apps, None)
        scale = RatingScale.objects.get(slug="default", version=1)
    return scale


@transaction.atomic
def create_project(
    *,
    creator: User,
    slug: str,
    name: str,
    rating_scale: RatingScale | None = None,
    organisation_name: str = "",
    organisation_url: str = "",
    description: str = "",
    required_verdicts: int = 1,
) -> Project:
    """Create a project with the default rating scale; the creator becomes its admin."""
    if Project.objects.filter(slug=slug).exists():
        raise Conflict(f"A project with the slug {slug!r} already exists.", field="slug")
    if not 1 <= required_verdicts <= 5:
        raise ValidationFailed(
            "required_verdicts must be between 1 and 5.", field="required_verdicts"
        )
    scale = rating_scale or ensure_default_scale()
    project = Project.objects.create(
        slug=slug,
        name=_plain(name, field="name", max_length=200),
        description=_plain(description, field="description"),
        organisation_name=_plain(organisation_name, field="organisation_name", max_length=200),
        organisation_url=_url(organisation_url, field="organisation_url", required=False),
        rating_scale=scale,
        required_verdicts=required_verdicts,
    )
    add_member(project=project, user=creator, role=Role.ADMIN, actor=creator)
    record_event(project_id=project.pk, actor=creator, action="create", target=project)
    return project


def _next_pseudonym(project: Project) -> str:
    """Return the next free "annotator-N" of the project; pseudonyms are never reused."""
    taken = Membership.objects.filter(project=project).values_list("pseudonym", flat=True)
    numbers = [int(p.rsplit("-", 1)[1]) for p in taken if p.rsplit("-", 1)[-1].isdigit()]
    return f"annotator-{max(numbers, default=0) + 1}"


@transaction.atomic
def add_member(*, project: Project, user: User, role: str, actor: User | None = None) -> Membership:
    """Give `user` a role in `project` (or change it), with a stable export pseudonym."""
    if role not in Role.values:
        raise ValidationFailed(f"Unknown role {role!r}; use one of {', '.join(Role.values)}.")
    Project.objects.select_for_update().filter(pk=project.pk).first()
    membership = Membership.objects.filter(project=project, user=user).first()
    if membership is None:
        membership = Membership.objects.create(
            project=project, user=user, role=role, pseudonym=_next_pseudonym(project)
        )
        action = "add_member"
    else:
        membership.role = role
        membership.save(update_fields=["role"])
        action = "change_role"
    permissions.forget_roles(user)
    record_event(
        project_id=project.pk,
        actor=actor,
        action=action,
        target=membership,
        changes={"user": user.username, "role": role},
    )
    return membership


# --- Articles --------------------------------------------------------------------------------


@transaction.atomic
def import_article(
    *,
    project: Project,
    creator: User | None,
    title: str,
    text_body: str | None = None,
    html: str | None = None,
    url: str = "",
    publisher: str = "",
    author: str = "",
    published_at: dt.datetime | None = None,
    language: str = "",
) -> Article:
    """Create an article from plain text or HTML, split into sentences.

    HTML is cleaned by `sanitize.clean_article_html` before anything else reads it. Raises
    Conflict when the project already holds the same URL or the same canonical text.
    """
    if creator is not None and not permissions.can_annotate(creator, project):
        raise NotPermitted("Only reviewers, editors and admins can add articles.")
    if (text_body is None) == (html is None):
        raise ValidationFailed("Give the article as text or as html (exactly one).", field="text")
    raw = text_body if text_body is not None else html
    max_chars = limit("MAX_ARTICLE_CHARS")
    if len(raw) > max_chars * 4:
        raise TooLarge(f"The article is larger than the limit of {max_chars} characters.")
    if html is not None:
        canonical = text.canonical_text(sanitize.clean_article_html(html), is_html=True)
    else:
        canonical = text.canonical_text(raw)
    if not canonical.strip():
        raise ValidationFailed("The article has no text.", field="text")
    if len(canonical) > max_chars:
        raise TooLarge(
            f"The article has {len(canonical)} characters; the limit is {max_chars}.", field="text"
        )
    title = _plain(title, field="title", max_length=500)
    if not title:
        raise ValidationFailed("The article needs a title.", field="title")
    url = _url(url, field="url", required=False)
    digest = text.text_sha256(canonical)
    duplicate = (
        Article.objects.filter(project=project, text_sha256=digest).first()
        or (url and Article.objects.filter(project=project, url=url).first())
        or None
    )
    if duplicate is not None:
        reason = "the same URL" if url and duplicate.url == url else "the same text"
        raise Conflict(
            f"This project already has this article (#{duplicate.pk} “{duplicate.title}”, "
            f"{reason}).",
            field="url" if reason == "the same URL" else "text",
        )
    if published_at is not None and timezone.is_naive(published_at):
        published_at = timezone.make_aware(published_at, dt.UTC)
    try:
        with transaction.atomic():
            article = Article.objects.create(
                project=project,
                title=title,
                url=url,
                publisher=_plain(publisher, field="publisher", max_length=200),
                author=_plain(author, field="author", max_length=200),
                published_at=published_at,
                language=_plain(language, field="language", max_length=16),
                text=canonical,
                text_sha256=digest,
                created_by=creator,
            )
    except IntegrityError:  # a concurrent import of the same article won the race
        raise Conflict("This project already has this article (imported concurrently).") from None
    Sentence.objects.bulk_create(
        Sentence(
            article=article,
            index=span.index,
            start=span.start,
            end=span.end,
            score=span.score,
            reasons=list(span.reasons),
        )
        for span in text.split_sentences(canonical)
    )
    record_event(
        project_id=project.pk,
        actor=creator,
        action="import",
        target=article,
        changes={"title": title, "chars": len(canonical)},
    )
    return article


# --- Claims ----------------------------------------------------------------------------------


def resolve_span(
    article_text: str,
    *,
    start: int | None,
    end: int | None,
    quote: str | None,
    prefix: str = "",
    suffix: str = "",
) -> tuple[int, int]:
    """Return (start, end) code points from explicit offsets or by anchoring a quote."""
    if start is None and end is None:
        if not quote:
            raise BadSpan("Give start and end (code points) or a quote to anchor.", field="start")
        try:
            return text.anchor_quote(article_text, quote, prefix or "", suffix or "")
        except text.AnchorError as exc:
            raise BadSpan(str(exc), field="quote") from None
    if start is None or end is None:
        raise BadSpan("Give both start and end.", field="start" if start is None else "end")
    if (
        isinstance(start, bool)
        or isinstance(end, bool)
        or not isinstance(start, int)
        or not isinstance(end, int)
    ):
        raise BadSpan("start and end must be integers (code points).", field="start")
    length = len(article_text)
    if not 0 <= start < end <= length:
        raise BadSpan(
            f"The span [{start}, {end}) is outside the text: need 0 <= start < end <= {length}.",
            field="end" if end > length else "start",
        )
    if quote is not None and quote != article_text[start:end]:
        raise BadSpan(
            f"The quote does not match the text at [{start}, {end}), which reads "
            f"{article_text[start:end][:80]!r}.",
            field="quote",
        )
    return start, end


@transaction.atomic
def mark_claim(
    *,
    article_id: int,
    user: User,
    start: int | None = None,
    end: int | None = None,
    quote: str | None = None,
    prefix: str = "",
    suffix: str = "",
    statement: str = "",
    claimant: str = "",
    claim_date: dt.date | None = None,
) -> Claim:
    """Mark a span of an article as a claim, by code-point offsets or by quote.

    Locks the article row so the per-article claim limit and the span uniqueness hold under
    concurrent marking.
    """
    article = _visible(Article.objects.select_for_update(), article_id, user, "article")
    if not permissions.can_annotate(user, article.project_id):
        raise NotPermitted("Researchers can read but not mark claims.")
    begin, finish = resolve_span(
        article.text, start=start, end=end, quote=quote, prefix=prefix, suffix=suffix
    )
    span = article.text[begin:finish]
    if not span.strip():
        raise BadSpan("The selected span is only whitespace.", field="start")
    existing = Claim.objects.filter(article=article, start=begin, end=finish).first()
    if existing is not None:
        raise Conflict(f"Claim #{existing.pk} already covers exactly this span.", field="start")
    max_claims = limit("MAX_CLAIMS_PER_ARTICLE")
    if Claim.objects.filter(article=article).count() >= max_claims:
        raise ValidationFailed(f"This article already has the maximum of {max_claims} claims.")
    before, after = text.context_around(article.text, begin, finish)
    claim = Claim.objects.create(
        article=article,
        start=begin,
        end=finish,
        quote=span,
        prefix=before,
        suffix=after,
        statement=_plain(statement, field="statement", max_length=2000),
        claimant=_plain(claimant, field="claimant", max_length=200),
        claim_date=claim_date,
        created_by=user,
    )
    record_event(
        project_id=article.project_id,
        actor=user,
        action="mark_claim",
        target=claim,
        claim_id=claim.pk,
        changes={"start": begin, "end": finish, "quote": span[:200]},
    )
    return claim


@transaction.atomic
def update_claim(*, claim_id: int, user: User, **fields: Any) -> Claim:
    """Edit a claim's statement, claimant or claim date (the span itself never changes)."""
    claim = _visible(
        Claim.objects.select_for_update().select_related("article"), claim_id, user, "claim"
    )
    if not permissions.can_annotate(user, claim.article.project_id):
        raise NotPermitted("Researchers can read but not edit claims.")
    allowed = {"statement": 2000, "claimant": 200, "claim_date": None}
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationFailed(f"Cannot change {', '.join(sorted(unknown))} of a claim.")
    changes = {}
    for name, value in fields.items():
        if name != "claim_date":
            value = _plain(value, field=name, max_length=allowed[name])
        old = getattr(claim, name)
        if old != value:
            changes[name] = {"from": str(old or ""), "to": str(value or "")}
            setattr(claim, name, value)
    if changes:
        claim.save(update_fields=[*changes, "updated_at"])
        record_event(
            project_id=claim.article.project_id,
            actor=user,
            action="update_claim",
            target=claim,
            claim_id=claim.pk,
            changes=changes,
        )
    return claim


@transaction.atomic
def delete_claim(*, claim_id: int, user: User) -> None:
    """Delete a claim that has no verdicts yet, with its sources; the history keeps it."""
    claim = _visible(
        Claim.objects.select_for_update().select_related("article"), claim_id, user, "claim"
    )
    if not permissions.can_annotate(user, claim.article.project_id):
        raise NotPermitted("Researchers can read but not delete claims.")
    if claim.verdicts.exists():
        raise Conflict("This claim has verdicts; withdraw them instead of deleting the claim.")
    snapshot = {"start": claim.start, "end": claim.end, "quote": claim.quote[:200]}
    record_event(
        project_id=claim.article.project_id,
        actor=user,
        action="delete_claim",
        target=claim,
        claim_id=claim.pk,
        changes=snapshot,
    )
    claim.sources.all().delete()
    claim.delete()


# --- Sources ---------------------------------------------------------------------------------


@transaction.atomic
def attach_source(
    *,
    claim_id: int,
    user: User,
    url: str,
    stance: str,
    title: str = "",
    publisher: str = "",
    quote: str = "",
    accessed_at: dt.date | None = None,
    archived_url: str = "",
) -> Source:
    """Attach a piece of evidence to a claim."""
    claim = _visible(
        Claim.objects.select_for_update().select_related("article"), claim_id, user, "claim"
    )
    if not permissions.can_annotate(user, claim.article.project_id):
        raise NotPermitted("Researchers can read but not add sources.")
    if stance not in Source.Stance.values:
        raise ValidationFailed(
            f"stance must be one of {', '.join(Source.Stance.values)} (got {stance!r}).",
            field="stance",
        )
    max_sources = limit("MAX_SOURCES_PER_CLAIM")
    if claim.sources.count() >= max_sources:
        raise ValidationFailed(f"This claim already has the maximum of {max_sources} sources.")
    if accessed_at is not None and accessed_at > timezone.now().date() + dt.timedelta(days=1):
        raise ValidationFailed("accessed_at is in the future.", field="accessed_at")
    source = Source.objects.create(
        claim=claim,
        url=_url(url, field="url", required=True),
        stance=stance,
        title=_plain(title, field="title", max_length=500),
        publisher=_plain(publisher, field="publisher", max_length=200),
        quote=_plain(quote, field="quote", max_length=10_000),
        accessed_at=accessed_at,
        archived_url=_url(archived_url, field="archived_url", required=False),
        added_by=user,
    )
    claim.save(update_fields=["updated_at"])
    record_event(
        project_id=claim.article.project_id,
        actor=user,
        action="attach_source",
        target=source,
        claim_id=claim.pk,
        changes={"url": source.url, "stance": stance},
    )
    return source


# --- Verdicts --------------------------------------------------------------------------------


def _rating(project: Project, slug: str | None) -> RatingLabel:
    if not slug:
        raise ValidationFailed("Choose a rating.", field="rating")
    label = RatingLabel.objects.filter(scale_id=project.rating_scale_id, slug=slug).first()
    if label is None:
        choices = RatingLabel.objects.filter(scale_id=project.rating_scale_id).values_list(
            "slug", flat=True
        )
        raise ValidationFailed(
            f"Unknown rating {slug!r}; this project's scale has: {', '.join(choices)}.",
            field="rating",
        )
    return label


def _explanation(source: str | None) -> tuple[str, str]:
    source = sanitize.drop_control_characters(source or "")
    max_chars = limit("MAX_EXPLANATION_CHARS")
    if len(source) > max_chars:
        raise TooLarge(
            f"The explanation has {len(source)} characters; the limit is {max_chars}.",
            field="explanation",
        )
    return source, sanitize.render_markdown(source)


def _cited(claim: Claim, source_ids: Iterable[int] | None) -> list[Source]:
    ids = list(dict.fromkeys(source_ids or []))
    if any(isinstance(i, bool) or not isinstance(i, int) or not 0 < i < 2**63 for i in ids):
        raise ValidationFailed("sources must be a list of source ids.", field="sources")
    found = list(Source.objects.filter(claim=claim, pk__in=ids))
    missing = sorted(set(ids) - {s.pk for s in found})
    if missing:
        raise ValidationFailed(
            f"Sources {', '.join(map(str, missing))} are not attached to this claim.",
            field="sources",
        )
    return found


def _lock_verdict(verdict_id: int, user: User) -> Verdict:
    return _visible(
        Verdict.objects.select_for_update().select_related("claim__article__project", "rating"),
        verdict_id,
        user,
        "verdict",
    )


def _check_version(verdict: Verdict, version: int | None) -> None:
    if version is not None and version != verdict.version:
        raise StaleVersion(
            f"The verdict changed since you loaded it (you have version {version}, the current "
            f"version is {verdict.version}). Reload it and apply your change again.",
            current_version=verdict.version,
        )


def _bump(verdict: Verdict, fields: Sequence[str]) -> None:
    verdict.version += 1
    verdict.save(update_fields=[*fields, "version", "updated_at"])


@transaction.atomic
def draft_verdict(
    *,
    claim_id: int,
    reviewer: User,
    rating: str,
    explanation: str = "",
    sources: Iterable[int] | None = None,
    no_source_reason: str = "",
) -> Verdict:
    """Start a draft verdict on a claim. One live verdict per reviewer and claim."""
    claim = _visible(
        Claim.objects.select_for_update().select_related("article__project"),
        claim_id,
        reviewer,
        "claim",
    )
    project = claim.article.project
    if not permissions.can_annotate(reviewer, project):
        raise NotPermitted("Researchers can read but not write verdicts.")
    mine = claim.verdicts.filter(
        reviewer=reviewer, status__in=[Status.DRAFT, Status.RETURNED, Status.SUBMITTED]
    ).first()
    if mine is not None:
        raise Conflict(
            f"You already have a {mine.status} verdict on this claim (#{mine.pk}); edit that one.",
            field="rating",
        )
    if claim.verdicts.filter(status=Status.APPROVED).exists():
        raise Conflict(
            "This claim already has an approved verdict; propose a correction to it instead.",
            field="rating",
        )
    label = _rating(project, rating)
    source_text, html = _explanation(explanation)
    cited = _cited(claim, sources)
    verdict = Verdict.objects.create(
        claim=claim,
        reviewer=reviewer,
        rating=label,
        explanation=source_text,
        explanation_html=html,
        no_source_reason=_plain(no_source_reason, field="no_source_reason", max_length=2000),
    )
    verdict.sources.set(cited)
    record_event(
        project_id=project.pk,
        actor=reviewer,
        action="draft",
        target=verdict,
        claim_id=claim.pk,
        verdict_id=verdict.pk,
        to_status=Status.DRAFT,
        changes={"rating": label.slug, "sources": [s.pk for s in cited]},
    )
    return verdict


@transaction.atomic
def update_verdict(
    *,
    verdict_id: int,
    user: User,
    version: int | None,
    rating: str | None = None,
    explanation: str | None = None,
    sources: Iterable[int] | None = None,
    no_source_reason: str | None = None,
) -> Verdict:
    """Edit a draft or returned verdict. Only its author may; approved verdicts never change."""
    verdict = _lock_verdict(verdict_id, user)
    _check_version(verdict, version)
    if verdict.reviewer_id != user.pk:
        raise NotPermitted("Only the verdict's author can edit it.")
    if verdict.status not in EDITABLE:
        raise InvalidTransition(
            f"A {verdict.status} verdict cannot be edited"
            + (
                "; propose a correction instead."
                if verdict.status == Status.APPROVED
                else "; withdraw it or wait for the editor."
            )
        )
    project = verdict.claim.article.project
    changes: dict[str, Any] = {}
    fields: list[str] = []
    if rating is not None:
        label = _rating(project, rating)
        if label.pk != verdict.rating_id:
            changes["rating"] = {"from": verdict.rating.slug, "to": label.slug}
            verdict.rating = label
            fields.append("rating")
    if explanation is not None and explanation != verdict.explanation:
        source_text, html = _explanation(explanation)
        changes["explanation"] = {"from": verdict.explanation, "to": source_text}
        verdict.explanation, verdict.explanation_html = source_text, html
        fields += ["explanation", "explanation_html"]
    if no_source_reason is not None:
        reason = _plain(no_source_reason, field="no_source_reason", max_length=2000)
        if reason != verdict.no_source_reason:
            changes["no_source_reason"] = {"from": verdict.no_source_reason, "to": reason}
            verdict.no_source_reason = reason
            fields.append("no_source_reason")
    if sources is not None:
        cited = _cited(verdict.claim, sources)
        before = sorted(verdict.sources.values_list("pk", flat=True))
        after = sorted(s.pk for s in cited)
        if before != after:
            verdict.sources.set(cited)
            changes["sources"] = {"from": before, "to": after}
    if changes:
        _bump(verdict, fields)
        record_event(
            project_id=project.pk,
            actor=user,
            action="edit",
            target=verdict,
            claim_id=verdict.claim_id,
            verdict_id=verdict.pk,
            changes=changes,
        )
    return verdict


def _transition(verdict: Verdict, *, action: str, user: User, note: str = "") -> tuple[str, str]:
    """Check `action` on `verdict` by `user` against the table; return (from, to)."""
    transition = find_transition(action, verdict.status)
    roles = permissions.roles_in(user, verdict.claim.article.project_id)
    is_author = verdict.reviewer_id == user.pk
    if not actor_allowed(transition, is_author=is_author, roles=roles):
        if transition.not_author and is_author:
            raise NotPermitted(f"You cannot {action} your own verdict; another editor must.")
        raise NotPermitted(f"Your role does not allow you to {action} this verdict.")
    if transition.note_required and not note.strip():
        raise ValidationFailed(f"A note is required to {action} a verdict.", field="note")
    return transition.source, transition.target


@transaction.atomic
def submit_verdict(*, verdict_id: int, user: User, version: int | None = None) -> Verdict:
    """Submit a draft for approval. It must cite a source or say why none can be given."""
    verdict = _lock_verdict(verdict_id, user)
    _check_version(verdict, version)
    before, after = _transition(verdict, action=Action.SUBMIT, user=user)
    if not verdict.no_source_reason and not verdict.sources.exists():
        raise ValidationFailed(
            "Cite at least one source, or state why no public source can be given.",
            field="sources",
        )
    if not verdict.explanation.strip():
        raise ValidationFailed("Write an explanation before submitting.", field="explanation")
    verdict.status = after
    verdict.submitted_at = timezone.now()
    _bump(verdict, ["status", "submitted_at"])
    record_event(
        project_id=verdict.claim.article.project_id,
        actor=user,
        action=Action.SUBMIT,
        target=verdict,
        claim_id=verdict.claim_id,
        verdict_id=verdict.pk,
        from_status=before,
        to_status=after,
    )
    return verdict


@transaction.atomic
def approve_verdict(
    *, verdict_id: int, editor: User, version: int | None = None, note: str = ""
) -> Verdict:
    """Approve a submitted verdict (four-eyes). A correction supersedes the verdict it corrects.

    Locks the verdict and then the claim's other verdicts, so two editors approving at once
    serialise: the second sees the new status and gets InvalidTransition.

    With double review (`Project.required_verdicts` > 1) a claim's first verdict is approved only
    once that many reviewers have submitted independently; the others are then marked decided
    (`_record_claim_decided`). A correction needs no new independent verdicts: the claim was
    decided already, and the correction itself still needs an editor who did not write it.
    """
    verdict = _lock_verdict(verdict_id, editor)
    _check_version(verdict, version)
    before, after = _transition(verdict, action=Action.APPROVE, user=editor, note=note)
    claim = verdict.claim
    project = claim.article.project
    siblings = list(Verdict.objects.select_for_update().filter(claim=claim).exclude(pk=verdict.pk))
    if project.required_verdicts > 1 and verdict.supersedes_id is None:
        independent = {
            v.reviewer_id for v in siblings if v.status in (Status.SUBMITTED, Status.APPROVED)
        } | {verdict.reviewer_id}
        if len(independent) < project.required_verdicts:
            raise InvalidTransition(
                f"This project needs {project.required_verdicts} independent verdicts before an "
                f"editor decides; this claim has {len(independent)}."
            )
    published = [v for v in siblings if v.status == Status.APPROVED]
    now = timezone.now()
    for old in published:
        if verdict.supersedes_id != old.pk:
            raise Conflict(
                f"Claim already has an approved verdict (#{old.pk}); this verdict is not a "
                "correction of it."
            )
        old.status = Status.SUPERSEDED
        _bump(old, ["status"])
        record_event(
            project_id=project.pk,
            actor=editor,
            action=Action.SUPERSEDE,
            target=old,
            claim_id=claim.pk,
            verdict_id=old.pk,
            from_status=Status.APPROVED,
            to_status=Status.SUPERSEDED,
            note=f"Superseded by correction #{verdict.pk}: {verdict.correction_note}",
        )
    verdict.status = after
    verdict.approved_by = editor
    verdict.approved_at = now
    _bump(verdict, ["status", "approved_by", "approved_at"])
    record_event(
        project_id=project.pk,
        actor=editor,
        action=Action.APPROVE,
        target=verdict,
        claim_id=claim.pk,
        verdict_id=verdict.pk,
        from_status=before,
        to_status=after,
        note=_plain(note, field="note", max_length=5000),
    )
    _record_claim_decided(verdict=verdict, editor=editor, siblings=siblings)
    return verdict


def _record_claim_decided(*, verdict: Verdict, editor: User, siblings: list[Verdict]) -> None:
    """Note on each other submitted verdict of the claim that the editor chose `verdict`.

    Independent verdicts that were not chosen keep their status (they stay in the record and in
    exports, e.g. for agreement studies); `selectors.review_queue_for` leaves them out of the
    queue while the claim has an approved verdict. Called inside `approve_verdict`'s transaction
    with the siblings it already locked. Corrections are not independent verdicts: approving
    one decides nothing new about the others.
    """
    if verdict.supersedes_id is not None:
        return
    for other in siblings:
        if other.status != Status.SUBMITTED or other.supersedes_id is not None:
            continue
        record_event(
            project_id=verdict.claim.article.project_id,
            actor=editor,
            action="claim_decided",
            target=other,
            claim_id=verdict.claim_id,
            verdict_id=other.pk,
            note=f"The editor approved verdict #{verdict.pk} for this claim; this verdict "
            "stays on record but leaves the queue.",
        )


@transaction.atomic
def return_verdict(
    *, verdict_id: int, editor: User, note: str, version: int | None = None
) -> Verdict:
    """Send a submitted verdict back to its author with a note saying what to change."""
    verdict = _lock_verdict(verdict_id, editor)
    _check_version(verdict, version)
    note = _plain(note, field="note", max_length=5000)
    before, after = _transition(verdict, action=Action.RETURN, user=editor, note=note)
    verdict.status = after
    verdict.review_note = note
    _bump(verdict, ["status", "review_note"])
    record_event(
        project_id=verdict.claim.article.project_id,
        actor=editor,
        action=Action.RETURN,
        target=verdict,
        claim_id=verdict.claim_id,
        verdict_id=verdict.pk,
        from_status=before,
        to_status=after,
        note=note,
    )
    return verdict


@transaction.atomic
def withdraw_verdict(
    *, verdict_id: int, user: User, note: str = "", version: int | None = None
) -> Verdict:
    """Withdraw a verdict. It stays readable with its history; nothing is deleted."""
    verdict = _lock_verdict(verdict_id, user)
    _check_version(verdict, version)
    note = _plain(note, field="note", max_length=5000)
    before, after = _transition(verdict, action=Action.WITHDRAW, user=user, note=note)
    verdict.status = after
    _bump(verdict, ["status"])
    record_event(
        project_id=verdict.claim.article.project_id,
        actor=user,
        action=Action.WITHDRAW,
        target=verdict,
        claim_id=verdict.claim_id,
        verdict_id=verdict.pk,
        from_status=before,
        to_status=after,
        note=note,
    )
    return verdict


@transaction.atomic
def correct_verdict(
    *,
    verdict_id: int,
    user: User,
    correction_note: str,
    rating: str,
    explanation: str = "",
    sources: Iterable[int] | None = None,
    no_source_reason: str = "",
) -> Verdict:
    """Propose a correction of an approved verdict: a new draft that supersedes it once approved."""
    original = _lock_verdict(verdict_id, user)
    project = original.claim.article.project
    if not permissions.can_annotate(user, project):
        raise NotPermitted("Researchers can read but not correct verdicts.")
    if original.status != Status.APPROVED:
        raise InvalidTransition(
            f"Only an approved verdict can be corrected; this one is {original.status}."
        )
    note = _plain(correction_note, field="correction_note", max_length=5000)
    if not note:
        raise ValidationFailed(
            "Say what the correction changes (it is shown to readers).", field="correction_note"
        )
    pending = original.corrections.filter(
        status__in=[Status.DRAFT, Status.RETURNED, Status.SUBMITTED]
    ).first()
    if pending is not None:
        raise Conflict(f"A correction of this verdict is already in progress (#{pending.pk}).")
    label = _rating(project, rating)
    source_text, html = _explanation(explanation)
    cited = _cited(original.claim, sources)
    verdict = Verdict.objects.create(
        claim=original.claim,
        reviewer=user,
        rating=label,
        explanation=source_text,
        explanation_html=html,
        no_source_reason=_plain(no_source_reason, field="no_source_reason", max_length=2000),
        supersedes=original,
        correction_note=note,
    )
    verdict.sources.set(cited)
    record_event(
        project_id=project.pk,
        actor=user,
        action="correct",
        target=verdict,
        claim_id=original.claim_id,
        verdict_id=verdict.pk,
        to_status=Status.DRAFT,
        note=note,
        changes={"supersedes": original.pk, "rating": label.slug},
    )
    return verdict
