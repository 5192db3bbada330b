"""The verdict page: what it shows (status, version, correction chain, notes) and its forms
(submit, propose a correction, withdraw), each with its success and failure."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annotations import services
from annotations.models import Event, Verdict
from tests.factories import make_claim, make_source, make_verdict

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim(article, reviewer):
    return make_claim(article=article, user=reviewer)


@pytest.fixture
def approved(claim, reviewer, editor):
    return make_verdict(claim=claim, user=reviewer, status="approved", editor=editor)


def page(client, verdict):
    return client.get(reverse("verdict_detail", args=[verdict.pk]))


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


class TestVerdictPage:
    def test_shows_status_version_approval_and_claim(self, client, reviewer, approved):
        client.force_login(reviewer)
        response = page(client, approved)
        html = response.content.decode()
        assert "status-approved" in html and ">Approved<" in html
        assert f"<dt>Version</dt><dd>{approved.version}</dd>" in html
        assert "by ed on" in html
        assert f"<mark>{approved.claim.quote}</mark>" in html
        assert reverse("claim_history", args=[approved.claim_id]) in html

    def test_shows_the_correction_chain_both_ways(self, client, reviewer, reviewer2, approved):
        correction = services.correct_verdict(
            verdict_id=approved.pk,
            user=reviewer2,
            correction_note="Ridership was revised down.",
            rating="half-true",
            explanation="Revised.",
            no_source_reason="Phone call.",
        )
        services.submit_verdict(verdict_id=correction.pk, user=reviewer2)
        client.force_login(reviewer)
        original = page(client, approved).content.decode()
        assert reverse("verdict_detail", args=[correction.pk]) in original
        assert "Ridership was revised down." in original
        newer = page(client, correction).content.decode()
        assert (
            f'This verdict corrects <a href="{reverse("verdict_detail", args=[approved.pk])}"'
            in newer
        )
        assert "Correction note (shown to readers):</strong> Ridership was revised down." in newer

    def test_explanation_markup_is_rendered_harmless(self, client, claim, reviewer):
        verdict = services.draft_verdict(
            claim_id=claim.pk,
            reviewer=reviewer,
            rating="true",
            explanation='**Yes** <script>alert(1)</script><img src=x onerror="alert(2)">',
        )
        client.force_login(reviewer)
        html = page(client, verdict).content.decode()
        assert "<strong>Yes</strong>" in html
        assert "<script>alert" not in html and "onerror" not in html

    def test_forms_follow_what_the_user_may_do(
        self, client, reviewer, editor, researcher, approved
    ):
        client.force_login(researcher)
        html = page(client, approved).content.decode()
        assert "Propose a correction" not in html and "Withdraw verdict" not in html
        client.force_login(reviewer)
        html = page(client, approved).content.decode()
        assert "Propose a correction" in html and "Withdraw verdict" not in html
        client.force_login(editor)
        html = page(client, approved).content.decode()
        assert "Withdraw verdict" in html and "(required: why is this verdict withdrawn?)" in html

    def test_others_draft_is_404(self, client, claim, reviewer, reviewer2):
        draft = make_verdict(claim=claim, user=reviewer2, status="draft")
        client.force_login(reviewer)
        assert page(client, draft).status_code == 404

    def test_editor_follows_a_returned_verdict_but_not_a_draft(
        self, client, claim, reviewer, reviewer2, editor
    ):
        returned = make_verdict(claim=claim, user=reviewer, status="returned", editor=editor)
        other = make_claim(article=claim.article, user=reviewer, quote="doubled their prices")
        draft = make_verdict(claim=other, user=reviewer, status="draft")
        client.force_login(editor)
        assert page(client, returned).status_code == 200
        assert page(client, draft).status_code == 404
        client.force_login(reviewer2)
        assert page(client, returned).status_code == 404

    def test_other_projects_verdict_is_404_for_every_form(self, client, outsider, approved):
        client.force_login(outsider)
        assert page(client, approved).status_code == 404
        for name in ("verdict_correct", "verdict_withdraw", "verdict_submit"):
            response = client.post(reverse(name, args=[approved.pk]), {"version": 1, "note": "x"})
            assert response.status_code == 404, name
        assert Verdict.objects.get(pk=approved.pk).status == "approved"

    def test_editor_decides_from_the_verdict_page(self, client, claim, reviewer, editor):
        queued = make_verdict(claim=claim, user=reviewer, status="submitted")
        client.force_login(editor)
        html = page(client, queued).content.decode()
        here = reverse("verdict_detail", args=[queued.pk])
        assert reverse("verdict_approve", args=[queued.pk]) in html
        assert f'name="next" value="{here}"' in html
        response = client.post(
            reverse("verdict_approve", args=[queued.pk]),
            {"version": queued.version, "next": here},
        )
        assert response["Location"] == here
        assert Verdict.objects.get(pk=queued.pk).status == "approved"


class TestSubmit:
    def test_author_submits_a_draft(self, client, claim, reviewer):
        draft = make_verdict(claim=claim, user=reviewer, status="draft")
        client.force_login(reviewer)
        response = client.post(
            reverse("verdict_submit", args=[draft.pk]), {"version": draft.version}, follow=True
        )
        assert any("an editor will review it" in m for m in messages_of(response))
        assert Verdict.objects.get(pk=draft.pk).status == "submitted"

    def test_submit_without_sources_says_what_is_missing(self, client, claim, reviewer):
        draft = services.draft_verdict(
            claim_id=claim.pk, reviewer=reviewer, rating="true", explanation="Fine."
        )
        client.force_login(reviewer)
        response = client.post(
            reverse("verdict_submit", args=[draft.pk]), {"version": draft.version}, follow=True
        )
        assert any("Cite at least one source" in m for m in messages_of(response))
        assert Verdict.objects.get(pk=draft.pk).status == "draft"


class TestCorrection:
    def test_correction_is_drafted_and_opens_its_page(self, client, reviewer2, approved):
        source = make_source(claim=approved.claim, user=reviewer2, url="https://data.example.org/")
        client.force_login(reviewer2)
        response = client.post(
            reverse("verdict_correct", args=[approved.pk]),
            {
                "rating": "half-true",
                "explanation": "The figure was **revised**.",
                "sources": [source.pk],
                "correction_note": "Revised <script>x()</script>figures",
            },
        )
        correction = Verdict.objects.get(supersedes=approved)
        assert response.status_code == 302
        assert response["Location"] == reverse("verdict_detail", args=[correction.pk])
        assert (correction.status, correction.rating.slug) == ("draft", "half-true")
        assert correction.correction_note == "Revised figures"
        assert list(correction.sources.all()) == [source]
        assert Verdict.objects.get(pk=approved.pk).status == "approved"

    def test_correction_without_note_keeps_the_form_and_says_why(self, client, reviewer2, approved):
        client.force_login(reviewer2)
        response = client.post(
            reverse("verdict_correct", args=[approved.pk]),
            {"rating": "false", "explanation": "My draft text", "correction_note": ""},
        )
        assert response.status_code == 400
        html = response.content.decode()
        assert "Say what the correction changes (it is shown to readers)." in html
        assert "My draft text" in html  # what the user typed is kept
        assert not Verdict.objects.filter(supersedes=approved).exists()

    def test_unknown_rating_is_a_form_error(self, client, reviewer2, approved):
        client.force_login(reviewer2)
        response = client.post(
            reverse("verdict_correct", args=[approved.pk]),
            {"rating": "pants-on-fire", "correction_note": "x"},
        )
        assert response.status_code == 400
        assert "Select a valid choice" in response.content.decode()
        assert not Verdict.objects.filter(supersedes=approved).exists()

    def test_second_correction_while_one_is_pending_is_refused(
        self, client, reviewer, reviewer2, approved
    ):
        services.correct_verdict(
            verdict_id=approved.pk, user=reviewer, correction_note="First", rating="false"
        )
        client.force_login(reviewer2)
        html = page(client, approved).content.decode()
        assert "Propose a correction" not in html
        response = client.post(
            reverse("verdict_correct", args=[approved.pk]),
            {"rating": "true", "correction_note": "Second"},
        )
        assert response.status_code == 400
        assert "A correction of this verdict is already in progress" in response.content.decode()

    def test_only_an_approved_verdict_can_be_corrected(self, client, claim, reviewer, reviewer2):
        queued = make_verdict(claim=claim, user=reviewer, status="submitted")
        client.force_login(reviewer2)
        response = client.post(
            reverse("verdict_correct", args=[queued.pk]),
            {"rating": "true", "correction_note": "x"},
        )
        assert response.status_code == 400
        assert "Only an approved verdict can be corrected" in response.content.decode()


class TestWithdraw:
    def test_approved_verdict_needs_a_note(self, client, editor2, approved):
        client.force_login(editor2)
        response = client.post(
            reverse("verdict_withdraw", args=[approved.pk]),
            {"version": approved.version, "note": ""},
            follow=True,
        )
        assert any("A note is required to withdraw" in m for m in messages_of(response))
        assert Verdict.objects.get(pk=approved.pk).status == "approved"

    def test_editor_withdraws_with_a_note_and_it_stays_readable(self, client, editor2, approved):
        client.force_login(editor2)
        response = client.post(
            reverse("verdict_withdraw", args=[approved.pk]),
            {"version": approved.version, "note": "Claim was <b>misquoted</b>"},
            follow=True,
        )
        assert response.status_code == 200
        assert "status-withdrawn" in response.content.decode()
        event = Event.objects.get(verdict_id=approved.pk, action="withdraw")
        assert (event.from_status, event.to_status, event.note) == (
            "approved",
            "withdrawn",
            "Claim was misquoted",
        )

    def test_stale_version_is_reported(self, client, editor, editor2, approved):
        services.withdraw_verdict(verdict_id=approved.pk, user=editor, note="Gone")
        client.force_login(editor2)
        response = client.post(
            reverse("verdict_withdraw", args=[approved.pk]),
            {"version": approved.version, "note": "Also gone"},
            follow=True,
        )
        assert any("was already withdrawn by ed" in m for m in messages_of(response))
        assert Event.objects.filter(verdict_id=approved.pk, action="withdraw").count() == 1

    def test_author_withdraws_own_draft_without_a_note(self, client, claim, reviewer):
        draft = make_verdict(claim=claim, user=reviewer, status="draft")
        client.force_login(reviewer)
        client.post(reverse("verdict_withdraw", args=[draft.pk]), {"version": draft.version})
        assert Verdict.objects.get(pk=draft.pk).status == "withdrawn"


def test_verdict_page_query_count_is_constant(
    client, claim, reviewer, reviewer2, editor, approved, django_assert_max_num_queries
):
    for i in range(5):
        make_source(claim=claim, user=reviewer, url=f"https://example.org/{i}")
    client.force_login(reviewer2)
    with django_assert_max_num_queries(14):
        assert page(client, approved).status_code == 200
