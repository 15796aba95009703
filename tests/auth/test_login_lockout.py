"""django-axes behind tokenCreate: a username is locked out from one address after AXES_FAILURE_LIMIT failures.

The lock-out is a payload error (LOCKED_OUT, HTTP 200, JSON) on /graphql, never axes' own page; the admin's
login form keeps axes' usual response (HTTP 429). The failure that reaches the limit is itself answered
LOCKED_OUT: axes marks the request locked out as soon as it records the fifth failure.
"""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import User

from tests.auth import PASSWORD, TOKEN_CREATE, ok_body, payload_codes, post, viewer_username

pytestmark = pytest.mark.django_db

LIMIT = 5
COOL_OFF = timedelta(minutes=15)
OTHER_ADDRESS = "127.0.0.2"


@pytest.fixture
def user(db: None) -> User:
    return User.objects.create_user("lena", password=PASSWORD)


def attempt(client, username: str, password: str, **extra) -> list[str]:
    """The payload error codes of one tokenCreate (asserting HTTP 200 and a JSON body)."""
    response = post(client, TOKEN_CREATE, {"username": username, "password": password}, **extra)
    return payload_codes(ok_body(response), "tokenCreate")


def fail(client, username: str, times: int, **extra) -> list[list[str]]:
    return [attempt(client, username, "wrong-password", **extra) for _ in range(times)]


def test_the_settings_are_those_the_tests_assume():
    assert settings.AXES_FAILURE_LIMIT == LIMIT
    assert timedelta(hours=settings.AXES_COOLOFF_TIME) == COOL_OFF


def test_after_the_failure_limit_even_the_right_password_is_locked_out(client, user, frozen):
    assert fail(client, "lena", LIMIT - 1) == [["INVALID_CREDENTIALS"]] * (LIMIT - 1)
    assert fail(client, "lena", 1) == [["LOCKED_OUT"]]

    response = post(client, TOKEN_CREATE, {"username": "lena", "password": PASSWORD})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["data"]["tokenCreate"]["errors"][0]["code"] == "LOCKED_OUT"
    assert body["data"]["tokenCreate"]["accessToken"] is None
    assert attempt(client, "lena", "wrong-password") == ["LOCKED_OUT"]


def test_another_username_from_the_same_address_is_unaffected(client, user, frozen):
    User.objects.create_user("marco", password=PASSWORD)
    fail(client, "lena", LIMIT)

    assert attempt(client, "marco", PASSWORD) == []


def test_the_same_username_from_another_address_is_unaffected(client, user, frozen):
    fail(client, "lena", LIMIT)

    assert attempt(client, "lena", PASSWORD, REMOTE_ADDR=OTHER_ADDRESS) == []
    assert attempt(client, "lena", PASSWORD) == ["LOCKED_OUT"]


def test_forged_forwarding_headers_do_not_move_the_caller_to_another_address(client, user, frozen):
    # Outside production (where nginx sets X-Real-IP) the address is REMOTE_ADDR alone, whatever the client says.
    fail(client, "lena", LIMIT)

    spoofed = {"HTTP_X_FORWARDED_FOR": OTHER_ADDRESS, "HTTP_X_REAL_IP": OTHER_ADDRESS}
    assert attempt(client, "lena", PASSWORD, **spoofed) == ["LOCKED_OUT"]


def test_a_username_that_does_not_exist_is_locked_out_the_same_way(client, user, frozen):
    # No difference between existing and unknown usernames: the lock-out reveals nothing about accounts.
    assert fail(client, "nobody", LIMIT) == fail(client, "lena", LIMIT)


def test_login_works_again_after_the_cool_off(client, user, frozen):
    fail(client, "lena", LIMIT)

    frozen.tick(COOL_OFF + timedelta(seconds=1))

    result = ok_body(post(client, TOKEN_CREATE, {"username": "lena", "password": PASSWORD}))
    assert result["data"]["tokenCreate"]["errors"] == []
    assert viewer_username(client, result["data"]["tokenCreate"]["accessToken"]) == "lena"


def test_an_attempt_during_the_lockout_restarts_the_cool_off(client, user, frozen):
    # axes' default (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT): a guesser who keeps trying stays locked out.
    fail(client, "lena", LIMIT)

    frozen.tick(COOL_OFF - timedelta(seconds=1))
    assert attempt(client, "lena", PASSWORD) == ["LOCKED_OUT"]
    frozen.tick(timedelta(seconds=2))
    assert attempt(client, "lena", PASSWORD) == ["LOCKED_OUT"]

    frozen.tick(COOL_OFF + timedelta(seconds=1))
    assert attempt(client, "lena", PASSWORD) == []


def test_failures_below_the_limit_do_not_lock(client, user, frozen):
    fail(client, "lena", LIMIT - 1)

    assert attempt(client, "lena", PASSWORD) == []


def test_a_successful_login_resets_the_failure_count(client, user, frozen):
    fail(client, "lena", LIMIT - 1)
    assert attempt(client, "lena", PASSWORD) == []

    assert fail(client, "lena", 1) == [["INVALID_CREDENTIALS"]]
    assert attempt(client, "lena", PASSWORD) == []


# --- the admin's login form ---------------------------------------------------------------------------------


def admin_login(client, username: str, password: str):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password})


def test_the_admin_login_keeps_axes_lockout_response(client, staff_user, frozen):
    for _ in range(LIMIT - 1):
        response = admin_login(client, "staff", "wrong-password")
        assert response.status_code == 200  # the form again, with its error

    locking = admin_login(client, "staff", "wrong-password")
    right_password = admin_login(client, "staff", "staff-password-2030")

    for response in (locking, right_password):
        assert response.status_code == 429  # axes' AXES_HTTP_RESPONSE_CODE, not a server error
        assert b"locked" in response.content.lower()
    assert "_auth_user_id" not in client.session


def test_the_admin_login_works_for_staff_who_are_not_locked_out(client, staff_user):
    response = admin_login(client, "staff", "staff-password-2030")

    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_failures_on_graphql_and_the_admin_count_together(client, staff_user, frozen):
    # One account, one address, one budget of failures: switching login channels gains nothing.
    fail(client, "staff", LIMIT - 1)
    assert admin_login(client, "staff", "wrong-password").status_code == 429

    assert admin_login(client, "staff", "staff-password-2030").status_code == 429
    assert attempt(client, "staff", "staff-password-2030") == ["LOCKED_OUT"]
