"""THE permission test of independent span annotation (issue 18): before reviewer A finishes an
article, nothing A marked on it (statement, claimant, quote, sources, ids, counts) reaches
reviewer B through any page or API route, list filter, suggestion, search, history or export.

Every GET route of the URL conf (`get_resolver()`) is fetched as B with the ids filled in, plus
the list endpoints with filters and every export format, once before A marks anything and once
after: B's view must be byte for byte the same (per-request tokens aside), and must never hold
A's unique strings or A's claim and source ids (pushed to numbers found nowhere else). Then A
finishes (still hidden from B, who has not), and once B finishes too, B sees A's layer. A
researcher sees A's layer only once A finished.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.urls import URLResolver, get_resolver

from annotations import selectors, services
from annotations.exports.pipeline import FORMATS
from annotations.models import Claim, Source
from tests.factories import make_article, make_claim, make_verdict

pytestmark = pytest.mark.django_db

TEXT = (
    "The mayor said the tram will carry 22,000 passengers a day by 2030. "
    "Critics said bus use fell 15% since 2019. "
    "Officials reported that parking fees rose 40% in the old town last year. "
    "Café owners reportedly doubled their prices."
)
A_QUOTE = "parking fees rose 40% in the old town last year"
B_QUOTE = "bus use fell 15% since 2019"
A_STATEMENT = "Qwizzle parking statement that only reviewer A wrote"
A_CLAIMANT = "Zorblatt Institute"
A_SOURCE_URL = "https://zorblatt-evidence.example.org/a-only-ledger"
SECRETS = (A_STATEMENT, A_CLAIMANT, A_SOURCE_URL, "zorblatt", "Qwizzle")
# A's claim and source get ids no other number on any page comes near.
A_CLAIM_ID = 7340021
A_SOURCE_ID = 7350033

# Parts of a body that change per request whatever the data: CSRF tokens, CSP nonces.
VOLATILE = [
    re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]+'),
    re.compile(rb'(name="csrf-token" content=")[^"]+'),
    re.compile(rb'(data-csrf(?:-token)?=")[^"]+'),
    re.compile(rb'(nonce=")[^"]+'),
    re.compile(rb'(csrf_token["\']?\s*[:=]\s*["\'])[^"\']+'),
]


def _next_id(model, value: int) -> None:
    """Make the next row of `model` get id `value`."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [table])
            cursor.execute(
                "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, value - 1]
            )
        else:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, value - 1]
            )


