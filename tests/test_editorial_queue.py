"""The editor's review queue page: what it shows, its filters and pages, approve and return
through its forms, and the query count that must not grow with the queue."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annotations.models import Event, Verdict
from tests.factories import make_article, make_claim, make_verdict

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim(article, reviewer):
    return make_claim(article=article, user=reviewer)


@pytest.fixture
def queued(claim, reviewer):
    return make_verdict(claim=claim, user=reviewer, rating="false", status="submitted")


def queue_url(project, **params):
    from urllib.parse import urlencode

    url = reverse("review_queue", kwargs={"slug": project.slug})
    return url + ("?" + urlencode(params) if params else "")


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


class TestQueuePage:
    def test_shows_claim_in_context_sources_explanation_and_rating(
        self, client, project, editor, queued
    ):
        client.force_login(editor)
        response = client.get(queue_url(project))
        assert response.status_code == 200
        html = response.content.decode()
        claim = queued.claim
        assert f"{claim.prefix}<mark>{claim.quote}</mark>{claim.suffix}" in html
        assert "<strong>figures</strong>" in html  # the rendered, sanitised explanation
        assert "https://stats.example.org/ridership" in html
        assert 'class="rating rating-false"' in html
        assert f'action="{reverse("verdict_approve", args=[queued.pk])}"' in html
        assert f'name="version" value="{queued.version}"' in html

    def test_links_the_scale_colours_and_the_shortcut_script(self, client, project, editor, queued):
        client.force_login(editor)
        html = client.get(queue_url(project)).content.decode()
        assert reverse("rating_styles", args=[project.rating_scale_id]) in html
        assert "js/queue.js" in html
        assert "<script>" not in html and 'style="' not in html

    def test_rating_stylesheet_carries_label_colours(self, client, project, editor):
        client.force_login(editor)
        response = client.get(reverse("rating_styles", args=[project.rating_scale_id]))
        assert response["Content-Type"].startswith("text/css")
        label = project.rating_scale.labels.get(slug="false")
        assert f".rating-false {{ --rating: {label.colour};" in response.content.decode()

    def test_own_verdict_has_no_approve_button(self, client, project, editor, claim):
        mine = make_verdict(claim=claim, user=editor, status="submitted")
        client.force_login(editor)
        html = client.get(queue_url(project)).content.decode()
        assert "another editor must decide" in html
        assert reverse("verdict_approve", args=[mine.pk]) not in html

    def test_oldest_submission_first(self, client, project, editor, article, reviewer):
        first = make_claim(article=article, user=reviewer, quote="bus use fell 15% since 2019")
        second = make_claim(article=article, user=reviewer, quote="doubled their prices")
        older = make_verdict(claim=first, user=reviewer, status="submitted")
        newer = make_verdict(claim=second, user=reviewer, status="submitted")
        client.force_login(editor)
        html = client.get(queue_url(project)).content.decode()
        assert html.index(f'id="verdict-{older.pk}"') < html.index(f'id="verdict-{newer.pk}"')

    def test_filters_by_reviewer_rating_and_article(
        self, client, project, editor, article, reviewer, reviewer2, queued
    ):
        other_article = make_article(
            project=project, creator=reviewer, title="Other", text="Rents rose 40% in one year."
        )
        other_claim = make_claim(article=other_article, user=reviewer2, quote="Rents rose 40%")
        theirs = make_verdict(claim=other_claim, user=reviewer2, rating="true", status="submitted")
        client.force_login(editor)

        def shown(**params):
            html = client.get(queue_url(project, **params)).content.decode()
            return {v.pk for v in (queued, theirs) if f'id="verdict-{v.pk}"' in html}

        assert shown() == {queued.pk, theirs.pk}
        assert shown(reviewer=reviewer2.pk) == {theirs.pk}
        assert shown(rating="false") == {queued.pk}
        assert shown(article=other_article.pk) == {theirs.pk}
        assert shown(rating="no-such-rating") == {queued.pk, theirs.pk}  # ignored, not a 500

    def test_paginates_by_claim_and_keeps_filters_in_page_links(
        self, client, project, editor, reviewer, settings
    ):
        from annotations.views import editorial

        article = make_article(
            project=project,
            creator=reviewer,
            title="Many",
            text=" ".join(f"Claim number {i} is here." for i in range(25)),
        )
        for i in range(23):
            claim = make_claim(article=article, user=reviewer, quote=f"Claim number {i} is here.")
            make_verdict(claim=claim, user=reviewer, status="submitted")
        client.force_login(editor)
        first = client.get(queue_url(project, reviewer=reviewer.pk))
        assert len(first.context["groups"]) == editorial.QUEUE_CLAIMS_PER_PAGE
        assert f"reviewer={reviewer.pk}&amp;page=2" in first.content.decode()
        second = client.get(queue_url(project, reviewer=reviewer.pk, page=2))
        assert len(second.context["groups"]) == 3
        assert client.get(queue_url(project, page="999")).status_code == 200


class TestApproveAndReturnForms:
    def test_approve_redirects_back_with_a_message(self, client, project, editor, queued):
        client.force_login(editor)
        here = queue_url(project, rating="false")
        response = client.post(
            reverse("verdict_approve", args=[queued.pk]),
            {"version": queued.version, "note": "Good work", "next": here},
            follow=True,
        )
        assert response.redirect_chain[-1][0] == here
        assert any(f"Approved verdict #{queued.pk}" in m for m in messages_of(response))
        queued.refresh_from_db()
        assert queued.status == "approved" and queued.approved_by == editor
        assert Event.objects.get(verdict_id=queued.pk, action="approve").note == "Good work"

    def test_return_without_a_note_is_refused_with_a_message(self, client, project, editor, queued):
        client.force_login(editor)
        response = client.post(
            reverse("verdict_return", args=[queued.pk]),
            {"version": queued.version, "note": "  "},
            follow=True,
        )
        assert any("A note is required to return" in m for m in messages_of(response))
        queued.refresh_from_db()
        assert queued.status == "submitted"

    def test_return_with_a_note_sends_it_back(self, client, project, editor, queued):
        client.force_login(editor)
        client.post(
            reverse("verdict_return", args=[queued.pk]),
            {"version": queued.version, "note": "Cite the 2025 report."},
        )
        queued.refresh_from_db()
        assert (queued.status, queued.review_note) == ("returned", "Cite the 2025 report.")

    def test_stale_version_says_it_changed_since_loaded(
        self, client, project, editor, queued, reviewer
    ):
        from annotations import services

        services.return_verdict(verdict_id=queued.pk, editor=editor, note="Fix it")
        services.submit_verdict(verdict_id=queued.pk, user=reviewer)
        client.force_login(editor)
        response = client.post(
            reverse("verdict_approve", args=[queued.pk]), {"version": queued.version}, follow=True
        )
        assert any("changed since you loaded it" in m for m in messages_of(response))
        assert Verdict.objects.get(pk=queued.pk).status == "submitted"

    def test_already_approved_names_the_editor(self, client, project, editor, editor2, queued):
        from annotations import services

        services.approve_verdict(verdict_id=queued.pk, editor=editor2)
        client.force_login(editor)
        response = client.post(
            reverse("verdict_approve", args=[queued.pk]), {"version": queued.version}, follow=True
        )
        assert any(
            f"Verdict #{queued.pk} was already approved by ed2" in m for m in messages_of(response)
        )
        assert Event.objects.filter(verdict_id=queued.pk, action="approve").count() == 1

    def test_late_approve_of_a_returned_verdict_says_who_returned_it(
        self, client, project, editor, editor2, queued
    ):
        from annotations import services

        services.return_verdict(verdict_id=queued.pk, editor=editor2, note="Needs data")
        client.force_login(editor)
        response = client.post(
            reverse("verdict_approve", args=[queued.pk]), {"version": queued.version}, follow=True
        )
        assert response.status_code == 200
        assert any("was already returned by ed2" in m for m in messages_of(response))

    def test_own_verdict_approval_is_refused_with_a_message(self, client, project, editor, claim):
        mine = make_verdict(claim=claim, user=editor, status="submitted")
        client.force_login(editor)
        response = client.post(
            reverse("verdict_approve", args=[mine.pk]), {"version": mine.version}, follow=True
        )
        assert any("You cannot approve your own verdict" in m for m in messages_of(response))
        assert Verdict.objects.get(pk=mine.pk).status == "submitted"

    def test_missing_version_is_refused(self, client, project, editor, queued):
        client.force_login(editor)
        response = client.post(reverse("verdict_approve", args=[queued.pk]), {}, follow=True)
        assert any("lacked the verdict's version" in m for m in messages_of(response))
        assert Verdict.objects.get(pk=queued.pk).status == "submitted"

    def test_other_projects_verdict_is_404(
        self, client, project, other_project, outsider, editor, queued
    ):
        from annotations import services

        services.add_member(project=other_project, user=editor, role="editor")
        client.force_login(outsider)
        for name in ("verdict_approve", "verdict_return"):
            response = client.post(
                reverse(name, args=[queued.pk]), {"version": queued.version, "note": "x"}
            )
            assert response.status_code == 404
        assert Verdict.objects.get(pk=queued.pk).status == "submitted"

    def test_offsite_next_is_ignored(self, client, project, editor, queued):
        client.force_login(editor)
        response = client.post(
            reverse("verdict_approve", args=[queued.pk]),
            {"version": queued.version, "next": "https://evil.example.com/"},
        )
        assert response["Location"] == queue_url(project)

    def test_script_in_a_return_note_is_stored_stripped_and_shown_harmless(
        self, client, project, editor, queued, reviewer
    ):
        client.force_login(editor)
        client.post(
            reverse("verdict_return", args=[queued.pk]),
            {"version": queued.version, "note": "Fix <script>alert(1)</script><b>this</b> & that"},
        )
        queued.refresh_from_db()
        assert queued.review_note == "Fix this & that"
        client.force_login(reviewer)
        html = client.get(reverse("verdict_detail", args=[queued.pk])).content.decode()
        assert "Fix this &amp; that" in html and "<script>alert" not in html


def test_queue_query_count_does_not_grow_with_the_queue(
    client, project, editor, reviewer, reviewer2, django_assert_max_num_queries
):
    """11 queries: session, user, project, role, the three filter lists, count, page of claim
    ids, verdicts with claim/article/rating/reviewer, cited sources."""
    text = " ".join(f"Statement {i} holds." for i in range(30))
    article = make_article(project=project, creator=reviewer, title="Thirty", text=text)

    def queue_verdicts(numbers):
        for i in numbers:
            claim = make_claim(article=article, user=reviewer, quote=f"Statement {i} holds.")
            make_verdict(claim=claim, user=reviewer if i % 2 else reviewer2, status="submitted")

    client.force_login(editor)
    counts = []
    for numbers in (range(3), range(3, 30)):
        queue_verdicts(numbers)
        with django_assert_max_num_queries(11) as captured:
            response = client.get(queue_url(project))
        assert response.status_code == 200
        counts.append(len(captured.captured_queries))
    assert len(response.context["groups"]) == 20
    assert counts[0] == counts[1]
