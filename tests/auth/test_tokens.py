"""Our bearer tokens through /graphql: login, expiry, rotation and reuse detection, revocation, forgeries.

A token the middleware refuses gets HTTP 401 with ``WWW-Authenticate: Bearer error="invalid_token"`` and one
INVALID_TOKEN error; a bad token given to tokenRefresh or tokenRevoke is a payload INVALID_TOKEN error.
"""

import base64
import json
import uuid
import warnings
from datetime import timedelta
from typing import Any

import jwt
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.utils.dateparse import parse_datetime
from jwt.warnings import InsecureKeyLengthWarning

from api.auth.tokens import credentials_digest, issue_access_token, issue_tokens
from reservation.models import RefreshToken
from tests.auth import (
    PASSWORD,
    TOKEN_CREATE,
    TOKEN_REFRESH,
    TOKEN_REVOKE,
    VIEWER,
    assert_invalid_token,
    login,
    ok_body,
    payload,
    post,
    refresh,
    viewer_username,
)
from tests.factories import NOW

pytestmark = pytest.mark.django_db

ACCESS_LIFETIME = timedelta(minutes=5)
ATTACKER_KEY = "an-attacker's-own-signing-key-long-enough-for-hs512-0123456789abcdef"


@pytest.fixture
def user(db: None) -> User:
    return User.objects.create_user("tess", password=PASSWORD)


def claims_for(user: User, **overrides: Any) -> dict[str, Any]:
    """The claims of a valid access token of ``user`` at the frozen `NOW`; None in ``overrides`` drops a claim."""
    claims: dict[str, Any] = {
        "iss": settings.JWT_ISSUER,
        "aud": settings.JWT_AUDIENCE,
        "sub": str(user.pk),
        "iat": NOW,
        "exp": NOW + ACCESS_LIFETIME,
        "jti": uuid.uuid4().hex,
        "typ": "access",
        "sah": credentials_digest(user),
        **overrides,
    }
    return {name: value for name, value in claims.items() if value is not None}


def sign(claims: dict[str, Any], key: str | None = None, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key or settings.JWT_SIGNING_KEY, algorithm=algorithm)


def b64url(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, default=str).encode()).rstrip(b"=").decode()


# --- login --------------------------------------------------------------------------------------------------


def test_login_returns_a_working_pair(client, user, frozen):
    tokens = login(client, "tess")

    assert tokens["errors"] == []
    assert parse_datetime(tokens["accessTokenExpiresAt"]) == NOW + ACCESS_LIFETIME
    assert parse_datetime(tokens["refreshTokenExpiresAt"]) == NOW + timedelta(days=settings.JWT_REFRESH_TOKEN_DAYS)
    assert viewer_username(client, tokens["accessToken"]) == "tess"
    assert refresh(client, tokens["refreshToken"])["errors"] == []


def test_the_signing_is_pinned_to_hs256_with_every_claim(client, user, frozen):
    access = login(client, "tess")["accessToken"]

    assert jwt.get_unverified_header(access)["alg"] == "HS256"
    claims = jwt.decode(access, options={"verify_signature": False})
    assert {"iss", "aud", "sub", "iat", "exp", "jti", "typ"} <= set(claims)
    assert (claims["iss"], claims["aud"], claims["sub"], claims["typ"]) == (
        settings.JWT_ISSUER,
        settings.JWT_AUDIENCE,
        str(user.pk),
        "access",
    )


@pytest.mark.parametrize(
    ("username", "password"),
    [("tess", "wrong-password"), ("nobody-by-this-name", PASSWORD), ("nobody-by-this-name", "wrong-password")],
    ids=["wrong-password", "unknown-user", "both-wrong"],
)
def test_wrong_credentials_do_not_say_which_part_was_wrong(client, user, username, password):
    body = ok_body(post(client, TOKEN_CREATE, {"username": username, "password": password}))

    result = payload(body, "tokenCreate")
    assert result["errors"] == [
        {"code": "INVALID_CREDENTIALS", "field": None, "message": "Wrong username or password."}
    ]
    assert result["accessToken"] is None
    assert result["refreshToken"] is None


def test_a_deactivated_user_cannot_log_in_and_is_told_nothing_more(client, user):
    user.is_active = False
    user.save()

    result = login(client, "tess")

    assert result["errors"] == [
        {"code": "INVALID_CREDENTIALS", "field": None, "message": "Wrong username or password."}
    ]
    assert result["accessToken"] is None


