"""Correctly signed tokens whose claims have the wrong shape are refused as INVALID_TOKEN, never a 500.

Only a holder of the signing key can make one, so this is defence in depth: a key shared with another service that
puts usernames in ``sub``, or a bug in an issuer, must not turn every request into an HTML error page.
"""

import uuid
from datetime import timedelta
from typing import Any

import jwt
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client as HttpClient

from tests.auth import PASSWORD, VIEWER, assert_invalid_token, login, post, refresh

pytestmark = pytest.mark.django_db


@pytest.fixture
def user(db: None) -> User:
    return User.objects.create_user("tess", password=PASSWORD)


@pytest.fixture
def http() -> HttpClient:
    return HttpClient(raise_request_exception=False)


def signed(claims: dict[str, Any]) -> str:
    return jwt.encode(claims, settings.JWT_SIGNING_KEY, algorithm="HS256")


def access_claims(user: User, **overrides: Any) -> dict[str, Any]:
    token = login(HttpClient(), user.username)["accessToken"]
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return {**claims, **overrides}


SUBJECTS = [
    "tess",
    "",
    " 1",
    "1 ",
    "1.0",
    "-1",
    "+1",
    "1e3",
    "0x1",
    "\u0661",
    "\u00b9",
    "01",
    "9" * 40,
    1,
    1.0,
    None,
    [1],
    {"id": 1},
    True,
]


@pytest.mark.parametrize("subject", SUBJECTS, ids=repr)
def test_an_access_token_with_a_subject_that_is_not_a_user_id_is_an_invalid_token(http, user, frozen, subject):
    response = post(http, VIEWER, token=signed(access_claims(user, sub=subject)))

    assert_invalid_token(response)


@pytest.mark.parametrize("subject", SUBJECTS, ids=repr)
def test_a_refresh_token_with_a_subject_that_is_not_a_user_id_is_an_invalid_token(http, user, frozen, subject):
    claims = jwt.decode(login(http, "tess")["refreshToken"], options={"verify_signature": False})

    result = refresh(http, signed({**claims, "sub": subject}))

    assert [error["code"] for error in result["errors"]] == ["INVALID_TOKEN"]


@pytest.mark.parametrize("jti", ["not-a-uuid", "", 12, None, ["x"], "\x00"], ids=repr)
def test_a_refresh_token_whose_id_is_not_a_uuid_is_an_invalid_token(http, user, frozen, jti):
    claims = jwt.decode(login(http, "tess")["refreshToken"], options={"verify_signature": False})
    token = signed({**claims, "jti": jti} if jti is not None else {k: v for k, v in claims.items() if k != "jti"})

    result = refresh(http, token)

    assert [error["code"] for error in result["errors"]] == ["INVALID_TOKEN"]
    assert [
        error["code"]
        for error in post(
            http,
            """mutation($t: String) { tokenRevoke(input: {refreshToken: $t}) {
        revoked errors { code } } }""",
            {"t": token},
        ).json()["data"]["tokenRevoke"]["errors"]
    ] == ["INVALID_TOKEN"]


def test_a_token_issued_far_in_the_past_is_refused_after_a_log_out_everywhere(http, user, frozen):
    # iat far outside the datetime range: comparing it with the revocation instant must not overflow.
    session = login(http, "tess")
    assert (
        post(
            http, "mutation { tokenRevoke(input: {everywhere: true}) { revoked } }", token=session["accessToken"]
        ).status_code
        == 200
    )
    frozen.tick(timedelta(seconds=2))

    response = post(http, VIEWER, token=signed(access_claims(user, iat=-(10**12), jti=uuid.uuid4().hex)))

    assert_invalid_token(response)
