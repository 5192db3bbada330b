"""Editorial pages: the editor's review queue, a verdict's page (approve, return, submit,
withdraw, propose a correction) and a claim's history.

Function-based views that parse a form, call one service or selector and render or redirect.
Objects of other projects come back 404 (fetched through `.visible_to`); a member whose role
does not allow a page or action gets 403; a domain error from a service becomes a message that
says what happened and what to do. Writes redirect (POST/redirect/GET) back to where the
editor was, so the queue keeps its filters and page.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .. import permissions, selectors, services
from ..exceptions import DomainError, InvalidTransition, NotPermitted, NotVisible, StaleVersion
from ..forms.editorial import (
    CorrectionForm,
    DecisionForm,
    QueueFilterForm,
    SubmitForm,
    WithdrawForm,
    labels_of,
)
from ..models import Article, Claim, Event, Project, RatingLabel, User, Verdict
from ..workflow import IN_PROGRESS, Action, Status, find_transition

QUEUE_CLAIMS_PER_PAGE = 20
DECISIONS = (Action.APPROVE, Action.RETURN, Action.WITHDRAW, Action.SUBMIT, Action.SUPERSEDE)


def _refused(request, message: str):
    """Render the 403 page with the reason."""
    return render(request, "annotations/editorial/refused.html", {"message": message}, status=403)


def _next_url(request, candidate: str | None, default: str) -> str:
    """Return `candidate` if it is a path on this site, else `default`."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _claim_label(claim: Claim) -> str:
    quote = claim.quote if len(claim.quote) <= 60 else claim.quote[:59] + "…"
    return f"“{quote}”"


# --- The review queue ------------------------------------------------------------------------


@dataclass
class QueueItem:
    verdict: Verdict
    is_own: bool
    rating_differs: bool = False


@dataclass
class ClaimGroup:
    """A claim with its queued verdicts, shown side by side so disagreements stand out."""

    claim: Claim
    items: list[QueueItem] = field(default_factory=list)
    required: int = 1
    independent: int = 0
    ratings: list[RatingLabel] = field(default_factory=list)

    @property
    def disagree(self) -> bool:
        return len(self.ratings) > 1

    @property
    def waiting_for(self) -> int:
        """Independent verdicts still missing before an editor may approve (0 if none)."""
        if all(item.verdict.supersedes_id for item in self.items):
            return 0  # a correction needs no independent second verdict
        return max(0, self.required - self.independent)


def _group_by_claim(verdicts, claim_ids: list[int], project: Project, user) -> list[ClaimGroup]:
    groups: dict[int, ClaimGroup] = {}
    for verdict in verdicts:
        group = groups.setdefault(
            verdict.claim_id, ClaimGroup(claim=verdict.claim, required=project.required_verdicts)
        )
        group.items.append(QueueItem(verdict=verdict, is_own=verdict.reviewer_id == user.pk))
    for group in groups.values():
        independent = {i.verdict.reviewer_id for i in group.items if not i.verdict.supersedes_id}
        group.independent = len(independent)
        by_rating = {i.verdict.rating_id: i.verdict.rating for i in group.items}
        group.ratings = list(by_rating.values())
        if group.disagree:
            for item in group.items:
                item.rating_differs = True
    return [groups[pk] for pk in claim_ids if pk in groups]


