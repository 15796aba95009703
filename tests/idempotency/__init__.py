"""Idempotency keys: a retried mutation with the same key returns the first result and changes nothing.

Shared here: the documents the tests send (each with ``idempotencyKey: $key``), a signed-in client builder,
and `post`, which sends a document over HTTP as a given user, or anonymously from a given address.
"""

import json
from typing import Any

from django.contrib.auth.models import User
from django.test import Client as HttpClient

from api.auth.tokens import issue_access_token
from reservation.models import Client
from tests.factories import make_client

ERRORS = "errors { code field message }"
RESERVATION = "reservation { id state reservedAt expiry confirmedAt client { id } appointment { id } }"

RESERVATION_CREATE = f"""
mutation($clientId: ID, $appointmentId: ID!, $key: String, $clientMutationId: String) {{
  reservationCreate(input: {{clientId: $clientId, appointmentId: $appointmentId, idempotencyKey: $key,
                             clientMutationId: $clientMutationId}}) {{
    {RESERVATION} clientMutationId {ERRORS}
  }}
}}
"""

RESERVATION_CONFIRM = f"""
mutation($reservationId: ID!, $key: String) {{
  reservationConfirm(input: {{reservationId: $reservationId, idempotencyKey: $key}}) {{ {RESERVATION} {ERRORS} }}
}}
"""

APPOINTMENT_BULK_CREATE = f"""
mutation($providerId: ID!, $startTime: DateTime!, $endTime: DateTime!, $key: String) {{
  appointmentBulkCreate(input: {{providerId: $providerId, startTime: $startTime, endTime: $endTime,
                                 idempotencyKey: $key}}) {{
    appointments {{ edges {{ node {{ id timeSlot endTime provider {{ id }} }} }} }}
    {ERRORS}
  }}
}}
"""

CLIENT_CREATE = f"""
mutation($firstName: String!, $lastName: String!, $username: String, $password: String, $key: String) {{
  clientCreate(input: {{firstName: $firstName, lastName: $lastName, username: $username, password: $password,
                        idempotencyKey: $key}}) {{
    client {{ id firstName lastName }}
    {ERRORS}
  }}
}}
"""

PROVIDER_CREATE = f"""
mutation($firstName: String!, $lastName: String!, $key: String) {{
  providerCreate(input: {{firstName: $firstName, lastName: $lastName, idempotencyKey: $key}}) {{
    provider {{ id firstName lastName }}
    {ERRORS}
  }}
}}
"""

PASSWORD = "correct-horse-battery-2030"


def client_with_login(username: str, first_name: str = "Ada", last_name: str = "Lovelace") -> Client:
    """A client who signs in as user ``username``."""
    client = make_client(first_name, last_name)
    client.user = User.objects.create_user(username, password=PASSWORD)
    client.save(update_fields=["user"])
    return client


def post(
    query: str, variables: dict[str, Any], user: User | None, http: HttpClient | None = None, **extra: Any
) -> dict[str, Any]:
    """POST ``query`` as ``user`` (None: anonymously; ``extra`` such as ``REMOTE_ADDR=...``); the HTTP 200 body."""
    response = (http or HttpClient()).post(
        "/graphql",
        json.dumps({"query": query, "variables": variables}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {issue_access_token(user)[0]}"} if user is not None else {},
        **extra,
    )
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def payload(body: dict[str, Any], field: str) -> dict[str, Any]:
    """The payload of mutation ``field``, with no top-level errors."""
    assert "errors" not in body, body["errors"]
    result: dict[str, Any] = body["data"][field]
    return result


def codes(body: dict[str, Any], field: str) -> list[tuple[str, str | None]]:
    """The payload errors of ``field`` as (code, field) pairs."""
    return [(error["code"], error["field"]) for error in payload(body, field)["errors"]]
