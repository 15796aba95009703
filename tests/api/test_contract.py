"""The committed contract cannot drift (issue 11).

- ``schema.graphql`` is the SDL printed from the running schema, and ``docs/api.md`` the reference generated from
  its descriptions: a change to the schema without ``python manage.py write_contract`` fails here.
- Against ``schema.released.graphql`` (the last release), every breaking or dangerous change that graphql-core
  finds must be listed in CHANGELOG.md word for word; the source service's contract (its example operations)
  must still validate against the schema.
"""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from graphql import build_schema, parse, validate

from api.contract import (
    CHANGELOG_FILE,
    REGENERATE,
    RELEASED_SCHEMA_FILE,
    SCHEMA_FILE,
    changes_since_release,
    contract_files,
    unlisted_changes,
)
from tests.examples.test_source_examples import DOCUMENT

RELEASED = RELEASED_SCHEMA_FILE.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", list(contract_files()), ids=lambda path: path.name)
def test_generated_file_is_up_to_date(path):
    assert path.read_text(encoding="utf-8") == contract_files()[path], (
        f"{path.name} is stale: run `{REGENERATE}` and commit the result"
    )


def test_check_mode_fails_when_stale(tmp_path, monkeypatch):
    stale = tmp_path / "schema.graphql"
    stale.write_text("type Query { old: Int }\n")
    files = {stale: SCHEMA_FILE.read_text(encoding="utf-8")}
    monkeypatch.setattr("api.management.commands.write_contract.contract_files", lambda: files)
    monkeypatch.setattr("api.management.commands.write_contract.ROOT", tmp_path)

    with pytest.raises(CommandError, match=r"schema\.graphql out of date: run `python manage\.py write_contract`"):
        call_command("write_contract", "--check")
    assert stale.read_text() == "type Query { old: Int }\n"


def test_every_change_since_the_release_is_in_the_changelog():
    breaking, dangerous = changes_since_release(RELEASED, SCHEMA_FILE.read_text(encoding="utf-8"))
    missing = unlisted_changes(CHANGELOG_FILE.read_text(encoding="utf-8"), breaking + dangerous)

    assert not missing, "List these schema changes in CHANGELOG.md (with why):\n" + "\n".join(
        f"- `{change}`" for change in missing
    )


def test_the_check_catches_a_breaking_change():
    removed_field = SCHEMA_FILE.read_text(encoding="utf-8").replace(
        '  """When the provider withdrew the slot (UTC), or null."""\n  withdrawnAt: DateTime\n', "", 1
    )

    breaking, _ = changes_since_release(RELEASED, removed_field)

    assert "AppointmentType.withdrawnAt was removed." in breaking
    assert unlisted_changes(CHANGELOG_FILE.read_text(encoding="utf-8"), breaking) == [
        "AppointmentType.withdrawnAt was removed."
    ]


def test_the_source_services_operations_validate_against_the_committed_schema():
    schema = build_schema(SCHEMA_FILE.read_text(encoding="utf-8"))

    assert validate(schema, parse(DOCUMENT)) == []
