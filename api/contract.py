"""The API's committed contract: ``schema.graphql`` (SDL printed from the schema) and ``docs/api.md`` (the
reference generated from the schema's descriptions), and the comparison with the last released schema.

``python manage.py write_contract`` writes both files; ``--check`` fails if either is stale (CI's tests do the
same: tests/api/test_contract.py). ``schema.released.graphql`` is the schema of the last release: a change
that graphql-core's ``find_breaking_changes`` or ``find_dangerous_changes`` reports against it must be listed,
by its exact description, in CHANGELOG.md (`unlisted_changes`).
"""

from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLType,
    build_schema,
    find_breaking_changes,
    find_dangerous_changes,
    get_named_type,
    print_ast,
    print_schema,
)
from graphql.pyutils import Undefined
from graphql.utilities import ast_from_value

ROOT = Path(settings.BASE_DIR)
SCHEMA_FILE = ROOT / "schema.graphql"
RELEASED_SCHEMA_FILE = ROOT / "schema.released.graphql"
API_REFERENCE_FILE = ROOT / "docs" / "api.md"
CHANGELOG_FILE = ROOT / "CHANGELOG.md"
REGENERATE = "python manage.py write_contract"


def current_schema() -> GraphQLSchema:
    """The running API's graphql-core schema."""
    from api.schema import schema  # here: importing the schema builds every type

    graphql_schema: GraphQLSchema = schema.graphql_schema
    return graphql_schema


def schema_sdl(schema: GraphQLSchema | None = None) -> str:
    """The schema as SDL, as committed in ``schema.graphql``."""
    return print_schema(schema or current_schema()) + "\n"


def changes_since_release(released_sdl: str, current_sdl: str) -> tuple[list[str], list[str]]:
    """The (breaking, dangerous) changes' descriptions from the released SDL to the current SDL."""
    old, new = build_schema(released_sdl), build_schema(current_sdl)
    breaking = [change.description for change in find_breaking_changes(old, new)]
    dangerous = [change.description for change in find_dangerous_changes(old, new)]
    return breaking, dangerous


def unlisted_changes(changelog: str, changes: Iterable[str]) -> list[str]:
    """The changes whose description CHANGELOG.md does not contain word for word."""
    return [change for change in changes if change not in changelog]


# --- docs/api.md ----------------------------------------------------------------------------------------------


def _describe(description: str | None) -> str:
    return (description or "").strip()


def _anchor(name: str, parent: str = "") -> str:
    """A link to the heading of a type, or of a root field (``parent`` "Query" or "Mutation")."""
    return f"[`{name}`](#{(parent + name).lower()})"


def _type_link(type_: GraphQLType) -> str:
    """``[`[ReservationOrder!]`](#reservationorder)``: the printed type, linked to its named type's section."""
    printed = str(type_)
    named = get_named_type(type_)
    if isinstance(named, GraphQLScalarType) and named.name in ("String", "Int", "Boolean", "ID", "Float"):
        return f"`{printed}`"
    return f"[`{printed}`](#{named.name.lower()})"


def _arguments(arguments: dict[str, GraphQLArgument]) -> list[str]:
    if not arguments:
        return []
    lines = ["", "| argument | type | default | description |", "|---|---|---|---|"]
    for name, argument in arguments.items():
        literal = None if argument.default_value is Undefined else ast_from_value(argument.default_value, argument.type)
        default = "" if literal is None else f"`{print_ast(literal)}`"
        lines.append(
            f"| `{name}` | {_type_link(argument.type)} | {default} | {_cell(_describe(argument.description))} |"
        )
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _field_entry(name: str, field: GraphQLField, parent: str) -> list[str]:
    lines = [f"### {parent}.{name}", "", f"Returns {_type_link(field.type)}.", ""]
    if field.deprecation_reason:
        lines += [f"**Deprecated:** {field.deprecation_reason}", ""]
    if field.description:
        lines += [_describe(field.description), ""]
    arguments = _arguments(field.args)
    if arguments:
        lines += [*arguments[1:], ""]
    return lines


def _fields_table(fields: dict[str, GraphQLField]) -> list[str]:
    lines = ["| field | type | description |", "|---|---|---|"]
    for name, field in fields.items():
        arguments = f" ({', '.join(f'`{arg}`' for arg in field.args)})" if field.args else ""
        description = _cell(_describe(field.description))
        lines.append(f"| `{name}`{arguments} | {_type_link(field.type)} | {description} |")
    return lines


