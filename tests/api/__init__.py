"""Tests of the GraphQL API through /graphql, as a client sends them; shared operation documents live here.

The documents below spell out the public contract of each mutation's payload, so every test module asks for
exactly the same fields a client would.
"""

from typing import Any

from graphql_relay import from_global_id

ERRORS = "errors { code field message }"

PROVIDER_CREATE = f"""
mutation($firstName: String!, $lastName: String!) {{
  providerCreate(input: {{firstName: $firstName, lastName: $lastName}}) {{
    provider {{ id firstName lastName }}
    {ERRORS}
  }}
}}
"""

CLIENT_CREATE = f"""
mutation($firstName: String!, $lastName: String!) {{
  clientCreate(input: {{firstName: $firstName, lastName: $lastName}}) {{
    client {{ id firstName lastName }}
    {ERRORS}
  }}
}}
"""

APPOINTMENT_BULK_CREATE = f"""
mutation($providerId: ID!, $startTime: DateTime!, $endTime: DateTime!, $first: Int, $after: String) {{
  appointmentBulkCreate(input: {{providerId: $providerId, startTime: $startTime, endTime: $endTime}}) {{
    appointments(first: $first, after: $after) {{
      edges {{ node {{ id timeSlot endTime provider {{ id }} }} }}
      pageInfo {{ hasNextPage endCursor }}
    }}
    {ERRORS}
  }}
}}
"""

RESERVATION_FIELDS = """
  id expiry expired confirmed state reservedAt confirmedAt
  client { id } provider { id } appointment { id }
"""

RESERVATION_CREATE = f"""
mutation($clientId: ID!, $appointmentId: ID!) {{
  reservationCreate(input: {{clientId: $clientId, appointmentId: $appointmentId}}) {{
    reservation {{ {RESERVATION_FIELDS} }}
    {ERRORS}
  }}
}}
"""

RESERVATION_CONFIRM = f"""
mutation($reservationId: ID!) {{
  reservationConfirm(input: {{reservationId: $reservationId}}) {{
    reservation {{ {RESERVATION_FIELDS} }}
    {ERRORS}
  }}
}}
"""


def pk_of(global_id: str, type_name: str) -> int:
    """The primary key inside ``global_id``, asserting that it names a node of ``type_name``."""
    decoded_type, raw_id = from_global_id(global_id)
    assert decoded_type == type_name
    return int(raw_id)


def error_codes(body: dict[str, Any]) -> list[str | None]:
    """The ``extensions.code`` of each top-level error of a response body."""
    return [error.get("extensions", {}).get("code") for error in body["errors"]]


def node_ids(connection: dict[str, Any]) -> list[str]:
    """The node IDs of a connection's edges, in order."""
    return [edge["node"]["id"] for edge in connection["edges"]]
