"""Tests of the example operations in examples/: snapshots, query counts and the Postman collection.

The helpers here read the examples as the tests run them: each ``NN_rootField.graphql`` with the variables of
``NN_rootField.variables.json``, in walkthrough (file name) order.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"


@dataclass(frozen=True)
class Example:
    """One example operation as committed in examples/."""

    name: str  # e.g. "01_providerCreate"
    query: str
    variables: dict[str, Any]

    @property
    def field(self) -> str:
        """The root field the operation asks for, e.g. "providerCreate"."""
        return self.name.split("_", 1)[1]

    @property
    def is_mutation(self) -> bool:
        return any(line.startswith("mutation ") for line in self.query.splitlines())

    def __str__(self) -> str:
        return self.name


def load_examples() -> list[Example]:
    """Every example operation, in walkthrough order."""
    examples = []
    for path in sorted(EXAMPLES_DIR.glob("*.graphql")):
        variables_path = path.with_name(f"{path.stem}.variables.json")
        examples.append(
            Example(
                name=path.stem,
                query=path.read_text(encoding="utf-8"),
                variables=json.loads(variables_path.read_text(encoding="utf-8")),
            )
        )
    return examples


EXAMPLES = load_examples()
MUTATIONS = [example for example in EXAMPLES if example.is_mutation]
QUERIES = [example for example in EXAMPLES if not example.is_mutation]


def example(name: str) -> Example:
    """The example whose name is or ends with ``name`` (e.g. "providerCreate")."""
    (found,) = [item for item in EXAMPLES if name in (item.name, item.field)]
    return found


def assert_no_errors(example: Example, body: dict[str, Any]) -> None:
    """Fail unless ``body`` has data, no top-level errors and, for a mutation, an empty payload ``errors``."""
    assert "errors" not in body, f"{example.name}: {body['errors']}"
    assert body.get("data") is not None, f"{example.name}: no data in {body}"
    if example.is_mutation:
        payload = body["data"][example.field]
        assert payload["errors"] == [], f"{example.name}: {payload['errors']}"
