"""Tokens of an external OpenID Connect identity provider: RS256, verified against its JWKS (file or URL).

The identity provider is played by an RSA key pair made here; its JWKS is written to a file in ``tmp_path`` or
served from a local HTTP server on 127.0.0.1. A token's subject maps to a user through ExternalIdentity.
"""

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth.models import User
from django.test import override_settings
from jwt.algorithms import RSAAlgorithm

from reservation.models import ExternalIdentity
from tests.auth import PASSWORD, TOKEN_REVOKE, VIEWER, assert_invalid_token, ok_body, post, viewer_username
from tests.factories import NOW

pytestmark = pytest.mark.django_db

ISSUER = "https://idp.example.test/realms/clinic"
AUDIENCE = "reservation-api-oidc"
KID = "idp-key-2030"
SUBJECT = "3f2c9a7e-idp-subject"


@pytest.fixture(scope="module")
def idp_key() -> rsa.RSAPrivateKey:
    """The identity provider's signing key."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def attacker_key() -> rsa.RSAPrivateKey:
    """Someone else's key."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwks_of(key: rsa.RSAPrivateKey, kid: str = KID) -> dict[str, Any]:
    jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    return {"keys": [{**jwk, "kid": kid, "use": "sig", "alg": "RS256"}]}


def id_token(key: rsa.RSAPrivateKey, kid: str = KID, **overrides: Any) -> str:
    """An RS256 token of the identity provider at the frozen `NOW`; None in ``overrides`` drops a claim."""
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": SUBJECT,
        "iat": NOW,
        "exp": NOW + timedelta(minutes=10),
        **overrides,
    }
    claims = {name: value for name, value in claims.items() if value is not None}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


@pytest.fixture
def user(db: None) -> User:
    """The user the identity provider's subject maps to."""
    user = User.objects.create_user("olivia", password=PASSWORD)
    ExternalIdentity.objects.create(user=user, issuer=ISSUER, subject=SUBJECT)
    return user


@pytest.fixture
def jwks_file(tmp_path: Path, idp_key: rsa.RSAPrivateKey) -> Iterator[Path]:
    """The identity provider's JWKS in a file of this test's own ``tmp_path``, and OIDC settings using it."""
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(jwks_of(idp_key)), encoding="utf-8")
    with override_settings(OIDC_ISSUER=ISSUER, OIDC_AUDIENCE=AUDIENCE, OIDC_JWKS_FILE=str(path), OIDC_JWKS_URL=""):
        yield path


def test_a_valid_token_authenticates_as_the_mapped_user(client, user, jwks_file, idp_key, frozen):
    body = ok_body(post(client, VIEWER, token=id_token(idp_key)))

    assert body["data"]["viewer"] == {"username": "olivia", "isStaff": False, "provider": None, "client": None}


def test_our_own_tokens_still_work_beside_the_identity_provider(client, user, jwks_file, frozen):
    from api.auth.tokens import issue_access_token

    assert viewer_username(client, issue_access_token(user)[0]) == "olivia"


def hs256_with_the_public_key(key: rsa.RSAPrivateKey) -> str:
    """Algorithm confusion: an HS256 token whose HMAC secret is the identity provider's public key (PEM)."""
    secret = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return _hmac_token(secret, "HS256", hashlib.sha256)


def _hmac_token(secret: bytes, algorithm: str, digest: Callable[..., Any]) -> str:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = b64(json.dumps({"alg": algorithm, "typ": "JWT", "kid": KID}).encode())
    issued_at = int(NOW.timestamp())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": SUBJECT, "iat": issued_at, "exp": issued_at + 600}
    body = b64(json.dumps(claims).encode())
    signature = hmac.new(secret, f"{header}.{body}".encode(), digest).digest()
    return f"{header}.{body}.{b64(signature)}"


def _unsigned(key: rsa.RSAPrivateKey) -> str:
    _, body, _ = id_token(key).split(".")
    none_header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT","kid":"' + KID.encode() + b'"}').rstrip(b"=")
    return f"{none_header.decode()}.{body}."


REFUSED: dict[str, Callable[[rsa.RSAPrivateKey, rsa.RSAPrivateKey], str]] = {
    "unknown-kid": lambda idp, attacker: id_token(idp, kid="some-other-kid"),
    "signed-by-another-key": lambda idp, attacker: id_token(attacker),
    "wrong-audience": lambda idp, attacker: id_token(idp, aud="another-client"),
    "wrong-issuer-claimed-by-kid": lambda idp, attacker: id_token(idp, iss=ISSUER + "/evil"),
    "expired": lambda idp, attacker: id_token(idp, iat=NOW - timedelta(hours=1), exp=NOW - timedelta(seconds=1)),
    "no-exp": lambda idp, attacker: id_token(idp, exp=None),
    "no-iat": lambda idp, attacker: id_token(idp, iat=None),
    "no-aud": lambda idp, attacker: id_token(idp, aud=None),
    "hs256-with-public-key": lambda idp, attacker: hs256_with_the_public_key(idp),
    "alg-none": lambda idp, attacker: _unsigned(idp),
    "unmapped-subject": lambda idp, attacker: id_token(idp, sub="somebody-we-never-linked"),
}


@pytest.mark.parametrize("make_token", REFUSED.values(), ids=REFUSED.keys())
def test_a_refused_identity_provider_token_gets_401(client, user, jwks_file, idp_key, attacker_key, frozen, make_token):
    assert_invalid_token(post(client, VIEWER, token=make_token(idp_key, attacker_key)))


