"""Bad input reaches no internal error: deeply nested JSON, NUL characters and hostile page arguments.

Each refusal is a typed client error (HTTP 400 BAD_REQUEST or BAD_USER_INPUT, or a payload's INVALID), the same on
SQLite and PostgreSQL, with nothing written and no traceback logged.
"""

import json
import logging
from typing import Any
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import User
from django.test import Client as HttpClient

from reservation.models import Client, IdempotencyRecord, Provider, Reservation
from tests.factories import NOW, gid, make_reservation

pytestmark = pytest.mark.django_db

VIEWER = "{ viewer { username } }"


def nested(depth: int) -> Any:
    value: Any = []
    for _ in range(depth - 1):
        value = [value]
    return value


def codes(body: dict[str, Any]) -> list[str | None]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors", [])]


@pytest.fixture
def http() -> HttpClient:
    """A test client that answers 500 instead of raising, as a real server would."""
    return HttpClient(raise_request_exception=False)


def assert_no_traceback_logged(caplog: pytest.LogCaptureFixture) -> None:
    tracebacks = [record for record in caplog.records if record.exc_info or record.levelno >= logging.ERROR]
    assert tracebacks == [], [record.getMessage() for record in tracebacks]


# --- defect 4: nested JSON ------------------------------------------------------------------------------------------


def test_a_2_kb_body_of_1000_nested_lists_is_a_bad_request_not_a_500(http, caplog):
    """The issue's probe: a small anonymous body whose variables nest 1,000 lists deep."""
    body = '{"query": "{ viewer { username } }", "variables": {"a": ' + "[" * 1000 + "]" * 1000 + "}}"
    assert len(body) < 2_100

    with caplog.at_level(logging.INFO):
        response = http.post("/graphql", body, content_type="application/json")

    assert response.status_code == 400, response.content[:200]
    assert response["Content-Type"] == "application/json"
    assert codes(response.json()) == ["BAD_REQUEST"]
    assert "nest" in response.json()["errors"][0]["message"]
    assert_no_traceback_logged(caplog)


@pytest.mark.parametrize("depth", [31, 100, 5_000, 100_000])
def test_json_nested_deeper_than_the_limit_is_refused(http, depth):
    # Written out by hand: json.dumps itself cannot nest 5,000 levels.
    body = '{"query": "{ viewer { username } }", "variables": {"a": ' + "[" * depth + "]" * depth + "}}"

    response = http.post("/graphql", body, content_type="application/json")

    assert response.status_code == 400
    assert codes(response.json()) == ["BAD_REQUEST"]


def test_nesting_in_objects_counts_as_much_as_in_lists(http):
    deep: Any = {}
    for _ in range(40):
        deep = {"x": deep}

    response = http.post("/graphql", json.dumps({"query": VIEWER, "variables": deep}), content_type="application/json")

    assert codes(response.json()) == ["BAD_REQUEST"]


def test_json_as_deep_as_the_limit_runs(http, settings):
    # The body is an object (1) holding variables (2): 30 more levels bring it to the limit, 32.
    assert settings.GRAPHQL_MAX_JSON_DEPTH == 32
    body = {"query": VIEWER, "variables": {"a": nested(30)}}

    response = http.post("/graphql", json.dumps(body), content_type="application/json")

    assert response.status_code == 200, response.content
    assert response.json() == {"data": {"viewer": None}}


def test_deeply_nested_variables_sent_as_a_json_string_are_refused(http):
    body = {"query": VIEWER, "variables": '{"a": ' + "[" * 1000 + "]" * 1000 + "}"}

    response = http.post("/graphql", json.dumps(body), content_type="application/json")

    assert response.status_code == 400
    assert codes(response.json()) == ["BAD_REQUEST"]


def test_deeply_nested_variables_over_get_are_refused(http):
    query = urlencode({"query": VIEWER, "variables": json.dumps({"a": nested(200)})})

    response = http.get(f"/graphql?{query}", HTTP_ACCEPT="application/json")

    assert response.status_code == 400
    assert codes(response.json()) == ["BAD_REQUEST"]


# --- defect 5: NUL characters ---------------------------------------------------------------------------------------

NUL = "\x00"

TOKEN_CREATE = """
mutation($username: String!) {
  tokenCreate(input: {username: $username, password: "whatever-2030"}) { accessToken errors { code field } }
}
"""
CLIENT_CREATE = """
mutation($input: ClientCreateInput!) { clientCreate(input: $input) { client { id } errors { code field } } }
"""
CANCEL = """
mutation($id: ID!, $reason: String) {
  reservationCancel(input: {reservationId: $id, reason: $reason}) { reservation { id state } errors { code field } }
}
"""
PROVIDER_CREATE = """
mutation($key: String) {
  providerCreate(input: {firstName: "Grace", lastName: "Hopper", idempotencyKey: $key}) {
    provider { id } errors { code field }
  }
}
"""


