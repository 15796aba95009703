"""Our bearer tokens: short-lived access JWTs and rotating, revocable refresh JWTs (PyJWT, HS256 pinned).

Every token carries ``iss``, ``aud``, ``sub`` (the user's primary key), ``iat``, ``exp``, ``jti``, ``typ``
(``access`` or ``refresh``) and ``sah`` (a digest of the user's password hash, `credentials_digest`); decoding
requires all of them and accepts only HS256, so ``alg=none`` and algorithm-confusion tokens are refused. A refresh
token's ``jti`` is the id of its `RefreshToken` row, which records rotation and revocation. `revoke_all` logs a user
out everywhere: refresh rows are revoked and access tokens issued before that instant are refused. A password
change does the same, however the password is written: the tokens' ``sah`` no longer matches (and
`api.auth.signals` marks the refresh rows revoked).
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
from django.utils.crypto import constant_time_compare, salted_hmac

from reservation.models import RefreshToken, TokenRevocation

ALGORITHM = "HS256"
# ``sah``: the digest of the user's password hash (`credentials_digest`): a token of an earlier password is refused.
CREDENTIALS_CLAIM = "sah"
REQUIRED_CLAIMS = ["iss", "aud", "sub", "iat", "exp", "jti", CREDENTIALS_CLAIM]
_CREDENTIALS_SALT = "api.auth.tokens.credentials_digest"
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


def credentials_digest(user: AbstractBaseUser) -> str:
    """A digest of ``user``'s password hash, carried by every token as ``sah``: a password change ends the sessions.

    The same idea as Django's ``get_session_auth_hash`` for session cookies (an HMAC of the password hash), keyed
    with ``JWT_SIGNING_KEY`` rather than ``SECRET_KEY`` so that rotating the latter does not log API users out. A
    new password hash, however it was written (the admin, a password reset, ``set_password`` in a shell, SQL),
    changes the digest, and every token issued before no longer matches. 32 hex digits (128 bits).
    """
    return salted_hmac(_CREDENTIALS_SALT, user.password, secret=_signing_key(), algorithm="sha256").hexdigest()[:32]


def check_credentials(claims: dict[str, Any], user: AbstractBaseUser) -> None:
    """Raise `InvalidToken` unless the token's ``sah`` matches ``user``'s current password hash."""
    if not constant_time_compare(str(claims.get(CREDENTIALS_CLAIM, "")), credentials_digest(user)):
        raise InvalidToken("The password of this account was changed: log in again.")


def issue_access_token(
    user: AbstractBaseUser, now: datetime | None = None, jti: str | None = None
) -> tuple[str, datetime]:
    """An access token for ``user`` issued at ``now`` (no refresh token, nothing stored) and its expiry instant.

    ``jti`` defaults to a random one; the access token of a refresh row's pair derives it from the row, so that the
    pair can be issued again, identical, within the grace window (see `rotate`).
    """
    # JWT times are whole seconds: truncate so the expiry we report is the one the token carries.
    now = (now or timezone.now()).replace(microsecond=0)
    expires_at = now + timedelta(minutes=settings.JWT_ACCESS_TOKEN_MINUTES)
    claims = {
        "sub": str(user.pk),
        "iat": now,
        "exp": expires_at,
        "jti": jti or uuid.uuid4().hex,
        "typ": "access",
        CREDENTIALS_CLAIM: credentials_digest(user),
    }
    return _encode(claims), expires_at


def _pair_of(row: RefreshToken, user: AbstractBaseUser) -> TokenPair:
    """The token pair of refresh row ``row``: the same bytes every time it is asked for (its claims come from it)."""
    access_token, access_expires_at = issue_access_token(user, row.created_at, jti=uuid.uuid5(row.id, "access").hex)
    refresh_claims = {
        "sub": str(user.pk),
        "iat": row.created_at,
        "exp": row.expires_at,
        "jti": str(row.id),
        "typ": "refresh",
        CREDENTIALS_CLAIM: credentials_digest(user),
    }
    return TokenPair(
        access_token=access_token,
        access_expires_at=access_expires_at,
        refresh_token=_encode(refresh_claims),
        refresh_expires_at=row.expires_at,
    )


def _issue(user: AbstractBaseUser, now: datetime, family: uuid.UUID | None = None) -> tuple[RefreshToken, TokenPair]:
    """A new refresh row of ``family`` (a new family: a login) and its pair, issued at ``now`` (whole seconds)."""
    row = RefreshToken.objects.create(
        user_id=user.pk,
        family=family or uuid.uuid4(),
        created_at=now,
        expires_at=now + timedelta(days=settings.JWT_REFRESH_TOKEN_DAYS),
    )
    return row, _pair_of(row, user)


def issue_tokens(user: AbstractBaseUser) -> TokenPair:
    """A new token pair for ``user``, starting a new refresh-token family (one per login)."""
    return _issue(user, timezone.now().replace(microsecond=0))[1]


def _revoked_before(user_id: Any) -> datetime | None:
    revocation = TokenRevocation.objects.filter(user_id=user_id).first()
    return revocation.revoked_before if revocation else None


def reuse_grace() -> timedelta:
    """How long a rotated refresh token still gets its successor's pair (``JWT_REFRESH_REUSE_GRACE_SECONDS``, 30)."""
    return timedelta(seconds=settings.JWT_REFRESH_REUSE_GRACE_SECONDS)