def _routes(patterns=None, prefix: str = ""):
    """Yield every route of the URL conf as a string with `<converter:name>` placeholders."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern)


def _fill(route: str, ids: dict) -> str | None:
    """Return the route with its ids filled in (by the path segment before each), or None for
    regular-expression routes (the admin's catch-all)."""
    if "(?P" in route or route.startswith("^"):
        return None
    segments = route.split("/")
    out = []
    for position, segment in enumerate(segments):
        match = re.search(r"<(?:(\w+):)?(\w+)>", segment)
        if match is None:
            out.append(segment)
            continue
        name = match.group(2)
        before = segments[position - 1] if position else ""
        if name == "slug":
            value = ids["slug"]
        elif name == "index":
            value = 2  # A's sentence
        elif name == "user_id":
            value = ids["a_user"]
        elif name == "key":
            value = "no-such-key"
        elif name in ("object_id", "content_type_id", "id") or before in ("claims", "claim"):
            value = ids["claim"]
        elif before == "sources":
            value = ids["source"]
        elif before == "verdicts":
            value = ids["verdict"]
        elif before == "ratings":
            value = ids["scale"]
        else:
            value = ids["article"]
        out.append(segment[: match.start()] + str(value) + segment[match.end() :])
    return "/" + "/".join(out)


def _urls(ids: dict) -> list[str]:
    urls = sorted({url for route in _routes() if (url := _fill(route, ids))})
    slug, article, claim = ids["slug"], ids["article"], ids["claim"]
    extra = [
        f"/articles/{article}/?claim={claim}",
        f"/projects/{slug}/?q=parking",
        f"/projects/{slug}/?open=on",
        f"/projects/{slug}/?mine=on",
        f"/projects/{slug}/?sort=claims",
        f"/projects/{slug}/claims/?q=parking",
        f"/projects/{slug}/claims/?q=Zorblatt",
        f"/projects/{slug}/claims/?article={article}",
        f"/api/v1/projects/{slug}/claims/?article={article}",
        f"/api/v1/projects/{slug}/claims/?q=parking",
        f"/api/v1/projects/{slug}/claims/?claimant={A_CLAIMANT}",
        f"/api/v1/projects/{slug}/claims/?has_approved_verdict=false",
        f"/api/v1/projects/{slug}/claims/?has_sources=true",
        f"/api/v1/projects/{slug}/sources/?article={article}",
        f"/api/v1/projects/{slug}/sources/?claim={claim}",
        f"/api/v1/projects/{slug}/verdicts/?article={article}",
        f"/api/v1/projects/{slug}/articles/?q=parking",
        f"/api/v1/projects/{slug}/matches/?q={A_STATEMENT}",
        f"/api/v1/projects/{slug}/matches/?q={A_QUOTE}",
        f"/api/v1/projects/{slug}/stats/?article={article}",
        *(f"/api/v1/projects/{slug}/export/?format={name}" for name in FORMATS),
        *(f"/projects/{slug}/export/?format={name}" for name in FORMATS),
    ]
    return urls + extra


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content)
    else:
        body = response.content
    for pattern in VOLATILE:
        body = pattern.sub(rb"\1~", body)
    return body


def _snapshot(client: Client, urls: list[str]) -> dict[str, tuple[int, bytes]]:
    seen = {}
    for url in urls:
        response = client.get(url)
        seen[url] = (response.status_code, _body(response))
    return seen


def _assert_no_secrets(seen: dict[str, tuple[int, bytes]], who: str) -> None:
    for url, (status, body) in seen.items():
        lowered = body.lower()
        for secret in SECRETS:
            if secret.lower() in url.lower():
                continue  # a search form shows back what was searched for
            assert secret.lower().encode() not in lowered, f"{who} sees {secret!r} at {url}"
        for number in (A_CLAIM_ID, A_SOURCE_ID):
            if status == 404 and str(number) in url:
                continue  # "No claim with id N in your projects." echoes the URL's id
            assert str(number).encode() not in body, f"{who} sees A's id {number} at {url}"


@pytest.fixture
def layered(project, reviewer, reviewer2, editor, editor2, researcher):
    """An article of a project that shared its claims (one curated claim with an approved
    verdict) and then turned independent spans on; B has marked a claim of their own."""
    article = make_article(project=project, creator=editor, text=TEXT)
    curated = make_claim(article=article, user=editor, quote="carry 22,000 passengers a day")
    verdict = make_verdict(claim=curated, user=editor, status="submitted")
    services.approve_verdict(verdict_id=verdict.pk, editor=editor2)
    services.update_project(project=project, actor=None, independent_spans=True)
    project.refresh_from_db()
    project.suggest_threshold = 0.0  # every sentence is suggested until a claim covers it
    project.save(update_fields=["suggest_threshold"])
    b_claim = make_claim(article=article, user=reviewer2, quote=B_QUOTE)
    selectors.clear_sentence_caches()
    return {
        "project": project,
        "article": article,
        "curated": curated,
        "verdict": verdict,
        "b_claim": b_claim,
    }


