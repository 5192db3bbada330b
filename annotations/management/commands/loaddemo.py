"""manage.py loaddemo — a demo project with a member for each role and annotated articles.

Idempotent: users and memberships are ensured every run; articles, claims, sources and
verdicts are created only when the demo project has no articles yet. Refuses to run with
DEBUG off unless --force, because it creates accounts with the password "demo".
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from annotations import services
from annotations.demo.articles import ARTICLES, CLAIMS
from annotations.importers import parse_datetime
from annotations.models import Membership, Project, User
from annotations.workflow import Role

# A second project where each reviewer marks claims blind and an editor curates them.
BLIND = {
    "slug": "demo-blind",
    "name": "Blind desk",
    "description": "Independent span annotation: reviewers mark claims unseen by each other, "
    "an editor curates their layers.",
    "independent_spans": True,
}
PASSWORD = "demo"  # noqa: S105 - demo accounts, refused in production without --force
USERS = [
    ("alice", Role.REVIEWER, "Alice", "Reviewer"),
    ("bob", Role.REVIEWER, "Bob", "Reviewer"),
    ("erin", Role.EDITOR, "Erin", "Editor"),
    ("rita", Role.RESEARCHER, "Rita", "Researcher"),
]

# claim index -> (reviewer, rating, explanation, [(url, title, stance, quote)], outcome)
VERDICTS = {
    0: (
        "alice",
        "unproven",
        "The council has published no ridership model; the **22,000** figure cannot be checked yet.",
        [
            (
                "https://council.example.org/tram/business-case",
                "Tram extension business case",
                "context",
                "Ridership forecasts will be published with the final design.",
            )
        ],
        "approved",
    ),
    1: (
        "bob",
        "mostly-true",
        "Council figures show a fall of about 13%, close to the 15% claimed.",
        [
            (
                "https://council.example.org/transport/bus-ridership-2025",
                "Bus ridership 2019–2025",
                "refutes",
                "9.1 million trips in 2019; 7.9 million in 2025.",
            )
        ],
        "approved",
    ),
    2: (
        "alice",
        "unproven",
        "No study of Riverside trams supports the *eighty cars* figure.",
        [
            (
                "https://transport.example.net/studies/car-displacement",
                "Car displacement by light rail",
                "context",
                "Estimates range from 40 to 120 cars per vehicle.",
            )
        ],
        "submitted",
    ),
    3: (
        "bob",
        "true",
        "The budget line matches the council resolution.",
        [
            (
                "https://council.example.org/minutes/2026-10-13",
                "Council minutes, 13 October 2026",
                "supports",
                "Capital budget: €48.0 million.",
            )
        ],
        "draft",
    ),
    4: (
        "alice",
        "true",
        "The operator's data confirm the peak.",
        [
            (
                "https://grid.example.com/data/peak-2026-08",
                "Hourly demand, August 2026",
                "supports",
                "Peak: 61.4 GW at 15:00.",
            )
        ],
        "returned",
    ),
    5: (
        "bob",
        "true",
        "The operator's hourly data show solar at 41% at noon, ahead of gas (29%).",
        [
            (
                "https://grid.example.com/data/mix-2026-08-01",
                "Generation mix, 1 August 2026",
                "supports",
                "Solar 41%, gas 29%, wind 12%.",
            )
        ],
        "approved",
    ),
    6: (
        "alice",
        "mostly-true",
        "Draft withdrawn: the source compares different decades.",
        [
            (
                "https://climate.example.net/heatwaves/frequency",
                "Heatwave frequency since 1950",
                "context",
                "Heatwave days tripled between 1981–1990 and 2011–2020.",
            )
        ],
        "withdrawn",
    ),
    7: (
        "bob",
        "true",
        "The ministry's trade statistics show 8,400 tonnes, up from 7,500.",
        [
            (
                "https://trade.example.org/stats/tea-2025",
                "Tea exports 2025",
                "supports",
                "Japan: 8,400 t (2024: 7,500 t).",
            )
        ],
        "submitted",
    ),
    8: (
        "alice",
        "true",
        "日本側の統計も12％の増加を示している。The importer's figure matches Japanese customs data.",
        [
            (
                "https://customs.example.jp/stats/green-tea",
                "Green tea imports by origin",
                "supports",
                "前年比 +12%",
            )
        ],
        "approved",
    ),
    9: (
        "bob",
        "mostly-false",
        "Prices rose about 74% (from $3.10 to $5.40 per kg), not 100%.",
        [
            (
                "https://trade.example.org/stats/tea-prices",
                "Export prices per kilogram",
                "refutes",
                "2020: $3.10; 2025: $5.40.",
            )
        ],
        "approved",
    ),
}


def _import(project: Project, creator: User, data: dict):
    """Import one of the demo articles into `project`."""
    return services.import_article(
        project=project,
        creator=creator,
        title=data["title"],
        text_body=data["text"],
        url=data["url"],
        publisher=data["publisher"],
        author=data["author"],
        published_at=parse_datetime(data["published_at"]),
        language=data["language"],
    )


class Command(BaseCommand):
    help = "Load the demo project (slug 'demo') with users alice, bob, erin, rita and admin (password 'demo')."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="run even when DEBUG is off")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "DEBUG is off: loaddemo creates accounts with the password 'demo'. "
                "Use --force if you really want them on this site."
            )
        with transaction.atomic():
            users = self._users()
            project, created = self._project(users)
            if created:
                self._content(project, users)
            blind, blind_created = self._project(users, **BLIND)
            if blind_created:
                self._blind_content(blind, users)
        if created:
            self.stdout.write(self.style.SUCCESS("Demo project 'demo' loaded."))
        else:
            self.stdout.write("Demo project 'demo' already has articles; users and roles checked.")
        if blind_created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo project '{BLIND['slug']}' loaded: independent span annotation, alice's "
                    "and bob's layers finished and waiting for erin's curation."
                )
            )
        self.stdout.write(
            "Logins (password 'demo'): alice, bob (reviewers), erin (editor), rita (researcher), "
            "admin (superuser)."
        )

    def _users(self) -> dict[str, User]:
        users = {}
        for username, _role, first, last in [*USERS, ("admin", None, "Ada", "Admin")]:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@example.org",
                },
            )
            if created:
                user.set_password(PASSWORD)
                if username == "admin":
                    user.is_staff = user.is_superuser = True
                user.save()
            users[username] = user
        return users

    def _project(
        self,
        users: dict[str, User],
        *,
        slug: str = "demo",
        name: str = "Demo desk",
        description: str = "A demo workspace with three articles written for factcheck.",
        independent_spans: bool = False,
    ) -> tuple[Project, bool]:
        project = Project.objects.filter(slug=slug).first()
        if project is None:
            project = services.create_project(
                creator=users["admin"],
                slug=slug,
                name=name,
                organisation_name="Demo Fact Desk",
                organisation_url="https://factdesk.example.org/",
                description=description,
            )
            if independent_spans:
                project = services.update_project(
                    project=project, actor=users["admin"], independent_spans=True
                )
        for username, role, _first, _last in USERS:
            membership = Membership.objects.filter(project=project, user=users[username]).first()
            if membership is None or membership.role != role:
                services.add_member(
                    project=project, user=users[username], role=role, actor=users["admin"]
                )
        return project, not project.articles.exists()

    def _content(self, project: Project, users: dict[str, User]) -> None:
        admin, erin = users["admin"], users["erin"]
        articles = [_import(project, admin, data) for data in ARTICLES]
        for index, (article_index, quote, statement, claimant) in enumerate(CLAIMS):
            reviewer = users["alice" if index % 2 == 0 else "bob"]
            claim = services.mark_claim(
                article_id=articles[article_index].pk,
                user=reviewer,
                quote=quote,
                statement=statement,
                claimant=claimant,
            )
            if index not in VERDICTS:
                continue
            author_name, rating, explanation, sources, outcome = VERDICTS[index]
            author = users[author_name]
            source_ids = [
                services.attach_source(
                    claim_id=claim.pk, user=author, url=url, title=title, stance=stance, quote=q
                ).pk
                for url, title, stance, q in sources
            ]
            verdict = services.draft_verdict(
                claim_id=claim.pk,
                reviewer=author,
                rating=rating,
                explanation=explanation,
                sources=source_ids,
            )
            if outcome == "withdrawn":
                services.withdraw_verdict(
                    verdict_id=verdict.pk, user=author, note="Wrong comparison."
                )
                continue
            if outcome == "draft":
                continue
            services.submit_verdict(verdict_id=verdict.pk, user=author)
            if outcome == "returned":
                services.return_verdict(
                    verdict_id=verdict.pk,
                    editor=erin,
                    note="Please cite the operator's published dataset, not the press release.",
                )
            elif outcome == "approved":
                services.approve_verdict(verdict_id=verdict.pk, editor=erin)
            if index == 1:  # a published correction: the first verdict becomes superseded
                correction = services.correct_verdict(
                    verdict_id=verdict.pk,
                    user=users["alice"],
                    rating="half-true",
                    correction_note="Rating changed: 15% overstates the 13% fall in the council's data.",
                    explanation="The council's own data show a 13% fall, not 15%.",
                    sources=source_ids,
                )
                services.submit_verdict(verdict_id=correction.pk, user=users["alice"])
                services.approve_verdict(verdict_id=correction.pk, editor=erin)

    def _blind_content(self, project: Project, users: dict[str, User]) -> None:
        """One article that alice and bob marked blind, each in their own layer (one span the
        same, one overlapping, one only alice's), both finished: ready for erin to curate."""
        article = _import(project, users["admin"], ARTICLES[0])
        spans = []
        for article_index, quote, _statement, _claimant in CLAIMS:
            at = article.text.find(quote) if article_index == 0 else -1
            if at >= 0:
                spans.append((at, at + len(quote)))
        for number, (start, end) in enumerate(spans[:3]):
            services.mark_claim(article_id=article.pk, user=users["alice"], start=start, end=end)
            if number == 0:  # the same span
                services.mark_claim(article_id=article.pk, user=users["bob"], start=start, end=end)
            elif number == 1:  # an overlapping one: bob stops at an earlier word
                cut = article.text.rfind(" ", start + 1, (start + end) // 2 + 1)
                if cut > start:
                    services.mark_claim(
                        article_id=article.pk, user=users["bob"], start=start, end=cut
                    )
        for name in ("alice", "bob"):
            services.finish_article(article_id=article.pk, user=users[name])
