"""Services: article import, claims, sources and the verdict workflow's rules."""

from __future__ import annotations

import pytest

from annotations import services
from annotations.exceptions import (
    BadSpan,
    Conflict,
    InvalidTransition,
    NotPermitted,
    NotVisible,
    StaleVersion,
    TooLarge,
    ValidationFailed,
)
from annotations.models import Article, Claim, Event, Verdict
from tests.factories import ARTICLE_TEXT, make_article, make_claim, make_source, make_verdict

pytestmark = pytest.mark.django_db


class TestImportArticle:
    def test_html_is_sanitised_and_canonicalised(self, project, reviewer):
        article = services.import_article(
            project=project,
            creator=reviewer,
            title="<b>Bold</b> title",
            html="<p>Caf&eacute; prices rose 5%.</p><script>alert(1)</script><p>Second\r\nline.</p>",
        )
        assert article.title == "Bold title"
        assert "alert" not in article.text and "<" not in article.text
        assert "Café prices rose 5%." in article.text
        assert "\r" not in article.text
        assert article.sentences.count() >= 2

    def test_sentences_are_stored_with_code_point_offsets(self, article):
        for sentence in article.sentences.all():
            assert article.text[sentence.start : sentence.end].strip()
        cjk = next(s for s in article.sentences.all() if "东京" in article.text[s.start : s.end])
        assert article.text[cjk.start : cjk.end].startswith("东京")

    def test_duplicate_text_is_refused(self, article, reviewer):
        with pytest.raises(Conflict, match="already has this article"):
            make_article(project=article.project, creator=reviewer, title="Again")

    def test_duplicate_url_is_refused(self, project, reviewer):
        make_article(project=project, creator=reviewer, url="https://n.example.org/a")
        with pytest.raises(Conflict, match="same URL"):
            make_article(
                project=project, creator=reviewer, text="Other text.", url="https://n.example.org/a"
            )

    def test_same_article_in_another_project_is_fine(self, article, other_project):
        assert make_article(project=other_project).pk != article.pk

    def test_empty_text_is_refused(self, project, reviewer):
        with pytest.raises(ValidationFailed, match="no text"):
            services.import_article(
                project=project, creator=reviewer, title="T", html="<script>x</script>"
            )
        assert not Article.objects.exists()

    def test_oversized_article_is_refused(self, project, reviewer, settings):
        settings.FACTCHECK = {**settings.FACTCHECK, "MAX_ARTICLE_CHARS": 100}
        with pytest.raises(TooLarge, match="limit is 100"):
            make_article(project=project, creator=reviewer, text="word " * 50)

    def test_researcher_cannot_import(self, project, researcher):
        with pytest.raises(NotPermitted):
            make_article(project=project, creator=researcher)

    def test_javascript_url_is_refused(self, project, reviewer):
        with pytest.raises(ValidationFailed, match="http:// or https://"):
            make_article(project=project, creator=reviewer, url="javascript:alert(1)")


class TestMarkClaim:
    def test_by_offsets_stores_quote_and_context(self, article, reviewer):
        start = ARTICLE_TEXT.index("bus use")
        claim = services.mark_claim(
            article_id=article.pk, user=reviewer, start=start, end=start + 16
        )
        assert claim.quote == article.text[start : start + 16] == "bus use fell 15%"
        assert article.text[: claim.start].endswith(claim.prefix)
        assert article.text[claim.end :].startswith(claim.suffix)
        assert len(claim.prefix) <= 32 and len(claim.suffix) <= 32

    def test_offsets_after_emoji_are_code_points(self, article, reviewer):
        claim = make_claim(article=article, user=reviewer, quote="bus use fell 15%")
        assert claim.start == article.text.index("bus use")

    def test_out_of_range_offsets(self, article, reviewer):
        with pytest.raises(BadSpan, match=r"outside the text: need 0 <= start < end <= \d+"):
            services.mark_claim(article_id=article.pk, user=reviewer, start=5, end=10**6)
        with pytest.raises(BadSpan, match="outside the text"):
            services.mark_claim(article_id=article.pk, user=reviewer, start=-1, end=3)

    def test_wrong_types(self, article, reviewer):
        with pytest.raises(BadSpan, match="integers"):
            services.mark_claim(article_id=article.pk, user=reviewer, start="0", end="3")

    def test_quote_mismatch(self, article, reviewer):
        with pytest.raises(BadSpan, match="does not match the text"):
            services.mark_claim(article_id=article.pk, user=reviewer, start=0, end=3, quote="xyz")

    def test_missing_quote(self, article, reviewer):
        with pytest.raises(BadSpan, match="not found"):
            make_claim(article=article, user=reviewer, quote="no such words")

    def test_ambiguous_quote_needs_context(self, article, reviewer):
        with pytest.raises(BadSpan, match="(?i)occurs|ambiguous"):
            make_claim(article=article, user=reviewer, quote="said")

    def test_same_span_twice_is_a_conflict(self, article, reviewer):
        first = make_claim(article=article, user=reviewer)
        with pytest.raises(Conflict, match=f"#{first.pk}"):
            make_claim(article=article, user=reviewer)

    def test_other_projects_article_is_not_visible(self, article, outsider):
        with pytest.raises(NotVisible):
            make_claim(article=article, user=outsider)

    def test_researcher_cannot_mark(self, article, researcher):
        with pytest.raises(NotPermitted):
            make_claim(article=article, user=researcher)

    def test_claims_per_article_limit(self, article, reviewer, settings):
        settings.FACTCHECK = {**settings.FACTCHECK, "MAX_CLAIMS_PER_ARTICLE": 1}
        make_claim(article=article, user=reviewer)
        with pytest.raises(ValidationFailed, match="maximum of 1 claims"):
            make_claim(article=article, user=reviewer, quote="bus use fell 15%")

    def test_plain_fields_lose_markup(self, article, reviewer):
        claim = make_claim(
            article=article,
            user=reviewer,
            statement="<img src=x onerror=alert(1)>Ridership",
            claimant="<b>Mayor</b>",
        )
        assert claim.statement == "Ridership" and claim.claimant == "Mayor"

    def test_event_recorded(self, article, reviewer):
        claim = make_claim(article=article, user=reviewer)
        assert (
            Event.objects.filter(claim_id=claim.pk, action="mark_claim", actor=reviewer).count()
            == 1
        )

    def test_delete_claim_only_without_verdicts(self, article, reviewer, editor):
        claim = make_claim(article=article, user=reviewer)
        make_verdict(claim=claim, user=reviewer)
        with pytest.raises(Conflict, match="withdraw"):
            services.delete_claim(claim_id=claim.pk, user=reviewer)
        other = make_claim(article=article, user=reviewer, quote="bus use fell 15%")
        make_source(claim=other, user=reviewer)
        services.delete_claim(claim_id=other.pk, user=reviewer)
        assert not Claim.objects.filter(pk=other.pk).exists()
        assert Event.objects.filter(claim_id=other.pk, action="delete_claim").exists()


