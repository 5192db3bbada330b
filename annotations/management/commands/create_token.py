"""manage.py create_token USER [--name NAME] — print a new personal API token (shown once)."""

from django.core.management.base import BaseCommand, CommandError

from annotations import tokens
from annotations.models import User


class Command(BaseCommand):
    help = "Create a personal API token for USER and print the key (it is stored hashed)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="command line", help="a name to recognise it by")

    def handle(self, *args, **options):
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user {options['username']!r}.")
        token, key = tokens.create_token(user=user, name=options["name"])
        self.stderr.write(f"Token {token.name!r} for {user.username} (shown once; store it now):")
        self.stdout.write(key)