@login_required
def review_queue(request, slug):
    """Show the project's submitted verdicts, grouped by claim, the longest-waiting first."""
    project = get_object_or_404(
        Project.objects.visible_to(request.user).select_related("rating_scale"), slug=slug
    )
    if not permissions.can_review(request.user, project):
        return _refused(request, "Only editors and admins of this project see its review queue.")
    pending = selectors.review_queue_for(user=request.user, project=project)
    form = QueueFilterForm(
        request.GET,
        articles=Article.objects.filter(pk__in=pending.values("claim__article_id"))
        .only("pk", "title")
        .order_by("title", "pk"),
        reviewers=User.objects.filter(pk__in=pending.values("reviewer_id"))
        .only("pk", "username")
        .order_by("username"),
        labels=labels_of(project.rating_scale_id),
    )
    queue = selectors.review_queue_for(user=request.user, project=project, **form.filters())
    paginator = Paginator(selectors.review_queue_claim_ids(queue), QUEUE_CLAIMS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    claim_ids = [row["claim_id"] for row in page.object_list]
    # Every queued verdict of the page's claims, filtered or not: the editor decides per claim.
    verdicts = pending.filter(claim_id__in=claim_ids) if claim_ids else []
    groups = _group_by_claim(verdicts, claim_ids, project, request.user)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "annotations/editorial/queue.html",
        {
            "project": project,
            "form": form,
            "page": page,
            "groups": groups,
            "filter_query": query.urlencode(),
            "here": request.get_full_path(),
        },
    )


def _already_decided(verdict_id: int, seen_version: int | None) -> str:
    """Say what happened to a verdict since the editor loaded it."""
    verdict = Verdict.objects.select_related("approved_by").filter(pk=verdict_id).first()
    if verdict is None:  # pragma: no cover - verdicts are never deleted
        return f"Verdict #{verdict_id} no longer exists."
    if verdict.status == Status.SUBMITTED:
        return (
            f"Verdict #{verdict.pk} changed since you loaded it (you saw version {seen_version}, "
            f"it is now version {verdict.version}). Read it again below before deciding."
        )
    last = (
        Event.objects.filter(verdict_id=verdict.pk, action__in=DECISIONS)
        .select_related("actor")
        .order_by("-at", "-pk")
        .first()
    )
    who = last.actor.username if last and last.actor else "someone"
    when = f" at {last.at:%Y-%m-%d %H:%M} UTC" if last else ""
    if verdict.status == Status.APPROVED and verdict.approved_by:
        who = verdict.approved_by.username
    return f"Verdict #{verdict.pk} was already {verdict.status} by {who}{when}; nothing changed."


def _decide(request, pk: int, action: str):
    """Approve or return verdict `pk` from a queue or verdict-page form."""
    # Members only, not `selectors.readable_verdict`: a reviewer who posts a decision learns
    # that their role may not decide (403), and a late editor what happened to it (409).
    verdict = get_object_or_404(
        Verdict.objects.visible_to(request.user).select_related(
            "claim__article__project", "rating", "reviewer"
        ),
        pk=pk,
    )
    project = verdict.claim.article.project
    if not permissions.can_review(request.user, project):
        return _refused(request, "Only editors and admins of this project approve or return.")
    form = DecisionForm(request.POST)
    default = reverse("review_queue", kwargs={"slug": project.slug})
    if not form.is_valid():
        messages.error(request, "The form lacked the verdict's version; reload the page and retry.")
        return redirect(_next_url(request, request.POST.get("next"), default))
    data = form.cleaned_data
    try:
        if action == Action.APPROVE:
            services.approve_verdict(
                verdict_id=pk, editor=request.user, version=data["version"], note=data["note"]
            )
            messages.success(
                request,
                f"Approved verdict #{pk} ({verdict.rating.name}) on {_claim_label(verdict.claim)}.",
            )
        else:
            services.return_verdict(
                verdict_id=pk, editor=request.user, version=data["version"], note=data["note"]
            )
            messages.success(
                request,
                f"Returned verdict #{pk} to {verdict.reviewer.username} with your note.",
            )
    except (StaleVersion, InvalidTransition) as exc:
        current = Verdict.objects.filter(pk=pk).values_list("status", flat=True).first()
        if current == Status.SUBMITTED and isinstance(exc, InvalidTransition):
            messages.error(request, exc.message)  # e.g. double review still needs verdicts
        else:
            messages.error(request, _already_decided(pk, data["version"]))
    except NotVisible:
        raise Http404 from None
    except DomainError as exc:  # NotPermitted (own verdict), ValidationFailed (no note), Conflict
        messages.error(request, f"Verdict #{pk}: {exc.message}")
    return redirect(_next_url(request, data.get("next"), default))