def _mark_as_a(layered, reviewer):
    _next_id(Claim, A_CLAIM_ID)
    claim = services.mark_claim(
        article_id=layered["article"].pk,
        user=reviewer,
        quote=A_QUOTE,
        statement=A_STATEMENT,
        claimant=A_CLAIMANT,
    )
    assert claim.pk == A_CLAIM_ID
    _next_id(Source, A_SOURCE_ID)
    source = services.attach_source(
        claim_id=claim.pk, user=reviewer, url=A_SOURCE_URL, stance="supports"
    )
    assert source.pk == A_SOURCE_ID
    # A's "Not a claim" on a sentence must not show through B's suggestions either.
    services.dismiss_sentence(article_id=layered["article"].pk, index=0, user=reviewer)
    return claim


def _ids(layered, reviewer) -> dict:
    return {
        "slug": layered["project"].slug,
        "article": layered["article"].pk,
        "claim": A_CLAIM_ID,
        "source": A_SOURCE_ID,
        "verdict": layered["verdict"].pk,
        "scale": layered["project"].rating_scale_id,
        "a_user": reviewer.pk,
    }


def test_no_route_reveals_a_reviewers_layer_before_they_finish(
    layered, reviewer, reviewer2, researcher
):
    client = Client()
    client.force_login(reviewer2)
    urls = _urls(_ids(layered, reviewer))
    assert len(urls) > 120  # the walk really covers the URL conf
    before = _snapshot(client, urls)
    again = _snapshot(client, urls)
    unstable = {url for url in urls if before[url] != again[url]}
    assert not unstable - {u for u in urls if "/jobs/" in u}, sorted(unstable)

    _mark_as_a(layered, reviewer)
    selectors.clear_sentence_caches()
    after = _snapshot(client, urls)
    _assert_no_secrets(after, "B")
    changed = [url for url in urls if url not in unstable and after[url] != before[url]]
    assert not changed, f"B's view changed when A marked a claim: {changed}"

    # A finishes: B has not, so still nothing.
    services.finish_article(article_id=layered["article"].pk, user=reviewer)
    finished = _snapshot(client, urls)
    _assert_no_secrets(finished, "B")
    changed = [url for url in urls if url not in unstable and finished[url] != before[url]]
    assert not changed, f"B's view changed when A finished: {changed}"

    # Both finished: B sees A's layer.
    services.finish_article(article_id=layered["article"].pk, user=reviewer2)
    page = client.get(f"/articles/{layered['article'].pk}/?claim={A_CLAIM_ID}")
    assert A_STATEMENT in page.content.decode()
    assert "In rev&#x27;s layer (finished; read-only)" in page.content.decode()
    detail = client.get(f"/api/v1/articles/{layered['article'].pk}/").json()
    mine = [c for c in detail["claims"] if c["id"] == A_CLAIM_ID]
    assert mine and mine[0]["layer"] == "reviewer" and mine[0]["annotator"] == reviewer.username
    assert client.get(f"/api/v1/claims/{A_CLAIM_ID}/").status_code == 200
    assert client.get(f"/api/v1/sources/{A_SOURCE_ID}/").status_code == 200


def test_b_is_still_suggested_a_sentence_only_a_marked(layered, reviewer, reviewer2):
    article = layered["article"]

    def suggested(user) -> dict[int, bool]:
        data = selectors.article_detail_data(article_id=article.pk, user=user)
        return {s["index"]: s["suggested"] for s in data["sentences"]}

    b_before = suggested(reviewer2)
    assert b_before[2] is True  # A's sentence, nobody's claim yet
    _mark_as_a(layered, reviewer)
    assert suggested(reviewer)[2] is False  # A covered it
    assert suggested(reviewer2) == b_before  # B still gets it suggested


