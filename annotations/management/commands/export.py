"""`manage.py export --project SLUG --format F [--output FILE] [--status approved|all]
[--updated-since ISO] [--identities] [--base-url URL]`: the same pipeline as the HTTP export.

Writes to FILE (or standard output) and shows progress on standard error. For FEVER it reports
how many claims were left out because their label has no FEVER class. It exports every
reviewer layer (independent span annotation), as a project's editors do: whoever runs it
holds the database.
"""

from __future__ import annotations

import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from annotations.exceptions import ValidationFailed
from annotations.exports.pipeline import FORMATS, count_articles, parse_options, run_export
from annotations.models import Project
from annotations.progress import Progress


class Command(BaseCommand):
    help = "Export a project's annotated corpus (jsonl, json, csv, claimreview, wadm, fever)."
    # System checks cost about a second per run and check nothing this command relies on.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, help="The project's slug.")
        parser.add_argument("--format", default="jsonl", choices=list(FORMATS))
        parser.add_argument("--output", help="File to write (default: standard output).")
        parser.add_argument("--status", default="approved", choices=["approved", "all"])
        parser.add_argument("--updated-since", help="ISO 8601; only articles changed since.")
        parser.add_argument(
            "--identities", action="store_true", help="Usernames instead of pseudonyms."
        )
        parser.add_argument(
            "--base-url",
            default=getattr(settings, "FACTCHECK_BASE_URL", "http://localhost:8000/"),
            help="Where the app is served; links and IRIs in the export start with it.",
        )
        parser.add_argument("--chunk-size", type=int, default=100, help="Articles per query.")

    def handle(self, *args, **opts):
        project = Project.objects.select_related("rating_scale").filter(slug=opts["project"])
        project = project.first()
        if project is None:
            raise CommandError(f"No project with the slug {opts['project']!r}.")
        try:
            options = parse_options(
                format=opts["format"],
                status=opts["status"],
                updated_since=opts["updated_since"],
                identities=opts["identities"],
            )
        except ValidationFailed as exc:
            raise CommandError(exc.message) from None
        # Progress per article against one count query; the summary's totals are tallied from
        # the rows as they stream (the six count queries were 6% of issue 17's export profile).
        progress = Progress(
            count_articles(project=project, options=options),
            label=f"export {options.format}",
            stream=self.stderr,
        )
        export = run_export(
            project=project,
            options=options,
            base_url=opts["base_url"],
            chunk_size=opts["chunk_size"],
            on_chunk=lambda rows: progress.advance(len(rows)),
            count=False,
            tally=True,
            reviewer_layers="all",  # the operator of the database sees every layer
        )
        written = 0
        out = open(opts["output"], "wb") if opts["output"] else sys.stdout.buffer  # noqa: SIM115
        try:
            for chunk in export.stream:
                out.write(chunk)
                written += len(chunk)
        finally:
            if opts["output"]:
                out.close()
            else:
                out.flush()
        progress.finish()
        counts = export.tally
        summary = (
            f"Exported {counts['articles']} articles, {counts['claims']} claims "
            f"({written} bytes) as {options.format}"
            + (f" to {opts['output']}" if opts["output"] else "")
            + "."
        )
        self.stderr.write(summary)
        if options.format == "fever":
            self.stderr.write(
                f"FEVER: {export.stats.get('fever_written', 0)} claims written; left out "
                f"{export.stats.get('fever_skipped_no_class', 0)} whose label has no FEVER "
                f"class and {export.stats.get('fever_skipped_no_evidence', 0)} SUPPORTS/REFUTES "
                "verdicts citing no source."
            )
