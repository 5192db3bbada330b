"""manage.py resume_jobs: enqueue again the import jobs whose worker died (run it from cron, or
after restarting workers). Their finished items stay; the rest run once."""

import datetime as dt

from django.core.management.base import BaseCommand

from annotations.tasks import resume_stalled_jobs


class Command(BaseCommand):
    help = "Enqueue again import jobs with no sign of life for --stalled-seconds (default 600)."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--stalled-seconds", type=int, default=600)

    def handle(self, *args, **options):
        ids = resume_stalled_jobs(stalled_for=dt.timedelta(seconds=options["stalled_seconds"]))
        self.stdout.write(
            f"Resumed {len(ids)} job(s){': ' + ', '.join(map(str, ids)) if ids else ''}."
        )
