"""examples/postman_collection.json is what examples/build_postman_collection.py builds from the examples now."""

import importlib.util
import json
import re
import subprocess
import sys
from types import ModuleType
from typing import Any

import pytest

from tests.examples import EXAMPLES, EXAMPLES_DIR, Example, example

SCRIPT = EXAMPLES_DIR / "build_postman_collection.py"
COLLECTION = EXAMPLES_DIR / "postman_collection.json"
REBUILD = "run `python3 examples/build_postman_collection.py` and commit the result"


@pytest.fixture(scope="module")
def builder() -> ModuleType:
    """The build script, imported as a module (examples/ is not a package)."""
    spec = importlib.util.spec_from_file_location("build_postman_collection", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def collection() -> dict[str, Any]:
    collection: dict[str, Any] = json.loads(COLLECTION.read_text(encoding="utf-8"))
    return collection


def item_of(collection: dict[str, Any], example: Example) -> dict[str, Any]:
    items: list[dict[str, Any]] = collection["item"]
    (item,) = [item for item in items if item["name"] == example.name.replace("_", " ", 1)]
    return item


def script_of(item: dict[str, Any]) -> str:
    """The text of a request's test script."""
    return "\n".join(line for event in item["event"] if event["listen"] == "test" for line in event["script"]["exec"])


def test_committed_collection_has_no_drift(builder: ModuleType) -> None:
    assert COLLECTION.read_text(encoding="utf-8") == builder.render(builder.build_collection()), (
        f"postman_collection.json is out of date: {REBUILD}"
    )


def test_check_mode_of_the_script_passes() -> None:
    result = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


# Set by hand: the server. Every other variable is set by a script during the run and empty until then.
STATIC_VARIABLES = {"baseUrl"}
LOGINS = {
    "Log in as the provider (tokenCreate)": "01_providerCreate",
    "Log in as the client (tokenCreate)": "02_clientCreate",
}


def auth_variable(item: dict[str, Any], collection: dict[str, Any]) -> str | None:
    """The collection variable whose token a request sends as its bearer token (None: no Authorization header)."""
    auth = item["request"].get("auth", collection["auth"])
    if auth["type"] == "noauth":
        return None
    assert auth["type"] == "bearer"
    (entry,) = auth["bearer"]
    assert entry["key"] == "token"
    match = re.fullmatch(r"\{\{(\w+)\}\}", entry["value"])
    assert match is not None, entry
    return match[1]


def test_collection_format(collection: dict[str, Any]) -> None:
    assert collection["info"]["schema"] == "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
    variables = {variable["key"]: variable["value"] for variable in collection["variable"]}
    assert variables["baseUrl"] == "http://127.0.0.1:8000"
    # Nothing defaults to an object of the demo data: a request whose object was not made fails.
    assert {key: value for key, value in variables.items() if key not in STATIC_VARIABLES and value} == {}


def test_the_first_request_makes_the_runs_names_unique_and_its_dates_ahead(collection: dict[str, Any]) -> None:
    first = collection["item"][0]
    (setup,) = [event for event in first["event"] if event["listen"] == "prerequest"]
    script = "\n".join(setup["script"]["exec"])
    assert "{{$timestamp}}" in script
    assert "{{$randomInt}}" in script
    for variable in ("providerUsername", "clientUsername", "providerLastName", "clientLastName"):
        assert f'pm.collectionVariables.set("{variable}"' in script
    assert "getUTCDay() !== 1" in script  # dates from a Monday, as the examples' week starts


def test_no_request_sends_a_date_of_the_examples_week(collection: dict[str, Any]) -> None:
    for item in collection["item"]:
        assert "2030-" not in item["request"]["body"]["graphql"]["variables"], item["name"]


def test_the_idempotent_reservation_draws_a_fresh_key(collection: dict[str, Any]) -> None:
    (item,) = [item for item in collection["item"] if item["name"] == "25 reservationCreateIdempotent"]
    assert json.loads(item["request"]["body"]["graphql"]["variables"])["idempotencyKey"] == "{{idempotencyKey}}"
    (setup,) = [event for event in item["event"] if event["listen"] == "prerequest"]
    assert setup["script"]["exec"] == [
        'pm.collectionVariables.set("idempotencyKey", pm.variables.replaceIn("{{$guid}}"));'
    ]


def test_collection_sends_the_access_token_as_bearer(collection: dict[str, Any]) -> None:
    assert collection["auth"] == {
        "type": "bearer",
        "bearer": [{"key": "token", "value": "{{accessToken}}", "type": "string"}],
    }


def test_each_request_acts_as_the_role_of_the_walkthrough(collection: dict[str, Any]) -> None:
    """Logins and refreshes send no token (a stale one gets 401); the provider's and client's steps send theirs."""
    client_steps = ["04", "05", "06", "23", "24", "26", "27", "28", "35", "36"]
    provider_steps = ["03", "15", "16", "17", "18", "29", "30"]
    expected: dict[str, str | None] = {
        "00 tokenCreate": None,
        "Log in as the provider (tokenCreate)": None,
        "Log in as the client (tokenCreate)": None,
        "13 tokenRefresh": None,
    }
    for item in collection["item"]:
        number = item["name"][:2]
        role = "clientAccessToken" if number in client_steps else None
        role = "providerAccessToken" if number in provider_steps else role
        wanted = expected.get(item["name"], role or "accessToken")
        assert auth_variable(item, collection) == wanted, item["name"]


def test_role_logins_use_the_registered_credentials(collection: dict[str, Any]) -> None:
    """Each role's login is the tokenCreate example with the username and password its registration gave."""
    login = example("tokenCreate")
    for name, registration in LOGINS.items():
        (item,) = [item for item in collection["item"] if item["name"] == name]
        body = item["request"]["body"]["graphql"]
        assert body["query"] == login.query, REBUILD
        registered = example(registration).variables
        username = "{{providerUsername}}" if "provider" in registration else "{{clientUsername}}"
        last_name = "{{providerLastName}}" if "provider" in registration else "{{clientLastName}}"
        assert json.loads(body["variables"]) == {"username": username, "password": registered["password"]}
        registration_item = item_of(collection, example(registration))
        registered_as = json.loads(registration_item["request"]["body"]["graphql"]["variables"])
        assert (registered_as["username"], registered_as["lastName"]) == (username, last_name)


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_every_example_is_a_graphql_request(collection: dict[str, Any], example: Example) -> None:
    request = item_of(collection, example)["request"]
    assert request["method"] == "POST"
    assert request["url"]["raw"] == "{{baseUrl}}/graphql"
    body = request["body"]
    assert body["mode"] == "graphql"
    assert body["graphql"]["query"] == example.query, REBUILD
    variables = json.loads(body["graphql"]["variables"])
    assert variables.keys() == example.variables.keys(), REBUILD
    for key, value in variables.items():
        if isinstance(value, str) and value.startswith("{{"):
            continue  # An ID of the walkthrough, set by an earlier request's test script.
        assert value == example.variables[key], REBUILD


def test_requests_are_in_walkthrough_order(collection: dict[str, Any]) -> None:
    """The walkthrough and the reads, the calendar feed, the lifecycle (a hold released; the booking rescheduled,
    then the new booking cancelled), the provider's schedule, and the token refresh and revocation last; the
    provider's and the client's logins just before their first step."""
    names = [item["name"] for item in collection["item"]]
    numbers = [name[:2] for name in names if name[:2].isdigit()]
    assert numbers == [
        *(f"{number:02}" for number in range(13)),
        *["19", "20", "21", "23", "24", "25", "26", "28", "27", "15", "16", "17", "18", "29", "30"],
        *["31", "32", "33", "34", "35", "36", "13", "14"],  # the visit types (issue 13) before the session ends
    ]
    assert sorted(numbers) == sorted(item.name[:2] for item in EXAMPLES)
    assert names.index("Log in as the provider (tokenCreate)") == names.index("03 appointmentBulkCreate") - 1
    assert names.index("Log in as the client (tokenCreate)") == names.index("04 availableAppointments") - 1


def test_the_lifecycle_acts_on_the_runs_own_reservations(collection: dict[str, Any]) -> None:
    def variables(name: str) -> dict[str, Any]:
        (item,) = [item for item in collection["item"] if item["name"] == name]
        found: dict[str, Any] = json.loads(item["request"]["body"]["graphql"]["variables"])
        return found

    assert variables("26 reservationRelease")["reservationId"] == "{{heldReservationId}}"
    assert variables("28 reservationReschedule")["reservationId"] == "{{reservationId}}"
    assert variables("27 reservationCancel")["reservationId"] == "{{rescheduledReservationId}}"


def test_variables_chain_through_collection_variables(collection: dict[str, Any]) -> None:
    """Every {{variable}} a request uses (in its variables, URL or auth) is set by hand or by an earlier script,
    and every variable a script sets is used."""
    stored: set[str] = set()
    used_by_requests: set[str] = set()
    for item in collection["item"]:
        request = item["request"]
        scripts = {event["listen"]: "\n".join(event["script"]["exec"]) for event in item["event"]}
        stored |= set(re.findall(r'pm\.collectionVariables\.set\("(\w+)"', scripts.get("prerequest", "")))
        stored |= {
            f"day{n}"
            for n in re.findall(r"for \(const n of \[([\d, ]+)\]", scripts.get("prerequest", ""))
            for n in n.split(", ")
        }
        used = set(re.findall(r"\{\{(\w+)\}\}", request["body"]["graphql"]["variables"] + request["url"]["raw"]))
        token = auth_variable(item, collection)
        if token is not None:
            used.add(token)
        assert used - STATIC_VARIABLES <= stored, (
            f"{item['name']} uses {used - stored - STATIC_VARIABLES} before it is set"
        )
        used_by_requests |= used - STATIC_VARIABLES
        stored |= set(re.findall(r'pm\.collectionVariables\.set\("(\w+)"', scripts["test"]))
    declared = {variable["key"] for variable in collection["variable"]} - STATIC_VARIABLES
    stored.discard("day")  # set("day" + n, ...): the dayN found above
    assert stored == declared
    assert stored - used_by_requests <= {"runId"} | {f"appointment{n}Id" for n in range(2, 13)}


def test_test_scripts_check_for_errors(collection: dict[str, Any]) -> None:
    for item in collection["item"]:
        script = script_of(item)
        assert "body.errors" in script
    for example_ in EXAMPLES:
        script = script_of(item_of(collection, example_))
        if example_.is_mutation:
            assert f"body.data.{example_.field}.errors).to.eql([])" in script
    for name in LOGINS:
        (item,) = [item for item in collection["item"] if item["name"] == name]
        assert "body.data.tokenCreate.errors).to.eql([])" in script_of(item)
