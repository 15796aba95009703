"""Build examples/postman_collection.json from the example operations beside this script.

Usage (standard library only, from anywhere):

    python3 examples/build_postman_collection.py          # rewrite postman_collection.json
    python3 examples/build_postman_collection.py --check  # exit 1 if the committed file is out of date

Every ``NN_name.graphql`` becomes one request, in file-name order, with Postman's GraphQL body mode and the
variables of ``NN_name.variables.json``. Variables holding the global ID of object 1 of a type (as they are
written, for a fresh database) refer to a collection variable instead (``{{providerId}}``, ...), which the
test scripts of earlier requests set from their responses, so that running the collection in order chains
the walkthrough against any database, demo data or not.

Authentication: the collection sends ``Authorization: Bearer {{accessToken}}`` (collection-level bearer auth);
the staff login, ``00 tokenCreate``, stores ``accessToken`` and ``refreshToken``, and ``13 tokenRefresh``
replaces them. Logins and refreshes are sent without a token (an expired one would be refused with HTTP 401).
The steps that the new provider and client take themselves are preceded by their own login (a request built
from ``00_tokenCreate.graphql`` with the username and password they were registered with) and send that
login's token instead (``{{providerAccessToken}}``, ``{{clientAccessToken}}``).
"""

import base64
import binascii
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EXAMPLES_DIR = Path(__file__).resolve().parent
COLLECTION_PATH = EXAMPLES_DIR / "postman_collection.json"
SCHEMA_URL = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
BASE_URL = "http://127.0.0.1:8000"

# Node type of a global ID -> the collection variable standing for "the one created by the walkthrough".
ID_VARIABLES = {
    "ProviderType": "providerId",
    "ClientType": "clientId",
    "AppointmentType": "appointmentId",
    "ReservationType": "reservationId",
    "VisitTypeType": "visitTypeId",
}

# Variables naming what an earlier request of the collection returned, whatever their value (not object 1):
# the visit's start slot that 34 listed and the visit that 35 held (issue 13).
KEYED_VARIABLES = {"startSlotId": "visitStartId", "visitReservationId": "visitReservationId"}

# Usernames registered by the walkthrough -> the collection variable standing for them, so that a second run
# on the same database needs only new values there (the first run's usernames are taken).
USERNAME_VARIABLES = {
    "rosalind.franklin": "providerUsername",
    "margaret.hamilton": "clientUsername",
}

# Variables holding a token -> the collection variable that holds the current one.
TOKEN_VARIABLES = {"refreshToken": "refreshToken"}

# Root field of an example -> [(collection variable to set, JavaScript path to its value in the response body)].
CAPTURES = {
    "tokenCreate": [
        ("accessToken", "body.data.tokenCreate.accessToken"),
        ("refreshToken", "body.data.tokenCreate.refreshToken"),
    ],
    "providerCreate": [("providerId", "body.data.providerCreate.provider.id")],
    "clientCreate": [("clientId", "body.data.clientCreate.client.id")],
    "availableAppointments": [("appointmentId", "body.data.availableAppointments.edges[0].node.id")],
    "reservationCreate": [("reservationId", "body.data.reservationCreate.reservation.id")],
    "visitTypeCreate": [("visitTypeId", "body.data.visitTypeCreate.visitType.id")],
    "availableVisitStarts": [("visitStartId", "body.data.availableVisitStarts.edges[0].node.id")],
    "reservationCreateVisit": [("visitReservationId", "body.data.reservationCreateVisit.reservation.id")],
    "tokenRefresh": [
        ("accessToken", "body.data.tokenRefresh.accessToken"),
        ("refreshToken", "body.data.tokenRefresh.refreshToken"),
    ],
}


@dataclass(frozen=True)
class RoleLogin:
    """A login request inserted before ``before``: the person registered by ``registered_by`` logs in."""

    before: str  # the first example this person runs
    role: str  # "provider" or "client"
    registered_by: str  # the example whose variables hold their username and password
    token_variable: str  # the collection variable that keeps their access token


ROLE_LOGINS = [
    RoleLogin("03_appointmentBulkCreate", "provider", "01_providerCreate", "providerAccessToken"),
    RoleLogin("04_availableAppointments", "client", "02_clientCreate", "clientAccessToken"),
]
LOGIN_EXAMPLE = "00_tokenCreate"

# Examples sent with another token than the collection's (staff) one; None: without any.
REQUEST_TOKENS: dict[str, str | None] = {
    "00_tokenCreate": None,
    "03_appointmentBulkCreate": "providerAccessToken",
    "04_availableAppointments": "clientAccessToken",
    "05_reservationCreate": "clientAccessToken",
    "06_reservationConfirm": "clientAccessToken",
    "35_reservationCreateVisit": "clientAccessToken",
    "36_reservationConfirmVisit": "clientAccessToken",
    "13_tokenRefresh": None,
}

