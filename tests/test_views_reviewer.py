"""The reviewer pages through Django's test client: sign-in, dashboard, project page, adding
articles, the annotation page and the claim panel's form posts, with their error paths."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from annotations import services, text
from annotations.models import Article, Claim, Source, Verdict
from tests.factories import ARTICLE_TEXT, make_article, make_claim, make_source, make_verdict

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


@pytest.fixture
def client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def annotate_url(article, claim=None):
    url = reverse("article_annotate", kwargs={"pk": article.pk})
    return f"{url}?claim={claim.pk}" if claim else url


def csp_safe(html: str) -> None:
    """Fail if the page carries inline script or style the CSP would block."""
    assert " style=" not in html
    assert "<style" not in html
    for tag in re.findall(r"<script[^>]*>", html):
        assert " src=" in tag, tag


# --- Sign-in and dashboard --------------------------------------------------------------------


def test_login_page_signs_in_and_redirects_to_dashboard(client, reviewer):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert 'autocomplete="current-password"' in page.content.decode()
    response = client.post(reverse("login"), {"username": "rev", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("dashboard")


def test_login_with_a_wrong_password_says_so(client, reviewer):
    response = client.post(reverse("login"), {"username": "rev", "password": "nope"})
    assert response.status_code == 200
    assert "didn’t match" in response.content.decode() or "correct username" in (
        response.content.decode()
    )


def test_dashboard_needs_a_signed_in_user(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_dashboard_shows_progress_drafts_and_returned_verdicts(
    client_for, project, reviewer, editor, article
):
    approved = make_claim(article=article, user=reviewer)
    make_verdict(claim=approved, user=reviewer, status="approved", editor=editor)
    returned_claim = make_claim(article=article, user=reviewer, quote="bus use fell 15% since 2019")
    make_verdict(claim=returned_claim, user=reviewer, status="returned", editor=editor)
    draft_claim = make_claim(article=article, user=reviewer, quote="东京的人口是1400万。")
    make_verdict(claim=draft_claim, user=reviewer, status="draft")

    html = client_for(reviewer).get(reverse("dashboard")).content.decode()

    assert "1 / 3" in html  # one of three claims approved
    assert "0 / 1" in html  # no article fully reviewed
    assert "Add data." in html  # the editor's note on the returned verdict
    assert "东京的人口是1400万。" in html  # the draft
    assert "awaiting approval" not in html  # reviewers see no queue count
    csp_safe(html)


def test_dashboard_shows_editors_the_queue_count_with_a_link(
    client_for, project, reviewer, editor, article
):
    claim = make_claim(article=article, user=reviewer)
    make_verdict(claim=claim, user=reviewer, status="submitted")
    html = client_for(editor).get(reverse("dashboard")).content.decode()
    assert 'href="/projects/newsdesk/queue/"' in html
    assert "1 verdict awaiting approval" in html


def test_dashboard_counts_an_article_with_all_claims_approved_as_reviewed(
    client_for, project, reviewer, editor, article
):
    claim = make_claim(article=article, user=reviewer)
    make_verdict(claim=claim, user=reviewer, status="approved", editor=editor)
    html = client_for(reviewer).get(reverse("dashboard")).content.decode()
    assert "1 / 1" in html


def test_dashboard_queries_do_not_grow_with_projects(
    client_for, django_assert_max_num_queries, reviewer
):
    from tests.factories import ProjectFactory

    for n in range(6):
        other = ProjectFactory(slug=f"p{n}")
        services.add_member(project=other, user=reviewer, role="editor")
        make_article(project=other, creator=reviewer, text=f"Text number {n} said 40% rose.")
    client = client_for(reviewer)
    # 8, plus the reviewer's work lists (assignments, waiting, approved recently).
    with django_assert_max_num_queries(11):
        assert client.get(reverse("dashboard")).status_code == 200


# --- Project page -----------------------------------------------------------------------------


@pytest.fixture
def three_articles(project, reviewer, reviewer2):
    first = make_article(project=project, creator=reviewer, title="Tram plans", publisher="Daily")
    second = make_article(
        project=project, creator=reviewer2, title="Budget row", text="The budget rose 9% in 2024."
    )
    third = make_article(
        project=project,
        creator=reviewer2,
        title="Harbour",
        publisher="Coast Herald",
        text="Ships said the harbour doubled its traffic.",
    )
    make_claim(article=second, user=reviewer2, quote="budget rose 9%")
    return first, second, third


def titles(response) -> list[str]:
    return [a.title for a in response.context["page"].object_list]


def test_project_page_searches_title_publisher_and_text(client_for, reviewer, three_articles):
    client = client_for(reviewer)
    url = reverse("project_detail", kwargs={"slug": "newsdesk"})
    assert titles(client.get(url, {"q": "budget"})) == ["Budget row"]
    assert titles(client.get(url, {"q": "coast herald"})) == ["Harbour"]
    assert titles(client.get(url, {"q": "doubled its traffic"})) == ["Harbour"]


def test_project_page_filters_open_claims_and_my_articles(client_for, reviewer, three_articles):
    client = client_for(reviewer)
    url = reverse("project_detail", kwargs={"slug": "newsdesk"})
    assert titles(client.get(url, {"open": "on"})) == ["Budget row"]
    assert titles(client.get(url, {"mine": "on"})) == ["Tram plans"]


def test_project_page_sorts_and_paginates(client_for, reviewer, three_articles, monkeypatch):
    from annotations.views import reviewer as views

    monkeypatch.setattr(views, "ARTICLES_PER_PAGE", 2)
    client = client_for(reviewer)
    url = reverse("project_detail", kwargs={"slug": "newsdesk"})
    assert titles(client.get(url, {"sort": "title"})) == ["Budget row", "Harbour"]
    second = client.get(url, {"sort": "title", "page": 2})
    assert titles(second) == ["Tram plans"]
    assert titles(client.get(url, {"sort": "claims"}))[0] == "Budget row"
    first_page = client.get(url, {"sort": "title"}).content.decode()
    assert "sort=title&amp;page=2" in first_page


def test_project_page_of_another_project_is_404(client_for, outsider, project):
    response = client_for(outsider).get(reverse("project_detail", kwargs={"slug": "newsdesk"}))
    assert response.status_code == 404


def test_project_page_lists_articles_in_bounded_queries(
    client_for, django_assert_max_num_queries, project, reviewer
):
    for n in range(30):
        article = make_article(
            project=project, creator=reviewer, title=f"A{n}", text=f"{n} rose 5%."
        )
        make_claim(article=article, user=reviewer, quote="rose 5%")
    client = client_for(reviewer)
    # 10 for the list, 3 for the check-worthiness box (claims, labelled sentences, model).
    with django_assert_max_num_queries(13):
        response = client.get(reverse("project_detail", kwargs={"slug": "newsdesk"}))
    assert len(response.context["page"].object_list) == 25


# --- Adding an article ------------------------------------------------------------------------


def add_url():
    return reverse("article_add", kwargs={"slug": "newsdesk"})


def test_add_article_from_pasted_text_opens_it(client_for, project, reviewer):
    response = client_for(reviewer).post(
        add_url(), {"title": "Fresh", "kind": "text", "text": "Prices rose 12% last year."}
    )
    article = Article.objects.get(title="Fresh")
    assert response.status_code == 302
    assert response.url == article.get_absolute_url()
    assert article.sentences.count() == 1


def test_add_article_from_pasted_html_drops_scripts(client_for, project, reviewer):
    html = "<p>Rents rose 8%.</p><script>alert(1)</script><p>Wages fell.</p>"
    client_for(reviewer).post(add_url(), {"title": "Rents", "kind": "html", "text": html})
    assert Article.objects.get(title="Rents").text == "Rents rose 8%.\n\nWages fell."


@pytest.mark.parametrize(
    ("name", "content", "title", "expected"),
    [
        ("piece.txt", "Text title\n\nThe port grew 4%.", "Text title", "The port grew 4%."),
        ("piece.md", "# MD title\n\nThe *port* grew 4%.", "MD title", "The port grew 4%."),
        (
            "piece.html",
            "<html><title>HTML title</title><body><p>The port grew 4%.</p></body></html>",
            "HTML title",
            "The port grew 4%.",
        ),
    ],
)
def test_add_article_from_an_upload_uses_the_file_title(
    client_for, project, reviewer, name, content, title, expected
):
    upload = SimpleUploadedFile(name, content.encode(), content_type="text/plain")
    response = client_for(reviewer).post(add_url(), {"kind": "text", "upload": upload})
    assert response.status_code == 302
    assert Article.objects.get(title=title).text == expected


def test_add_article_shows_errors_beside_the_field(client_for, project, reviewer, article):
    client = client_for(reviewer)
    empty = client.post(add_url(), {"title": "X", "kind": "text", "text": ""})
    assert empty.status_code == 400
    assert "Paste the article" in empty.content.decode()
    duplicate = client.post(add_url(), {"title": "Again", "kind": "text", "text": ARTICLE_TEXT})
    assert duplicate.status_code == 400
    assert duplicate.context["form"].errors["text"][0].startswith("This project already has")
    bad_url = client.post(
        add_url(), {"title": "U", "kind": "text", "text": "New text.", "url": "javascript:alert(1)"}
    )
    assert "must be an http:// or https:// address" in bad_url.context["form"].errors["url"][0]
    bad_file = client.post(
        add_url(),
        {"kind": "text", "upload": SimpleUploadedFile("x.pdf", b"%PDF", "application/pdf")},
    )
    assert "Upload a .txt" in bad_file.context["form"].errors["upload"][0]
    no_title = client.post(
        add_url(), {"kind": "text", "upload": SimpleUploadedFile("x.txt", b"Only a title\n")}
    )
    assert "no text after the title line" in no_title.context["form"].errors["upload"][0]


def test_researchers_cannot_add_articles(client_for, project, researcher):
    response = client_for(researcher).post(add_url(), {"title": "R", "kind": "text", "text": "T."})
    assert response.status_code == 302
    assert not Article.objects.filter(title="R").exists()


# --- Annotation page --------------------------------------------------------------------------


def test_annotation_page_text_spans_rebuild_the_article_exactly(
    client_for, reviewer, editor, article
):
    make_claim(article=article, user=reviewer)
    make_claim(article=article, user=reviewer, quote="22,000 passengers")  # nested
    approved = make_claim(article=article, user=reviewer, quote="Critics 🚀 said bus use fell 15%")
    make_verdict(claim=approved, user=reviewer, status="approved", editor=editor)
    response = client_for(reviewer).get(annotate_url(article))
    segments = response.context["segments"]
    assert "".join(s.text for s in segments) == article.text
    for seg in segments:
        assert article.text[seg.start : seg.start + len(seg.text)] == seg.text
    classes = {s.text: s.classes for s in segments}
    assert "depth-2" in classes["22,000 passengers"]
    assert "state-approved" in classes["Critics 🚀 said bus use fell 15%"]
    assert "rating-mostly-true" in classes["Critics 🚀 said bus use fell 15%"]
    html = response.content.decode()
    csp_safe(html)
    assert f'href="/ratings/{article.project.rating_scale_id}.css"' in html


def test_annotation_page_marks_suggested_sentences_with_their_reasons(
    client_for, reviewer, article
):
    response = client_for(reviewer).get(annotate_url(article))
    suggested = [s for s in article.sentences.all() if s.score >= text.SUGGEST_THRESHOLD]
    assert suggested
    segs = {s.start: s for s in response.context["segments"]}
    first = segs[suggested[0].start]
    assert "suggested" in first.classes
    assert first.title.startswith("Suggested claim: ")
    assert suggested[0].reasons[0] in first.title


def test_rating_stylesheet_sets_each_label_colour(client, project):
    response = client.get(reverse("rating_styles", kwargs={"pk": project.rating_scale_id}))
    assert response["Content-Type"].startswith("text/css")
    assert ".rating-false { --rating: #b3261e; --rating-fg: #ffffff; }" in response.content.decode()


def test_annotation_page_of_another_project_is_404(client_for, outsider, article):
    assert client_for(outsider).get(annotate_url(article)).status_code == 404


def test_annotation_page_of_a_long_article_renders_in_bounded_queries(
    client_for, django_assert_max_num_queries, django_assert_num_queries, project, reviewer, editor
):
    """50,000 characters and 300 claims, some with sources and verdicts: the query count is fixed."""
    sentence = "The council said rents rose {n}% in 2023 while wages fell. "
    body = "".join(sentence.format(n=n % 90 + 10) for n in range(900))[:50_000]
    article = make_article(project=project, creator=reviewer, title="Long", text=body)
    starts = [m.start() for m in re.finditer("rents rose", article.text)][:300]
    claims = [
        services.mark_claim(article_id=article.pk, user=reviewer, start=s, end=s + 16)
        for s in starts
    ]
    assert len(claims) == 300
    for claim in claims[:20]:
        make_verdict(claim=claim, user=reviewer, status="submitted")
    client = client_for(reviewer)
    # Session, user, the page's four (the article query carries the newest check-worthiness
    # model and the dismissed sentences; no versions query for version 1), the panel (claim,
    # sources, verdicts, cited sources, labels, frozen sources), "Checked before" (2),
    # history: constant in the article's size.
    with django_assert_max_num_queries(15) as captured:
        response = client.get(annotate_url(article, claims[0]))
    assert response.status_code == 200
    print(f"\nannotation page, 50k chars / 300 claims: {len(captured)} queries")
    # Without the panel: session, user, then the page's three (article with the caller's role,
    # the newest model and the dismissed sentences; claims; verdicts); the sentences are cached
    # per process after the first load. Issue 17: at most 4 for the page's data.
    with django_assert_num_queries(5):
        client.get(annotate_url(article))


# --- Claim panel ------------------------------------------------------------------------------


def test_sentence_is_marked_as_a_claim_with_one_post(client_for, reviewer, article):
    sentence = article.sentences.get(index=0)
    response = client_for(reviewer).post(
        reverse("sentence_claim", kwargs={"pk": article.pk, "index": 0})
    )
    claim = Claim.objects.get(article=article)
    assert (claim.start, claim.end) == (sentence.start, sentence.end)
    assert claim.quote == article.text[sentence.start : sentence.end]
    assert response.url.endswith(f"?claim={claim.pk}#claim-panel")


def test_marking_the_same_sentence_twice_shows_the_conflict(client_for, reviewer, article):
    client = client_for(reviewer)
    url = reverse("sentence_claim", kwargs={"pk": article.pk, "index": 0})
    client.post(url)
    follow = client.post(url, follow=True)
    assert "already covers exactly this span" in follow.content.decode()


def test_claim_statement_and_claimant_are_saved_without_markup(client_for, reviewer, article):
    claim = make_claim(article=article, user=reviewer)
    client_for(reviewer).post(
        reverse("claim_update", kwargs={"pk": claim.pk}),
        {"claim-statement": "<b>Trams</b> will carry 22,000 a day.", "claim-claimant": "Mayor"},
    )
    claim.refresh_from_db()
    assert (claim.statement, claim.claimant) == ("Trams will carry 22,000 a day.", "Mayor")


def test_researcher_editing_a_claim_sees_why_not(client_for, reviewer, researcher, article):
    claim = make_claim(article=article, user=reviewer)
    response = client_for(researcher).post(
        reverse("claim_update", kwargs={"pk": claim.pk}), {"claim-statement": "x"}
    )
    assert response.status_code == 403
    assert "Researchers can read but not edit claims." in response.content.decode()


def source_post(client, claim, **data):
    payload = {"source-url": "https://stats.example.org/a", "source-stance": "supports"}
    payload |= {f"source-{k}": v for k, v in data.items()}
    return client.post(reverse("source_add", kwargs={"pk": claim.pk}), payload)


def test_source_is_attached_with_all_its_fields(client_for, reviewer, article):
    claim = make_claim(article=article, user=reviewer)
    response = source_post(
        client_for(reviewer),
        claim,
        title="Ridership 2025",
        publisher="Stats Office",
        quote="21,400 a day",
        stance="refutes",
        archived_url="https://archive.example.org/a",
        accessed_at="2026-01-05",
    )
    assert response.status_code == 302
    source = Source.objects.get(claim=claim)
    assert (source.title, source.publisher, source.stance) == (
        "Ridership 2025",
        "Stats Office",
        "refutes",
    )
    assert source.archived_url == "https://archive.example.org/a"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("url", "javascript:alert(1)", "must be an http:// or https:// address"),
        ("url", "", "Give the source's address"),
        ("archived_url", "ftp://x.example.org/", "must be an http:// or https:// address"),
        ("stance", "maybe", "Select a valid choice"),
    ],
)
def test_bad_source_input_shows_an_error_beside_the_field(
    client_for, reviewer, article, field, value, message
):
    claim = make_claim(article=article, user=reviewer)
    response = source_post(client_for(reviewer), claim, **{field: value})
    assert response.status_code == 400
    assert message in response.context["source_form"].errors[field][0]
    html = response.content.decode()
    assert f'id="id_source-{field}-error"' in html
    assert not Source.objects.exists()


def verdict_post(client, claim, **data):
    payload = {"verdict-rating": "false", "verdict-explanation": "Ridership is lower."}
    payload |= {f"verdict-{k}": v for k, v in data.items()}
    return client.post(reverse("verdict_save", kwargs={"pk": claim.pk}), payload)


def test_verdict_is_saved_as_draft_then_edited_then_submitted(client_for, reviewer, article):
    claim = make_claim(article=article, user=reviewer)
    source = make_source(claim=claim, user=reviewer)
    client = client_for(reviewer)
    verdict_post(client, claim, action="save", sources=[source.pk])
    verdict = Verdict.objects.get(claim=claim)
    assert (verdict.status, verdict.version) == ("draft", 1)
    page = client.get(annotate_url(article, claim)).content.decode()
    assert 'name="verdict-version" value="1"' in page
    verdict_post(
        client, claim, action="submit", version=1, sources=[source.pk], rating="mostly-false"
    )
    verdict.refresh_from_db()
    assert verdict.status == "submitted"
    assert verdict.rating.slug == "mostly-false"


def test_verdict_with_a_stale_version_says_it_changed(client_for, reviewer, article):
    claim = make_claim(article=article, user=reviewer)
    verdict = make_verdict(claim=claim, user=reviewer)
    services.update_verdict(verdict_id=verdict.pk, user=reviewer, version=1, explanation="New.")
    response = verdict_post(client_for(reviewer), claim, version=1, explanation="Mine.")
    assert response.status_code == 412
    assert "changed since you loaded it" in response.content.decode()
    verdict.refresh_from_db()
    assert verdict.explanation == "New."


def test_verdict_without_a_rating_asks_for_one(client_for, reviewer, article):
    claim = make_claim(article=article, user=reviewer)
    response = verdict_post(client_for(reviewer), claim, rating="")
    assert response.status_code == 400
    assert "Choose a rating from the scale." in response.content.decode()
    assert not Verdict.objects.exists()


def test_submitting_without_sources_keeps_nothing_and_says_what_to_add(
    client_for, reviewer, article
):
    claim = make_claim(article=article, user=reviewer)
    response = verdict_post(client_for(reviewer), claim, action="submit")
    assert response.status_code == 400
    assert "Cite at least one source" in response.context["verdict_form"].errors["sources"][0]
    assert not Verdict.objects.exists()  # the draft was rolled back with the refused submission


def test_script_in_an_explanation_is_rendered_harmless(client_for, reviewer, article):
    claim = make_claim(article=article, user=reviewer)
    client = client_for(reviewer)
    verdict_post(
        client, claim, explanation="**Low**<script>alert('x')</script><img src=x onerror=alert(1)>"
    )
    verdict = Verdict.objects.get(claim=claim)
    assert "<script" not in verdict.explanation_html
    assert "onerror" not in verdict.explanation_html
    page = client.get(annotate_url(article, claim)).content.decode()
    assert "<strong>Low</strong>" in page
    assert "<script>alert" not in page


def test_returned_verdict_shows_the_editors_note_in_the_panel(
    client_for, reviewer, editor, article
):
    claim = make_claim(article=article, user=reviewer)
    make_verdict(claim=claim, user=reviewer, status="returned", editor=editor)
    page = client_for(reviewer).get(annotate_url(article, claim)).content.decode()
    assert "Returned by the editor:" in page
    assert "Add data." in page


def test_claim_panel_lists_the_history(client_for, reviewer, article):
    claim = make_claim(article=article, user=reviewer)
    make_source(claim=claim, user=reviewer)
    response = client_for(reviewer).get(annotate_url(article, claim))
    assert [e.action for e in response.context["history"]] == ["mark_claim", "attach_source"]
    assert "marked the claim" in response.content.decode()
    assert "mark_claim" not in response.content.decode()


def test_posting_to_a_claim_of_another_project_is_404(client_for, outsider, reviewer, article):
    claim = make_claim(article=article, user=reviewer)
    client = client_for(outsider)
    assert source_post(client, claim).status_code == 404
    assert verdict_post(client, claim).status_code == 404


def test_pages_link_the_editorial_and_account_pages(client_for, project, editor, reviewer, article):
    from tests.factories import make_claim, make_verdict

    claim = make_claim(article=article, user=reviewer)
    verdict = make_verdict(claim=claim, user=reviewer, status="submitted")
    reviewer_page = (
        client_for(reviewer).get(annotate_url(article) + f"?claim={claim.pk}").content.decode()
    )
    assert reverse("verdict_detail", args=[verdict.pk]) in reviewer_page
    assert reverse("claim_history", args=[claim.pk]) in reviewer_page
    assert reverse("account") in reviewer_page
    editor_page = (
        client_for(editor).get(reverse("project_detail", args=[project.slug])).content.decode()
    )
    assert reverse("review_queue", args=[project.slug]) in editor_page
