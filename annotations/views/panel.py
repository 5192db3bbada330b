"""The claim panel's writes, as plain form posts: the claim's fields and span, sources,
verdicts, deleting a claim with undo, marking a suggested sentence, "I've finished this article".

A `DomainError` becomes a message beside the field it names and the annotation page is shown
again with what the user typed (`annotate.render_annotate`), never a 500. The script enhances
these forms (it asks for JSON), so everything but selecting text works without JavaScript.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from .. import selectors, services
from ..exceptions import DomainError, NotVisible, ValidationFailed
from ..forms.reviewer import (
    ClaimForm,
    SourceForm,
    SpanForm,
)
from ..models import Article, Claim, Source, Verdict
from ..workflow import Status
from .annotate import (
    MY_LIVE,
    UNDO,
    notify,
    remember_undo,
    render_annotate,
    verdict_form_for,
)

# --- Claim panel writes (plain form POSTs) ----------------------------------------------------


def _claim_or_404(request, pk: int) -> Claim:
    return selectors.readable_claim(request.user, pk, Claim.objects.only("pk", "article_id"))


def panel_url(claim: Claim, anchor: str = "claim-panel") -> str:
    return (
        reverse("article_annotate", kwargs={"pk": claim.article_id}) + f"?claim={claim.pk}#{anchor}"
    )


def _panel_with(request, claim, forms: dict, exc: DomainError | None = None):
    """Render the page again with the panel's bound `forms`: 400 for a form that did not
    validate, the service error's status (its message beside the field) otherwise."""
    status = status_of(exc) if exc is not None else 400
    return render_annotate(request, claim.article_id, claim_id=claim.pk, forms=forms, status=status)


def status_of(exc: DomainError) -> int:
    if isinstance(exc, NotVisible):
        raise Http404(exc.message)
    return exc.status_code


@login_required
@require_POST
def article_finish(request, pk):
    """“I've finished this article” (`done=finish`) or “I'm not finished” (`done=reopen`) for
    the reviewer's own layer in a project with independent spans; back to the article."""
    article = get_object_or_404(Article.objects.visible_to(request.user).only("pk"), pk=pk)
    reopen = request.POST.get("done") == "reopen"
    try:
        if reopen:
            services.reopen_article(article_id=article.pk, user=request.user)
        else:
            services.finish_article(article_id=article.pk, user=request.user)
    except DomainError as exc:
        status_of(exc)
        if _wants_json(request):
            return _json_error(exc)
        notify(request, "layer", exc.message, "error")
        return redirect(f"{_article_url(article.pk)}#layer-status")
    text = (
        "Your layer is open again: you can change your claims."
        if reopen
        else "You finished this article: your layer is locked, and reviewers who finished "
        "too can now see it."
    )
    if _wants_json(request):
        return JsonResponse(selectors.layer_state(article_id=article.pk, user=request.user))
    notify(request, "layer", text)
    return redirect(f"{_article_url(article.pk)}#layer-status")


@login_required
@require_POST
def sentence_claim(request, pk, index):
    """Mark a whole sentence as a claim (one click, no JavaScript needed)."""
    article = get_object_or_404(Article.objects.visible_to(request.user).only("pk"), pk=pk)
    sentence = get_object_or_404(article.sentences.only("start", "end"), index=index)
    try:
        claim = services.mark_claim(
            article_id=article.pk, user=request.user, start=sentence.start, end=sentence.end
        )
    except DomainError as exc:
        status_of(exc)
        messages.error(request, exc.message)
        return redirect(article)
    remember_undo(request, article.pk, "mark", claim.pk, f"Marked claim #{claim.pk}.")
    notify(request, "toolbar", f"Marked claim #{claim.pk}.")
    return redirect(panel_url(claim))


