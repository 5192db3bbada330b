"""Malformed requests get a 4xx that says what to fix, never a 500, on SQLite and PostgreSQL.

Each case below once answered 500 (issue 16): JSON nested 100,000 deep (RecursionError), a
hand-made `?cursor=`, ids beyond 64 bits in filters and URLs (OverflowError on SQLite; among
them `?article=-2.41e+43` on the verdict list, found by schemathesis's stateful phase), and NUL
characters in query parameters (PostgreSQL refuses them).
"""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

import django_filters
import pytest
from rest_framework.test import APIClient

from annotations.api import filters
from annotations.params import MAX_ID
from tests.factories import make_article, make_claim, make_verdict

pytestmark = pytest.mark.django_db

TOO_BIG = str(MAX_ID + 1)
HUGE = "9" * 40


@pytest.fixture
def desk(project, reviewer, reviewer2, editor):
    """An article with two claims, each with a submitted verdict."""
    article = make_article(project=project, creator=reviewer)
    claims = [
        make_claim(article=article, user=reviewer),
        make_claim(article=article, user=reviewer, quote="Café"),
    ]
    verdicts = [make_verdict(claim=c, user=reviewer2, status="submitted") for c in claims]
    return {"article": article, "claims": claims, "verdicts": verdicts}


def as_user(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def assert_400(response, field: str | None, says: str) -> None:
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert says in body["detail"], body
    if field is not None:
        assert body.get("field") == field, body


# --- JSON bodies ------------------------------------------------------------------------------


@pytest.mark.parametrize("opener", ["[", '{"a":'])
def test_json_nested_100000_deep_is_a_400_saying_so(desk, reviewer, opener):
    body = opener * 100_000
    response = as_user(reviewer).post(
        f"/api/v1/articles/{desk['article'].pk}/claims/", body, content_type="application/json"
    )
    assert_400(response, None, "nested deeper than 1024 levels")


def test_json_within_the_depth_limit_is_parsed_and_validated_as_usual(desk, reviewer):
    response = as_user(reviewer).post(
        f"/api/v1/articles/{desk['article'].pk}/claims/",
        '{"quote": ' + "[" * 500 + "]" * 500 + "}",
        content_type="application/json",
    )
    assert_400(response, "quote", "quote")


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b'{"quote": "a', "JSON parse error"),
        (b'{"quote": "\\ud800"}', "JSON parse error"),  # a lone surrogate PostgreSQL would refuse
        (b'{"quote": "\xff"}', "JSON parse error"),  # not UTF-8
        (b'{"start": NaN, "end": 3}', "JSON parse error"),
    ],
)
def test_malformed_json_is_a_400_saying_what_is_wrong(desk, reviewer, body, says):
    response = as_user(reviewer).post(
        f"/api/v1/articles/{desk['article'].pk}/claims/", body, content_type="application/json"
    )
    assert_400(response, None, says)


def test_valid_json_still_marks_a_claim(desk, reviewer):
    response = as_user(reviewer).post(
        f"/api/v1/articles/{desk['article'].pk}/claims/",
        {"quote": "bus use fell 15%"},
        format="json",
    )
    assert response.status_code == 201, response.content


# --- Cursors ----------------------------------------------------------------------------------


def cursor_of(query: str) -> str:
    return base64.b64encode(query.encode()).decode()


BAD_CURSORS = [
    "YQ",  # bad padding
    "not-base64",
    "é",
    cursor_of("p=abc"),
    cursor_of("p=" + HUGE),
    cursor_of("p=1%00"),
    cursor_of("p=-" + HUGE),
    cursor_of("o=-1&p=1"),
    cursor_of("r=x"),
]


@pytest.mark.parametrize("cursor", BAD_CURSORS)
@pytest.mark.parametrize("listing", ["verdicts", "claims", "sources", "articles"])
def test_a_malformed_cursor_is_a_400_naming_cursor(desk, editor, cursor, listing):
    response = as_user(editor).get(f"/api/v1/projects/newsdesk/{listing}/", {"cursor": cursor})
    assert_400(response, "cursor", "Invalid cursor")


@pytest.mark.parametrize(
    "position", ["yesterday", "2026-13-45 00:00:00", HUGE, "9999-12-31 23:59:59-23:59"]
)
def test_a_cursor_position_that_is_no_timestamp_is_a_400_when_ordered_by_time(
    desk, editor, position
):
    response = as_user(editor).get(
        "/api/v1/projects/newsdesk/verdicts/",
        {"ordering": "updated_at", "cursor": cursor_of(f"p={position}")},
    )
    assert_400(response, "cursor", "Invalid cursor")


@pytest.mark.parametrize("ordering", [None, "updated_at", "-created_at"])
def test_the_cursors_we_hand_out_still_page_through_the_list(desk, editor, ordering):
    client = as_user(editor)
    params = {"page_size": 1, **({"ordering": ordering} if ordering else {})}
    first = client.get("/api/v1/projects/newsdesk/verdicts/", params).json()
    cursor = parse_qs(urlsplit(first["next"]).query)["cursor"][0]
    second = client.get("/api/v1/projects/newsdesk/verdicts/", {**params, "cursor": cursor})
    assert second.status_code == 200
    seen = {first["results"][0]["id"], second.json()["results"][0]["id"]}
    assert seen == {v.pk for v in desk["verdicts"]}