def api_reference(schema: GraphQLSchema | None = None) -> str:
    """docs/api.md: every query, mutation, type, input, enum and scalar with its description, from the schema."""
    schema = schema or current_schema()
    query, mutation = schema.query_type, schema.mutation_type
    if query is None or mutation is None:
        raise ValueError("the schema needs a query and a mutation type")
    named: list[GraphQLNamedType] = sorted(
        (type_ for name, type_ in schema.type_map.items() if not name.startswith("__")), key=lambda t: t.name
    )
    objects = [
        t for t in named if isinstance(t, GraphQLObjectType | GraphQLInterfaceType) and t not in (query, mutation)
    ]
    payloads = [t for t in objects if t.name.endswith("Payload")]
    objects = [t for t in objects if t not in payloads]
    inputs = [t for t in named if isinstance(t, GraphQLInputObjectType)]
    enums = [t for t in named if isinstance(t, GraphQLEnumType)]
    scalars = [t for t in named if isinstance(t, GraphQLScalarType)]

    lines = [
        "# API reference",
        "",
        f"<!-- Generated from the schema's descriptions by `{REGENERATE}`: do not edit by hand. -->",
        "",
        "Every field, argument and type of the GraphQL API at `/graphql`, with the description the schema gives it "
        "(GraphiQL shows the same). The SDL is in [`schema.graphql`](../schema.graphql); changes are in "
        "[`CHANGELOG.md`](../CHANGELOG.md). Times are ISO 8601 with an offset (UTC unless `timeZone` is given); "
        "IDs are relay global IDs; lists are relay connections with keyset cursors (`first`/`after`, "
        "`last`/`before`).",
        "",
        "## Contents",
        "",
        f"- [Queries](#queries): {', '.join(_anchor(name, 'Query') for name in query.fields)}",
        f"- [Mutations](#mutations): {', '.join(_anchor(name, 'Mutation') for name in mutation.fields)}",
        f"- [Object types](#object-types): {', '.join(_anchor(t.name) for t in objects)}",
        f"- [Mutation payloads](#mutation-payloads): {', '.join(_anchor(t.name) for t in payloads)}",
        f"- [Input types](#input-types): {', '.join(_anchor(t.name) for t in inputs)}",
        f"- [Enums](#enums): {', '.join(_anchor(t.name) for t in enums)}",
        f"- [Scalars](#scalars): {', '.join(_anchor(t.name) for t in scalars)}",
        "",
        "## Queries",
        "",
        _describe(query.description),
        "",
    ]
    for name, field in query.fields.items():
        lines += _field_entry(name, field, "Query")
    lines += ["## Mutations", "", _describe(mutation.description), ""]
    for name, field in mutation.fields.items():
        lines += _field_entry(name, field, "Mutation")
    for title, types in (("Object types", objects), ("Mutation payloads", payloads)):
        lines += [f"## {title}", ""]
        for type_ in types:
            lines += [f"### {type_.name}", ""]
            if type_.description:
                lines += [_describe(type_.description), ""]
            if isinstance(type_, GraphQLObjectType) and type_.interfaces:
                lines += [f"Implements {', '.join(_anchor(i.name) for i in type_.interfaces)}.", ""]
            lines += [*_fields_table(type_.fields), ""]
    lines += ["## Input types", ""]
    for input_type in inputs:
        lines += [f"### {input_type.name}", ""]
        if input_type.description:
            lines += [_describe(input_type.description), ""]
        lines += ["| field | type | description |", "|---|---|---|"]
        for name, input_field in input_type.fields.items():
            description = _cell(_describe(input_field.description))
            lines.append(f"| `{name}` | {_type_link(input_field.type)} | {description} |")
        lines.append("")
    lines += ["## Enums", ""]
    for enum_type in enums:
        lines += [f"### {enum_type.name}", ""]
        if enum_type.description:
            lines += [_describe(enum_type.description), ""]
        lines += ["| value | description |", "|---|---|"]
        for name, value in enum_type.values.items():
            lines.append(f"| `{name}` | {_cell(_describe(value.description))} |")
        lines.append("")
    lines += ["## Scalars", ""]
    for scalar in scalars:
        lines += [f"### {scalar.name}", "", _describe(scalar.description) or "A GraphQL built-in scalar.", ""]
    return "\n".join(lines).rstrip() + "\n"


def contract_files() -> dict[Path, str]:
    """The generated files and their up-to-date text."""
    schema = current_schema()
    return {SCHEMA_FILE: schema_sdl(schema), API_REFERENCE_FILE: api_reference(schema)}
