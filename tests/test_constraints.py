"""The database itself refuses data that breaks an invariant, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from annotations.models import Article, Claim, Membership, RatingLabel, Sentence, Source, Verdict
from tests.factories import make_claim, make_verdict


@pytest.fixture
def claim(article, reviewer):
    return make_claim(article=article, user=reviewer)


def attempt(fn):
    with pytest.raises(IntegrityError), transaction.atomic():
        fn()


@pytest.mark.django_db
class TestClaimConstraints:
    def test_start_must_precede_end(self, article, reviewer):
        attempt(
            lambda: Claim.objects.create(
                article=article, start=5, end=5, quote="", created_by=reviewer
            )
        )

    def test_quote_length_must_match_span(self, article, reviewer):
        attempt(
            lambda: Claim.objects.create(
                article=article, start=0, end=10, quote="The", created_by=reviewer
            )
        )

    def test_same_span_twice_is_refused(self, claim, reviewer):
        attempt(
            lambda: Claim.objects.create(
                article=claim.article,
                start=claim.start,
                end=claim.end,
                quote=claim.quote,
                created_by=reviewer,
            )
        )

    def test_a_valid_claim_is_accepted(self, article, reviewer):
        claim = Claim.objects.create(
            article=article, start=0, end=3, quote="The", created_by=reviewer
        )
        assert claim.pk


@pytest.mark.django_db
class TestSourceConstraints:
    @pytest.mark.parametrize(
        "url", ["javascript:alert(1)", "ftp://example.org/x", "data:text/html,x", ""]
    )
    def test_url_must_be_http(self, claim, reviewer, url):
        attempt(
            lambda: Source.objects.create(
                claim=claim, url=url, stance="supports", added_by=reviewer
            )
        )

    def test_stance_must_be_known(self, claim, reviewer):
        attempt(
            lambda: Source.objects.create(
                claim=claim, url="https://x.org", stance="maybe", added_by=reviewer
            )
        )

    def test_archived_url_must_be_http_when_given(self, claim, reviewer):
        attempt(
            lambda: Source.objects.create(
                claim=claim,
                url="https://x.org",
                archived_url="javascript:x",
                stance="context",
                added_by=reviewer,
            )
        )


@pytest.mark.django_db
class TestVerdictConstraints:
    def test_only_one_approved_verdict_per_claim(self, claim, reviewer, reviewer2, editor):
        second = make_verdict(claim=claim, user=reviewer2, status="submitted")
        make_verdict(claim=claim, user=reviewer, status="approved", editor=editor)

        def force():
            Verdict.objects.filter(pk=second.pk).update(
                status="approved", approved_by=editor, approved_at=timezone.now()
            )

        attempt(force)

    def test_approver_is_never_the_author(self, claim, reviewer):
        verdict = make_verdict(claim=claim, user=reviewer, status="submitted")
        attempt(
            lambda: Verdict.objects.filter(pk=verdict.pk).update(
                status="approved", approved_by=reviewer, approved_at=timezone.now()
            )
        )

    def test_approved_needs_approver(self, claim, reviewer):
        verdict = make_verdict(claim=claim, user=reviewer, status="submitted")
        attempt(lambda: Verdict.objects.filter(pk=verdict.pk).update(status="approved"))

    def test_unknown_status_is_refused(self, claim, reviewer):
        verdict = make_verdict(claim=claim, user=reviewer)
        attempt(lambda: Verdict.objects.filter(pk=verdict.pk).update(status="published"))

    def test_correction_needs_a_note(self, claim, reviewer, editor):
        verdict = make_verdict(claim=claim, user=reviewer, status="approved", editor=editor)
        attempt(
            lambda: Verdict.objects.create(
                claim=claim, reviewer=reviewer, rating=verdict.rating, supersedes=verdict
            )
        )


@pytest.mark.django_db
class TestOtherConstraints:
    def test_membership_is_unique(self, project, reviewer):
        attempt(
            lambda: Membership.objects.create(
                project=project, user=reviewer, role="editor", pseudonym="x"
            )
        )

    def test_role_must_be_known(self, project):
        from tests.factories import UserFactory

        user = UserFactory()
        attempt(
            lambda: Membership.objects.create(
                project=project, user=user, role="owner", pseudonym="y"
            )
        )

    def test_article_text_unique_per_project(self, article):
        attempt(
            lambda: Article.objects.create(
                project=article.project,
                title="Copy",
                text=article.text,
                text_sha256=article.text_sha256,
            )
        )

    def test_article_url_unique_per_project_when_given(self, project):
        Article.objects.create(
            project=project, title="A", text="a", text_sha256="a", url="https://x.org/1"
        )
        attempt(
            lambda: Article.objects.create(
                project=project, title="B", text="b", text_sha256="b", url="https://x.org/1"
            )
        )
        # Empty URLs do not collide.
        Article.objects.create(project=project, title="C", text="c", text_sha256="c")
        Article.objects.create(project=project, title="D", text="d", text_sha256="d")

    def test_sentence_offsets_ordered(self, article):
        attempt(lambda: Sentence.objects.create(article=article, index=999, start=4, end=2))

    def test_rating_label_colour_and_truth_score(self, default_scale):
        label = RatingLabel.objects.get(scale__slug="default", slug="true")
        attempt(lambda: RatingLabel.objects.filter(pk=label.pk).update(colour="red"))
        attempt(lambda: RatingLabel.objects.filter(pk=label.pk).update(truth_score=1.5))

    def test_off_axis_label_has_no_number(self, default_scale):
        label = RatingLabel.objects.get(scale__slug="default", slug="unproven")
        attempt(lambda: RatingLabel.objects.filter(pk=label.pk).update(claimreview_rating=3))


@pytest.fixture
def default_scale(db):
    """The default scale of data migration 0002, made again by the migration's own function if
    a transactional test (browser, live server) in the same process flushed the database:
    with one process per core, pytest-django's database-tests-first order does not hold."""
    from annotations.services import ensure_default_scale

    return ensure_default_scale()


def test_default_scale_has_mappings(default_scale):
    labels = {lb.slug: lb for lb in RatingLabel.objects.filter(scale__slug="default")}
    assert list(labels) == [
        "true",
        "mostly-true",
        "half-true",
        "mostly-false",
        "false",
        "misleading",
        "unproven",
    ]
    assert labels["true"].fever == "SUPPORTS" and labels["true"].claimreview_rating == 5
    assert labels["false"].averitec == "Refuted"
    assert labels["unproven"].ordinal is None and labels["unproven"].claimreview_rating is None
    assert labels["unproven"].fever == "NOT ENOUGH INFO"
    assert labels["misleading"].fever == ""
    assert all(lb.averitec for lb in labels.values())