def rotate(refresh_token: str) -> TokenPair:
    """Exchange a refresh token for a new pair; the old refresh token can never be used again.

    The same token presented again less than `reuse_grace` (30 s) after its rotation, while the pair that rotation
    issued is unused and not revoked, gets that very pair again: a client retrying after a timeout, or two tabs
    refreshing at once, keep their session. The row lock makes concurrent presentations queue: the first rotates,
    the others get its pair.

    Raises `InvalidToken` if the token is forged, expired, revoked, issued before a password change, already used
    outside the grace window (then its whole family is revoked: a used token presented again was copied), or its
    user is inactive.
    """
    claims = decode(refresh_token, "refresh")
    now = timezone.now()
    with transaction.atomic():
        row = (
            RefreshToken.objects.select_for_update(of=("self",)).select_related("user").filter(pk=claims["jti"]).first()
        )
        if row is None or str(row.user_id) != claims["sub"] or row.revoked_at is not None:
            raise InvalidToken("The refresh token has been revoked.")
        _check_session(row, claims)
        if row.used_at is None:
            return _rotate_row(row, now)
        # Locked after its predecessor, as a rotation of it would lock it: no order of locks crosses another.
        successor = (
            RefreshToken.objects.select_for_update().filter(pk=row.replaced_by_id).first()
            if row.replaced_by_id is not None
            else None
        )
        if (
            successor is not None
            and successor.used_at is None
            and successor.revoked_at is None
            and now - row.used_at < reuse_grace()
        ):
            return _pair_of(successor, row.user)
        # Committed, not rolled back with the error: the copied session must stay revoked.
        RefreshToken.objects.filter(family=row.family, revoked_at__isnull=True).update(revoked_at=now)
    raise InvalidToken("The refresh token was already used; its session has been revoked.")


def _check_session(row: RefreshToken, claims: dict[str, Any]) -> None:
    """Raise `InvalidToken` if ``row``'s user logged out everywhere since, changed password, or is disabled."""
    revoked_before = _revoked_before(row.user_id)
    if revoked_before is not None and row.created_at < revoked_before:
        raise InvalidToken("The refresh token has been revoked.")
    if not row.user.is_active:
        raise InvalidToken("This account is disabled.")
    check_credentials(claims, row.user)


def _rotate_row(row: RefreshToken, now: datetime) -> TokenPair:
    """Mark ``row`` used and issue its successor in the same family."""
    successor, pair = _issue(row.user, now.replace(microsecond=0), family=row.family)
    row.used_at = now
    row.replaced_by = successor
    row.save(update_fields=["used_at", "replaced_by"])
    return pair


def revoke_sessions_of(user_id: Any) -> int:
    """Revoke every refresh token of the user (their sessions); returns how many. Access tokens are not touched."""
    return RefreshToken.objects.filter(user_id=user_id, revoked_at__isnull=True).update(revoked_at=timezone.now())


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
