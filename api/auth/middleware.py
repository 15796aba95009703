"""`BearerTokenMiddleware`: on the GraphQL endpoint, the caller is whoever the bearer token names."""

from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest, HttpResponse, JsonResponse

from api.auth import oidc
from api.auth.bearer_user import load_bearer_user
from api.auth.tokens import InvalidToken, access_token_is_revoked, check_credentials, decode
from api.http.errors import OUTAGES, error_response

GRAPHQL_PATH_PREFIX = "/graphql"


def authenticate_bearer(header: str) -> User:
    """The active user of an ``Authorization: Bearer <token>`` header. Raises `InvalidToken`."""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("Send the access token as 'Authorization: Bearer <token>'.")
    token = token.strip()
    if oidc.is_external(token):
        user, claims = oidc.authenticate(token)
    else:
        claims = decode(token, "access")
        found = load_bearer_user(claims["sub"])
        if found is None or not found.is_active:
            raise InvalidToken("This account no longer exists or is disabled.")
        check_credentials(claims, found)
        user = found
    # Logging out everywhere refuses every earlier token, the identity provider's included.
    revocation = getattr(user, "token_revocation", None)
    if access_token_is_revoked(claims, revocation.revoked_before if revocation else None):
        raise InvalidToken("The token has been revoked.")
    return user


class BearerTokenMiddleware:
    """Set ``request.user`` on GraphQL requests from the bearer token alone.

    The session cookie is ignored there on purpose: the endpoint is exempt from CSRF checks (API clients send
    no CSRF token), so a cookie must never authorize an operation. No ``Authorization`` header means an
    anonymous caller. A token that is refused (forged, expired, revoked, wrong audience or algorithm) gets
    HTTP 401 with ``WWW-Authenticate: Bearer error="invalid_token"`` (RFC 6750) and a GraphQL error whose
    code is INVALID_TOKEN: the client should refresh its token (tokenRefresh, sent without the stale
    header) or log in again. Must come after Django's AuthenticationMiddleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # path_info, not path: URLs resolve on path_info, which excludes a deployment's script prefix.
        if request.path_info.startswith(GRAPHQL_PATH_PREFIX):
            # No sessions on the API: nothing may read or write one (django-axes would otherwise create a
            # session row and set a cookie on every login). SessionMiddleware skips a request without one.
            if hasattr(request, "session"):
                del request.session
            header = request.headers.get("Authorization")
            user: User | AnonymousUser = AnonymousUser()
            if header:
                try:
                    user = authenticate_bearer(header)
                except InvalidToken as error:
                    return invalid_token_response(str(error))
                except OUTAGES as error:  # the database is down: JSON 503 with an error id, not an HTML 500
                    return error_response(request, error)
            request.user = user
        return self.get_response(request)


def invalid_token_response(reason: str) -> JsonResponse:
    """HTTP 401 for a refused bearer token, in GraphQL's error shape."""
    response = JsonResponse({"errors": [{"message": reason, "extensions": {"code": "INVALID_TOKEN"}}]}, status=401)
    response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return response