EXAMPLE_NAME = re.compile(r"^(?P<number>\d+)_(?P<field>\w+)$")


def example_names() -> list[str]:
    """The example operations' base names (``01_providerCreate``, ...), in walkthrough order."""
    return sorted(path.stem for path in EXAMPLES_DIR.glob("*.graphql"))


def _decode_global_id(value: str) -> tuple[str, str] | None:
    """``(type name, primary key)`` of a relay global ID, or None if ``value`` is not one."""
    try:
        decoded = base64.b64decode(value, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    type_name, _, pk = decoded.partition(":")
    return (type_name, pk) if pk else None


def postman_variables(value: Any, key: str | None = None) -> Any:
    """``value`` with the walkthrough's IDs (object 1 of each type), usernames and tokens as collection variables."""
    if isinstance(value, dict):
        return {name: postman_variables(item, name) for name, item in value.items()}
    if isinstance(value, list):
        return [postman_variables(item) for item in value]
    if isinstance(value, str):
        if key in TOKEN_VARIABLES:
            return "{{" + TOKEN_VARIABLES[key] + "}}"
        if key in KEYED_VARIABLES:
            return "{{" + KEYED_VARIABLES[key] + "}}"
        if key == "username" and value in USERNAME_VARIABLES:
            return "{{" + USERNAME_VARIABLES[value] + "}}"
        decoded = _decode_global_id(value)
        if decoded is not None and decoded[1] == "1" and decoded[0] in ID_VARIABLES:
            return "{{" + ID_VARIABLES[decoded[0]] + "}}"
    return value


def bearer_auth(variable: str | None) -> dict[str, Any]:
    """Postman auth: ``Authorization: Bearer {{variable}}``, or no Authorization header when ``variable`` is None."""
    if variable is None:
        return {"type": "noauth"}
    return {"type": "bearer", "bearer": [{"key": "token", "value": "{{" + variable + "}}", "type": "string"}]}


def description(query: str) -> str:
    """The leading ``#`` comment of an operation, as one paragraph."""
    lines = []
    for line in query.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("#").strip())
    return " ".join(lines)


def test_script(field: str, is_mutation: bool, captures: list[tuple[str, str]]) -> list[str]:
    """Postman test script lines: no GraphQL errors, no payload errors, and the values to keep, if any."""
    lines = [
        "const body = pm.response.json();",
        'pm.test("HTTP 200 without GraphQL errors", function () {',
        "    pm.response.to.have.status(200);",
        "    pm.expect(body.errors, JSON.stringify(body.errors)).to.be.undefined;",
        "});",
    ]
    if is_mutation:
        lines += [
            'pm.test("no errors in the payload", function () {',
            f"    pm.expect(body.data.{field}.errors).to.eql([]);",
            "});",
        ]
    for variable, path in captures:
        lines += [
            f'pm.test("keeps {variable}", function () {{',
            f"    const value = {path};",
            "    pm.expect(value).to.be.a('string');",
            f'    pm.collectionVariables.set("{variable}", value);',
            "});",
        ]
    return lines


def read_example(name: str) -> tuple[str, str, dict[str, Any]]:
    """Root field, query text and variables of example ``name``."""
    match = EXAMPLE_NAME.match(name)
    if match is None:
        raise ValueError(f"Example {name!r} is not named NN_rootField.")
    query = (EXAMPLES_DIR / f"{name}.graphql").read_text(encoding="utf-8")
    variables = json.loads((EXAMPLES_DIR / f"{name}.variables.json").read_text(encoding="utf-8"))
    return match["field"], query, variables


def graphql_item(
    name: str, query: str, variables: dict[str, Any], script: list[str], auth: dict[str, Any] | None, about: str
) -> dict[str, Any]:
    """A collection item POSTing ``query`` with ``variables``; ``auth`` None inherits the collection's."""
    request: dict[str, Any] = {
        "method": "POST",
        "header": [{"key": "Content-Type", "value": "application/json"}],
        "body": {
            "mode": "graphql",
            "graphql": {"query": query, "variables": json.dumps(postman_variables(variables), indent=2)},
        },
        "url": {"raw": "{{baseUrl}}/graphql", "host": ["{{baseUrl}}"], "path": ["graphql"]},
        "description": about,
    }
    if auth is not None:
        request["auth"] = auth
    return {
        "name": name,
        "event": [{"listen": "test", "script": {"type": "text/javascript", "exec": script}}],
        "request": request,
    }