# --- access token expiry ------------------------------------------------------------------------------------


def test_the_access_token_is_valid_until_its_fifth_minute(client, user, frozen):
    access = login(client, "tess")["accessToken"]

    frozen.tick(ACCESS_LIFETIME - timedelta(seconds=1))
    assert viewer_username(client, access) == "tess"

    frozen.tick(timedelta(seconds=1))
    assert_invalid_token(post(client, VIEWER, token=access))

    frozen.tick(timedelta(minutes=1))
    assert_invalid_token(post(client, VIEWER, token=access))


def test_an_expired_access_token_is_refused_even_on_token_refresh_but_the_refresh_works_without_it(
    client, user, frozen
):
    tokens = login(client, "tess")
    frozen.tick(ACCESS_LIFETIME)

    stale = post(client, TOKEN_REFRESH, {"refreshToken": tokens["refreshToken"]}, token=tokens["accessToken"])
    assert_invalid_token(stale)
    renewed = refresh(client, tokens["refreshToken"])
    assert renewed["errors"] == []
    assert viewer_username(client, renewed["accessToken"]) == "tess"


def test_an_expired_refresh_token_is_refused(client, user, frozen):
    tokens = login(client, "tess")
    frozen.tick(timedelta(days=settings.JWT_REFRESH_TOKEN_DAYS))

    result = refresh(client, tokens["refreshToken"])

    assert [error["code"] for error in result["errors"]] == ["INVALID_TOKEN"]
    assert result["accessToken"] is None


# --- rotation and reuse detection ---------------------------------------------------------------------------


def test_refresh_rotates_and_the_old_refresh_token_is_spent(client, user, frozen):
    first = login(client, "tess")

    second = refresh(client, first["refreshToken"])

    assert second["errors"] == []
    assert second["refreshToken"] != first["refreshToken"]
    assert viewer_username(client, second["accessToken"]) == "tess"
    # Past the grace window for retries (tests/auth/test_refresh_grace.py), a replay is a copied token.
    frozen.tick(timedelta(seconds=settings.JWT_REFRESH_REUSE_GRACE_SECONDS + 1))
    replay = refresh(client, first["refreshToken"])
    assert [error["code"] for error in replay["errors"]] == ["INVALID_TOKEN"]
    assert replay["refreshToken"] is None


def test_reusing_a_spent_refresh_token_revokes_its_whole_family(client, user, frozen):
    first = login(client, "tess")
    other_session = login(client, "tess")
    second = refresh(client, first["refreshToken"])
    third = refresh(client, second["refreshToken"])

    # The thief replays the first token: the legitimate holder's current token dies with it.
    assert [error["code"] for error in refresh(client, first["refreshToken"])["errors"]] == ["INVALID_TOKEN"]
    assert [error["code"] for error in refresh(client, third["refreshToken"])["errors"]] == ["INVALID_TOKEN"]
    family = RefreshToken.objects.get(pk=jwt.decode(first["refreshToken"], options={"verify_signature": False})["jti"])
    assert not RefreshToken.objects.filter(family=family.family, revoked_at__isnull=True).exists()
    # Another login of the same user is another family, untouched.
    assert refresh(client, other_session["refreshToken"])["errors"] == []


# --- revocation ---------------------------------------------------------------------------------------------


def revoke(client, variables: dict[str, Any], token: str | None = None) -> dict[str, Any]:
    return payload(ok_body(post(client, TOKEN_REVOKE, variables, token=token)), "tokenRevoke")


def test_revoking_a_refresh_token_ends_that_session_only(client, user, frozen):
    laptop = login(client, "tess")
    phone = login(client, "tess")
    laptop_rotated = refresh(client, laptop["refreshToken"])

    # Revoking with the spent first token of the session ends the session (its successor too).
    assert revoke(client, {"refreshToken": laptop["refreshToken"]}) == {"revoked": True, "errors": []}

    assert [error["code"] for error in refresh(client, laptop_rotated["refreshToken"])["errors"]] == ["INVALID_TOKEN"]
    phone_rotated = refresh(client, phone["refreshToken"])
    assert phone_rotated["errors"] == []
    assert viewer_username(client, phone_rotated["accessToken"]) == "tess"


def test_revoking_needs_a_valid_refresh_token(client, user, frozen):
    access = login(client, "tess")["accessToken"]

    for bad in (access, "not-a-token", sign(claims_for(user, typ="refresh"), key=ATTACKER_KEY)):
        result = revoke(client, {"refreshToken": bad})
        assert result["revoked"] is None
        assert [error["code"] for error in result["errors"]] == ["INVALID_TOKEN"]


