"""manage.py prune_exports: delete export files past their expiry (each export job also does)."""

from django.core.management.base import BaseCommand

from annotations.tasks import prune_expired_exports


class Command(BaseCommand):
    help = "Delete export files prepared by jobs once they expire (FACTCHECK_EXPORT_FILE_DAYS)."
    requires_system_checks = []

    def handle(self, *args, **options):
        removed = prune_expired_exports()
        self.stdout.write(f"Removed {removed} expired export file(s).")