def test_a_token_of_a_deactivated_mapped_user_is_refused(client, user, jwks_file, idp_key, frozen):
    user.is_active = False
    user.save()

    assert_invalid_token(post(client, VIEWER, token=id_token(idp_key)))


def test_the_same_subject_of_another_issuer_is_not_mapped(client, user, jwks_file, idp_key, frozen):
    ExternalIdentity.objects.filter(user=user).update(issuer="https://other-idp.example.test/")

    assert_invalid_token(post(client, VIEWER, token=id_token(idp_key)))


def test_identity_provider_tokens_are_refused_while_oidc_is_off(client, user, idp_key, frozen):
    with override_settings(OIDC_ISSUER="", OIDC_JWKS_FILE="", OIDC_JWKS_URL=""):
        assert_invalid_token(post(client, VIEWER, token=id_token(idp_key)))


def test_a_fresh_jwks_file_per_path_is_read(client, user, tmp_path, idp_key, attacker_key, frozen):
    # The parsed file is cached per path: a key rotation is a new file (path), which is read afresh.
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps(jwks_of(idp_key)), encoding="utf-8")
    new.write_text(json.dumps(jwks_of(attacker_key, kid="rotated")), encoding="utf-8")
    with override_settings(OIDC_ISSUER=ISSUER, OIDC_AUDIENCE=AUDIENCE, OIDC_JWKS_FILE=str(old), OIDC_JWKS_URL=""):
        assert viewer_username(client, id_token(idp_key)) == "olivia"
    with override_settings(OIDC_ISSUER=ISSUER, OIDC_AUDIENCE=AUDIENCE, OIDC_JWKS_FILE=str(new), OIDC_JWKS_URL=""):
        assert viewer_username(client, id_token(attacker_key, kid="rotated")) == "olivia"
        assert_invalid_token(post(client, VIEWER, token=id_token(idp_key)))


def test_logging_out_everywhere_also_refuses_identity_provider_tokens_issued_before(
    client, user, jwks_file, idp_key, frozen
):
    token = id_token(idp_key)
    revoked = ok_body(post(client, TOKEN_REVOKE, {"everywhere": True}, token=token))
    assert revoked["data"]["tokenRevoke"] == {"revoked": True, "errors": []}
    frozen.tick(timedelta(seconds=1))

    assert_invalid_token(post(client, VIEWER, token=token))


# --- keys from OIDC_JWKS_URL --------------------------------------------------------------------------------


class JwksServer:
    """A JWKS endpoint on 127.0.0.1 (an ephemeral port) serving ``self.jwks``, counting its requests."""

    def __init__(self, jwks: dict[str, Any]) -> None:
        self.jwks = jwks
        self.requests = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.requests += 1
                data = json.dumps(owner.jwks).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/.well-known/jwks.json"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> "JwksServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def jwks_server(idp_key: rsa.RSAPrivateKey) -> Iterator[JwksServer]:
    with (
        JwksServer(jwks_of(idp_key)) as server,
        override_settings(OIDC_ISSUER=ISSUER, OIDC_AUDIENCE=AUDIENCE, OIDC_JWKS_FILE="", OIDC_JWKS_URL=server.url),
    ):
        yield server


def test_keys_from_the_jwks_url_authenticate_and_are_cached(client, user, jwks_server, idp_key, frozen):
    assert viewer_username(client, id_token(idp_key)) == "olivia"
    assert viewer_username(client, id_token(idp_key)) == "olivia"

    assert jwks_server.requests == 1


def test_the_jwks_url_refuses_unknown_kids_and_foreign_keys(client, user, jwks_server, idp_key, attacker_key, frozen):
    for name in ("unknown-kid", "signed-by-another-key", "hs256-with-public-key", "wrong-audience", "expired"):
        assert_invalid_token(post(client, VIEWER, token=REFUSED[name](idp_key, attacker_key)))


def test_a_key_rotated_in_at_the_jwks_url_is_fetched_once_the_refetch_cool_down_has_passed(
    client, user, jwks_server, idp_key, attacker_key, frozen
):
    # PyJWKClient refetches for an unknown kid at most once per 30 s, so a flood of made-up kids cannot make us
    # hammer the identity provider; a newly rotated key is accepted after at most that long.
    assert viewer_username(client, id_token(idp_key)) == "olivia"
    jwks_server.jwks = {"keys": [*jwks_of(idp_key)["keys"], *jwks_of(attacker_key, kid="rotated")["keys"]]}
    for attempt in range(5):
        assert_invalid_token(post(client, VIEWER, token=id_token(attacker_key, kid=f"made-up-{attempt}")))
    assert jwks_server.requests == 1

    frozen.tick(timedelta(seconds=31))
    assert viewer_username(client, id_token(attacker_key, kid="rotated", iat=NOW + timedelta(seconds=31))) == "olivia"
    assert jwks_server.requests == 2


def test_an_unreachable_jwks_url_refuses_the_token_without_a_server_error(client, user, idp_key, frozen):
    server = JwksServer({"keys": []})
    url = server.url  # a port that was free a moment ago, closed again: nothing listens there
    server.server.server_close()
    with override_settings(OIDC_ISSUER=ISSUER, OIDC_AUDIENCE=AUDIENCE, OIDC_JWKS_FILE="", OIDC_JWKS_URL=url):
        assert_invalid_token(post(client, VIEWER, token=id_token(idp_key)))
