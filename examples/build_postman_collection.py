"""Build examples/postman_collection.json from the example operations beside this script.

Usage (standard library only, from anywhere):

    python3 examples/build_postman_collection.py          # rewrite postman_collection.json
    python3 examples/build_postman_collection.py --check  # exit 1 if the committed file is out of date

Every ``NN_name.graphql`` becomes one request with Postman's GraphQL body mode and the variables of
``NN_name.variables.json``, in walkthrough order (`ORDER`). The collection can be run any number of times against
any database, fresh or not (CI runs it twice in a row with newman against a live server):

- It makes its own people and slots and touches nothing else. The first request's pre-request script draws a
  run id from Postman's dynamic variables (``{{$timestamp}}``, ``{{$randomInt}}``): the provider's and the
  client's usernames and last names carry it, so no run meets another's USERNAME_TAKEN.
- Variables holding the global ID of an object of the walkthrough (written for a fresh database: object 1 of
  each type, slot N of the published range) refer to collection variables (``{{providerId}}``,
  ``{{appointment5Id}}``, ...) that the test scripts of earlier requests set from their responses. Their
  defaults are empty, so a request whose object was not made fails instead of acting on someone else's.
- The examples' dates (the week of Monday 2030-01-07) become ``{{dayN}}``: N days after a Monday at least two
  days ahead, computed by the same script, so every slot is more than 24 hours ahead and weekdays match.
- The idempotent reservation draws a fresh ``{{$guid}}`` key per run.
- `ORDER` and `OVERRIDES` chain the lifecycle: the release releases a hold (the idempotent one), the booking is
  rescheduled before the new booking is cancelled, and the token refresh and revocation come last.

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

# Usernames and last names registered by the walkthrough -> the collection variable standing for them, which
# `RUN_SETUP` makes unique per run (the first run's usernames are taken on the next).
USERNAME_VARIABLES = {
    "rosalind.franklin": "providerUsername",
    "margaret.hamilton": "clientUsername",
}
LAST_NAME_VARIABLES = {
    "01_providerCreate": "providerLastName",
    "02_clientCreate": "clientLastName",
}

# Variables holding a token -> the collection variable that holds the current one.
TOKEN_VARIABLES = {"refreshToken": "refreshToken"}

# Slots of the range that 03 publishes (2030-01-08 09:00 to 12:00 UTC, slot N starting 15 (N - 1) minutes after
# 09:00): AppointmentType N of a fresh database. Slot 1 is the one the client reserves (from 04's answer).
RANGE_SLOTS = range(2, 13)

# Root field of an example -> [(collection variable to set, JavaScript path to its value in the response body)].
CAPTURES = {
    "tokenCreate": [
        ("accessToken", "body.data.tokenCreate.accessToken"),
        ("refreshToken", "body.data.tokenCreate.refreshToken"),
    ],
    "providerCreate": [("providerId", "body.data.providerCreate.provider.id")],
    "appointmentBulkCreate": [
        (f"appointment{number}Id", f"body.data.appointmentBulkCreate.appointments.edges[{number - 1}].node.id")
        for number in RANGE_SLOTS
    ],
    "reservationCreateIdempotent": [("heldReservationId", "body.data.reservationCreateIdempotent.reservation.id")],
    "reservationReschedule": [("rescheduledReservationId", "body.data.reservationReschedule.reservation.id")],
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
    # The client's own calendar feed and lifecycle (25 is sent by staff, for the client).
    "23_calendarFeedCreate": "clientAccessToken",
    "24_calendarFeedRotate": "clientAccessToken",
    "26_reservationRelease": "clientAccessToken",
    "27_reservationCancel": "clientAccessToken",
    "28_reservationReschedule": "clientAccessToken",
    # The provider's own schedule.
    "15_providerTimeZoneSet": "providerAccessToken",
    "16_weeklyScheduleSet": "providerAccessToken",
    "17_dateOverrideSet": "providerAccessToken",
    "18_availabilityWithdraw": "providerAccessToken",
    "29_availabilityAddLocal": "providerAccessToken",
    "30_dateOverrideDelete": "providerAccessToken",
}

# The order of the requests: the walkthrough (00 to 12), the reads, the calendar feed, the lifecycle (the
# reschedule before the cancellation: the cancellation ends the booking the reschedule made), the provider's
# schedule, and last the token refresh and revocation. Examples not named here follow in file order.
ORDER = [
    *(f"{number:02}" for number in range(13)),
    "19",
    "20",
    "21",
    "23",
    "24",
    "25",
    "26",
    "28",
    "27",
    "15",
    "16",
    "17",
    "18",
    "29",
    "30",
    # The visit types (issue 13), before the staff session is refreshed and revoked.
    "31",
    "32",
    "33",
    "34",
    "35",
    "36",
    "13",
    "14",
]

# Variables of an example replaced in the collection only (the example keeps its fresh-database values).
OVERRIDES: dict[str, dict[str, Any]] = {
    # Release a hold, not the confirmed booking: the hold that the idempotent reservation (25) made.
    "26_reservationRelease": {"reservationId": "{{heldReservationId}}"},
    # Cancel the booking that the reschedule (28) made; the original ended as RESCHEDULED.
    "27_reservationCancel": {"reservationId": "{{rescheduledReservationId}}"},
    # A fresh key per run: a key is the caller's for 24 hours, and another input with it is IDEMPOTENCY_KEY_REUSED.
    "25_reservationCreateIdempotent": {"idempotencyKey": "{{idempotencyKey}}"},
    # Visit type names are unique: one per run.
    "31_visitTypeCreate": {"name": "{{runId}} Video intake"},
}

# The examples' week: Monday 2030-01-07 is day 0. `RUN_SETUP` sets dayN for each N used.
EXAMPLE_DATE = re.compile(r"2030-01-(\d\d)")
EXAMPLE_MONDAY = 7

EXAMPLE_NAME = re.compile(r"^(?P<number>\d+)_(?P<field>\w+)$")


def example_names() -> list[str]:
    """The example operations' base names (``01_providerCreate``, ...), in the collection's order (`ORDER`)."""
    names = sorted(path.stem for path in EXAMPLES_DIR.glob("*.graphql"))
    rank = {number: index for index, number in enumerate(ORDER)}
    return sorted(names, key=lambda name: (rank.get(name[:2], len(ORDER)), name))


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
        if decoded is not None and decoded[0] == "AppointmentType" and int(decoded[1]) in RANGE_SLOTS:
            return "{{appointment" + decoded[1] + "Id}}"
        return EXAMPLE_DATE.sub(lambda match: "{{day" + str(int(match[1]) - EXAMPLE_MONDAY) + "}}", value)
    return value


def days_used() -> list[int]:
    """The N of every ``{{dayN}}`` the collection's requests use."""
    found: set[int] = set()
    for name in example_names():
        text = (EXAMPLES_DIR / f"{name}.variables.json").read_text(encoding="utf-8")
        found |= {int(day) - EXAMPLE_MONDAY for day in EXAMPLE_DATE.findall(text)}
    return sorted(found)