def test_a_not_a_claim_is_each_reviewers_own(layered, reviewer, reviewer2, client):
    """With independent spans A's "Not a claim" changes A's suggestions only, over the API and on
    the annotation page; both may dismiss the same sentence; restoring takes back one's own."""
    article = layered["article"]

    def states(user) -> dict[int, tuple[bool, bool]]:
        data = selectors.article_detail_data(article_id=article.pk, user=user)
        return {s["index"]: (s["suggested"], s["dismissed"]) for s in data["sentences"]}

    def suggestions_on_page(user) -> int:
        client.force_login(user)
        return client.get(f"/articles/{article.pk}/").content.decode().count("suggested")

    b_before = states(reviewer2)
    b_page = suggestions_on_page(reviewer2)
    a_page = suggestions_on_page(reviewer)
    assert b_before[2] == (True, False)
    services.dismiss_sentence(article_id=article.pk, index=2, user=reviewer)
    assert states(reviewer)[2] == (False, True)
    assert suggestions_on_page(reviewer) < a_page
    assert states(reviewer2) == b_before
    assert suggestions_on_page(reviewer2) == b_page
    services.dismiss_sentence(article_id=article.pk, index=2, user=reviewer2)  # no conflict
    assert states(reviewer2)[2] == (False, True)
    services.restore_sentence(article_id=article.pk, index=2, user=reviewer)
    assert states(reviewer)[2] == (True, False)
    assert states(reviewer2)[2] == (False, True)


def test_in_a_shared_project_one_not_a_claim_is_everyones(project, reviewer, reviewer2, editor):
    article = make_article(project=project, creator=editor, text=TEXT)
    project.suggest_threshold = 0.0
    project.save(update_fields=["suggest_threshold"])
    selectors.clear_sentence_caches()
    services.dismiss_sentence(article_id=article.pk, index=2, user=reviewer)
    data = selectors.article_detail_data(article_id=article.pk, user=reviewer2)
    assert {s["index"]: s["dismissed"] for s in data["sentences"]}[2] is True
    again = services.dismiss_sentence(article_id=article.pk, index=2, user=reviewer2)
    assert again.dismissed_by == reviewer  # the one shared mark
    services.restore_sentence(article_id=article.pk, index=2, user=reviewer2)
    data = selectors.article_detail_data(article_id=article.pk, user=reviewer)
    assert {s["index"]: s["dismissed"] for s in data["sentences"]}[2] is False


def test_researcher_sees_a_layer_only_once_a_finished(layered, reviewer, researcher):
    client = Client()
    client.force_login(researcher)
    _mark_as_a(layered, reviewer)
    article = layered["article"]
    urls = [
        f"/api/v1/articles/{article.pk}/",
        f"/api/v1/articles/{article.pk}/claims/",
        f"/api/v1/projects/{layered['project'].slug}/claims/",
        f"/api/v1/projects/{layered['project'].slug}/sources/",
        f"/articles/{article.pk}/",
        f"/projects/{layered['project'].slug}/claims/",
        f"/api/v1/claims/{A_CLAIM_ID}/",
    ]
    hidden = _snapshot(client, urls)
    _assert_no_secrets(hidden, "the researcher")
    services.finish_article(article_id=article.pk, user=reviewer)
    shown = client.get(f"/api/v1/articles/{article.pk}/").json()
    assert A_CLAIM_ID in {c["id"] for c in shown["claims"]}
    assert client.get(f"/api/v1/claims/{A_CLAIM_ID}/").json()["statement"] == A_STATEMENT
    listed = client.get(f"/api/v1/projects/{layered['project'].slug}/sources/").json()
    assert A_SOURCE_ID in {s["id"] for s in listed["results"]}


def test_the_statistics_count_a_layer_once_its_owner_finished(layered, reviewer, researcher):
    """The project statistics (researchers, editors) count no unfinished reviewer layer."""
    client = Client()
    client.force_login(researcher)
    url = f"/api/v1/projects/{layered['project'].slug}/stats/"
    before = client.get(url).json()["claims"]
    _mark_as_a(layered, reviewer)
    assert client.get(url).json()["claims"] == before
    services.finish_article(article_id=layered["article"].pk, user=reviewer)
    assert client.get(url).json()["claims"] == before + 1


def test_editor_sees_every_layer_at_once(layered, reviewer, editor):
    _mark_as_a(layered, reviewer)
    client = Client()
    client.force_login(editor)
    detail = client.get(f"/api/v1/articles/{layered['article'].pk}/").json()
    assert {A_CLAIM_ID, layered["b_claim"].pk, layered["curated"].pk} <= {
        c["id"] for c in detail["claims"]
    }