@login_required
@require_POST
def claim_update(request, pk):
    """Save a claim's normalised statement and claimant."""
    claim = _claim_or_404(request, pk)
    form = ClaimForm(request.POST, prefix="claim")
    if form.is_valid():
        try:
            services.update_claim(claim_id=claim.pk, user=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
            return _panel_with(request, claim, {"claim": form}, exc)
        notify(request, "claim", "Saved the claim.")
        return redirect(panel_url(claim))
    return _panel_with(request, claim, {"claim": form})


@login_required
@require_POST
def source_add(request, pk):
    """Attach a source to a claim."""
    claim = _claim_or_404(request, pk)
    form = SourceForm(request.POST, prefix="source")
    if form.is_valid():
        try:
            source = services.attach_source(
                claim_id=claim.pk, user=request.user, **form.cleaned_data
            )
        except DomainError as exc:
            form.add_domain_error(exc)
            return _panel_with(request, claim, {"source": form}, exc)
        notify(request, "sources", f"Added the source “{source}”.")
        return redirect(panel_url(claim, "sources"))
    return _panel_with(request, claim, {"source": form})


@login_required
@require_POST
def verdict_save(request, pk):
    """Save my verdict on a claim as a draft, or save and submit it for approval.

    Both steps run in one transaction: if the submission is refused, the edit is not kept
    either, and the form comes back with what I typed and the reason beside the field.
    """
    claim = get_object_or_404(
        Claim.objects.visible_to(request.user).select_related("article__project"), pk=pk
    )
    labels = list(claim.article.project.rating_scale.labels.all())
    mine = (
        Verdict.objects.filter(claim=claim, reviewer=request.user, status__in=MY_LIVE)
        .order_by("-pk")
        .first()
    )
    form = verdict_form_for(claim, mine, labels, data=request.POST)
    if form.is_valid():
        data = form.cleaned_data
        fields = {
            "rating": data["rating"],
            "explanation": data["explanation"],
            "sources": data["sources"],
            "no_source_reason": data["no_source_reason"],
        }
        try:
            with transaction.atomic():
                if mine is None:
                    verdict = services.draft_verdict(
                        claim_id=claim.pk, reviewer=request.user, **fields
                    )
                else:
                    verdict = services.update_verdict(
                        verdict_id=mine.pk, user=request.user, version=data["version"], **fields
                    )
                if data["action"] == "submit":
                    verdict = services.submit_verdict(
                        verdict_id=verdict.pk, user=request.user, version=verdict.version
                    )
        except DomainError as exc:
            form.add_domain_error(exc)
            return _panel_with(request, claim, {"verdict": form}, exc)
        if verdict.status == Status.SUBMITTED:
            notify(request, "verdict", "Submitted your verdict for approval.")
        else:
            notify(request, "verdict", "Saved your verdict as a draft.")
        return redirect(panel_url(claim, "verdict"))
    return _panel_with(request, claim, {"verdict": form})


def _wants_json(request) -> bool:
    """Whether the page's script sent the form (it asks for JSON; a plain form POST does not)."""
    return request.headers.get("Accept", "").startswith("application/json")


def _json_error(exc: DomainError) -> JsonResponse:
    status_of(exc)
    return JsonResponse(
        {"detail": exc.message, "field": getattr(exc, "field", None)}, status=exc.status_code
    )


def _article_url(article_id: int) -> str:
    return reverse("article_annotate", kwargs={"pk": article_id})


@login_required
@require_POST
def claim_delete(request, pk):
    """Delete a claim without verdicts; the page then offers to undo it for a short while."""
    claim = _claim_or_404(request, pk)
    try:
        event = services.delete_claim(claim_id=claim.pk, user=request.user)
    except DomainError as exc:
        if _wants_json(request):
            return _json_error(exc)
        notify(request, "delete", exc.message, "error")
        return redirect(panel_url(claim, "delete-claim"))
    label = f"Deleted claim #{claim.pk}."
    remember_undo(request, claim.article_id, "delete", event.pk, label)
    if _wants_json(request):
        return JsonResponse({"deleted": claim.pk, "event": event.pk})
    notify(request, "toolbar", label)
    return redirect(_article_url(claim.article_id))


@login_required
@require_POST
def claim_undo(request, pk):
    """Undo my last mark (delete the claim) or deletion (restore the claim) on this article."""
    article = get_object_or_404(Article.objects.visible_to(request.user).only("pk"), pk=pk)
    kind = request.POST.get("kind", "")
    raw = request.POST.get("target", "")
    target = int(raw) if raw.isdigit() and len(raw) < 19 else None
    try:
        if kind == "mark" and target is not None:
            claim = _claim_or_404(request, target)
            if claim.article_id != article.pk:
                raise Http404("No such claim in this article.")
            services.delete_claim(claim_id=claim.pk, user=request.user)
            result = {"undone": "mark", "claim": claim.pk}
            label = f"Undid the mark: claim #{claim.pk} is gone."
        elif kind == "delete" and target is not None:
            claim = services.restore_claim(event_id=target, user=request.user)
            result = {"undone": "delete", "claim": claim.pk}
            label = f"Restored the deleted claim as claim #{claim.pk}."
        else:
            raise ValidationFailed("Say what to undo: kind mark or delete, and its id.")
    except DomainError as exc:
        if _wants_json(request):
            return _json_error(exc)
        notify(request, "toolbar", exc.message, "error")
        return redirect(_article_url(article.pk))
    request.session.pop(UNDO, None)
    if _wants_json(request):
        return JsonResponse(result)
    notify(request, "toolbar", label)
    if result["undone"] == "delete":
        return redirect(panel_url(Claim(pk=result["claim"], article_id=article.pk)))
    return redirect(_article_url(article.pk))


@login_required
@require_POST
def claim_span(request, pk):
    """Replace a claim's span by code points (from a selection) or by its exact text."""
    claim = _claim_or_404(request, pk)
    form = SpanForm(request.POST, prefix="span")
    if form.is_valid():
        data = form.cleaned_data
        if data["start"] is not None and data["end"] is not None:
            span = {"start": data["start"], "end": data["end"]}
        else:
            span = {"quote": data["quote"]}
        try:
            services.update_claim(claim_id=claim.pk, user=request.user, **span)
        except DomainError as exc:
            form.add_domain_error(exc)
            return _panel_with(request, claim, {"span": form}, exc)
        notify(request, "span", "Changed the claim's span.")
        return redirect(panel_url(claim, "span"))
    return _panel_with(request, claim, {"span": form})


def _source_or_404(request, pk: int) -> Source:
    try:
        return selectors.readable_source(
            request.user, pk, Source.objects.select_related("claim").only("pk", "claim")
        )
    except NotVisible:
        raise Http404("No such source in your projects.") from None


@login_required
@require_POST
def source_update(request, pk):
    """Correct a source that no verdict in review or published cites."""
    source = _source_or_404(request, pk)
    claim = source.claim
    form = SourceForm(request.POST, prefix=f"source-{source.pk}")
    if form.is_valid():
        try:
            services.update_source(source_id=source.pk, user=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
            return _panel_with(request, claim, {f"source-{source.pk}": form}, exc)
        notify(request, "sources", "Saved the source.")
        return redirect(panel_url(claim, f"source-{source.pk}"))
    return _panel_with(request, claim, {f"source-{source.pk}": form})


@login_required
@require_POST
def source_remove(request, pk):
    """Remove a source that no verdict in review or published cites."""
    source = _source_or_404(request, pk)
    claim = source.claim
    try:
        services.remove_source(source_id=source.pk, user=request.user)
    except DomainError as exc:
        status_of(exc)
        notify(request, "sources", exc.message, "error")
        return redirect(panel_url(claim, "sources"))
    notify(request, "sources", "Removed the source.")
    return redirect(panel_url(claim, "sources"))
