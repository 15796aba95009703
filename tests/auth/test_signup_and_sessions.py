"""Anonymous sign-up is rate limited per address; API logins create no server-side session or cookie."""

import json
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import override_settings

from tests.conftest import GraphQL

pytestmark = pytest.mark.django_db

SIGN_UP = """mutation($input: ClientCreateInput!) {
  clientCreate(input: $input) { client { id } errors { code field } }
}"""


def sign_up(graphql: GraphQL, index: int) -> dict[str, Any]:
    variables = {
        "input": {
            "firstName": "New",
            "lastName": f"Patient{index}",
            "username": f"new.patient{index}",
            "password": "a-long-passphrase-2030",
        }
    }
    payload: dict[str, Any] = graphql(SIGN_UP, variables, as_user=None)["data"]["clientCreate"]
    return payload


@override_settings(RATELIMIT_SIGNUP_PER_IP="2/m")
def test_anonymous_sign_ups_are_rate_limited_per_address(graphql, frozen):
    assert sign_up(graphql, 1)["errors"] == []
    assert sign_up(graphql, 2)["errors"] == []

    refused = sign_up(graphql, 3)

    assert refused == {"client": None, "errors": [{"code": "RATE_LIMITED", "field": None}]}


@override_settings(RATELIMIT_SIGNUP_PER_IP="1/m")
def test_staff_registering_clients_is_not_counted_as_sign_up(graphql, frozen):
    for index in range(3):
        body = graphql(SIGN_UP, {"input": {"firstName": "Walk", "lastName": f"In{index}"}})
        assert body["data"]["clientCreate"]["errors"] == []


def test_login_through_the_api_creates_no_session_and_sets_no_cookie(client, django_user_model):
    django_user_model.objects.create_user("ada", password="a-long-passphrase-2030")
    query = 'mutation { tokenCreate(input: {username: "ada", password: "a-long-passphrase-2030"}) { accessToken } }'

    response = client.post("/graphql", json.dumps({"query": query}), content_type="application/json")

    assert response.json()["data"]["tokenCreate"]["accessToken"]
    assert "sessionid" not in response.cookies
    assert Session.objects.count() == 0


def test_login_updates_last_login(client, django_user_model):
    user = django_user_model.objects.create_user("ada", password="a-long-passphrase-2030")
    query = 'mutation { tokenCreate(input: {username: "ada", password: "a-long-passphrase-2030"}) { accessToken } }'

    client.post("/graphql", json.dumps({"query": query}), content_type="application/json")

    user.refresh_from_db()
    assert user.last_login is not None