def run_setup_script() -> list[str]:
    """The first request's pre-request script: this run's unique names and its dates."""
    return [
        "// A new run: unique people (Postman's dynamic variables), and dates from a Monday at least 2 days ahead.",
        "const run = pm.variables.replaceIn('{{$timestamp}}') + pm.variables.replaceIn('{{$randomInt}}');",
        'pm.collectionVariables.set("runId", run);',
        'pm.collectionVariables.set("providerUsername", "rosalind.franklin." + run);',
        'pm.collectionVariables.set("clientUsername", "margaret.hamilton." + run);',
        'pm.collectionVariables.set("providerLastName", "Franklin " + run);',
        'pm.collectionVariables.set("clientLastName", "Hamilton " + run);',
        "const monday = new Date();",
        "monday.setUTCHours(0, 0, 0, 0);",
        "monday.setUTCDate(monday.getUTCDate() + 2);",
        "while (monday.getUTCDay() !== 1) { monday.setUTCDate(monday.getUTCDate() + 1); }",
        f"for (const n of {json.dumps(days_used())}) {{",
        "    const day = new Date(monday.getTime() + n * 86400000);",
        '    pm.collectionVariables.set("day" + n, day.toISOString().slice(0, 10));',
        "}",
    ]


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
    name: str,
    query: str,
    variables: dict[str, Any],
    script: list[str],
    auth: dict[str, Any] | None,
    about: str,
    prerequest: list[str] | None = None,
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
    events = [{"listen": "test", "script": {"type": "text/javascript", "exec": script}}]
    if prerequest:
        events.insert(0, {"listen": "prerequest", "script": {"type": "text/javascript", "exec": prerequest}})
    return {"name": name, "event": events, "request": request}