def test_article_etag_differs_per_viewer_and_never_serves_another_view(
    layered, reviewer, reviewer2
):
    _mark_as_a(layered, reviewer)
    url = f"/api/v1/articles/{layered['article'].pk}/"
    a, b = Client(), Client()
    a.force_login(reviewer)
    b.force_login(reviewer2)
    a_response, b_response = a.get(url), b.get(url)
    assert a_response["ETag"] != b_response["ETag"]
    # B presenting A's ETag gets a full body (B's view), never a 304.
    replay = b.get(url, headers={"If-None-Match": a_response["ETag"]})
    assert replay.status_code == 200
    assert A_STATEMENT not in replay.content.decode()
    assert b.get(url, headers={"If-None-Match": b_response["ETag"]}).status_code == 304


def test_counts_of_the_article_list_leave_hidden_layers_out(layered, reviewer, reviewer2):
    _mark_as_a(layered, reviewer)
    project = layered["project"]

    def n_claims(user) -> int:
        return selectors.articles_with_progress(project=project, user=user).get().n_claims

    assert n_claims(reviewer2) == 2  # the curated claim and B's own
    assert n_claims(reviewer) == 2  # the curated claim and A's own
    services.finish_article(article_id=layered["article"].pk, user=reviewer)
    services.finish_article(article_id=layered["article"].pk, user=reviewer2)
    assert n_claims(reviewer2) == 3


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_researcher_export_leaves_unfinished_layers_out(layered, reviewer, researcher, name):
    client = Client()
    client.force_login(researcher)
    _mark_as_a(layered, reviewer)
    url = f"/api/v1/projects/{layered['project'].slug}/export/?format={name}"
    response = client.get(url)
    assert response.status_code == 200
    _assert_no_secrets({url: (response.status_code, _body(response))}, "the researcher")


def test_the_annotation_page_lists_the_curated_layer_and_ones_own(layered, reviewer, editor):
    """An editor may read every layer, but their annotation page lists only the curated claims
    and their own (the reviewers' layers are on the curation page), so it does not grow with
    every reviewer's claims; a reviewer's claim still opens in the panel by its link."""
    _mark_as_a(layered, reviewer)
    client = Client()
    client.force_login(editor)
    url = f"/articles/{layered['article'].pk}/"
    page = client.get(url).content.decode()
    assert f'data-claim="{layered["curated"].pk}"' in page
    assert f'data-claim="{A_CLAIM_ID}"' not in page
    assert f'data-claim="{layered["b_claim"].pk}"' not in page
    panel = client.get(f"{url}?claim={A_CLAIM_ID}").content.decode()
    assert A_STATEMENT in panel


def test_a_finished_layer_lists_at_most_fifty_claims_on_the_page(layered, reviewer, reviewer2):
    from annotations.selectors import FINISHED_LAYER_ROWS

    article = layered["article"]
    letters = [i for i, ch in enumerate(article.text) if ch.isalpha()]
    for start in letters[: FINISHED_LAYER_ROWS + 5]:
        services.mark_claim(article_id=article.pk, user=reviewer, start=start, end=start + 1)
    services.finish_article(article_id=article.pk, user=reviewer)
    services.finish_article(article_id=article.pk, user=reviewer2)
    state = selectors.layer_state(article_id=article.pk, user=reviewer2, with_claims=True)
    (a_layer,) = [d for d in state["finished_layers"] if d["annotator"] == reviewer.username]
    assert len(a_layer["claim_rows"]) == FINISHED_LAYER_ROWS
    assert a_layer["more_claims"] == a_layer["claims"] - FINISHED_LAYER_ROWS > 0
    client = Client()
    client.force_login(reviewer2)
    assert "more (all of them" in client.get(f"/articles/{article.pk}/").content.decode()