@login_required
@require_POST
def verdict_approve(request, pk):
    return _decide(request, pk, Action.APPROVE)


@login_required
@require_POST
def verdict_return(request, pk):
    return _decide(request, pk, Action.RETURN)


# --- A verdict's page ------------------------------------------------------------------------


def _verdict_page(request, verdict: Verdict, *, correction_form=None, status=200):
    project = verdict.claim.article.project
    user = request.user
    visible = selectors.readable_verdicts(user, project)
    verdict = (
        Verdict.objects.select_related(
            "claim__article__project__rating_scale",
            "rating",
            "reviewer",
            "approved_by",
            "supersedes__rating",
            "supersedes__reviewer",
        )
        .prefetch_related(
            "sources",
            _corrections_prefetch(visible),
        )
        .get(pk=verdict.pk)
    )
    actions = permissions.verdict_actions(user, verdict)
    # Unfiltered by visibility: another reviewer's correction draft is private but still blocks.
    in_progress = Verdict.objects.filter(supersedes=verdict, status__in=IN_PROGRESS)
    correction_pending = verdict.status == Status.APPROVED and (
        in_progress.filter(reviewer=user).exists()
        or in_progress.count() >= project.required_verdicts
    )
    can_correct = Action.CORRECT in actions and not correction_pending
    if can_correct and correction_form is None:
        correction_form = CorrectionForm(
            claim=verdict.claim,
            labels=labels_of(project.rating_scale_id),
            initial={
                "rating": verdict.rating.slug,
                "explanation": verdict.explanation,
                "sources": [s.pk for s in verdict.sources.all()],
                "no_source_reason": verdict.no_source_reason,
            },
        )
    withdraw = (
        find_transition(Action.WITHDRAW, verdict.status) if Action.WITHDRAW in actions else None
    )
    context = {
        "verdict": verdict,
        "claim": verdict.claim,
        "project": project,
        "can_decide": Action.APPROVE in actions,
        "own_in_review": verdict.status == Status.SUBMITTED
        and verdict.reviewer_id == user.pk
        and permissions.can_review(user, project),
        "can_submit": Action.SUBMIT in actions,
        "withdraw": withdraw,
        "correction_form": correction_form if can_correct or correction_form else None,
        "correction_pending": correction_pending,
        "here": request.get_full_path(),
    }
    return render(request, "annotations/editorial/verdict.html", context, status=status)


def _corrections_prefetch(visible):
    return Prefetch(
        "corrections",
        queryset=Verdict.objects.filter(visible).select_related("rating", "reviewer"),
    )


@login_required
def verdict_detail(request, pk):
    """Show a verdict: status, version, the correction chain, notes, and what you may do."""
    return _verdict_page(request, selectors.readable_verdict(request.user, pk))


@login_required
@require_POST
def verdict_correct(request, pk):
    """Propose a correction of an approved verdict (a new draft that supersedes it)."""
    verdict = selectors.readable_verdict(request.user, pk)
    project = verdict.claim.article.project
    if not permissions.can_annotate(request.user, project):
        return _refused(request, "Researchers can read but not correct verdicts.")
    form = CorrectionForm(
        request.POST, claim=verdict.claim, labels=labels_of(project.rating_scale_id)
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            correction = services.correct_verdict(
                verdict_id=pk,
                user=request.user,
                correction_note=data["correction_note"],
                rating=data["rating"],
                explanation=data["explanation"],
                sources=data["sources"],
                no_source_reason=data["no_source_reason"],
                claim_changes=form.claim_changes(),
            )
        except NotPermitted as exc:
            return _refused(request, exc.message)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request,
                f"Correction #{correction.pk} drafted. Submit it for approval when it is ready.",
            )
            return redirect("verdict_detail", pk=correction.pk)
    messages.error(request, "The correction was not saved; see the form below.")
    return _verdict_page(request, verdict, correction_form=form, status=400)