def request_item(name: str, first: bool = False) -> dict[str, Any]:
    """The collection item of example ``name``; the ``first`` one sets the run up (`run_setup_script`)."""
    field, query, variables = read_example(name)
    is_mutation = any(line.startswith("mutation ") for line in query.splitlines())
    variables = dict(variables)
    if name in LAST_NAME_VARIABLES:
        variables["lastName"] = "{{" + LAST_NAME_VARIABLES[name] + "}}"
    variables.update(OVERRIDES.get(name, {}))
    prerequest = run_setup_script() if first else []
    if "idempotencyKey" in OVERRIDES.get(name, {}):
        prerequest.append('pm.collectionVariables.set("idempotencyKey", pm.variables.replaceIn("{{$guid}}"));')
    return graphql_item(
        name.replace("_", " ", 1),
        query,
        variables,
        test_script(field, is_mutation, CAPTURES.get(field, [])),
        bearer_auth(REQUEST_TOKENS[name]) if name in REQUEST_TOKENS else None,
        f"{description(query)}\n\nFrom examples/{name}.graphql and {name}.variables.json.",
        prerequest,
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
    for index, name in enumerate(example_names()):
        if name in logins:
            result.append(login_item(logins[name]))
        result.append(request_item(name, first=index == 0))
    return result


def build_collection() -> dict[str, Any]:
    """The whole Postman collection (schema v2.1.0) of the examples."""
    variables = [{"key": "baseUrl", "value": BASE_URL, "type": "string"}]
    # Set by the scripts: the run's names and dates (the first request's pre-request script), the tokens (the
    # logins and tokenRefresh), the IDs (the requests that make them), the idempotency key. Empty until then, so
    # that a request whose object was not made fails instead of acting on another one.
    scripted = [
        "runId",
        *USERNAME_VARIABLES.values(),
        *LAST_NAME_VARIABLES.values(),
        *(f"day{n}" for n in days_used()),
        "accessToken",
        "refreshToken",
        *(login.token_variable for login in ROLE_LOGINS),
        *ID_VARIABLES.values(),
        *(f"appointment{number}Id" for number in RANGE_SLOTS),
        "heldReservationId",
        "rescheduledReservationId",
        "idempotencyKey",
        *KEYED_VARIABLES.values(),
    ]
    variables += [{"key": variable, "value": "", "type": "string"} for variable in scripted]
    return {
        "info": {
            "name": "Reservation service GraphQL examples",
            "description": (
                "The example operations of examples/, in walkthrough order: staff log in and register a provider "
                "and a client; the provider logs in and publishes availability; the client logs in, lists "
                "available slots, reserves and confirms; staff read everything back; the client makes a calendar "
                "feed, releases a hold, reschedules and cancels; the provider sets a schedule; staff refresh their "
                "token and log out. Run the folder in order (Collection Runner, or `newman run`), as many times as "
                "you like against `make run`: each run registers its own provider and client (unique names from "
                "Postman's dynamic variables), publishes its own slots more than 24 hours ahead, draws a fresh "
                "idempotency key and touches nothing else. Requests send the collection's bearer token "
                "{{accessToken}} (staff), except the logins and tokenRefresh (no token) and the provider's and the "
                "client's steps ({{providerAccessToken}}, {{clientAccessToken}}); access tokens live 5 minutes. "
                "Test scripts store the tokens and the IDs the requests return (providerId, clientId, "
                "appointmentId, reservationId) in collection variables that later requests use. Set baseUrl to "
                "your server (default http://127.0.0.1:8000, as `make run` serves)."
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
