"""HTML for living articles: the article page's provenance and versions box (a partial included
by the annotation page), a new version of the text (pasted, or the page fetched again by a job),
re-attaching an orphaned claim by selecting its text, and an editor's "checked" on a verdict
whose quote changed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from .. import permissions, services, tasks
from ..exceptions import DomainError
from ..models import Anchor, Article, Claim, Verdict


def living_context(article: Article, claims) -> dict:
    """Return what the article page's versions box shows: provenance, earlier versions, and
    the claims a person must look at (orphaned, with their old context; fuzzy).

    `claims` are the page's rows (pk, anchor); the few not anchored exactly are read whole
    (one query, only when there are some)."""
    loose = [c.pk for c in claims if c.anchor != Anchor.EXACT]
    whole = list(Claim.objects.filter(pk__in=loose).order_by("start", "pk")) if loose else []
    orphans = [c for c in whole if c.anchor == Anchor.ORPHANED]
    fuzzy = [c for c in whole if c.anchor == Anchor.FUZZY]
    # Version 1 has no earlier versions: no query (the page of most articles).
    versions = (
        list(article.versions.values("number", "replaced_at", "text_sha256", "source_url"))
        if article.version > 1
        else []
    )
    return {
        "orphans": orphans,
        "fuzzy": fuzzy,
        "versions": versions,
        "has_source": bool(article.source_sha256),
    }


def _article_for(request, pk: int) -> Article:
    article = get_object_or_404(
        Article.objects.visible_to(request.user).select_related("project"), pk=pk
    )
    return article


@login_required
@require_POST
def article_version_new(request, pk):
    """Add a new version: pasted text now, or (refetch) the article's URL fetched by a job."""
    article = _article_for(request, pk)
    if not permissions.can_annotate(request.user, article.project):
        messages.error(request, "Only reviewers, editors and admins can add a version.")
        return redirect(article)
    try:
        if request.POST.get("refetch"):
            if not article.url:
                messages.error(request, "This article has no URL to fetch again.")
                return redirect(article)
            job = tasks.start_import_job(
                project=article.project, user=request.user, urls=[article.url]
            )
            return redirect("job_detail", slug=article.project.slug, pk=job.pk)
        body = request.POST.get("text", "")
        if not body.strip():
            messages.error(request, "Paste the new text of the article.")
            return redirect(article)
        result = services.add_article_version(
            article_id=article.pk, user=request.user, text_body=body
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(article)
    messages.success(
        request,
        f"Version {result.version}: {len(result.exact)} claims found exactly, "
        f"{len(result.fuzzy)} found approximately (check them), {len(result.orphaned)} orphaned.",
    )
    return redirect(article)


@login_required
@require_POST
def claim_reattach(request, pk):
    """Re-attach an orphaned (or approximately found) claim to the selected text."""
    claim = get_object_or_404(
        Claim.objects.filter(article__in=Article.objects.visible_to(request.user)), pk=pk
    )
    try:
        services.reattach_claim(
            claim_id=claim.pk, user=request.user, quote=request.POST.get("quote", "")
        )
    except DomainError as exc:
        messages.error(request, f"Claim #{claim.pk}: {exc.message}")
    else:
        messages.success(request, f"Claim #{claim.pk} is attached to the current text.")
    return redirect(claim.article)


@login_required
@require_POST
def verdict_article_checked(request, pk):
    """An editor has checked a verdict whose quote changed: clear the flag."""
    verdict = get_object_or_404(
        Verdict.objects.filter(claim__article__in=Article.objects.visible_to(request.user)), pk=pk
    )
    try:
        services.clear_article_changed(
            verdict_id=verdict.pk, editor=request.user, note=request.POST.get("note", "")[:2000]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Marked as checked against the new text.")
    return redirect("verdict_detail", pk=verdict.pk)
