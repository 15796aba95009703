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


ID_VARIABLES = {"providerId", "clientId", "appointmentId", "reservationId", "visitTypeId"}
# What the visit requests keep for the next ones (issue 13): the start slot 34 lists, the visit 35 holds.
VISIT_VARIABLES = {"visitStartId", "visitReservationId"}
TOKEN_VARIABLES = {"accessToken", "refreshToken", "providerAccessToken", "clientAccessToken"}
# Set by hand, never by a script: the server and the usernames the walkthrough registers.
STATIC_VARIABLES = {"baseUrl", "providerUsername", "clientUsername"}
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
    assert variables.keys() == ID_VARIABLES | TOKEN_VARIABLES | STATIC_VARIABLES | VISIT_VARIABLES
    assert (variables["providerUsername"], variables["clientUsername"]) == (
        example("providerCreate").variables["username"],
        example("clientCreate").variables["username"],
    )


def test_collection_sends_the_access_token_as_bearer(collection: dict[str, Any]) -> None:
    assert collection["auth"] == {
        "type": "bearer",
        "bearer": [{"key": "token", "value": "{{accessToken}}", "type": "string"}],
    }


def test_each_request_acts_as_the_role_of_the_walkthrough(collection: dict[str, Any]) -> None:
    """Logins and refreshes send no token (a stale one gets 401); the provider's and client's steps send theirs."""
    expected = {
        "00 tokenCreate": None,
        "Log in as the provider (tokenCreate)": None,
        "03 appointmentBulkCreate": "providerAccessToken",
        "Log in as the client (tokenCreate)": None,
        "04 availableAppointments": "clientAccessToken",
        "05 reservationCreate": "clientAccessToken",
        "06 reservationConfirm": "clientAccessToken",
        "13 tokenRefresh": None,
        "35 reservationCreateVisit": "clientAccessToken",
        "36 reservationConfirmVisit": "clientAccessToken",
    }
    for item in collection["item"]:
        assert auth_variable(item, collection) == expected.get(item["name"], "accessToken"), item["name"]


def test_role_logins_use_the_registered_credentials(collection: dict[str, Any]) -> None:
    """Each role's login is the tokenCreate example with the username and password its registration gave."""
    login = example("tokenCreate")
    for name, registration in LOGINS.items():
        (item,) = [item for item in collection["item"] if item["name"] == name]
        body = item["request"]["body"]["graphql"]
        assert body["query"] == login.query, REBUILD
        registered = example(registration).variables
        username = "{{providerUsername}}" if "provider" in registration else "{{clientUsername}}"
        assert json.loads(body["variables"]) == {"username": username, "password": registered["password"]}
        registration_item = item_of(collection, example(registration))
        assert json.loads(registration_item["request"]["body"]["graphql"]["variables"])["username"] == username


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
    """The examples in file order, with the provider's and the client's logins just before their first step."""
    expected = []
    for item in EXAMPLES:
        if item.name == "03_appointmentBulkCreate":
            expected.append("Log in as the provider (tokenCreate)")
        if item.name == "04_availableAppointments":
            expected.append("Log in as the client (tokenCreate)")
        expected.append(item.name.replace("_", " ", 1))
    assert [item["name"] for item in collection["item"]] == expected


def test_variables_chain_through_collection_variables(collection: dict[str, Any]) -> None:
    """Every {{variable}} a request uses (in its variables, URL or auth) is set by hand or by an earlier script."""
    stored: set[str] = set()
    used_by_scripts: set[str] = set()
    for item in collection["item"]:
        request = item["request"]
        used = set(re.findall(r"\{\{(\w+)\}\}", request["body"]["graphql"]["variables"] + request["url"]["raw"]))
        token = auth_variable(item, collection)
        if token is not None:
            used.add(token)
        assert used - STATIC_VARIABLES <= stored, (
            f"{item['name']} uses {used - stored - STATIC_VARIABLES} before it is set"
        )
        used_by_scripts |= used - STATIC_VARIABLES
        stored |= set(re.findall(r'pm\.collectionVariables\.set\("(\w+)"', script_of(item)))
    assert stored == ID_VARIABLES | TOKEN_VARIABLES | VISIT_VARIABLES
    assert used_by_scripts == stored


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
