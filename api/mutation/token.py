"""`tokenCreate` (log in), `tokenRefresh` (rotate) and `tokenRevoke` (log out one session or everywhere)."""

from typing import Any

import graphene
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in

from api.auth import tokens
from api.auth.password_checks import LoginThrottled
from api.auth.permissions import get_viewer, require_authenticated
from api.auth.ratelimits import limit_login
from api.core.context import context_of, signed_in_user
from api.core.errors import InputError
from api.core.mutation import DomainMutation
from reservation.errors import ErrorCode

# Why no token mutation takes an idempotency key (their Meta): a login or a token rotation must never be answered
# from storage. A replayed tokenCreate or tokenRefresh would hand out a stored token pair again (to whoever holds
# the key, and after the tokens may have been revoked), and the stored record would hold a password's or a refresh
# token's hash. tokenRevoke is idempotent by nature.
#
# A login checks the password before its transaction (TokenCreate.before_transaction). A refresh's refusal is
# returned, not raised, because the refusal itself writes what must stay: the revocation of a session whose used
# refresh token came back. A raised refusal would undo it with the mutation's transaction.


class TokenPayloadMixin:
    """The fields of a fresh token pair."""

    access_token = graphene.String(description="Send as 'Authorization: Bearer <accessToken>'; lives 5 minutes.")
    access_token_expires_at = graphene.DateTime(description="When the access token expires (UTC).")
    refresh_token = graphene.String(description="Exchange with tokenRefresh for a new pair; usable once.")
    refresh_token_expires_at = graphene.DateTime(description="When the refresh token expires (UTC).")

    @classmethod
    def from_pair(cls, pair: tokens.TokenPair) -> Any:
        return cls(  # type: ignore[call-arg]
            access_token=pair.access_token,
            access_token_expires_at=pair.access_expires_at,
            refresh_token=pair.refresh_token,
            refresh_token_expires_at=pair.refresh_expires_at,
            errors=[],
        )


class TokenCreate(TokenPayloadMixin, DomainMutation):
    """Log in with a username and password; returns an access token and a refresh token.

    Login goes through Django's authentication (hashed passwords) behind django-axes: after 5 failures for
    a username from one address the account is locked out there for 15 minutes. Also rate limited per
    address and per username, and refused without checking the password while the process is busy checking
    others or after 20 failed logins from the address in 15 minutes (api/auth/password_checks.py). Errors:
    INVALID_CREDENTIALS, LOCKED_OUT, RATE_LIMITED.
    """

    class Input:
        username = graphene.String(required=True)
        password = graphene.String(required=True)

    class Meta:
        idempotent = False

    @classmethod
    def before_transaction(cls, info: graphene.ResolveInfo, data: dict[str, Any]) -> dict[str, Any]:
        """The rate limits and the password check, before the mutation's transaction: hashing takes tens of
        milliseconds, and on SQLite (``BEGIN IMMEDIATE``) a transaction would hold the database's write lock
        all along. What they write (django-axes' record of a failure) must stay whatever happens next."""
        request = context_of(info).request
        limit_login(request, data["username"])
        try:
            user = authenticate(request, username=data["username"], password=data["password"])
        except LoginThrottled as throttled:
            # Refused before any password was checked (api/auth/password_checks.py): "not now", like RATE_LIMITED.
            raise InputError(ErrorCode.RATE_LIMITED, throttled.messages[0]) from throttled
        if user is None:
            if getattr(request, "axes_locked_out", False):
                # Answer in the payload; without this, AxesMiddleware would replace the response with its page.
                request.axes_locked_out = False  # type: ignore[attr-defined]  # django-axes' flag
                raise InputError(ErrorCode.LOCKED_OUT, "Too many failed logins: try again in 15 minutes.")
            raise InputError(ErrorCode.INVALID_CREDENTIALS, "Wrong username or password.")
        return {**data, "user": user}

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, **data: Any) -> "TokenCreate":
        request = context_of(info).request
        user = data["user"]
        # A login like any other: updates last_login and lets django-axes reset the failure count.
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        return cls.from_pair(tokens.issue_tokens(user))  # type: ignore[no-any-return]


class TokenRefresh(TokenPayloadMixin, DomainMutation):
    """Exchange a refresh token for a new pair. Each refresh token works once: presenting a used one again
    revokes its whole session (it was copied). Errors: INVALID_TOKEN."""

    class Input:
        refresh_token = graphene.String(required=True)

    class Meta:
        idempotent = False

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, **data: Any) -> "TokenRefresh":
        try:
            pair = tokens.rotate(data["refresh_token"])
        except tokens.InvalidToken as error:
            return cls.refused(InputError(ErrorCode.INVALID_TOKEN, str(error), "refreshToken"))
        return cls.from_pair(pair)  # type: ignore[no-any-return]


class TokenRevoke(DomainMutation):
    """Log out. With ``refreshToken``: end that session (its refresh tokens). With ``everywhere: true``
    (needs an access token): end every session of the caller and refuse every access token issued so far.
    Errors: INVALID_TOKEN, INVALID (neither given)."""

    class Input:
        refresh_token = graphene.String(description="The session to end.")
        everywhere = graphene.Boolean(description="End every session of the signed-in caller.")

    revoked = graphene.Boolean(description="True when done.")

    class Meta:
        idempotent = False

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, **data: Any) -> "TokenRevoke":
        if data.get("everywhere"):
            viewer = get_viewer(info)
            require_authenticated(viewer)
            tokens.revoke_all(signed_in_user(info))
        elif data.get("refresh_token"):
            try:
                tokens.revoke_family(data["refresh_token"])
            except tokens.InvalidToken as error:
                return cls.refused(InputError(ErrorCode.INVALID_TOKEN, str(error), "refreshToken"))
        else:
            raise InputError(ErrorCode.INVALID, "Give refreshToken, or everywhere: true.")
        return cls(revoked=True, errors=[])


class TokenMutations(graphene.ObjectType):
    """Root mutation fields for bearer tokens."""

    token_create = TokenCreate.Field()
    token_refresh = TokenRefresh.Field()
    token_revoke = TokenRevoke.Field()
