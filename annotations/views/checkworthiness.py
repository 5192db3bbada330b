"""HTML views for check-worthiness: "Not a claim" on a suggestion, and training the model.

Plain form POSTs that call `services.checkworthiness` and redirect back with a message; the
forms live in the partials `annotations/_sentence_dismiss.html` (in the suggestion list) and
`annotations/_checkworthiness_model.html` (on the project page).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from ..exceptions import DomainError
from ..models import Project
from ..services import checkworthiness as services


@login_required
@require_POST
def sentence_dismiss(request, pk, index):
    """Mark a suggested sentence "Not a claim": it leaves the list and teaches the model."""
    try:
        services.dismiss_sentence(article_id=pk, index=index, user=request.user)
    except DomainError as exc:
        if exc.status_code == 404:
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Sentence {index + 1} dismissed: not a claim.")
    return redirect("article_annotate", pk=pk)


@login_required
@require_POST
def checkworthiness_train(request, slug):
    """Train the project's check-worthiness model from its claims and dismissals (admins)."""
    project = get_object_or_404(Project.objects.visible_to(request.user), slug=slug)
    try:
        model = services.train_checkworthiness(project=project, user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"Trained on {model.labels} labels; cross-validated precision {model.precision:.2f}, "
            f"recall {model.recall:.2f}, F1 {model.f1:.2f}. Suggestions now use this model.",
        )
    return redirect("project_detail", slug=slug)
