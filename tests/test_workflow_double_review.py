"""Independent double review (Project.required_verdicts > 1): approval waits for N independent
verdicts, reviewers do not see each other's verdicts before submitting their own, the editor's
choice decides the claim and the other verdicts leave the queue but stay on record, and a
correction does not need new independent verdicts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annotations import selectors, services
from annotations.exceptions import Conflict, InvalidTransition
from annotations.models import Event, Verdict
from tests.factories import make_claim, make_verdict

pytestmark = pytest.mark.django_db


@pytest.fixture
def double(project):
    project.required_verdicts = 2
    project.save(update_fields=["required_verdicts"])
    return project


@pytest.fixture
def claim(article, reviewer):
    return make_claim(article=article, user=reviewer)


def readable(user, project, claim) -> set[int]:
    return set(
        selectors.verdicts_readable_by(user, project)
        .filter(claim=claim)
        .values_list("pk", flat=True)
    )


class TestApprovalNeedsIndependentVerdicts:
    def test_one_verdict_is_not_enough(self, double, claim, reviewer, editor):
        first = make_verdict(claim=claim, user=reviewer, status="submitted")
        with pytest.raises(InvalidTransition, match="needs 2 independent verdicts .* has 1"):
            services.approve_verdict(verdict_id=first.pk, editor=editor)
        assert Verdict.objects.get(pk=first.pk).status == "submitted"

    def test_a_draft_does_not_count(self, double, claim, reviewer, reviewer2, editor):
        first = make_verdict(claim=claim, user=reviewer, status="submitted")
        make_verdict(claim=claim, user=reviewer2, status="draft")
        with pytest.raises(InvalidTransition, match="has 1"):
            services.approve_verdict(verdict_id=first.pk, editor=editor)

    def test_two_submitted_verdicts_let_the_editor_approve_either(
        self, double, claim, reviewer, reviewer2, editor
    ):
        make_verdict(claim=claim, user=reviewer, status="submitted")
        second = make_verdict(claim=claim, user=reviewer2, rating="false", status="submitted")
        assert services.approve_verdict(verdict_id=second.pk, editor=editor).status == "approved"


class TestVisibilityBeforeSubmitting:
    def test_reviewer_sees_only_their_own_until_they_submit(
        self, double, claim, reviewer, reviewer2
    ):
        theirs = make_verdict(claim=claim, user=reviewer, status="submitted")
        mine = make_verdict(claim=claim, user=reviewer2, status="draft")
        assert readable(reviewer2, double, claim) == {mine.pk}
        services.submit_verdict(verdict_id=mine.pk, user=reviewer2)
        assert readable(reviewer2, double, claim) == {mine.pk, theirs.pk}

    def test_editor_sees_every_submitted_verdict(self, double, claim, reviewer, reviewer2, editor):
        first = make_verdict(claim=claim, user=reviewer, status="submitted")
        second = make_verdict(claim=claim, user=reviewer2, status="submitted")
        make_verdict(claim=claim, user=editor, status="draft")
        assert readable(editor, double, claim) >= {first.pk, second.pk}

    def test_approved_verdict_is_public_to_every_member(
        self, double, claim, reviewer, reviewer2, editor, researcher
    ):
        first = make_verdict(claim=claim, user=reviewer, status="submitted")
        make_verdict(claim=claim, user=reviewer2, status="submitted")
        services.approve_verdict(verdict_id=first.pk, editor=editor)
        assert first.pk in readable(researcher, double, claim)

    def test_verdict_page_and_history_hide_the_other_verdict_before_submitting(
        self, client, double, claim, reviewer, reviewer2
    ):
        theirs = make_verdict(claim=claim, user=reviewer, rating="false", status="submitted")
        make_verdict(claim=claim, user=reviewer2, status="draft")
        client.force_login(reviewer2)
        assert client.get(reverse("verdict_detail", args=[theirs.pk])).status_code == 404
        history = client.get(reverse("claim_history", args=[claim.pk]))
        assert history.status_code == 200
        assert {e.verdict_id for e, _ in history.context["rows"]} - {None} == {
            v.pk for v in Verdict.objects.filter(reviewer=reviewer2)
        }
        assert "false" not in {
            str(c.after) for _, changes in history.context["rows"] for c in changes
        }


class TestEditorsDecisionDecidesTheClaim:
    def test_other_verdicts_leave_the_queue_but_keep_their_status(
        self, double, claim, reviewer, reviewer2, editor
    ):
        first = make_verdict(claim=claim, user=reviewer, status="submitted")
        second = make_verdict(claim=claim, user=reviewer2, rating="false", status="submitted")
        queue = selectors.review_queue_for(user=editor, project=double)
        assert set(queue.values_list("pk", flat=True)) == {first.pk, second.pk}
        services.approve_verdict(verdict_id=first.pk, editor=editor)
        assert not selectors.review_queue_for(user=editor, project=double).exists()
        assert Verdict.objects.get(pk=second.pk).status == "submitted"
        decided = Event.objects.get(verdict_id=second.pk, action="claim_decided")
        assert decided.actor == editor and f"approved verdict #{first.pk}" in decided.note

    def test_the_other_verdict_cannot_be_approved_as_well(
        self, double, claim, reviewer, reviewer2, editor, editor2
    ):
        first = make_verdict(claim=claim, user=reviewer, status="submitted")
        second = make_verdict(claim=claim, user=reviewer2, status="submitted")
        services.approve_verdict(verdict_id=first.pk, editor=editor)
        with pytest.raises(Conflict, match="already has an approved verdict"):
            services.approve_verdict(verdict_id=second.pk, editor=editor2)

    def test_withdrawing_the_approved_verdict_puts_the_others_back_in_the_queue(
        self, double, claim, reviewer, reviewer2, editor
    ):
        first = make_verdict(claim=claim, user=reviewer, status="submitted")
        second = make_verdict(claim=claim, user=reviewer2, status="submitted")
        services.approve_verdict(verdict_id=first.pk, editor=editor)
        services.withdraw_verdict(verdict_id=first.pk, user=editor, note="Wrong claim")
        queue = selectors.review_queue_for(user=editor, project=double)
        assert list(queue.values_list("pk", flat=True)) == [second.pk]

    def test_single_review_projects_record_no_decided_events(
        self, project, claim, reviewer, editor
    ):
        verdict = make_verdict(claim=claim, user=reviewer, status="submitted")
        services.approve_verdict(verdict_id=verdict.pk, editor=editor)
        assert not Event.objects.filter(action="claim_decided").exists()


class TestCorrections:
    @pytest.fixture(params=["second verdict withdrawn", "double review turned on later"])
    def decided(self, request, project, claim, reviewer, reviewer2, editor):
        """A claim decided under double review (or before it was turned on): `first` approved."""
        first = make_verdict(claim=claim, user=reviewer, rating="true", status="submitted")
        if request.param == "second verdict withdrawn":
            project.required_verdicts = 2
            project.save(update_fields=["required_verdicts"])
            second = make_verdict(claim=claim, user=reviewer2, status="submitted")
            services.approve_verdict(verdict_id=first.pk, editor=editor)
            services.withdraw_verdict(verdict_id=second.pk, user=reviewer2)
        else:
            services.approve_verdict(verdict_id=first.pk, editor=editor)
            project.required_verdicts = 2
            project.save(update_fields=["required_verdicts"])
        return first

    @staticmethod
    def _correct(first, user, rating):
        correction = services.correct_verdict(
            verdict_id=first.pk,
            user=user,
            correction_note="The 2025 figures were revised.",
            rating=rating,
            explanation="Revised figures.",
            no_source_reason="Figures given to us by phone.",
        )
        services.submit_verdict(verdict_id=correction.pk, user=user)
        return correction

    def test_a_correction_that_keeps_the_rating_needs_one_reviewer(
        self, project, decided, reviewer, editor
    ):
        """An editorial fix (same rating) of a published verdict is approved like any verdict."""
        correction = self._correct(decided, reviewer, "true")
        queue = selectors.review_queue_for(user=editor, project=project)
        assert list(queue.values_list("pk", flat=True)) == [correction.pk]
        services.approve_verdict(verdict_id=correction.pk, editor=editor)
        assert Verdict.objects.get(pk=decided.pk).status == "superseded"
        assert Verdict.objects.get(pk=correction.pk).status == "approved"

    def test_a_correction_that_changes_the_rating_needs_independent_corrections(
        self, project, decided, reviewer, reviewer2, editor
    ):
        """One reviewer's correction used to flip a double-reviewed rating on its own. Now the
        rating changes only once the project's number of reviewers has proposed a correction;
        the second reviewer may propose one although the first is in progress."""
        correction = self._correct(decided, reviewer, "false")
        with pytest.raises(InvalidTransition, match="needs 2 independent corrections"):
            services.approve_verdict(verdict_id=correction.pk, editor=editor)
        assert Verdict.objects.get(pk=decided.pk).status == "approved"
        other = self._correct(decided, reviewer2, "false")
        queue = selectors.review_queue_for(user=editor, project=project)
        assert set(queue.values_list("pk", flat=True)) == {correction.pk, other.pk}
        services.approve_verdict(verdict_id=correction.pk, editor=editor)
        assert Verdict.objects.get(pk=decided.pk).status == "superseded"
        assert Verdict.objects.get(pk=correction.pk).status == "approved"
        assert Event.objects.filter(verdict_id=other.pk, action="claim_decided").exists()
        assert not selectors.review_queue_for(user=editor, project=project).exists()


class TestQueuePageSideBySide:
    def test_disagreeing_verdicts_are_grouped_and_marked(
        self, client, double, claim, reviewer, reviewer2, editor
    ):
        first = make_verdict(claim=claim, user=reviewer, rating="true", status="submitted")
        second = make_verdict(claim=claim, user=reviewer2, rating="false", status="submitted")
        client.force_login(editor)
        response = client.get(reverse("review_queue", args=[double.slug]))
        (group,) = response.context["groups"]
        assert [i.verdict.pk for i in group.items] == [first.pk, second.pk]
        assert group.disagree and all(i.rating_differs for i in group.items)
        html = response.content.decode()
        assert "Reviewers disagree" in html and "side-by-side" in html
        assert reverse("verdict_approve", args=[first.pk]) in html

    def test_agreeing_verdicts_are_not_marked(
        self, client, double, claim, reviewer, reviewer2, editor
    ):
        make_verdict(claim=claim, user=reviewer, rating="true", status="submitted")
        make_verdict(claim=claim, user=reviewer2, rating="true", status="submitted")
        client.force_login(editor)
        response = client.get(reverse("review_queue", args=[double.slug]))
        assert "Reviewers disagree" not in response.content.decode()

    def test_a_lone_verdict_waits_without_an_approve_button(
        self, client, double, claim, reviewer, editor
    ):
        lone = make_verdict(claim=claim, user=reviewer, status="submitted")
        client.force_login(editor)
        html = client.get(reverse("review_queue", args=[double.slug])).content.decode()
        assert "Waiting for 1 more independent verdict (1 of 2)" in html
        assert reverse("verdict_approve", args=[lone.pk]) not in html
        assert reverse("verdict_return", args=[lone.pk]) in html

    def test_reviewer_filter_still_shows_the_claims_other_verdicts(
        self, client, double, claim, reviewer, reviewer2, editor
    ):
        make_verdict(claim=claim, user=reviewer, rating="true", status="submitted")
        make_verdict(claim=claim, user=reviewer2, rating="false", status="submitted")
        client.force_login(editor)
        response = client.get(
            reverse("review_queue", args=[double.slug]), {"reviewer": reviewer2.pk}
        )
        (group,) = response.context["groups"]
        assert len(group.items) == 2

    def test_approving_on_the_page_when_too_few_says_how_many_are_needed(
        self, client, double, claim, reviewer, editor
    ):
        lone = make_verdict(claim=claim, user=reviewer, status="submitted")
        client.force_login(editor)
        response = client.post(
            reverse("verdict_approve", args=[lone.pk]), {"version": lone.version}, follow=True
        )
        assert any("needs 2 independent verdicts" in str(m) for m in response.context["messages"])