# --- Ids in filters and URLs ------------------------------------------------------------------

BAD_IDS = [TOO_BIG, HUGE, "-2.41e+43", "1e30", "-1", "0", "abc", "4.5", "١٢"]
ID_FILTERS = [
    ("claims", "article"),
    ("sources", "article"),
    ("sources", "claim"),
    ("verdicts", "article"),
    ("verdicts", "claim"),
    ("queue", "article"),
]


@pytest.mark.parametrize("value", BAD_IDS)
@pytest.mark.parametrize(("listing", "name"), ID_FILTERS)
def test_an_id_filter_that_is_no_64_bit_id_is_a_400_naming_it(desk, editor, listing, name, value):
    response = as_user(editor).get(f"/api/v1/projects/newsdesk/{listing}/", {name: value})
    assert_400(response, name, name)


def test_the_verdict_list_refuses_the_id_schemathesis_found(desk, editor):
    """Regression: schemathesis's stateful phase sent this; SQLite raised OverflowError."""
    response = as_user(editor).get("/api/v1/projects/newsdesk/verdicts/?article=-2.41e%2B43")
    assert_400(response, "article", "Enter an id: a whole number")


@pytest.mark.parametrize(("listing", "name"), ID_FILTERS)
def test_a_valid_id_filter_still_filters(desk, editor, listing, name):
    claim = desk["claims"][0]
    value = desk["article"].pk if name == "article" else claim.pk
    response = as_user(editor).get(f"/api/v1/projects/newsdesk/{listing}/", {name: value})
    assert response.status_code == 200
    assert response.json()["results"]
    other = as_user(editor).get(f"/api/v1/projects/newsdesk/{listing}/", {name: MAX_ID})
    assert other.json()["results"] == []


EDGE_TIMES = ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+14:00"]


@pytest.mark.parametrize("when", EDGE_TIMES)
@pytest.mark.parametrize("listing", ["verdicts", "claims", "sources", "articles"])
def test_a_time_that_does_not_exist_in_utc_is_a_400_naming_updated_since(
    desk, editor, listing, when
):
    """Found while fuzzing: converting these to UTC for the query raised OverflowError."""
    response = as_user(editor).get(f"/api/v1/projects/newsdesk/{listing}/", {"updated_since": when})
    assert_400(response, "updated_since", "outside the range of dates")


@pytest.mark.parametrize("when", EDGE_TIMES)
def test_the_export_refuses_a_time_that_does_not_exist_in_utc(desk, editor, when):
    response = as_user(editor).get(
        "/api/v1/projects/newsdesk/export/", {"updated_since": when, "status": "all"}
    )
    assert_400(response, "updated_since", "outside the range of dates")


def test_updated_since_with_an_offset_still_filters(desk, editor):
    response = as_user(editor).get(
        "/api/v1/projects/newsdesk/verdicts/", {"updated_since": "2000-01-01T00:00:00+05:00"}
    )
    assert response.status_code == 200 and len(response.json()["results"]) == 2
    later = as_user(editor).get(
        "/api/v1/projects/newsdesk/verdicts/", {"updated_since": "9999-12-31T00:00:00+05:00"}
    )
    assert later.status_code == 200 and later.json()["results"] == []


def test_every_number_filter_is_a_bounded_id_filter():
    """Ids are validated in one place: no filter set may use a bare NumberFilter."""
    sets = [
        obj
        for obj in vars(filters).values()
        if isinstance(obj, type) and issubclass(obj, django_filters.FilterSet)
    ]
    assert len(sets) >= 4
    for filterset in sets:
        for name, declared in filterset.base_filters.items():
            if isinstance(declared, django_filters.NumberFilter):
                assert isinstance(declared, filters.IdFilter), (filterset.__name__, name)
            if isinstance(declared, django_filters.IsoDateTimeFilter):
                assert isinstance(declared, filters.TimestampFilter), (filterset.__name__, name)


@pytest.mark.parametrize(
    "path",
    [
        f"/ratings/{TOO_BIG}.css",
        f"/ratings/{HUGE}.css",
        f"/articles/{TOO_BIG}/",
        f"/articles/1/sentences/{TOO_BIG}/claim/",
        f"/claims/{TOO_BIG}/history/",
        f"/verdicts/{TOO_BIG}/",
        f"/api/v1/articles/{TOO_BIG}/",
        f"/api/v1/claims/{TOO_BIG}/sources/",
        f"/api/v1/verdicts/{HUGE}/",
    ],
)
def test_ids_beyond_64_bits_in_urls_are_404(desk, editor, client, path):
    client.force_login(editor)
    assert client.get(path).status_code == 404


