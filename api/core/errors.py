"""How failures reach GraphQL clients.

Expected failures (a rule said no) are `MutationError` entries in a mutation payload's ``errors`` list, each
with an `ErrorCode`, the input ``field`` at fault and a ``message``; the payload's object is then null.
Anything else is a top-level GraphQL error with ``extensions.code``; unexpected exceptions are logged with an
id and reach the client only as that id (see `format_error`).
"""

import json
import logging
import uuid
from typing import Any

import graphene
from django.core.exceptions import ValidationError as DjangoValidationError
from graphene.utils.str_converters import to_camel_case
from graphene_django.views import HttpError
from graphql import GraphQLError

from api.http import observability
from reservation.errors import DomainError, ErrorCode

logger = logging.getLogger("api")

ErrorCodeEnum = graphene.Enum.from_enum(ErrorCode, description="Why a mutation was refused.")


class MutationError(graphene.ObjectType):
    """An expected failure of a mutation: a scheduling rule or an input check said no. Nothing was written."""

    code = graphene.Field(ErrorCodeEnum, required=True, description="Machine-readable reason.")
    field = graphene.String(description="The input field at fault (camelCase), or null for the whole input.")
    message = graphene.String(required=True, description="Human-readable explanation, in English.")

    @classmethod
    def from_domain(cls, error: DomainError) -> "MutationError":
        """Translate a domain error (and count it: `api.http.observability`)."""
        observability.record_user_error(error.code.name)
        return cls(code=error.code, field=error.field, message=error.message)


def format_error(error: Exception) -> dict[str, Any]:
    """Format a top-level error for the response, adding ``extensions.code``.

    Requests the view refuses before GraphQL runs (no query, malformed JSON, a mutation over GET) get
    BAD_REQUEST with their reason; GraphQL's own errors (syntax, validation, variable coercion) keep their
    message and get GRAPHQL_PARSE_FAILED or GRAPHQL_VALIDATION_FAILED; invalid filter, pagination or
    global ID input gets BAD_USER_INPUT; every other exception is logged with a fresh id and reported as
    INTERNAL_SERVER_ERROR with that id, never with the exception's text.
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
            return formatted
        if isinstance(original, DjangoValidationError):
            formatted = dict(error.formatted)
            formatted["message"] = "; ".join(_validation_messages(original))
            formatted["extensions"] = {"code": "BAD_USER_INPUT"}
            return formatted
        return _internal(error, original, dict(error.formatted))
    return _internal(error, error, {})


def _validation_messages(error: DjangoValidationError) -> list[str]:
    """Readable messages of a Django validation error.

    graphene-django reports an invalid FilterSet as one message holding the form's errors as JSON; those
    become ``"argumentName: message"`` entries.
    """
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