class TestSources:
    @pytest.mark.parametrize(
        "url",
        [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "data:text/html,<script>",
            "ftp://x.org",
            "not a url",
            "http://",
        ],
    )
    def test_only_http_urls(self, article, reviewer, url):
        claim = make_claim(article=article, user=reviewer)
        with pytest.raises(ValidationFailed, match="http:// or https://"):
            services.attach_source(claim_id=claim.pk, user=reviewer, url=url, stance="supports")

    def test_unknown_stance(self, article, reviewer):
        claim = make_claim(article=article, user=reviewer)
        with pytest.raises(ValidationFailed, match="stance must be one of"):
            services.attach_source(
                claim_id=claim.pk, user=reviewer, url="https://x.org", stance="meh"
            )


class TestWorkflow:
    @pytest.fixture
    def claim(self, article, reviewer):
        return make_claim(article=article, user=reviewer)

    def test_happy_path_bumps_version_and_records_events(self, claim, reviewer, editor):
        verdict = make_verdict(claim=claim, user=reviewer, status="submitted")
        assert verdict.version == 2
        verdict = services.approve_verdict(verdict_id=verdict.pk, editor=editor, version=2)
        assert (
            verdict.status == "approved" and verdict.approved_by == editor and verdict.version == 3
        )
        actions = list(Event.objects.filter(verdict_id=verdict.pk).values_list("action", flat=True))
        assert actions == ["draft", "submit", "approve"]

    def test_nobody_approves_their_own_verdict(self, claim, editor):
        verdict = make_verdict(claim=claim, user=editor, status="submitted")
        with pytest.raises(NotPermitted, match="your own verdict"):
            services.approve_verdict(verdict_id=verdict.pk, editor=editor)

    def test_reviewer_cannot_approve(self, claim, reviewer, reviewer2):
        verdict = make_verdict(claim=claim, user=reviewer, status="submitted")
        with pytest.raises(NotPermitted, match="role"):
            services.approve_verdict(verdict_id=verdict.pk, editor=reviewer2)

    def test_return_needs_a_note(self, claim, reviewer, editor):
        verdict = make_verdict(claim=claim, user=reviewer, status="submitted")
        with pytest.raises(ValidationFailed, match="note is required"):
            services.return_verdict(verdict_id=verdict.pk, editor=editor, note="  ")
        verdict = services.return_verdict(
            verdict_id=verdict.pk, editor=editor, note="Cite the dataset."
        )
        assert verdict.status == "returned" and verdict.review_note == "Cite the dataset."

    def test_submit_needs_a_source_or_a_reason(self, claim, reviewer):
        verdict = services.draft_verdict(
            claim_id=claim.pk, reviewer=reviewer, rating="false", explanation="x"
        )
        with pytest.raises(ValidationFailed, match="Cite at least one source"):
            services.submit_verdict(verdict_id=verdict.pk, user=reviewer)
        services.update_verdict(
            verdict_id=verdict.pk,
            user=reviewer,
            version=1,
            no_source_reason="Sources are confidential.",
        )
        assert services.submit_verdict(verdict_id=verdict.pk, user=reviewer).status == "submitted"

    def test_stale_version(self, claim, reviewer):
        verdict = make_verdict(claim=claim, user=reviewer)
        services.update_verdict(verdict_id=verdict.pk, user=reviewer, version=1, rating="false")
        with pytest.raises(StaleVersion, match="current version is 2") as info:
            services.update_verdict(verdict_id=verdict.pk, user=reviewer, version=1, rating="true")
        assert info.value.current_version == 2

    def test_approved_verdict_is_never_edited(self, claim, reviewer, editor):
        verdict = make_verdict(claim=claim, user=reviewer, status="approved", editor=editor)
        with pytest.raises(InvalidTransition, match="correction"):
            services.update_verdict(
                verdict_id=verdict.pk, user=reviewer, version=None, rating="false"
            )

    def test_only_author_edits_a_draft(self, claim, reviewer, editor):
        verdict = make_verdict(claim=claim, user=reviewer)
        with pytest.raises(NotPermitted, match="author"):
            services.update_verdict(
                verdict_id=verdict.pk, user=editor, version=None, rating="false"
            )

    def test_illegal_transition(self, claim, reviewer, editor):
        verdict = make_verdict(claim=claim, user=reviewer)
        with pytest.raises(InvalidTransition, match="Cannot approve a verdict that is draft"):
            services.approve_verdict(verdict_id=verdict.pk, editor=editor)

    def test_correction_supersedes_on_approval(self, claim, reviewer, reviewer2, editor):
        original = make_verdict(claim=claim, user=reviewer, status="approved", editor=editor)
        correction = services.correct_verdict(
            verdict_id=original.pk,
            user=reviewer2,
            rating="false",
            correction_note="New data.",
            explanation="Updated figures.",
            sources=list(original.sources.values_list("pk", flat=True)),
        )
        assert correction.status == "draft" and correction.supersedes == original
        services.submit_verdict(verdict_id=correction.pk, user=reviewer2)
        services.approve_verdict(verdict_id=correction.pk, editor=editor)
        original.refresh_from_db()
        assert original.status == "superseded"
        assert Verdict.objects.filter(claim=claim, status="approved").get().pk == correction.pk

    def test_correction_needs_note(self, claim, reviewer, editor):
        original = make_verdict(claim=claim, user=reviewer, status="approved", editor=editor)
        with pytest.raises(ValidationFailed, match="correction"):
            services.correct_verdict(
                verdict_id=original.pk, user=reviewer, rating="false", correction_note=""
            )

    def test_one_live_verdict_per_reviewer(self, claim, reviewer):
        make_verdict(claim=claim, user=reviewer)
        with pytest.raises(Conflict, match="already have a draft verdict"):
            services.draft_verdict(claim_id=claim.pk, reviewer=reviewer, rating="true")

    def test_unknown_rating(self, claim, reviewer):
        with pytest.raises(
            ValidationFailed, match="Unknown rating 'pants-on-fire'.*true, mostly-true"
        ):
            services.draft_verdict(claim_id=claim.pk, reviewer=reviewer, rating="pants-on-fire")

    def test_explanation_is_sanitised_markdown(self, claim, reviewer):
        verdict = services.draft_verdict(
            claim_id=claim.pk,
            reviewer=reviewer,
            rating="true",
            explanation="**Yes** <script>alert(1)</script> [x](javascript:alert(1))",
        )
        assert "<strong>Yes</strong>" in verdict.explanation_html
        assert (
            "script" not in verdict.explanation_html
            and "javascript" not in verdict.explanation_html
        )

    def test_explanation_limit(self, claim, reviewer, settings):
        settings.FACTCHECK = {**settings.FACTCHECK, "MAX_EXPLANATION_CHARS": 10}
        with pytest.raises(TooLarge, match="limit is 10"):
            services.draft_verdict(
                claim_id=claim.pk, reviewer=reviewer, rating="true", explanation="x" * 11
            )

    def test_cited_sources_must_belong_to_the_claim(self, article, claim, reviewer):
        other = make_claim(article=article, user=reviewer, quote="bus use fell 15%")
        foreign = make_source(claim=other, user=reviewer)
        with pytest.raises(ValidationFailed, match=f"Sources {foreign.pk} are not attached"):
            services.draft_verdict(
                claim_id=claim.pk, reviewer=reviewer, rating="true", sources=[foreign.pk]
            )

    def test_double_review_needs_n_verdicts(self, project, claim, reviewer, reviewer2, editor):
        project.required_verdicts = 2
        project.save(update_fields=["required_verdicts"])
        first = make_verdict(claim=claim, user=reviewer, status="submitted")
        with pytest.raises(InvalidTransition, match="needs 2 independent verdicts"):
            services.approve_verdict(verdict_id=first.pk, editor=editor)
        make_verdict(claim=claim, user=reviewer2, status="submitted")
        assert services.approve_verdict(verdict_id=first.pk, editor=editor).status == "approved"
