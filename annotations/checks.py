"""System checks for configuration mistakes that would only show up in an export."""

from django.core import checks
from django.db import DatabaseError


@checks.register(checks.Tags.models, deploy=False)
def check_rating_labels(app_configs, **kwargs):
    """factcheck.E001: every on-axis rating label needs a ClaimReview number.

    factcheck.W001: a label without a FEVER or AVeriTeC mapping is left out of those exports.
    """
    from .models import RatingLabel

    errors = []
    try:
        labels = list(RatingLabel.objects.select_related("scale"))
    except DatabaseError:  # tables not created yet (before migrate)
        return errors
    for label in labels:
        if label.ordinal is not None and label.claimreview_rating is None:
            errors.append(
                checks.Error(
                    f"Rating label {label.scale.slug}/{label.slug} is on-axis but has no "
                    "ClaimReview rating number.",
                    hint="Set claimreview_rating, or clear ordinal for an off-axis label.",
                    obj=label,
                    id="factcheck.E001",
                )
            )
        if not label.averitec:
            errors.append(
                checks.Warning(
                    f"Rating label {label.scale.slug}/{label.slug} has no AVeriTeC mapping.",
                    obj=label,
                    id="factcheck.W001",
                )
            )
    return errors
