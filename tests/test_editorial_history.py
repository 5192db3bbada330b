"""A claim's history page: the full timeline with who, what, when, notes and status changes,
readable diffs between verdict versions, and only the verdicts the reader may see."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annotations import services
from annotations.views.editorial import describe_changes, word_diff
from tests.factories import make_claim, make_source, make_verdict


class TestWordDiff:
    def test_marks_removed_and_inserted_words(self):
        assert word_diff("the tram is late", "the bus is late") == [
            ("same", "the "),
            ("del", "tram"),
            ("ins", "bus"),
            ("same", " is late"),
        ]

    def test_identical_text_is_one_unchanged_segment(self):
        assert word_diff("same text", "same text") == [("same", "same text")]

    def test_from_empty(self):
        assert word_diff("", "new words") == [("ins", "new words")]

    def test_changes_render_text_as_diff_and_the_rest_as_pairs(self):
        rows = describe_changes(
            {
                "explanation": {"from": "a b", "to": "a c"},
                "rating": {"from": "true", "to": "false"},
                "sources": {"from": [1], "to": [1, 2]},
                "quote": "plain value",
            }
        )
        kinds = {row.field: row.kind for row in rows}
        assert kinds == {
            "explanation": "diff",
            "rating": "pair",
            "sources": "pair",
            "quote": "value",
        }
        assert rows[2].after == "#1, #2"


@pytest.mark.django_db
class TestHistoryPage:
    @pytest.fixture
    def claim(self, article, reviewer):
        return make_claim(article=article, user=reviewer)

    def url(self, claim):
        return reverse("claim_history", args=[claim.pk])

    def test_timeline_lists_actor_action_transition_and_note(self, client, claim, reviewer, editor):
        verdict = make_verdict(claim=claim, user=reviewer, status="submitted")
        services.return_verdict(verdict_id=verdict.pk, editor=editor, note="Name the report.")
        client.force_login(reviewer)
        response = client.get(self.url(claim))
        actions = [event.action for event, _ in response.context["rows"]]
        assert actions == ["mark_claim", "attach_source", "draft", "submit", "return"]
        html = response.content.decode()
        assert '<span class="transition">submitted → returned</span>' in html
        assert "Name the report." in html
        assert "<strong>ed</strong>" in html
        assert reverse("verdict_detail", args=[verdict.pk]) in html

    def test_edits_show_a_diff_between_versions_with_markup_escaped(self, client, claim, reviewer):
        verdict = make_verdict(claim=claim, user=reviewer, status="draft")
        services.update_verdict(
            verdict_id=verdict.pk,
            user=reviewer,
            version=verdict.version,
            rating="false",
            explanation="Ridership <script>alert(1)</script> figures disagree.",
        )
        client.force_login(reviewer)
        html = client.get(self.url(claim)).content.decode()
        assert "<del>true</del>" not in html  # the rating was mostly-true
        assert "<del>mostly-true</del> → <ins>false</ins>" in html
        assert "<ins>&lt;script&gt;alert(1)&lt;/script&gt;</ins>" in html
        assert "<script>alert" not in html
        assert "<del>agree.</del>" in html

    def test_others_drafts_are_left_out(self, client, claim, reviewer, reviewer2):
        theirs = make_verdict(claim=claim, user=reviewer2, status="draft")
        client.force_login(reviewer)
        rows = client.get(self.url(claim)).context["rows"]
        assert theirs.pk not in {event.verdict_id for event, _ in rows}
        client.force_login(reviewer2)
        rows = client.get(self.url(claim)).context["rows"]
        assert theirs.pk in {event.verdict_id for event, _ in rows}

    def test_editor_sees_a_returned_verdict_being_revised(self, client, claim, reviewer, editor):
        verdict = make_verdict(claim=claim, user=reviewer, status="returned", editor=editor)
        services.update_verdict(
            verdict_id=verdict.pk, user=reviewer, version=verdict.version, explanation="Better."
        )
        client.force_login(editor)
        rows = client.get(self.url(claim)).context["rows"]
        assert {"return", "edit"} <= {e.action for e, _ in rows if e.verdict_id == verdict.pk}

    def test_other_project_is_404_and_anonymous_signs_in(self, client, claim, outsider):
        assert client.get(self.url(claim))["Location"].startswith(reverse("login"))
        client.force_login(outsider)
        assert client.get(self.url(claim)).status_code == 404
        assert client.get(reverse("claim_history", args=[999999])).status_code == 404

    def test_query_count_does_not_grow_with_events(
        self, client, claim, reviewer, editor, django_assert_max_num_queries
    ):
        for i in range(10):
            make_source(claim=claim, user=reviewer, url=f"https://example.org/{i}")
        verdict = make_verdict(claim=claim, user=reviewer, status="submitted")
        services.return_verdict(verdict_id=verdict.pk, editor=editor, note="More")
        client.force_login(editor)
        with django_assert_max_num_queries(7):
            assert client.get(self.url(claim)).status_code == 200
