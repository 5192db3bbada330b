"""factory-boy factories for the models that have no service-level constructor worth calling
in every test, and helpers that go through the services for the rest."""

from __future__ import annotations

import factory

from annotations import services
from annotations.models import Project, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"project-{n}")
    name = factory.LazyAttribute(lambda p: p.slug.title())
    organisation_name = "Example Fact Desk"
    organisation_url = "https://factdesk.example.org/"
    rating_scale = factory.LazyFunction(services.ensure_default_scale)


ARTICLE_TEXT = (
    "The mayor said the tram will carry 22,000 passengers a day by 2030. "
    "Critics 🚀 said bus use fell 15% since 2019.\n\n"
    "东京的人口是1400万。 Café owners reportedly doubled their prices."
)


def make_article(*, project, creator=None, title="Tram plans", text=ARTICLE_TEXT, **extra):
    return services.import_article(
        project=project, creator=creator, title=title, text_body=text, **extra
    )


def make_claim(*, article, user, quote="carry 22,000 passengers a day by 2030", **extra):
    return services.mark_claim(article_id=article.pk, user=user, quote=quote, **extra)


def make_source(*, claim, user, url="https://stats.example.org/ridership", stance="supports"):
    return services.attach_source(claim_id=claim.pk, user=user, url=url, stance=stance)


def make_verdict(*, claim, user, rating="mostly-true", status="draft", editor=None):
    """Return a verdict brought to `status` through the services."""
    source = make_source(claim=claim, user=user)
    verdict = services.draft_verdict(
        claim_id=claim.pk,
        reviewer=user,
        rating=rating,
        explanation="Ridership **figures** agree.",
        sources=[source.pk],
    )
    if status in {"submitted", "approved", "returned"}:
        verdict = services.submit_verdict(verdict_id=verdict.pk, user=user)
    if status == "approved":
        verdict = services.approve_verdict(verdict_id=verdict.pk, editor=editor)
    if status == "returned":
        verdict = services.return_verdict(verdict_id=verdict.pk, editor=editor, note="Add data.")
    return verdict
