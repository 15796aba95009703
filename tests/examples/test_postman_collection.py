"""examples/postman_collection.json is what examples/build_postman_collection.py builds from the examples now."""

import importlib.util
import json
import re
import subprocess
import sys
from types import ModuleType
from typing import Any

import pytest

from tests.examples import EXAMPLES, EXAMPLES_DIR, Example

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


def test_collection_format(collection: dict[str, Any]) -> None:
    assert collection["info"]["schema"] == "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
    variables = {variable["key"]: variable["value"] for variable in collection["variable"]}
    assert variables["baseUrl"] == "http://127.0.0.1:8000"
    assert {"providerId", "clientId", "appointmentId", "reservationId"} <= variables.keys()


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
    assert [item["name"] for item in collection["item"]] == [example.name.replace("_", " ", 1) for example in EXAMPLES]


def test_ids_chain_through_collection_variables(collection: dict[str, Any]) -> None:
    """Every {{variable}} a request uses is baseUrl or was stored by the test script of an earlier request."""
    stored: set[str] = set()
    used_ids: set[str] = set()
    for item in collection["item"]:
        request = item["request"]
        used = set(re.findall(r"\{\{(\w+)\}\}", request["body"]["graphql"]["variables"] + request["url"]["raw"]))
        assert used - {"baseUrl"} <= stored, f"{item['name']} uses {used - stored - {'baseUrl'}} before it is set"
        used_ids |= used - {"baseUrl"}
        script = script_of(item)
        stored |= set(re.findall(r'pm\.collectionVariables\.set\("(\w+)"', script))
    assert stored == {"providerId", "clientId", "appointmentId", "reservationId"}
    assert used_ids == stored


def test_test_scripts_check_for_errors(collection: dict[str, Any]) -> None:
    for example in EXAMPLES:
        script = script_of(item_of(collection, example))
        assert "body.errors" in script
        if example.is_mutation:
            assert f"body.data.{example.field}.errors).to.eql([])" in script