@login_required
@require_POST
def verdict_withdraw(request, pk):
    """Withdraw a verdict (an approved one needs an editor and a note)."""
    selectors.readable_verdict(request.user, pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The form lacked the verdict's version; reload the page and retry.")
        return redirect("verdict_detail", pk=pk)
    try:
        services.withdraw_verdict(
            verdict_id=pk,
            user=request.user,
            note=form.cleaned_data["note"],
            version=form.cleaned_data["version"],
        )
    except NotPermitted as exc:
        return _refused(request, exc.message)
    except StaleVersion:
        messages.error(request, _already_decided(pk, form.cleaned_data["version"]))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Withdrew verdict #{pk}. It stays on record with your note.")
    return redirect("verdict_detail", pk=pk)


@login_required
@require_POST
def verdict_submit(request, pk):
    """Submit one's own draft or returned verdict (e.g. a correction) for approval."""
    selectors.readable_verdict(request.user, pk)
    form = SubmitForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The form lacked the verdict's version; reload the page and retry.")
        return redirect("verdict_detail", pk=pk)
    try:
        services.submit_verdict(
            verdict_id=pk, user=request.user, version=form.cleaned_data["version"]
        )
    except NotPermitted as exc:
        return _refused(request, exc.message)
    except StaleVersion:
        messages.error(request, _already_decided(pk, form.cleaned_data["version"]))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Submitted verdict #{pk}; an editor will review it.")
    return redirect("verdict_detail", pk=pk)


# --- A claim's history -----------------------------------------------------------------------

TEXT_FIELDS = frozenset({"explanation", "no_source_reason", "statement", "claimant"})
_WORDS = re.compile(r"\s+|[^\s]+")


def word_diff(before: str, after: str) -> list[tuple[str, str]]:
    """Return (op, text) segments turning `before` into `after`; op is same, del or ins.

    Word-level, so a changed sentence reads as a few struck and inserted words. The template
    escapes the text; nothing here is marked safe.
    """
    a, b = _WORDS.findall(before or ""), _WORDS.findall(after or "")
    segments: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            segments.append(("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            segments.append(("del", "".join(a[i1:i2])))
        if j2 > j1:
            segments.append(("ins", "".join(b[j1:j2])))
    return segments


@dataclass
class Change:
    field: str
    kind: str  # "diff", "pair" or "value"
    before: str = ""
    after: str = ""
    segments: list[tuple[str, str]] = field(default_factory=list)


def _show(value) -> str:
    if isinstance(value, list):
        return ", ".join(f"#{v}" if isinstance(v, int) else str(v) for v in value) or "none"
    return "" if value is None else str(value)


def describe_changes(changes: dict) -> list[Change]:
    """Turn an Event's `changes` into rows: a word diff for text, from -> to for the rest."""
    rows = []
    for name, value in (changes or {}).items():
        if isinstance(value, dict) and set(value) == {"from", "to"}:
            if name in TEXT_FIELDS:
                rows.append(
                    Change(
                        name, "diff", segments=word_diff(_show(value["from"]), _show(value["to"]))
                    )
                )
            else:
                rows.append(
                    Change(name, "pair", before=_show(value["from"]), after=_show(value["to"]))
                )
        else:
            rows.append(Change(name, "value", after=_show(value)))
    return rows


@login_required
def claim_history(request, pk):
    """Show everything that happened to a claim, its sources and the verdicts you may read."""
    claim = get_object_or_404(
        Claim.objects.visible_to(request.user).select_related("article__project"), pk=pk
    )
    events = list(selectors.claim_history_for(claim=claim, user=request.user))
    rows = [(event, describe_changes(event.changes)) for event in events]
    return render(
        request,
        "annotations/editorial/history.html",
        {"claim": claim, "project": claim.article.project, "rows": rows},
    )
