"""The annotation workspace's page forms without JavaScript (delete with undo, replace a span,
edit and remove sources) and what the page says: a returned verdict, read-only fields for a
researcher, history in words, badge contrast, a pasted article's title, the sidebar list."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from annotations import services
from annotations.models import Article, Claim, Event, Source
from annotations.segments import build_segments, render_segments
from annotations.selectors import SentenceRow
from annotations.services import claims as claims_service
from annotations.views.annotate import contrast
from tests.factories import make_source, make_verdict

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def page_of(article, claim=None) -> str:
    url = reverse("article_annotate", kwargs={"pk": article.pk})
    return f"{url}?claim={claim.pk}" if claim else url


@pytest.fixture
def claim(article, reviewer):
    return services.mark_claim(
        article_id=article.pk,
        user=reviewer,
        quote="东京的人口是1400万",
        statement="Tokyo has 14 million people.",
        claimant="The article",
    )


class TestDeleteAndUndo:
    def test_delete_then_undo_restores_span_statement_claimant_and_sources(
        self, client_for, article, reviewer, claim
    ):
        make_source(claim=claim, user=reviewer, url="https://stat.example.jp/pop")
        client = client_for(reviewer)
        response = client.post(reverse("claim_delete", args=[claim.pk]))
        assert response.status_code == 302
        assert not Claim.objects.filter(pk=claim.pk).exists()
        deleted = Event.objects.get(action="delete_claim", claim_id=claim.pk)
        assert deleted.changes["statement"] == "Tokyo has 14 million people."

        page = client.get(response.url).content.decode()
        assert f"Deleted claim #{claim.pk}." in page
        assert 'name="kind" value="delete"' in page  # the undo form, no JavaScript needed

        undone = client.post(
            reverse("claim_undo", args=[article.pk]), {"kind": "delete", "target": deleted.pk}
        )
        assert undone.status_code == 302
        restored = Claim.objects.get(article=article)
        assert (restored.start, restored.end) == (claim.start, claim.end)
        assert restored.quote == article.text[restored.start : restored.end] == claim.quote
        assert (restored.statement, restored.claimant) == (claim.statement, claim.claimant)
        assert list(restored.sources.values_list("url", flat=True)) == [
            "https://stat.example.jp/pop"
        ]
        event = Event.objects.get(action="restore_claim")
        assert event.changes["restores_event"] == deleted.pk
        assert event.claim_id == restored.pk

        again = client.post(
            reverse("claim_undo", args=[article.pk]),
            {"kind": "delete", "target": deleted.pk},
            HTTP_ACCEPT="application/json",
        )
        assert again.status_code == 409
        assert "already undone" in again.json()["detail"]

    def test_undo_is_refused_after_the_window_and_to_another_user(
        self, client_for, article, reviewer, reviewer2, claim, monkeypatch
    ):
        event = services.delete_claim(claim_id=claim.pk, user=reviewer)
        other = client_for(reviewer2).post(
            reverse("claim_undo", args=[article.pk]),
            {"kind": "delete", "target": event.pk},
            HTTP_ACCEPT="application/json",
        )
        assert other.status_code == 404
        # Events are append-only, so the window shrinks instead of the event ageing.
        monkeypatch.setattr(claims_service, "UNDO_SECONDS", 0)
        late = client_for(reviewer).post(
            reverse("claim_undo", args=[article.pk]),
            {"kind": "delete", "target": event.pk},
            HTTP_ACCEPT="application/json",
        )
        assert late.status_code == 409
        assert "can no longer be undone" in late.json()["detail"]
        assert not Claim.objects.filter(article=article).exists()

    def test_undo_of_a_mark_deletes_the_claim_it_made(self, client_for, article, reviewer):
        client = client_for(reviewer)
        client.post(reverse("sentence_claim", kwargs={"pk": article.pk, "index": 0}))
        claim = Claim.objects.get(article=article)
        page = client.get(page_of(article)).content.decode()
        assert 'name="kind" value="mark"' in page
        client.post(reverse("claim_undo", args=[article.pk]), {"kind": "mark", "target": claim.pk})
        assert not Claim.objects.filter(pk=claim.pk).exists()
        assert Event.objects.filter(action="delete_claim", claim_id=claim.pk).exists()

    def test_a_claim_with_a_verdict_is_not_deleted_and_the_page_says_withdraw(
        self, client_for, article, reviewer, claim
    ):
        make_verdict(claim=claim, user=reviewer, status="draft")
        client = client_for(reviewer)
        page = client.get(page_of(article, claim)).content.decode()
        assert "cannot be deleted" in page and "Withdraw" in page
        assert reverse("claim_delete", args=[claim.pk]) not in page
        response = client.post(
            reverse("claim_delete", args=[claim.pk]), HTTP_ACCEPT="application/json"
        )
        assert response.status_code == 409
        assert "withdraw" in response.json()["detail"].lower()
        assert Claim.objects.filter(pk=claim.pk).exists()


class TestReplaceSpan:
    def test_by_exact_text_without_javascript(self, client_for, article, reviewer, claim):
        response = client_for(reviewer).post(
            reverse("claim_span", args=[claim.pk]), {"span-quote": "Critics 🚀 said bus use"}
        )
        assert response.status_code == 302
        claim.refresh_from_db()
        assert claim.quote == article.text[claim.start : claim.end] == "Critics 🚀 said bus use"
        event = Event.objects.get(action="replace_span", claim_id=claim.pk)
        assert event.changes["quote"] == {"from": "东京的人口是1400万", "to": claim.quote}

    def test_by_code_points_after_emoji_and_cjk(self, client_for, article, reviewer, claim):
        start = article.text.index("Café")
        client_for(reviewer).post(
            reverse("claim_span", args=[claim.pk]),
            {"span-start": start, "span-end": start + 4},
        )
        claim.refresh_from_db()
        assert (claim.start, claim.quote) == (start, "Café")

    def test_an_ambiguous_or_frozen_span_is_refused_beside_the_form(
        self, client_for, article, reviewer, claim
    ):
        client = client_for(reviewer)
        missing = client.post(
            reverse("claim_span", args=[claim.pk]), {"span-quote": "not in the text"}
        )
        assert missing.status_code == 400
        assert 'id="span-form"' in missing.content.decode()
        make_verdict(claim=claim, user=reviewer, status="submitted")
        frozen = client.post(reverse("claim_span", args=[claim.pk]), {"span-quote": "Café"})
        assert frozen.status_code == 409
        assert "in review" in frozen.content.decode()
        claim.refresh_from_db()
        assert claim.quote == "东京的人口是1400万"


class TestSources:
    def test_edit_and_remove_a_source(self, client_for, article, reviewer, claim):
        source = make_source(claim=claim, user=reviewer)
        client = client_for(reviewer)
        prefix = f"source-{source.pk}"
        response = client.post(
            reverse("source_update", args=[source.pk]),
            {f"{prefix}-url": "https://fixed.example.org/", f"{prefix}-stance": "refutes"},
        )
        assert response.status_code == 302
        source.refresh_from_db()
        assert (source.url, source.stance) == ("https://fixed.example.org/", "refutes")
        bad = client.post(
            reverse("source_update", args=[source.pk]),
            {f"{prefix}-url": "javascript:alert(1)", f"{prefix}-stance": "refutes"},
        )
        assert bad.status_code == 400
        assert "http" in bad.content.decode()
        client.post(reverse("source_remove", args=[source.pk]))
        assert not Source.objects.filter(pk=source.pk).exists()

    def test_a_cited_source_is_read_only_with_the_reason(
        self, client_for, article, reviewer, claim
    ):
        verdict = make_verdict(claim=claim, user=reviewer, status="submitted")
        source = verdict.sources.get()
        client = client_for(reviewer)
        page = client.get(page_of(article, claim)).content.decode()
        assert f"Read only: verdict #{verdict.pk} (submitted) cites this source" in page
        assert reverse("source_update", args=[source.pk]) not in page
        response = client.post(reverse("source_remove", args=[source.pk]), follow=True)
        assert "cannot be removed" in response.content.decode()
        assert Source.objects.filter(pk=source.pk).exists()


class TestPanelTells:
    def test_a_returned_verdict_reads_returned_with_the_note(
        self, client_for, article, reviewer, editor, claim
    ):
        make_verdict(claim=claim, user=reviewer, status="returned", editor=editor)
        page = client_for(reviewer).get(page_of(article, claim)).content.decode()
        heading = re.search(r'<h2 id="claim-heading">.*?</h2>', page, re.S).group(0)
        assert "Returned" in heading and "Draft" not in heading
        assert "Returned by the editor:</span> Add data." in page
        assert "revision" in page and "every save" in page

    def test_a_researcher_sees_disabled_fields_and_no_save_button(
        self, client_for, article, researcher, claim
    ):
        page = client_for(researcher).get(page_of(article, claim)).content.decode()
        assert re.search(r'<textarea name="claim-statement"[^>]*disabled', page)
        assert "Save claim" not in page
        assert "Read only: researchers" in page
        assert reverse("claim_delete", args=[claim.pk]) not in page

    def test_history_reads_in_words_and_notices_sit_beside_the_form(
        self, client_for, article, reviewer, claim
    ):
        client = client_for(reviewer)
        client.post(
            reverse("source_add", args=[claim.pk]),
            {"source-url": "https://a.example/", "source-stance": "supports"},
        )
        page = client.get(page_of(article, claim)).content.decode()
        assert "marked the claim" in page and "added a source" in page
        sources = page[page.index('id="sources"') : page.index('id="verdict"')]
        assert "Added the source" in sources
        assert 'class="messages"' not in page
        full = client.get(reverse("claim_history", args=[claim.pk])).content.decode()
        assert '<span class="action">marked the claim</span>' in full
        assert '<span class="action">added a source</span>' in full
        assert ">mark_claim<" not in full

    def test_sources_cited_legend_comes_before_its_checkboxes(
        self, client_for, article, reviewer, claim
    ):
        make_source(claim=claim, user=reviewer)
        page = client_for(reviewer).get(page_of(article, claim)).content.decode()
        field = page[page.index("field-sources") :]
        assert field.index("<legend>") < field.index('type="checkbox"')

    def test_the_claim_list_shows_a_short_head_of_long_quotes(self, client_for, project, reviewer):
        body = "Rents rose " + "very " * 60 + "fast. Wages fell."
        article = services.import_article(
            project=project, creator=reviewer, title="Long quote", text_body=body
        )
        services.mark_claim(article_id=article.pk, user=reviewer, start=0, end=len(body) - 12)
        page = client_for(reviewer).get(page_of(article)).content.decode()
        item = re.search(r'<ol class="claim-list" id="claim-list">(.*?)</ol>', page, re.S)
        quote = re.search(r"“(.*?)”", item.group(1)).group(1)
        assert len(quote) == 120 and quote.endswith("…")
        assert quote[:-1] == body[:119]


def test_rating_badges_reach_4_5_to_1_for_every_label_and_any_colour(client, project):
    css = client.get(reverse("rating_styles", args=[project.rating_scale_id])).content.decode()
    rules = re.findall(r"--rating: (#[0-9a-f]{6}); --rating-fg: (#[0-9a-f]{6})", css, re.I)
    assert len(rules) == project.rating_scale.labels.count() >= 7
    for background, foreground in rules:
        assert contrast(background, foreground) >= 4.5, background
    # Black or white always reaches 4.5:1 somewhere: check a sweep of hues and greys.
    from annotations.views.annotate import _text_colour

    for value in range(0, 256, 15):
        for colour in (f"#{value:02x}{value:02x}{value:02x}", f"#{value:02x}80{255 - value:02x}"):
            assert contrast(colour, _text_colour(colour)) >= 4.5, colour


def test_pasting_an_article_without_a_title_uses_its_first_line(client_for, project, reviewer):
    client = client_for(reviewer)
    url = reverse("article_add", kwargs={"slug": project.slug})
    client.post(url, {"kind": "text", "text": "Port grows\n\nThe port grew 4% in 2024."})
    article = Article.objects.get(title="Port grows")
    assert article.text == "The port grew 4% in 2024."
    client.post(url, {"kind": "html", "text": "<p>Rents rise</p><p>Rents rose 8%.</p>"})
    assert Article.objects.filter(title="Rents rise").exists()


def test_the_gap_between_sentences_inside_a_claim_is_text_and_highlighted():
    """The space between two sentences of one claim is a claim segment of plain text."""
    body = "One rose 5%. Two fell 3%."
    sentences = [SentenceRow(0, 0, 12, 0.9, ("number",)), SentenceRow(1, 13, 25, 0.9, ())]

    class Row:
        pk, start, end = 7, 0, 25

    html = str(render_segments(build_segments(body, sentences, [Row], {7: ("none", None)})))
    gap = re.search(r'<span class="([^"]*)" data-start="12"[^>]*>(.*?)</span>', html)
    assert gap.group(2) == " "
    assert "claim" in gap.group(1).split()
    assert re.sub(r"<[^>]+>", "", html) == body
