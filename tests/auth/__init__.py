"""Security tests of who may call the API: bearer tokens, OpenID Connect, lock-out, rate limits, the matrix.

Shared here: the roles of the small world built by ``tests/auth/conftest.py``, the token documents, and helpers
that post to /graphql with an explicit ``Authorization`` header (the ``graphql`` fixture always sends a fresh
token, so tests of the tokens themselves go through `post`).
"""

import json
from typing import Any

from django.test import Client as HttpClient

# The roles of the matrix. "Owner" is client X for a client's data and provider A for a provider's.
ANONYMOUS = "anonymous"
CLIENT_X = "client X"
CLIENT_Y = "client Y"
PROVIDER_A = "provider A"
PROVIDER_B = "provider B"
STAFF = "staff"
ROLES = (ANONYMOUS, CLIENT_X, CLIENT_Y, PROVIDER_A, PROVIDER_B, STAFF)

# Every user of the world (and most users of these tests) has this password.
PASSWORD = "correct-horse-battery-2030"

ERRORS = "errors { code field message }"

VIEWER = "query { viewer { username isStaff provider { id } client { id } } }"

TOKEN_FIELDS = f"accessToken accessTokenExpiresAt refreshToken refreshTokenExpiresAt {ERRORS}"

TOKEN_CREATE = f"""
mutation($username: String!, $password: String!) {{
  tokenCreate(input: {{username: $username, password: $password}}) {{ {TOKEN_FIELDS} }}
}}
"""

TOKEN_REFRESH = f"""
mutation($refreshToken: String!) {{
  tokenRefresh(input: {{refreshToken: $refreshToken}}) {{ {TOKEN_FIELDS} }}
}}
"""

TOKEN_REVOKE = f"""
mutation($refreshToken: String, $everywhere: Boolean) {{
  tokenRevoke(input: {{refreshToken: $refreshToken, everywhere: $everywhere}}) {{ revoked {ERRORS} }}
}}
"""


def post(
    client: HttpClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    token: str | None = None,
    authorization: str | None = None,
    **extra: Any,
) -> Any:
    """POST ``query`` to /graphql and return the raw response.

    ``token`` is sent as ``Authorization: Bearer <token>``; ``authorization`` is sent verbatim instead; with
    neither the caller is anonymous. ``extra`` goes to the test client (``REMOTE_ADDR=...``).
    """
    headers = {}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if authorization is not None:
        headers["Authorization"] = authorization
    return client.post(
        "/graphql",
        json.dumps({"query": query, "variables": variables or {}}),
        content_type="application/json",
        headers=headers,
        **extra,
    )


def ok_body(response: Any) -> dict[str, Any]:
    """The JSON body of an HTTP 200 response."""
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json", response["Content-Type"]
    body: dict[str, Any] = response.json()
    return body


def assert_invalid_token(response: Any) -> None:
    """The middleware refused the bearer token: HTTP 401, RFC 6750 challenge, one INVALID_TOKEN error, no data."""
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    body = response.json()
    assert "data" not in body
    assert [error["extensions"]["code"] for error in body["errors"]] == ["INVALID_TOKEN"]


def viewer_username(client: HttpClient, token: str, **extra: Any) -> str | None:
    """The username the ``viewer`` query reports for ``token`` (asserting HTTP 200), or None if anonymous."""
    viewer = ok_body(post(client, VIEWER, token=token, **extra))["data"]["viewer"]
    return None if viewer is None else str(viewer["username"])


def payload(body: dict[str, Any], mutation: str) -> dict[str, Any]:
    """The payload of ``mutation``, asserting the response has no top-level errors."""
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"][mutation]
    return result


def payload_codes(body: dict[str, Any], mutation: str) -> list[str]:
    """The codes of the payload errors of ``mutation``."""
    return [error["code"] for error in payload(body, mutation)["errors"]]


def top_level_codes(body: dict[str, Any]) -> list[str | None]:
    """The ``extensions.code`` of each top-level error of a response body."""
    return [error.get("extensions", {}).get("code") for error in body.get("errors", [])]


def login(client: HttpClient, username: str, password: str = PASSWORD, **extra: Any) -> dict[str, Any]:
    """The tokenCreate payload for ``username`` (asserting HTTP 200 and JSON)."""
    return payload(
        ok_body(post(client, TOKEN_CREATE, {"username": username, "password": password}, **extra)), "tokenCreate"
    )


def refresh(client: HttpClient, refresh_token: str, **extra: Any) -> dict[str, Any]:
    """The tokenRefresh payload for ``refresh_token``, sent without a bearer token."""
    body = ok_body(post(client, TOKEN_REFRESH, {"refreshToken": refresh_token}, **extra))
    return payload(body, "tokenRefresh")
