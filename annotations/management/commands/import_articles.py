"""manage.py import_articles --project SLUG PATH... — import .txt/.md/.html/.jsonl articles.
`--urls FILE` imports pages from a text file of URLs (one a line; # starts a comment), each
fetched under the fetch policy (`fetch.py`) and extracted as URL import does; a URL already
imported whose page changed becomes a new version of its article.

The desk keeps working while it runs: each article is committed on its own (one short write
transaction through `services.import_article`), input is streamed (a .jsonl file line by line,
an oversized file or line refused before it is read), and progress is shown as it goes.
`--all-or-nothing` is the exception: it checks every file first, then holds one transaction
for the whole run, which blocks other writers (on SQLite they fail after the 20 s busy timeout).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from annotations import services
from annotations.exceptions import Conflict, DomainError
from annotations.importers import ArticleRecord, RecordError, read_file
from annotations.models import Project, User
from annotations.progress import Progress

# SQLite only: leave the write lock free for PAUSE after each WORK_BEFORE_PAUSE of importing.
WORK_BEFORE_PAUSE = 0.1  # seconds
PAUSE = 0.03  # seconds; SQLite's busy handler polls every 25 ms for the first ~130 ms


class Command(BaseCommand):
    help = (
        "Import articles into a project. .txt: first line is the title; .md: the first '# ' "
        "heading is the title; .html: <title> or <h1>; .jsonl: one article per line with "
        "title, text or html, url, publisher, author, published_at, language. Each article is "
        "committed on its own, so web users can keep writing during a long import; bad records, "
        "oversized files and duplicates are reported with file and line."
    )
    # System checks cost about a second per run and check nothing this command relies on.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, help="project slug")
        parser.add_argument("paths", nargs="*", help="files or directories")
        parser.add_argument(
            "--urls",
            action="append",
            default=[],
            metavar="FILE",
            help="a text file of URLs to fetch and import, one a line (repeatable)",
        )
        parser.add_argument("--user", help="username recorded as the importer")
        parser.add_argument(
            "--all-or-nothing",
            action="store_true",
            help=(
                "import nothing if any record fails (default: import the good ones). Reads the "
                "files twice and holds ONE write transaction for the whole import: other writers "
                "(the web desk) wait meanwhile, and on SQLite fail after 20 s."
            ),
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
        if not options["paths"] and not options["urls"]:
            raise CommandError("Give files or directories to import, or --urls FILE.")
        if options["urls"] and options["all_or_nothing"]:
            raise CommandError("--all-or-nothing cannot be used with --urls.")
        files = self._files(options["paths"])
        url_files = self._files(options["urls"])
        self.problems: list[str] = []
        self.duplicates: list[str] = []
        self.imported = 0
        if options["all_or_nothing"]:
            self._all_or_nothing(files, project, user)
        else:
            self._each(files, project, user)
            self._each_url(url_files, project, user)
        for line in self.duplicates:
            self.stdout.write(self.style.WARNING(line))
        for line in self.problems:
            self.stderr.write(line)
        summary = (
            f"Imported {self.imported} article(s) into {project.slug}; "
            f"{len(self.duplicates)} duplicate(s) skipped; {len(self.problems)} error(s)."
        )
        if self.problems:
            if options["all_or_nothing"]:
                summary += " Nothing was imported (--all-or-nothing)."
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))

    def _records(self, files: list[Path]) -> Iterator[ArticleRecord | RecordError]:
        """Yield every file's records in order, one at a time (nothing is read ahead)."""
        for path in files:
            yield from read_file(path)

    def _each(self, files: list[Path], project: Project, user: User | None) -> None:
        """Import record by record, each article in its own short transaction.

        On SQLite a waiting writer does not queue for the lock: it polls, at intervals that
        grow to 100 ms, and an import that takes the lock again straight after each commit can
        starve it for seconds. So after each WORK_BEFORE_PAUSE of importing, the import leaves
        the lock free for PAUSE, long enough for a writer that has waited under a quarter of a
        second (polling every 25 ms or less) to get in.
        """
        progress = Progress(None, label="Imported", stream=self.stderr._out)
        polite = connection.vendor == "sqlite"
        working_since = time.monotonic()
        for record in self._records(files):
            self._import(record, project, user)
            progress.advance()
            if polite and time.monotonic() - working_since >= WORK_BEFORE_PAUSE:
                time.sleep(PAUSE)
                working_since = time.monotonic()
        progress.finish()

    def _all_or_nothing(self, files: list[Path], project: Project, user: User | None) -> None:
        """Check every record first (no lock held), then import them all in one transaction."""
        self.stderr.write(
            "--all-or-nothing: checking the files first; the import then holds one write "
            "transaction, and other writers wait until it ends."
        )
        for record in self._records(files):
            if isinstance(record, RecordError):
                self.problems.append(f"{record.where}: {record.reason}")
        if self.problems:
            return
        progress = Progress(None, label="Imported", stream=self.stderr._out)
        try:
            with transaction.atomic():
                for record in self._records(files):
                    self._import(record, project, user)
                    progress.advance()
                if self.problems:
                    raise _RollBack
        except _RollBack:
            self.imported = 0
        progress.finish()

    def _each_url(self, url_files: list[Path], project: Project, user: User | None) -> None:
        """Fetch and import each URL listed in the files (fetching holds no transaction)."""
        progress = Progress(None, label="Fetched", stream=self.stderr._out)
        for path in url_files:
            with path.open(encoding="utf-8", errors="replace") as handle:
                for number, line in enumerate(handle, start=1):
                    url = line.strip()
                    if not url or url.startswith("#"):
                        continue
                    where = f"{path}:{number}"
                    try:
                        article = services.import_url(project=project, creator=user, url=url)
                    except Conflict as exc:
                        self.duplicates.append(f"{where}: duplicate, skipped — {exc.message}")
                    except DomainError as exc:
                        self.problems.append(f"{where}: {url[:200]}: {exc.message}")
                    else:
                        self.imported += 1
                        if article.version > 1:
                            self.stdout.write(
                                f"{where}: new version {article.version} of #{article.pk}"
                            )
                    progress.advance()
        progress.finish()

    def _import(self, record: ArticleRecord | RecordError, project: Project, user) -> None:
        if isinstance(record, RecordError):
            self.problems.append(f"{record.where}: {record.reason}")
            return
        try:
            services.import_article(
                project=project,
                creator=user,
                title=record.title,
                text_body=record.text_body,
                html=record.html,
                **record.extra,
            )
        except Conflict as exc:
            self.duplicates.append(f"{record.where}: duplicate, skipped — {exc.message}")
        except DomainError as exc:
            self.problems.append(f"{record.where}: {exc.message}")
        else:
            self.imported += 1

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