def test_revoking_everywhere_ends_every_session_and_every_access_token(client, user, frozen):
    laptop = login(client, "tess")
    phone = login(client, "tess")
    bystander = User.objects.create_user("bystander", password=PASSWORD)
    bystander_tokens = login(client, "bystander")

    assert revoke(client, {"everywhere": True}, token=laptop["accessToken"]) == {"revoked": True, "errors": []}

    for access in (laptop["accessToken"], phone["accessToken"]):
        assert_invalid_token(post(client, VIEWER, token=access))
    for refresh_token in (laptop["refreshToken"], phone["refreshToken"]):
        assert [error["code"] for error in refresh(client, refresh_token)["errors"]] == ["INVALID_TOKEN"]
    # Another user is untouched.
    assert viewer_username(client, bystander_tokens["accessToken"]) == bystander.username
    assert refresh(client, bystander_tokens["refreshToken"])["errors"] == []

    # iat has whole seconds and a token of the revocation's own second counts as revoked: log in a second later.
    frozen.tick(timedelta(seconds=1))
    again = login(client, "tess")
    assert viewer_username(client, again["accessToken"]) == "tess"
    assert refresh(client, again["refreshToken"])["errors"] == []


def test_a_login_in_the_same_second_as_a_revocation_must_be_repeated(client, user, frozen):
    access = login(client, "tess")["accessToken"]
    revoke(client, {"everywhere": True}, token=access)

    same_second = login(client, "tess")

    assert_invalid_token(post(client, VIEWER, token=same_second["accessToken"]))


def test_revoking_everywhere_needs_an_access_token(client, user, frozen):
    body = ok_body(post(client, TOKEN_REVOKE, {"everywhere": True}))

    assert [error["extensions"]["code"] for error in body["errors"]] == ["UNAUTHENTICATED"]
    assert body["data"]["tokenRevoke"] is None


# --- refused tokens -----------------------------------------------------------------------------------------


def forged(user: User) -> str:
    return sign(claims_for(user), key=ATTACKER_KEY)


def json_claims_for(user: User) -> dict[str, Any]:
    """`claims_for` with the times as the integers a JWT carries, for tokens assembled by hand."""
    return claims_for(user, iat=int(NOW.timestamp()), exp=int((NOW + ACCESS_LIFETIME).timestamp()))


def alg_none(user: User) -> str:
    return f"{b64url({'alg': 'none', 'typ': 'JWT'})}.{b64url(json_claims_for(user))}."


def alg_none_with_a_copied_signature(user: User) -> str:
    signature = sign(claims_for(user)).rsplit(".", 1)[1]
    return alg_none(user)[:-1] + "." + signature


def hs512(user: User) -> str:
    # Our own key, another HMAC algorithm (PyJWT warns that the test key is short for HS512: beside the point).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        return sign(claims_for(user), algorithm="HS512")


REFUSED_TOKENS = {
    "forged": forged,
    "alg-none": alg_none,
    "alg-none-with-signature": alg_none_with_a_copied_signature,
    "hs512-same-key": hs512,
    "wrong-audience": lambda user: sign(claims_for(user, aud="another-api")),
    "wrong-issuer": lambda user: sign(claims_for(user, iss="someone-else")),
    "no-exp": lambda user: sign(claims_for(user, exp=None)),
    "no-iat": lambda user: sign(claims_for(user, iat=None)),
    "no-sub": lambda user: sign(claims_for(user, sub=None)),
    "no-jti": lambda user: sign(claims_for(user, jti=None)),
    "no-iss": lambda user: sign(claims_for(user, iss=None)),
    "no-aud": lambda user: sign(claims_for(user, aud=None)),
    "no-typ": lambda user: sign(claims_for(user, typ=None)),
    "no-password-binding": lambda user: sign(claims_for(user, sah=None)),
    "another-password": lambda user: sign(claims_for(user, sah="0" * 32)),
    "expired": lambda user: sign(claims_for(user, iat=NOW - timedelta(minutes=10), exp=NOW - timedelta(seconds=1))),
    "refresh-token": lambda user: issue_tokens(user).refresh_token,
    "garbage": lambda user: "not.a.jwt",
    "tampered-payload": lambda user: _tampered(user),
}


