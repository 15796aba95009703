"""Our bearer tokens: short-lived access JWTs and rotating, revocable refresh JWTs (PyJWT, HS256 pinned).

Every token carries ``iss``, ``aud``, ``sub`` (the user's primary key), ``iat``, ``exp``, ``jti`` and ``typ``
(``access`` or ``refresh``); decoding requires all of them and accepts only HS256, so ``alg=none`` and
algorithm-confusion tokens are refused. A refresh token's ``jti`` is the id of its `RefreshToken` row, which
records rotation and revocation. `revoke_all` logs a user out everywhere: refresh rows are revoked and
access tokens issued before that instant are refused.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from reservation.models import RefreshToken, TokenRevocation

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["iss", "aud", "sub", "iat", "exp", "jti"]
# Primary keys are 64-bit (BigAutoField); timestamps must fit a datetime (years 1 to 9999).
_MAX_PRIMARY_KEY = 2**63 - 1
_MIN_TIMESTAMP = datetime(1, 1, 2, tzinfo=UTC).timestamp()
_MAX_TIMESTAMP = datetime(9999, 12, 30, tzinfo=UTC).timestamp()


class InvalidToken(Exception):
    """A token was refused; the message says why (safe to show to the caller)."""


@dataclass(frozen=True)
class TokenPair:
    """An access token and the refresh token that renews it, with their expiry instants (UTC)."""

    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime


def _signing_key() -> str:
    key: str = settings.JWT_SIGNING_KEY
    if not key:
        raise RuntimeError("JWT_SIGNING_KEY is not configured.")
    return key


def _encode(claims: dict[str, Any]) -> str:
    return jwt.encode(
        {"iss": settings.JWT_ISSUER, "aud": settings.JWT_AUDIENCE, **claims}, _signing_key(), algorithm=ALGORITHM
    )


def decode(token: str, token_type: str) -> dict[str, Any]:
    """Verify ``token``'s signature, algorithm, issuer, audience and expiry, and that it is a ``token_type``.

    Raises `InvalidToken` otherwise.
    """
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            _signing_key(),
            algorithms=[ALGORITHM],
            audience=settings.JWT_AUDIENCE,
            issuer=settings.JWT_ISSUER,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.ExpiredSignatureError as error:
        raise InvalidToken("The token has expired.") from error
    except jwt.InvalidTokenError as error:
        raise InvalidToken("The token is not valid.") from error
    if claims.get("typ") != token_type:
        raise InvalidToken(f"Not an {token_type} token.")
    _check_claim_shapes(claims)
    return claims


def _check_claim_shapes(claims: dict[str, Any]) -> None:
    """Refuse a correctly signed token whose claims are not what we issue, before any of them reaches a query.

    ``sub`` must be a user's primary key in ASCII digits without a leading zero (``int`` would accept " 1", U+0661
    and "01"), a refresh token's ``jti`` a UUID, and ``iat`` a time a datetime can hold. Raises `InvalidToken`.
    """
    subject = claims["sub"]
    if not (isinstance(subject, str) and subject.isascii() and subject.isdigit() and subject == str(int(subject))):
        raise InvalidToken("The token is not valid.")
    if int(subject) > _MAX_PRIMARY_KEY:
        raise InvalidToken("The token is not valid.")
    if claims["typ"] == "refresh" and not _is_uuid(claims["jti"]):
        raise InvalidToken("The token is not valid.")
    issued_at = claims["iat"]
    if isinstance(issued_at, bool) or not isinstance(issued_at, int | float):
        raise InvalidToken("The token is not valid.")
    if not _MIN_TIMESTAMP <= issued_at <= _MAX_TIMESTAMP:
        raise InvalidToken("The token is not valid.")


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(value)
    except (TypeError, ValueError, AttributeError):
        return False
    return True


def issue_access_token(user: AbstractBaseUser, now: datetime | None = None) -> tuple[str, datetime]:
    """An access token for ``user`` (no refresh token, nothing stored) and its expiry instant."""
    # JWT times are whole seconds: truncate so the expiry we report is the one the token carries.
    now = (now or timezone.now()).replace(microsecond=0)
    expires_at = now + timedelta(minutes=settings.JWT_ACCESS_TOKEN_MINUTES)
    claims = {"sub": str(user.pk), "iat": now, "exp": expires_at, "jti": uuid.uuid4().hex, "typ": "access"}
    return _encode(claims), expires_at


def _issue(user: AbstractBaseUser, now: datetime, family: uuid.UUID | None = None) -> TokenPair:
    access_token, access_expires_at = issue_access_token(user, now)
    refresh = RefreshToken.objects.create(
        user_id=user.pk,
        family=family or uuid.uuid4(),
        created_at=now,
        expires_at=now + timedelta(days=settings.JWT_REFRESH_TOKEN_DAYS),
    )
    refresh_claims = {"sub": str(user.pk), "iat": now, "exp": refresh.expires_at, "jti": str(refresh.id)}
    return TokenPair(
        access_token=access_token,
        access_expires_at=access_expires_at,
        refresh_token=_encode({**refresh_claims, "typ": "refresh"}),
        refresh_expires_at=refresh.expires_at,
    )


def issue_tokens(user: AbstractBaseUser) -> TokenPair:
    """A new token pair for ``user``, starting a new refresh-token family (one per login)."""
    return _issue(user, timezone.now().replace(microsecond=0))


def _revoked_before(user_id: Any) -> datetime | None:
    revocation = TokenRevocation.objects.filter(user_id=user_id).first()
    return revocation.revoked_before if revocation else None


def rotate(refresh_token: str) -> TokenPair:
    """Exchange a refresh token for a new pair; the old refresh token can never be used again.

    Raises `InvalidToken` if the token is forged, expired, revoked, already used (then its whole family is
    revoked: a used token presented again was copied), or its user is inactive.
    """
    claims = decode(refresh_token, "refresh")
    now = timezone.now()
    with transaction.atomic():
        row = RefreshToken.objects.select_for_update().select_related("user").filter(pk=claims["jti"]).first()
        if row is None or str(row.user_id) != claims["sub"] or row.revoked_at is not None:
            raise InvalidToken("The refresh token has been revoked.")
        reused = row.used_at is not None
        if reused:
            # Committed, not rolled back with the error: the copied session must stay revoked.
            RefreshToken.objects.filter(family=row.family, revoked_at__isnull=True).update(revoked_at=now)
        else:
            pair = _rotate_row(row, now)
    if reused:
        raise InvalidToken("The refresh token was already used; its session has been revoked.")
    return pair


def _rotate_row(row: RefreshToken, now: datetime) -> TokenPair:
    """Mark ``row`` used and issue its successor; raises `InvalidToken` for revoked users or accounts."""
    revoked_before = _revoked_before(row.user_id)
    if revoked_before is not None and row.created_at < revoked_before:
        raise InvalidToken("The refresh token has been revoked.")
    if not row.user.is_active:
        raise InvalidToken("This account is disabled.")
    row.used_at = now
    row.save(update_fields=["used_at"])
    return _issue(row.user, now.replace(microsecond=0), family=row.family)


def revoke_family(refresh_token: str) -> None:
    """Log out one session: revoke ``refresh_token`` and every token rotated from the same login.

    Raises `InvalidToken` if the token is forged or expired.
    """
    claims = decode(refresh_token, "refresh")
    row = RefreshToken.objects.filter(pk=claims["jti"]).first()
    if row is not None:
        RefreshToken.objects.filter(family=row.family, revoked_at__isnull=True).update(revoked_at=timezone.now())


def revoke_all(user: AbstractBaseUser) -> None:
    """Log ``user`` out everywhere: every refresh token is revoked, every access token issued so far refused."""
    now = timezone.now()
    with transaction.atomic():
        RefreshToken.objects.filter(user_id=user.pk, revoked_at__isnull=True).update(revoked_at=now)
        TokenRevocation.objects.update_or_create(user_id=user.pk, defaults={"revoked_before": now})


def access_token_is_revoked(claims: dict[str, Any], revoked_before: datetime | None) -> bool:
    """Whether an access token (its decoded ``claims``) was issued before its user logged out everywhere.

    ``iat`` has whole-second precision, so a token issued in the revocation's own second counts as revoked
    (erring on the safe side: a login in that same second must be repeated).
    """
    if revoked_before is None:
        return False
    issued_at = datetime.fromtimestamp(claims["iat"], tz=revoked_before.tzinfo)
    return issued_at <= revoked_before.replace(microsecond=0)