def test_the_largest_id_is_still_routed(desk, editor, client):
    client.force_login(editor)
    empty = client.get(f"/ratings/{MAX_ID}.css")  # routed; no such scale, so no rules
    assert empty.status_code == 200 and empty.content == b"\n"
    label = desk["verdicts"][0].rating
    assert f".rating-{label.slug} " in client.get(f"/ratings/{label.scale_id}.css").content.decode()


# --- NUL characters ---------------------------------------------------------------------------

NUL_QUERIES = [
    "/api/v1/projects/newsdesk/queue/?reviewer=rev%00",
    "/api/v1/projects/newsdesk/queue/?rating=true%00",
    "/api/v1/projects/newsdesk/verdicts/?reviewer=%00",
    "/api/v1/projects/newsdesk/claims/?claimant=a%00b",
    "/api/v1/projects/newsdesk/articles/?q=%00",
    "/api/v1/projects/newsdesk/export/?updated_since=%00",
    "/api/v1/projects/newsdesk/verdicts/?st%00atus=draft",
]
NUL_PAGES = [
    "/projects/newsdesk/queue/?article=%00",
    "/projects/newsdesk/queue/?reviewer=1%00&rating=true%00",
    "/projects/newsdesk/?q=tram%00",
    "/articles/{article}/?claim=%00",
]


@pytest.mark.parametrize("url", NUL_QUERIES)
def test_a_nul_in_an_api_query_parameter_is_a_400_naming_it(desk, editor, url):
    response = as_user(editor).get(url)
    assert_400(response, None, "contains a NUL character")


@pytest.mark.parametrize("url", NUL_PAGES)
def test_a_nul_in_a_page_query_parameter_is_a_400_page(desk, editor, client, url):
    client.force_login(editor)
    response = client.get(url.format(article=desk["article"].pk))
    assert response.status_code == 400
    assert "contains a NUL character" in response.content.decode()
    assert response["Content-Type"].startswith("text/html")


def test_the_queue_page_ignores_unknown_filter_values(desk, editor, client):
    client.force_login(editor)
    response = client.get(f"/projects/newsdesk/queue/?article={HUGE}&reviewer=-2.41e%2B43")
    assert response.status_code == 200


@pytest.mark.parametrize("value", ["²", "١٢", TOO_BIG, HUGE, "-1", "1e3", "x"])
def test_the_annotation_page_ignores_a_claim_parameter_that_is_no_id(desk, reviewer, client, value):
    """`"²".isdigit()` is true but `int("²")` raises: the page answered 500."""
    client.force_login(reviewer)
    response = client.get(f"/articles/{desk['article'].pk}/", {"claim": value})
    assert response.status_code == 200


def test_the_annotation_page_still_selects_a_claim_by_id(desk, reviewer, client):
    client.force_login(reviewer)
    claim = desk["claims"][1]
    response = client.get(f"/articles/{desk['article'].pk}/", {"claim": claim.pk})
    assert response.status_code == 200
    assert response.context["selected"] == claim


# --- Found by `make fuzz` -----------------------------------------------------------------------


def test_the_json_export_matches_the_schema_it_documents(desk, editor):
    """The schema described every 200 of the export as a binary string; format=json is an
    object, so schemathesis's conformance check failed on it (seed 24124848...)."""
    import jsonschema

    client = as_user(editor)
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    documented = schema["paths"]["/api/v1/projects/{slug}/export/"]["get"]["responses"]["200"]
    response = client.get("/api/v1/projects/newsdesk/export/", {"format": "json", "status": "all"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(b"".join(response.streaming_content))
    jsonschema.validate(body, documented["content"]["application/json"]["schema"])
    assert set(documented["content"]) >= {"application/json", "text/csv"}


# --- Found by schemathesis's conformance check (git log 819a4a8) --------------------------------


@pytest.fixture
def openapi(editor):
    return (
        as_user(editor)
        .get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
        .json()
    )


def response_schema(openapi, path: str) -> dict:
    ref = openapi["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
    name = ref["schema"]["$ref"].rsplit("/", 1)[1]
    return openapi["components"]["schemas"][name]


def test_cursor_pages_and_numbered_pages_are_distinct_components(openapi):
    """One shared component described both page shapes, so one of them was always wrong."""
    cursor = response_schema(openapi, "/api/v1/projects/{slug}/verdicts/")
    numbered = response_schema(openapi, "/api/v1/claims/{id}/verdicts/")
    assert "count" not in cursor["properties"]
    assert "count" in numbered["properties"]
    assert {"next", "previous", "results"} <= set(cursor["properties"])


@pytest.mark.parametrize(
    ("component", "field"),
    [("ClaimWithVerdicts", "created_by"), ("Source", "added_by"), ("Verdict", "approved_by"),
     ("Event", "actor")],
)  # fmt: skip
def test_usernames_of_optional_users_are_documented_as_nullable(openapi, component, field):
    """A claim whose author was deleted, or a verdict not yet approved, answers null there."""
    schemas = openapi["components"]["schemas"]
    assert schemas[component]["properties"][field].get("nullable") is True
