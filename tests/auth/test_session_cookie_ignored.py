"""A session cookie never authorizes a GraphQL operation.

/graphql is exempt from CSRF checks (API clients send no CSRF token), so a browser's session cookie, which a
cross-site page can make it send, must count for nothing there: only a bearer token names the caller. Staff
logged into the admin are anonymous on /graphql unless they send a token.
"""

import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client as HttpClient

from reservation.models import Provider
from tests.auth import VIEWER, ok_body, post, top_level_codes
from tests.conftest import bearer
from tests.factories import make_client, make_provider

pytestmark = pytest.mark.django_db

PROVIDER_CREATE = """
mutation {
  providerCreate(input: {firstName: "Cookie", lastName: "Monster"}) { provider { id } errors { code } }
}
"""
CLIENTS = "{ clients { edges { node { id firstName } } } }"


@pytest.fixture
def admin_browser(staff_user: User) -> HttpClient:
    """A browser logged into the admin as staff, enforcing CSRF checks as a real browser session would."""
    browser = HttpClient(enforce_csrf_checks=True)
    browser.force_login(staff_user)
    assert browser.get("/admin/").status_code == 200  # the session is good where sessions count
    return browser


def test_the_session_cookie_is_not_a_sign_in_for_mutations(admin_browser):
    body = ok_body(post(admin_browser, PROVIDER_CREATE))

    assert top_level_codes(body) == ["UNAUTHENTICATED"]
    assert body["data"]["providerCreate"] is None
    assert not Provider.objects.exists()


def test_the_session_cookie_gives_no_viewer_and_no_private_reads(admin_browser):
    make_client(first_name="Private", last_name="Person")

    assert ok_body(post(admin_browser, VIEWER))["data"]["viewer"] is None
    assert ok_body(post(admin_browser, CLIENTS))["data"]["clients"]["edges"] == []


def test_the_cookie_is_ignored_on_the_trailing_slash_route_and_over_get(admin_browser):
    response = admin_browser.post("/graphql/", json.dumps({"query": PROVIDER_CREATE}), content_type="application/json")
    assert top_level_codes(ok_body(response)) == ["UNAUTHENTICATED"]

    got = admin_browser.get("/graphql", {"query": VIEWER}, headers={"Accept": "application/json"})
    assert ok_body(got)["data"]["viewer"] is None


def test_with_both_the_bearer_token_decides(admin_browser):
    provider_user = User.objects.create_user("pat")
    Provider.objects.create(user=provider_user, first_name="Pat", last_name="Provider")

    body = ok_body(post(admin_browser, VIEWER, authorization=bearer(provider_user)["Authorization"]))
    assert body["data"]["viewer"]["username"] == "pat"
    assert body["data"]["viewer"]["isStaff"] is False
    refused = ok_body(post(admin_browser, PROVIDER_CREATE, authorization=bearer(provider_user)["Authorization"]))
    assert top_level_codes(refused) == ["FORBIDDEN"]


def test_the_staff_bearer_token_works_without_any_cookie(client, staff_user):
    body = ok_body(post(client, PROVIDER_CREATE, authorization=bearer(staff_user)["Authorization"]))

    assert body["data"]["providerCreate"]["errors"] == []


def test_a_cross_site_form_post_runs_nothing(admin_browser):
    # The kind of request a cross-site page can make a browser send without a CORS preflight.
    make_provider()
    response = admin_browser.post("/graphql", {"query": PROVIDER_CREATE})

    assert response.status_code == 415
    assert Provider.objects.count() == 1


def test_the_cookie_is_ignored_when_served_under_a_script_prefix(admin_browser):
    extra: dict[str, Any] = {"SCRIPT_NAME": "/api"}
    response = admin_browser.post(
        "/graphql", json.dumps({"query": PROVIDER_CREATE}), content_type="application/json", **extra
    )

    assert top_level_codes(ok_body(response)) == ["UNAUTHENTICATED"]
    assert not Provider.objects.exists()