def request_item(name: str) -> dict[str, Any]:
    """The collection item of example ``name``."""
    field, query, variables = read_example(name)
    is_mutation = any(line.startswith("mutation ") for line in query.splitlines())
    return graphql_item(
        name.replace("_", " ", 1),
        query,
        variables,
        test_script(field, is_mutation, CAPTURES.get(field, [])),
        bearer_auth(REQUEST_TOKENS[name]) if name in REQUEST_TOKENS else None,
        f"{description(query)}\n\nFrom examples/{name}.graphql and {name}.variables.json.",
    )


def login_item(login: RoleLogin) -> dict[str, Any]:
    """The login of the walkthrough's provider or client: 00_tokenCreate with the credentials they were given."""
    field, query, _ = read_example(LOGIN_EXAMPLE)
    _, _, registered = read_example(login.registered_by)
    variables = {"username": registered["username"], "password": registered["password"]}
    return graphql_item(
        f"Log in as the {login.role} (tokenCreate)",
        query,
        variables,
        test_script(field, True, [(login.token_variable, f"body.data.{field}.accessToken")]),
        bearer_auth(None),
        f"The {login.role} registered by {login.registered_by.replace('_', ' ', 1)} logs in; the next requests they "
        f"send carry their token, {{{{{login.token_variable}}}}}.\n\nFrom examples/{LOGIN_EXAMPLE}.graphql, with "
        f"the username and password of {login.registered_by}.variables.json.",
    )


def items() -> list[dict[str, Any]]:
    """Every request of the collection, in walkthrough order: the examples and the role logins."""
    logins = {login.before: login for login in ROLE_LOGINS}
    result = []
    for name in example_names():
        if name in logins:
            result.append(login_item(logins[name]))
        result.append(request_item(name))
    return result


def build_collection() -> dict[str, Any]:
    """The whole Postman collection (schema v2.1.0) of the examples."""
    variables = [{"key": "baseUrl", "value": BASE_URL, "type": "string"}]
    for username, variable in USERNAME_VARIABLES.items():
        variables.append({"key": variable, "value": username, "type": "string"})
    for variable in ("accessToken", "refreshToken", *(login.token_variable for login in ROLE_LOGINS)):
        # Set by the test scripts of the logins and of tokenRefresh.
        variables.append({"key": variable, "value": "", "type": "string"})
    for type_name, variable in ID_VARIABLES.items():
        # Defaults: object 1 of each type, right for a fresh database; the test scripts overwrite them.
        default = base64.b64encode(f"{type_name}:1".encode()).decode()
        variables.append({"key": variable, "value": default, "type": "string"})
    for variable in KEYED_VARIABLES.values():
        variables.append({"key": variable, "value": "", "type": "string"})  # set by the test scripts
    return {
        "info": {
            "name": "Reservation service GraphQL examples",
            "description": (
                "The example operations of examples/, in walkthrough order: staff log in and register a provider "
                "and a client; the provider logs in and publishes availability; the client logs in, lists "
                "available slots, reserves and confirms; staff read everything back, then refresh their token and "
                "log out. Run the folder in order (Collection Runner). Requests send the collection's bearer token "
                "{{accessToken}} (staff), except the logins and tokenRefresh (no token) and the provider's and the "
                "client's steps ({{providerAccessToken}}, {{clientAccessToken}}); access tokens live 5 minutes. "
                "Test scripts store the tokens and the IDs the requests return (providerId, clientId, "
                "appointmentId, reservationId) in collection variables that later requests use. Set baseUrl to "
                "your server (default http://127.0.0.1:8000, as `make run` serves). On a database where the "
                "walkthrough already ran, set providerUsername and clientUsername to new usernames."
                "\n\nGenerated by examples/build_postman_collection.py; edit the .graphql and .variables.json "
                "files, not this file."
            ),
            "schema": SCHEMA_URL,
        },
        "auth": bearer_auth("accessToken"),
        "item": items(),
        "variable": variables,
    }


def render(collection: dict[str, Any]) -> str:
    """The collection as the committed file's text."""
    return json.dumps(collection, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    text = render(build_collection())
    if "--check" in argv:
        current = COLLECTION_PATH.read_text(encoding="utf-8") if COLLECTION_PATH.exists() else ""
        if current != text:
            print(f"{COLLECTION_PATH} is out of date: run python3 {Path(__file__).name}", file=sys.stderr)
            return 1
        return 0
    COLLECTION_PATH.write_text(text, encoding="utf-8")
    print(f"Wrote {COLLECTION_PATH} ({len(items())} requests).")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
