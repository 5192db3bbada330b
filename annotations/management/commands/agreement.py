"""`manage.py agreement --project SLUG [--format json|csv] [--since DATE] [--until DATE]
[--article ID] [--identities] [--output FILE]`: the agreement figures of the agreement page and
API (`stats.agreement_report`), for a researcher's script or a citation.

Reviewers appear as pseudonyms unless `--identities` is given, as with `manage.py export`
(whoever runs manage.py already has the database).
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from annotations import stats
from annotations.exceptions import ValidationFailed
from annotations.models import Project


class Command(BaseCommand):
    help = "Print a project's reviewer agreement (Krippendorff's alpha, kappa, span agreement)."

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, help="The project's slug.")
        parser.add_argument("--format", default="json", choices=["json", "csv"])
        parser.add_argument("--since", help="Only verdicts submitted on or after (YYYY-MM-DD).")
        parser.add_argument("--until", help="Only verdicts submitted on or before (YYYY-MM-DD).")
        parser.add_argument("--article", help="Only this article's claims (an id).")
        parser.add_argument(
            "--identities", action="store_true", help="Usernames instead of pseudonyms."
        )
        parser.add_argument("--output", help="File to write (default: standard output).")

    def handle(self, *args, **opts):
        project = Project.objects.filter(slug=opts["project"]).first()
        if project is None:
            raise CommandError(f"No project with the slug {opts['project']!r}.")
        try:
            filters = stats.parse_filters(
                since=opts["since"], until=opts["until"], article=opts["article"]
            )
        except ValidationFailed as exc:
            raise CommandError(exc.message) from None
        report = stats.agreement_report(
            project=project, identities=opts["identities"], filters=filters
        )
        if opts["format"] == "csv":
            text = stats.agreement_csv(report)
        else:
            text = json.dumps(report, indent=2, ensure_ascii=False) + "\n"
        if opts["output"]:
            with open(opts["output"], "w", encoding="utf-8") as handle:
                handle.write(text)
        else:
            self.stdout.write(text, ending="")
