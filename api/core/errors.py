"""How failures reach GraphQL clients: every error helper of the API is here.

- Expected failures of a mutation (a rule said no) are `MutationError` entries in its payload's ``errors``
  list, each with an `ErrorCode`, the input ``field`` at fault and a ``message``; the payload's object is then
  null. They come from a `DomainError` (``field`` is the domain's name, mapped to the input's by
  `MutationError.from_domain`) or an `InputError` (the API's own refusal of an input, named as the API names it).
- Anything else is a top-level GraphQL error with ``extensions.code``: `bad_user_input`, `unauthenticated` and
  `forbidden` make them; a `DomainError` or a Django ``ValidationError`` raised while resolving a query field
  is BAD_USER_INPUT; unexpected exceptions are logged with an id and reach the client only as that id (see
  `format_error`).
"""

import json
import logging
import re
import uuid
from collections.abc import Mapping
from typing import Any

import graphene
from django.core.exceptions import ValidationError as DjangoValidationError
from graphene.utils.str_converters import to_camel_case
from graphene_django.views import HttpError
from graphql import GraphQLEnumType, GraphQLError

from api.http import observability
from reservation.errors import DomainError, ErrorCode

logger = logging.getLogger("api")

ErrorCodeEnum = graphene.Enum.from_enum(ErrorCode, description="Why a mutation was refused.")


class InputError(DomainError):
    """The API refuses an input itself, before any domain rule runs (a global ID of the wrong type, a value a
    caller must give): ``field`` is the input field's name as the API spells it (camelCase)."""


def bad_user_input(message: str) -> GraphQLError:
    """A top-level error for invalid query arguments (``extensions.code`` BAD_USER_INPUT)."""
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT"})


def unauthenticated() -> GraphQLError:
    """A top-level error for an operation that needs a signed-in caller (code UNAUTHENTICATED)."""
    message = "Sign in: send 'Authorization: Bearer <access token>' (see tokenCreate)."
    return GraphQLError(message, extensions={"code": "UNAUTHENTICATED"})


def forbidden(message: str) -> GraphQLError:
    """A top-level error for a caller who is signed in but may not do this (code FORBIDDEN)."""
    return GraphQLError(message, extensions={"code": "FORBIDDEN"})


def input_field(error: DomainError, names: Mapping[str, str] | None = None) -> str | None:
    """The input field an error names: an `InputError`'s as it is; a `DomainError`'s domain name mapped through
    ``names`` (a mutation's ``Meta.error_fields``) or else camel-cased (``appointment_id`` is ``appointmentId``)."""
    if error.field is None or isinstance(error, InputError):
        return error.field
    return (names or {}).get(error.field) or to_camel_case(error.field)


class MutationError(graphene.ObjectType):
    """An expected failure of a mutation: a scheduling rule or an input check said no. Nothing was written."""

    code = graphene.Field(ErrorCodeEnum, required=True, description="Machine-readable reason.")
    field = graphene.String(description="The input field at fault (camelCase), or null for the whole input.")
    message = graphene.String(required=True, description="Human-readable explanation, in English.")

    @classmethod
    def from_domain(cls, error: DomainError, names: Mapping[str, str] | None = None) -> "MutationError":
        """Translate a domain (or input) error, its field named as the mutation's input names it (`input_field`),
        and count it (`api.http.observability`)."""
        observability.record_user_error(error.code.name)
        return cls(code=error.code, field=input_field(error, names), message=error.message)


def format_error(error: Exception) -> dict[str, Any]:
    """Format a top-level error for the response, adding ``extensions.code``.

    Requests the view refuses before GraphQL runs (no query, malformed JSON, a mutation over GET) get
    BAD_REQUEST with their reason; GraphQL's own errors (syntax, validation, variable coercion) keep their
    message and get GRAPHQL_PARSE_FAILED or GRAPHQL_VALIDATION_FAILED; invalid filter, pagination, time zone
    or global ID input (a Django ValidationError or a DomainError) gets BAD_USER_INPUT; every other exception
    is logged with a fresh id and reported as INTERNAL_SERVER_ERROR with that id, never with its text.
    """
    if isinstance(error, HttpError):
        # The view refused the HTTP request itself (no query, bad JSON, mutation over GET): say why.
        return {"message": str(error), "extensions": {"code": "BAD_REQUEST"}}
    if isinstance(error, GraphQLError):
        original = error.original_error
        if original is None or isinstance(original, GraphQLError):
            formatted: dict[str, Any] = dict(error.formatted)
            extensions = formatted.setdefault("extensions", {})
            if "code" not in extensions:
                syntax = error.message.startswith("Syntax Error")
                extensions["code"] = "GRAPHQL_PARSE_FAILED" if syntax else "GRAPHQL_VALIDATION_FAILED"
                formatted["message"] = with_enum_values(formatted["message"])
            return formatted
        if isinstance(original, DjangoValidationError | DomainError):
            formatted = dict(error.formatted)
            formatted["message"] = "; ".join(_input_messages(original))
            formatted["extensions"] = {"code": "BAD_USER_INPUT"}
            return formatted
        return _internal(error, original, dict(error.formatted))
    return _internal(error, error, {})


# graphql-core names the enum of a refused value as "'ReservationState' enum" or "Enum 'ReservationState'".
_ENUM_NAMED = re.compile(r"'(\w+)' enum\b|\bEnum '(\w+)'")


def with_enum_values(message: str) -> str:
    """A validation message about a value an enum does not have, with the enum's values appended
    (graphql-core suggests at most the closest one): "... Allowed values: HELD, EXPIRED, CONFIRMED, ..."."""
    from api.schema import schema  # here, not at the top: the schema's modules import this one

    match = _ENUM_NAMED.search(message)
    enum_type = schema.graphql_schema.get_type(match.group(1) or match.group(2)) if match else None
    if not isinstance(enum_type, GraphQLEnumType):
        return message
    separator = "" if message.endswith(".") else "."
    return f"{message}{separator} Allowed values: {', '.join(enum_type.values)}."


def _input_messages(error: DjangoValidationError | DomainError) -> list[str]:
    """Readable messages of an invalid query argument: ``"argumentName: message"`` where it names one.

    A FilterSet's errors arrive as one message holding the form's errors as JSON (`api.core.connections`).
    """
    if isinstance(error, DomainError):
        argument = input_field(error)
        return [f"{argument}: {error.message}" if argument else error.message]
    messages = []
    for message in error.messages:
        try:
            fields = json.loads(message)
        except ValueError:
            messages.append(message)
            continue
        if not isinstance(fields, dict):
            messages.append(message)
            continue
        for name, problems in fields.items():
            argument = to_camel_case(name)
            messages.extend(f"{argument}: {problem['message']}" for problem in problems)
    return messages


def _internal(error: Exception, cause: BaseException, formatted: dict[str, Any]) -> dict[str, Any]:
    """Log an unexpected exception under a new id and return a message that names only the id."""
    error_id = uuid.uuid4().hex
    observability.record_error_id(error_id)
    logger.error("Unexpected error %s", error_id, exc_info=(type(cause), cause, cause.__traceback__))
    formatted = {key: value for key, value in formatted.items() if key in ("locations", "path")}
    formatted["message"] = f"Internal server error (error id {error_id})."
    formatted["extensions"] = {"code": "INTERNAL_SERVER_ERROR", "errorId": error_id}
    return formatted
