"""Build examples/postman_collection.json from the example operations beside this script.

Usage (standard library only, from anywhere):

    python3 examples/build_postman_collection.py          # rewrite postman_collection.json
    python3 examples/build_postman_collection.py --check  # exit 1 if the committed file is out of date

Every ``NN_name.graphql`` becomes one request, in file-name order, with Postman's GraphQL body mode and the
variables of ``NN_name.variables.json``. Variables holding the global ID of object 1 of a type (as they are
written, for a fresh database) refer to a collection variable instead (``{{providerId}}``, ...), which the
test scripts of earlier requests set from their responses, so that running the collection in order chains
the walkthrough against any database, demo data or not.
"""

import base64
import binascii
import json
import re
import sys
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
}

# Root field of an example -> (collection variable to set, JavaScript path to the ID in the response body).
CAPTURES = {
    "providerCreate": ("providerId", "body.data.providerCreate.provider.id"),
    "clientCreate": ("clientId", "body.data.clientCreate.client.id"),
    "availableAppointments": ("appointmentId", "body.data.availableAppointments.edges[0].node.id"),
    "reservationCreate": ("reservationId", "body.data.reservationCreate.reservation.id"),
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


def postman_variables(value: Any) -> Any:
    """``value`` with the walkthrough's global IDs (object 1 of each type) replaced by collection variables."""
    if isinstance(value, dict):
        return {key: postman_variables(item) for key, item in value.items()}
    if isinstance(value, list):
        return [postman_variables(item) for item in value]
    if isinstance(value, str):
        decoded = _decode_global_id(value)
        if decoded is not None and decoded[1] == "1" and decoded[0] in ID_VARIABLES:
            return "{{" + ID_VARIABLES[decoded[0]] + "}}"
    return value


def description(query: str) -> str:
    """The leading ``#`` comment of an operation, as one paragraph."""
    lines = []
    for line in query.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("#").strip())
    return " ".join(lines)


def test_script(field: str, is_mutation: bool) -> list[str]:
    """Postman test script lines: no GraphQL errors, no payload errors, and the ID to keep, if any."""
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
    if field in CAPTURES:
        variable, path = CAPTURES[field]
        lines += [
            f'pm.test("keeps {variable}", function () {{',
            f"    const id = {path};",
            "    pm.expect(id).to.be.a('string');",
            f'    pm.collectionVariables.set("{variable}", id);',
            "});",
        ]
    return lines


def request_item(name: str) -> dict[str, Any]:
    """The collection item of example ``name``."""
    match = EXAMPLE_NAME.match(name)
    if match is None:
        raise ValueError(f"Example {name!r} is not named NN_rootField.")
    field = match["field"]
    query = (EXAMPLES_DIR / f"{name}.graphql").read_text(encoding="utf-8")
    variables = json.loads((EXAMPLES_DIR / f"{name}.variables.json").read_text(encoding="utf-8"))
    is_mutation = any(line.startswith("mutation ") for line in query.splitlines())
    return {
        "name": f"{match['number']} {field}",
        "event": [{"listen": "test", "script": {"type": "text/javascript", "exec": test_script(field, is_mutation)}}],
        "request": {
            "method": "POST",
            "header": [{"key": "Content-Type", "value": "application/json"}],
            "body": {
                "mode": "graphql",
                "graphql": {"query": query, "variables": json.dumps(postman_variables(variables), indent=2)},
            },
            "url": {"raw": "{{baseUrl}}/graphql", "host": ["{{baseUrl}}"], "path": ["graphql"]},
            "description": f"{description(query)}\n\nFrom examples/{name}.graphql and {name}.variables.json.",
        },
    }


def build_collection() -> dict[str, Any]:
    """The whole Postman collection (schema v2.1.0) of the examples."""
    variables = [{"key": "baseUrl", "value": BASE_URL, "type": "string"}]
    for type_name, variable in ID_VARIABLES.items():
        # Defaults: object 1 of each type, right for a fresh database; the test scripts overwrite them.
        default = base64.b64encode(f"{type_name}:1".encode()).decode()
        variables.append({"key": variable, "value": default, "type": "string"})
    return {
        "info": {
            "name": "Reservation service GraphQL examples",
            "description": (
                "The example operations of examples/, in walkthrough order: create a provider and a client, "
                "publish availability, list available slots, reserve, confirm, then read everything back. Run "
                "the folder in order (Collection Runner): each request's test script stores the IDs it returns "
                "in the collection variables providerId, clientId, appointmentId and reservationId, which later "
                "requests use. Set baseUrl to your server (default http://127.0.0.1:8000, as `make run` serves)."
                "\n\nGenerated by examples/build_postman_collection.py; edit the .graphql and .variables.json "
                "files, not this file."
            ),
            "schema": SCHEMA_URL,
        },
        "item": [request_item(name) for name in example_names()],
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
    print(f"Wrote {COLLECTION_PATH} ({len(example_names())} requests).")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
