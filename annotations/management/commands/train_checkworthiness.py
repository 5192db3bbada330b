"""`manage.py train_checkworthiness --project SLUG`: train the project's check-worthiness model
from its claims (check-worthy) and "Not a claim" dismissals, store it as data, and print the
labels and the cross-validated precision, recall and F1. Suggestions use the newest model from
then on; with too few labels the command says how many are missing and the rules stay.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from annotations import selectors, training
from annotations.exceptions import DomainError
from annotations.models import Project
from annotations.services.checkworthiness import train_checkworthiness


class Command(BaseCommand):
    help = "Train a project's check-worthiness model from its claims and dismissals."

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, help="The project's slug.")

    def handle(self, *args, **opts):
        project = Project.objects.filter(slug=opts["project"]).first()
        if project is None:
            raise CommandError(f"No project with the slug {opts['project']!r}.")
        try:
            model = train_checkworthiness(project=project, user=None)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        selectors.clear_sentence_caches()
        self.stdout.write(
            f"Trained model {model.pk} for {project.slug} on {model.labels} labels "
            f"({model.positives} claims, {model.labels - model.positives} dismissed).\n"
            f"{model.folds}-fold cross-validated at threshold {project.suggest_threshold:.2f}: "
            f"precision {model.precision:.3f}, recall {model.recall:.3f}, F1 {model.f1:.3f}.\n"
            f"Suggestions now use this model (a project needs {training.MIN_LABELS} labels, "
            f"{training.MIN_PER_CLASS} of each kind)."
        )