def _tampered(user: User) -> str:
    """A valid token of ``user`` whose payload is swapped for a superuser's claims, signature kept."""
    header, _, signature = sign(claims_for(user)).split(".")
    victim = User.objects.create_user("victim", is_staff=True, is_superuser=True)
    return f"{header}.{b64url(json_claims_for(victim))}.{signature}"


@pytest.mark.parametrize("make_token", REFUSED_TOKENS.values(), ids=REFUSED_TOKENS.keys())
def test_a_refused_token_gets_401_invalid_token(client, user, frozen, make_token):
    response = post(client, VIEWER, token=make_token(user))

    assert_invalid_token(response)


def test_the_control_token_of_those_forgeries_is_accepted(client, user, frozen):
    # The claims the forgeries above start from are valid when signed properly: each refusal is for its one flaw.
    assert viewer_username(client, sign(claims_for(user))) == "tess"


@pytest.mark.parametrize(
    "authorization",
    ["Basic dGVzczpwYXNzd29yZA==", "Bearer", "Bearer    ", "Token abc", "bearer.only"],
)
def test_a_malformed_authorization_header_gets_401(client, user, authorization):
    assert_invalid_token(post(client, VIEWER, authorization=authorization))


def test_the_scheme_is_case_insensitive(client, user, frozen):
    access = issue_access_token(user)[0]

    assert ok_body(post(client, VIEWER, authorization=f"bearer {access}"))["data"]["viewer"]["username"] == "tess"


def test_an_access_token_is_not_a_refresh_token(client, user, frozen):
    tokens = login(client, "tess")

    result = refresh(client, tokens["accessToken"])

    assert [(error["code"], error["field"]) for error in result["errors"]] == [("INVALID_TOKEN", "refreshToken")]
    assert result["accessToken"] is None


def test_tokenrefresh_refuses_forged_refresh_tokens(client, user, frozen):
    # Both name a real refresh-token row: only the signature is wrong.
    jti = jwt.decode(login(client, "tess")["refreshToken"], options={"verify_signature": False})["jti"]
    expires = NOW + timedelta(days=1)
    claims = claims_for(user, typ="refresh", jti=jti, iat=int(NOW.timestamp()), exp=int(expires.timestamp()))
    other_key = sign(claims, key=ATTACKER_KEY)
    unsigned = f"{b64url({'alg': 'none', 'typ': 'JWT'})}.{b64url(claims)}."

    for token in (other_key, unsigned):
        result = refresh(client, token)
        assert [error["code"] for error in result["errors"]] == ["INVALID_TOKEN"]
        assert result["accessToken"] is None
    assert not RefreshToken.objects.filter(pk=jti, used_at__isnull=False).exists()


def test_a_refresh_token_signed_properly_but_unknown_to_the_database_is_refused(client, user, frozen):
    token = sign(claims_for(user, typ="refresh", jti=str(uuid.uuid4()), exp=NOW + timedelta(days=1)))

    assert [error["code"] for error in refresh(client, token)["errors"]] == ["INVALID_TOKEN"]


def test_a_refresh_token_of_another_user_id_is_refused(client, user, frozen):
    # The row exists, but the token names another subject (a forged sub would need the key; this is defence in depth).
    other = User.objects.create_user("other", password=PASSWORD)
    jti = jwt.decode(login(client, "tess")["refreshToken"], options={"verify_signature": False})["jti"]
    token = sign(claims_for(other, typ="refresh", jti=jti, exp=NOW + timedelta(days=1)))

    assert [error["code"] for error in refresh(client, token)["errors"]] == ["INVALID_TOKEN"]


# --- tokens of users that are gone or disabled --------------------------------------------------------------


def test_the_tokens_of_a_deactivated_user_are_refused(client, user, frozen):
    tokens = login(client, "tess")
    user.is_active = False
    user.save()

    assert_invalid_token(post(client, VIEWER, token=tokens["accessToken"]))
    assert [error["code"] for error in refresh(client, tokens["refreshToken"])["errors"]] == ["INVALID_TOKEN"]


def test_the_tokens_of_a_deleted_user_are_refused(client, user, frozen):
    tokens = login(client, "tess")
    user.delete()

    assert_invalid_token(post(client, VIEWER, token=tokens["accessToken"]))
    assert [error["code"] for error in refresh(client, tokens["refreshToken"])["errors"]] == ["INVALID_TOKEN"]


def test_a_token_for_a_user_id_that_never_existed_is_refused(client, user, frozen):
    ghost = User(pk=987654321, username="ghost")

    assert_invalid_token(post(client, VIEWER, token=sign(claims_for(ghost))))