def assert_refused_as_user_error(body: dict[str, Any], mutation: str | None = None) -> None:
    """Either a top-level BAD_USER_INPUT, or the payload's INVALID: never an internal error."""
    assert "INTERNAL_SERVER_ERROR" not in codes(body), body
    if body.get("errors"):
        assert codes(body) == ["BAD_USER_INPUT"], body
        assert "NUL" in body["errors"][0]["message"]
    else:
        assert mutation is not None
        assert [error["code"] for error in body["data"][mutation]["errors"]] == ["INVALID"], body


def post(client: HttpClient, query: str, variables: dict[str, Any], user: User | None = None) -> dict[str, Any]:
    from tests.conftest import bearer

    response = client.post(
        "/graphql",
        json.dumps({"query": query, "variables": variables}),
        content_type="application/json",
        headers=bearer(user) if user is not None else {},
    )
    assert response.status_code in (200, 400), response.content[:300]
    result: dict[str, Any] = response.json()
    return result


@pytest.mark.parametrize("username", [f"ada{NUL}", NUL, f"{NUL}admin"])
def test_nul_in_a_login_username_is_a_user_error(http, caplog, username):
    with caplog.at_level(logging.INFO):
        body = post(http, TOKEN_CREATE, {"username": username})

    assert_refused_as_user_error(body, "tokenCreate")
    assert_no_traceback_logged(caplog)


@pytest.mark.parametrize("field", ["firstName", "lastName", "username", "password"])
def test_nul_in_a_sign_up_is_a_user_error_and_creates_nothing(http, caplog, field):
    values = {"firstName": "Ada", "lastName": "Lovelace", "username": "ada", "password": "correct-horse-2030"}
    values[field] = values[field][:2] + NUL + values[field][2:]

    with caplog.at_level(logging.INFO):
        body = post(http, CLIENT_CREATE, {"input": values})

    assert_refused_as_user_error(body, "clientCreate")
    assert (Client.objects.count(), User.objects.count()) == (0, 0)
    assert_no_traceback_logged(caplog)


def test_nul_in_an_idempotency_key_is_a_user_error_and_stores_nothing(http, caplog, staff_user):
    with caplog.at_level(logging.INFO):
        body = post(http, PROVIDER_CREATE, {"key": f"key{NUL}1"}, staff_user)

    assert_refused_as_user_error(body, "providerCreate")
    assert (Provider.objects.count(), IdempotencyRecord.objects.count()) == (0, 0)
    assert_no_traceback_logged(caplog)


def test_nul_in_a_cancellation_reason_is_a_user_error_and_cancels_nothing(http, caplog, staff_user, slot, patient):
    reservation = make_reservation(patient, slot, NOW, confirmed=True)

    with caplog.at_level(logging.INFO):
        body = post(http, CANCEL, {"id": gid("ReservationType", reservation.pk), "reason": f"ill{NUL}"}, staff_user)

    assert_refused_as_user_error(body, "reservationCancel")
    assert Reservation.objects.get().ended_at is None
    assert_no_traceback_logged(caplog)


def test_nul_in_a_string_literal_of_the_document_is_a_user_error(http, caplog):
    document = 'mutation { tokenCreate(input: {username: "ada\\u0000", password: "x"}) { errors { code } } }'

    with caplog.at_level(logging.INFO):
        body = post(http, document, {})

    assert_refused_as_user_error(body)
    assert_no_traceback_logged(caplog)


def test_nul_in_a_search_filter_is_a_user_error(http, caplog, provider):
    with caplog.at_level(logging.INFO):
        body = post(http, "query($q: String) { providers(search: $q) { edges { node { id } } } }", {"q": f"Gr{NUL}"})

    assert_refused_as_user_error(body)
    assert_no_traceback_logged(caplog)


def test_text_without_nul_still_runs(http, provider):
    body = post(http, "query($q: String) { providers(search: $q) { edges { node { id } } } }", {"q": "Grace"})

    assert body == {"data": {"providers": {"edges": [{"node": {"id": gid("ProviderType", provider.pk)}}]}}}


# --- defect 6: page arguments ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "arguments",
    ["offset: -1", "offset: -2147483648", "first: -1", "last: -1", "first: 101", "last: 101", 'after: "bm9wZQ=="'],
)
@pytest.mark.parametrize("field", ["providers", "appointments", "availableAppointments", "reservations", "clients"])
def test_every_invalid_page_argument_of_a_root_list_is_bad_user_input(
    http, caplog, staff_user, provider, field, arguments
):
    with caplog.at_level(logging.INFO):
        body = post(http, f"{{ {field}({arguments}) {{ edges {{ node {{ id }} }} }} }}", {}, staff_user)

    assert codes(body) == ["BAD_USER_INPUT"], body
    assert_no_traceback_logged(caplog)


def test_a_valid_offset_still_pages(http, staff_user):
    for index in range(3):
        Provider.objects.create(first_name=f"P{index}", last_name=f"L{index}")

    body = post(http, "{ providers(offset: 1, first: 1) { edges { node { lastName } } } }", {}, staff_user)

    assert body == {"data": {"providers": {"edges": [{"node": {"lastName": "L1"}}]}}}
