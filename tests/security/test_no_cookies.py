"""/graphql sends no cookie and no ``Vary: Cookie``: cookies are ignored there (bearer tokens only), and a persisted
GET query must stay cacheable by a shared cache.

graphene-django wraps its view in ``ensure_csrf_cookie`` for its GraphiQL page, which set a ``csrftoken`` cookie on
every response; the endpoint is ``csrf_exempt`` and GraphiQL's requests carry no cookie-based credential, so the
cookie protects nothing there.
"""

import json
from pathlib import Path

import pytest
from django.test import Client as HttpClient

from api.http import persisted_queries
from tests.conftest import bearer

pytestmark = pytest.mark.django_db

TYPENAME = "{ __typename }"
ROOT = Path(__file__).resolve().parents[2]


def assert_cookieless(response) -> None:
    assert response.cookies == {} or not any(morsel.value for morsel in response.cookies.values()), response.cookies
    assert "Set-Cookie" not in response.headers
    vary = [value.strip().lower() for value in response.headers.get("Vary", "").split(",")]
    assert "cookie" not in vary, response.headers.get("Vary")


def test_a_post_gets_no_cookie(client):
    assert_cookieless(client.post("/graphql", json.dumps({"query": TYPENAME}), content_type="application/json"))


def test_a_signed_in_post_gets_no_cookie(client, staff_user):
    response = client.post(
        "/graphql",
        json.dumps({"query": "{ viewer { username } }"}),
        content_type="application/json",
        headers=bearer(staff_user),
    )

    assert response.json() == {"data": {"viewer": {"username": "staff"}}}
    assert_cookieless(response)


def test_a_login_gets_no_cookie(client, staff_user):
    document = 'mutation { tokenCreate(input: {username: "staff", password: "staff-password-2030"}) { accessToken } }'

    response = client.post("/graphql", json.dumps({"query": document}), content_type="application/json")

    assert response.json()["data"]["tokenCreate"]["accessToken"]
    assert_cookieless(response)


def test_a_persisted_get_query_gets_no_cookie_and_can_be_cached(client):
    document = (ROOT / "examples" / "07_providers.graphql").read_text()
    sha256 = persisted_queries.document_hash(document)
    assert persisted_queries.lookup(sha256) == document

    response = client.get("/graphql", {"documentId": f"sha256:{sha256}"}, HTTP_ACCEPT="application/json")

    assert response.status_code == 200, response.content
    assert response.json()["data"]["providers"]["edges"] == []
    assert_cookieless(response)


def test_a_refused_request_gets_no_cookie(client):
    assert_cookieless(client.post("/graphql", "not json", content_type="application/json"))
    assert_cookieless(client.post("/graphql", "{}", content_type="text/plain"))


def test_the_graphiql_page_gets_no_cookie_and_still_renders(client):
    response = client.get("/graphql", HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert b"graphiql" in response.content.lower()
    assert_cookieless(response)


def test_even_a_browser_that_sends_cookies_gets_none_back(client):
    client.cookies["sessionid"] = "whatever"
    client.cookies["csrftoken"] = "x" * 32

    assert_cookieless(client.post("/graphql", json.dumps({"query": TYPENAME}), content_type="application/json"))
    assert_cookieless(client.get("/graphql", {"query": TYPENAME}, HTTP_ACCEPT="application/json"))


def test_the_admin_still_sets_its_csrf_cookie(client):
    # The admin's forms need it: the change is local to /graphql.
    response = client.get("/admin/login/")

    assert "csrftoken" in response.cookies


def test_a_client_without_cookies_loses_nothing(client, staff_user):
    http = HttpClient(enforce_csrf_checks=True)

    response = http.post(
        "/graphql",
        json.dumps({"query": "{ viewer { username } }"}),
        content_type="application/json",
        headers=bearer(staff_user),
    )

    assert response.json() == {"data": {"viewer": {"username": "staff"}}}
