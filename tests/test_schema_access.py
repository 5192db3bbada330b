"""The OpenAPI schema and the Swagger UI need a signed-in user or a token, as the README says:
anonymous API clients get 401 with a message, anonymous browsers are sent to sign in."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from annotations import tokens

SCHEMA = "/api/v1/schema/"
DOCS = "/api/v1/docs/"
OPENAPI = "application/vnd.oai.openapi+json"

pytestmark = pytest.mark.django_db


def test_anonymous_schema_requests_get_401_saying_how_to_authenticate(client):
    response = client.get(SCHEMA, HTTP_ACCEPT=OPENAPI)
    assert response.status_code == 401
    assert "Authorization: Token" in response.json()["detail"]


def test_anonymous_browsers_opening_the_docs_are_sent_to_sign_in(client):
    response = client.get(DOCS)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={DOCS}"
    script = client.get(DOCS + "?script=")
    assert script.status_code == 302  # the split view's init script is behind the same door


def test_a_wrong_token_gets_401_not_a_redirect(client):
    response = client.get(DOCS, HTTP_AUTHORIZATION="Token not-a-real-key")
    assert response.status_code == 401


def test_signed_in_users_read_the_schema_and_the_docs(reviewer):
    client = Client()
    client.force_login(reviewer)
    schema = client.get(SCHEMA, HTTP_ACCEPT=OPENAPI)
    assert schema.status_code == 200
    assert "/api/v1/articles/{id}/claims/" in schema.json()["paths"]
    assert client.get(DOCS).status_code == 200


def test_token_holders_read_the_schema_and_the_docs(client, reviewer):
    _, key = tokens.create_token(user=reviewer, name="docs")
    schema = client.get(SCHEMA, HTTP_ACCEPT=OPENAPI, HTTP_AUTHORIZATION=f"Token {key}")
    assert schema.status_code == 200
    assert schema.json()["info"]["title"] == "factcheck API"
    assert client.get(DOCS, HTTP_AUTHORIZATION=f"Token {key}").status_code == 200


def test_path_ids_are_documented_as_64_bit_integers(reviewer):
    """The <id:pk> converter would otherwise be documented as a string with a pattern."""
    client = Client()
    client.force_login(reviewer)
    schema = client.get(SCHEMA, HTTP_ACCEPT=OPENAPI).json()
    (parameter,) = schema["paths"]["/api/v1/claims/{id}/"]["get"]["parameters"]
    assert parameter["schema"] == {
        "type": "integer",
        "format": "int64",
        "minimum": 0,
        "maximum": 2**63 - 1,
    }
