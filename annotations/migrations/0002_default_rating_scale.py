"""Create the default rating scale with its FEVER, AVeriTeC and ClaimReview mappings."""

from django.db import migrations

LABELS = [
    # slug, name, colour, ordinal, truth_score, fever, averitec, claimreview, description
    ("true", "True", "#1e7b34", 5, 1.0, "SUPPORTS", "Supported", 5,
     "The statement is accurate and nothing significant is missing."),
    ("mostly-true", "Mostly true", "#5c9d2e", 4, 0.75, "SUPPORTS", "Supported", 4,
     "The statement is accurate but needs clarification or additional information."),
    ("half-true", "Half true", "#c9a227", 3, 0.5, "", "Conflicting Evidence/Cherrypicking", 3,
     "The statement is partially accurate but leaves out important details or takes things "
     "out of context."),
    ("mostly-false", "Mostly false", "#d9731a", 2, 0.25, "REFUTES", "Refuted", 2,
     "The statement contains an element of truth but ignores facts that would give a "
     "different impression."),
    ("false", "False", "#b3261e", 1, 0.0, "REFUTES", "Refuted", 1,
     "The statement is not accurate."),
    ("misleading", "Misleading", "#8e44ad", None, None, "",
     "Conflicting Evidence/Cherrypicking", None,
     "The facts may be right but are presented so as to give a false impression."),
    ("unproven", "Unproven", "#6b7280", None, None, "NOT ENOUGH INFO", "Not Enough Evidence",
     None, "There is not enough public evidence to rate the statement either way."),
]  # fmt: skip


def create_default_scale(apps, schema_editor):
    RatingScale = apps.get_model("annotations", "RatingScale")
    RatingLabel = apps.get_model("annotations", "RatingLabel")
    scale, created = RatingScale.objects.get_or_create(
        slug="default",
        version=1,
        defaults={
            "name": "Default scale",
            "description": "Five-point truth scale plus two off-axis labels.",
        },
    )
    if not created:
        return
    for position, row in enumerate(LABELS):
        slug, name, colour, ordinal, truth, fever, averitec, number, description = row
        RatingLabel.objects.create(
            scale=scale,
            slug=slug,
            name=name,
            colour=colour,
            position=position,
            ordinal=ordinal,
            truth_score=truth,
            fever=fever,
            averitec=averitec,
            claimreview_rating=number,
            description=description,
        )


class Migration(migrations.Migration):
    dependencies = [("annotations", "0001_initial")]

    operations = [migrations.RunPython(create_default_scale, migrations.RunPython.noop)]
