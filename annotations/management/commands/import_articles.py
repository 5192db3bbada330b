"""manage.py import_articles --project SLUG PATH... — import .txt/.md/.html/.jsonl articles."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from annotations import services
from annotations.exceptions import Conflict, DomainError
from annotations.importers import ArticleRecord, RecordError, read_file
from annotations.models import Project, User
from annotations.progress import Progress


class Command(BaseCommand):
    help = (
        "Import articles into a project. .txt: first line is the title; .md: the first '# ' "
        "heading is the title; .html: <title> or <h1>; .jsonl: one article per line with "
        "title, text or html, url, publisher, author, published_at, language. Bad records and "
        "duplicates are reported with file and line; each article is imported whole or not at all."
    )

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, help="project slug")
        parser.add_argument("paths", nargs="+", help="files or directories")
        parser.add_argument("--user", help="username recorded as the importer")
        parser.add_argument(
            "--all-or-nothing",
            action="store_true",
            help="import nothing if any record fails (default: import the good ones)",
        )

    def handle(self, *args, **options):
        project = Project.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"No project with slug {options['project']!r}.")
        user = None
        if options["user"]:
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user {options['user']!r}.")
        files = self._files(options["paths"])
        records: list[ArticleRecord | RecordError] = []
        for path in files:
            records.extend(read_file(path))
        problems: list[str] = []
        duplicates: list[str] = []
        imported = 0
        progress = Progress(len(records), label="Importing", stream=self.stderr._out)
        try:
            with transaction.atomic():
                for record in records:
                    progress.advance()
                    if isinstance(record, RecordError):
                        problems.append(f"{record.where}: {record.reason}")
                        continue
                    try:
                        services.import_article(
                            project=project,
                            creator=user,
                            title=record.title,
                            text_body=record.text_body,
                            html=record.html,
                            **record.extra,
                        )
                        imported += 1
                    except Conflict as exc:
                        duplicates.append(f"{record.where}: duplicate, skipped — {exc.message}")
                    except DomainError as exc:
                        problems.append(f"{record.where}: {exc.message}")
                if problems and options["all_or_nothing"]:
                    raise _RollBack
        except _RollBack:
            imported = 0
        progress.finish()
        for line in duplicates:
            self.stdout.write(self.style.WARNING(line))
        for line in problems:
            self.stderr.write(line)
        summary = (
            f"Imported {imported} article(s) into {project.slug}; "
            f"{len(duplicates)} duplicate(s) skipped; {len(problems)} error(s)."
        )
        if problems:
            if options["all_or_nothing"]:
                summary += " Nothing was imported (--all-or-nothing)."
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))

    def _files(self, paths: list[str]) -> list[Path]:
        files: list[Path] = []
        for raw in paths:
            path = Path(raw)
            if path.is_dir():
                files.extend(sorted(p for p in path.rglob("*") if p.is_file()))
            elif path.exists():
                files.append(path)
            else:
                raise CommandError(f"{raw}: no such file or directory.")
        return files


class _RollBack(Exception):
    pass
