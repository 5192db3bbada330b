"""What every service shares: input cleaning, the visibility lookup, the event log, and the one
helper that locks a claim's verdicts and performs a versioned, recorded transition.

Lock order, everywhere (so two transactions never wait for each other in a cycle): the article
row, then the claim row, then the claim's verdicts in primary-key order, then sources. Locks are
taken with `select_for_update(of=("self",))` so a join never locks a project, a rating label or a
user row by accident. On SQLite the IMMEDIATE transaction holds the database's write lock from
its start and these locks are no-ops.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Model

from .. import limits, permissions, sanitize
from ..exceptions import NotVisible, StaleVersion, ValidationFailed
from ..models import Claim, Event, User, Verdict
from ..workflow import Transition, check_action


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


def plain(value: str | None, *, field: str, max_length: int | None = None) -> str:
    """Return `value` with markup and control characters removed, within `max_length`."""
    cleaned = sanitize.strip_markup(value or "")
    if max_length is not None and len(cleaned) > max_length:
        raise ValidationFailed(
            f"{field} is {len(cleaned)} characters long; the limit is {max_length}.", field=field
        )
    return cleaned


def model_plain(model: type[Model], field: str, value: str | None) -> str:
    """Return `plain(value)` within the model field's declared limit."""
    return plain(value, field=field, max_length=model._meta.get_field(field).max_length)


def http_url(value: str | None, *, field: str, required: bool) -> str:
    """Return an absolute http(s) URL, or raise ValidationFailed saying what is wrong."""
    value = (value or "").strip()
    if not value:
        if required:
            raise ValidationFailed(f"{field} is required.", field=field)
        return ""
    if len(value) > limits.URL:
        raise ValidationFailed(f"{field} is longer than {limits.URL} characters.", field=field)
    if not sanitize.is_http_url(value):
        raise ValidationFailed(
            f"{field} must be an http:// or https:// address (got {value[:80]!r}).", field=field
        )
    return value


def visible_or_raise(queryset, pk: int, user: User, what: str):
    """Return `queryset`'s row `pk` if `user` is a member of its project, else NotVisible."""
    try:
        return queryset.visible_to(user).get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotVisible(f"No {what} with id {pk} in your projects.") from None


def lock_claim(claim_id: int) -> Claim:
    """Lock and return the claim row (with its article, unlocked): the first lock of any write
    to a claim, its sources or its verdicts."""
    return (
        Claim.objects.select_for_update(of=("self",))
        .select_related("article__project")
        .get(pk=claim_id)
    )


@dataclass
class LockedVerdict:
    """A verdict, its claim and the claim's other verdicts, all locked in the house order."""

    verdict: Verdict
    claim: Claim
    siblings: list[Verdict]

    @property
    def project_id(self) -> int:
        return self.claim.article.project_id


def lock_verdict(verdict_id: int, user: User) -> LockedVerdict:
    """Lock a verdict the user's projects hold, with its claim and sibling verdicts.

    Finds the claim without locking, then locks the claim row and every verdict of the claim in
    primary-key order: two editors approving sibling verdicts at once queue on the claim row
    instead of deadlocking on each other's verdict rows.
    """
    claim_id = visible_or_raise(
        Verdict.objects.values_list("claim_id", flat=True), verdict_id, user, "verdict"
    )
    claim = lock_claim(claim_id)
    verdicts = list(
        Verdict.objects.select_for_update(of=("self",))
        .filter(claim_id=claim.pk)
        .select_related("rating")
        .order_by("pk")
    )
    verdict = next((v for v in verdicts if v.pk == verdict_id), None)
    if verdict is None:  # deleted or moved between the lookup and the lock
        raise NotVisible(f"No verdict with id {verdict_id} in your projects.")
    verdict.claim = claim
    return LockedVerdict(
        verdict=verdict, claim=claim, siblings=[v for v in verdicts if v.pk != verdict_id]
    )


def check_version(verdict: Verdict, version: int | None) -> None:
    """Raise StaleVersion if the caller read an older version than the stored one."""
    if version is not None and version != verdict.version:
        raise StaleVersion(
            f"The verdict changed since you loaded it (you have version {version}, the current "
            f"version is {verdict.version}). Reload it and apply your change again.",
            current_version=verdict.version,
        )


def check_verdict_action(
    verdict: Verdict, *, action: str, user: User, note: str = ""
) -> Transition:
    """Ask the workflow whether `user` may take `action` on `verdict` now (raises if not)."""
    return check_action(
        action,
        status=verdict.status,
        roles=permissions.roles_in(user, verdict.claim.article.project_id),
        is_author=verdict.reviewer_id == user.pk,
        note=note,
    )


def save_verdict(verdict: Verdict, fields: Sequence[str]) -> None:
    """Save the changed `fields` of a verdict and bump its version (the API's ETag)."""
    verdict.version += 1
    verdict.save(update_fields=[*dict.fromkeys(fields), "version", "updated_at"])


def transition(
    locked: LockedVerdict,
    *,
    action: str,
    user: User,
    version: int | None = None,
    note: str = "",
    verdict: Verdict | None = None,
    fields: Sequence[str] = (),
    event_note: str | None = None,
    changes: dict | None = None,
) -> Verdict:
    """Move a locked verdict through `action`: check the version and the workflow table, set the
    new status, save it with `fields`, bump the version and record the event.

    `verdict` defaults to the locked verdict (pass a sibling, e.g. the verdict a correction
    supersedes). Returns the verdict.
    """
    verdict = verdict or locked.verdict
    check_version(verdict, version)
    step = check_verdict_action(verdict, action=action, user=user, note=note)
    before = verdict.status
    verdict.status = step.target
    save_verdict(verdict, ["status", *fields])
    record_event(
        project_id=locked.project_id,
        actor=user,
        action=action,
        target=verdict,
        claim_id=locked.claim.pk,
        verdict_id=verdict.pk,
        from_status=before,
        to_status=step.target,
        note=note if event_note is None else event_note,
        changes=changes,
    )
    return verdict
