"""Tokens from an external OpenID Connect identity provider: RS256 JWTs verified against its JWKS.

Enabled when ``OIDC_ISSUER`` is set. Keys come from ``OIDC_JWKS_FILE`` (read once) or ``OIDC_JWKS_URL``
(PyJWT's `PyJWKClient`, which caches keys for an hour and refetches on an unknown ``kid``, at most once
every 30 seconds: a key the provider has just rotated in can be refused for up to that long). The token must be signed
with an allowed algorithm (``OIDC_ALGORITHMS``, RS256), name our issuer and audience, and carry ``exp``,
``iat`` and ``sub``; its subject is mapped to a user through `ExternalIdentity`.
"""

import json
from functools import cache
from typing import Any

import jwt
from django.conf import settings
from django.contrib.auth.models import User

from api.auth.tokens import InvalidToken
from reservation.models import ExternalIdentity


def is_enabled() -> bool:
    """Whether tokens of an external identity provider are accepted."""
    return bool(settings.OIDC_ISSUER)


def is_external(token: str) -> bool:
    """Whether ``token`` claims to come from the configured identity provider (not yet verified)."""
    if not is_enabled():
        return False
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        return False
    return bool(claims.get("iss") == settings.OIDC_ISSUER)


@cache
def _jwks_from_file(path: str) -> jwt.PyJWKSet:
    with open(path, encoding="utf-8") as jwks:
        return jwt.PyJWKSet.from_dict(json.load(jwks))


@cache
def _jwks_client(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=3600, timeout=5)


def _signing_key(token: str) -> Any:
    """The JWKS key whose ``kid`` the token names. Raises `InvalidToken` if there is none."""
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        if settings.OIDC_JWKS_FILE:
            for key in _jwks_from_file(settings.OIDC_JWKS_FILE).keys:
                if key.key_id == kid:
                    return key.key
            raise InvalidToken("The token's signing key is unknown.")
        if settings.OIDC_JWKS_URL:
            return _jwks_client(settings.OIDC_JWKS_URL).get_signing_key_from_jwt(token).key
    except (jwt.InvalidTokenError, jwt.PyJWKClientError, jwt.PyJWKSetError) as error:
        raise InvalidToken("The token's signing key is unknown.") from error
    raise InvalidToken("No key source (OIDC_JWKS_FILE or OIDC_JWKS_URL) is configured.")


def authenticate(token: str) -> tuple[User, dict[str, Any]]:
    """The user an identity provider's ``token`` stands for, and its verified claims.

    Raises `InvalidToken` if it is refused.
    """
    try:
        claims = jwt.decode(
            token,
            _signing_key(token),
            algorithms=settings.OIDC_ALGORITHMS,
            audience=settings.OIDC_AUDIENCE,
            issuer=settings.OIDC_ISSUER,
            options={"require": ["iss", "aud", "sub", "iat", "exp"]},
        )
    except jwt.ExpiredSignatureError as error:
        raise InvalidToken("The token has expired.") from error
    except jwt.InvalidTokenError as error:
        raise InvalidToken("The token is not valid.") from error
    identity = (
        ExternalIdentity.objects.select_related("user")
        .filter(issuer=settings.OIDC_ISSUER, subject=claims["sub"])
        .first()
    )
    if identity is None or not identity.user.is_active:
        raise InvalidToken("No active account is linked to this identity.")
    return identity.user, claims
