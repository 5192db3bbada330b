"""The project page's check-worthiness box: which scorer suggests claims, the labels so far,
the last training's cross-validated scores and, for admins, the "Train" button.

`{% load checkworthiness_tags %}` then `{% checkworthiness_status project %}`.
"""

from __future__ import annotations

from django import template

from .. import permissions, selectors, training
from ..models import CheckworthinessModel

register = template.Library()


@register.inclusion_tag("annotations/_checkworthiness_model.html", takes_context=True)
def checkworthiness_status(context, project) -> dict:
    """Return the context of the check-worthiness box for `project` (four queries)."""
    labels, positives = selectors.checkworthiness_labels(project=project)
    model = CheckworthinessModel.objects.filter(project=project).defer("data").first()
    return {
        "project": project,
        "model": model,
        "labels": labels,
        "positives": positives,
        "negatives": labels - positives,
        "min_labels": training.MIN_LABELS,
        "min_per_class": training.MIN_PER_CLASS,
        "enough": training.has_enough_labels([True] * positives + [False] * (labels - positives)),
        "can_train": permissions.can_edit_project(context["request"].user, project),
        "csrf_token": context.get("csrf_token"),
    }
