"""What django-silk (development only, settings/development.py) may store of a GraphQL request: no secret.

silk records each request's headers and body and each response's body in its database, shown at /silk/. It masks
the ``Authorization`` header and JSON keys that look sensitive, but not a password passed in a variable of any
other name (``mutation($p: String!) { tokenCreate(input: {username: "a", password: $p}) ... }``), a password
written into the document itself, or the tokens of a response. So, around silk's middleware:

- `SilkRedactionMiddleware` (just before silk in ``MIDDLEWARE``) hands silk a copy of a /graphql JSON body in which
  every argument or input field whose name says password, token or secret is masked: written in the document, it
  is replaced there; passed in a variable, that variable's value is, whatever the variable's name. Any key of the
  variables that says so is masked as well. On the way back it gives the client the real response.
- `SilkRestoreMiddleware` (just after silk) gives the view the real body, and gives silk a copy of the response in
  which every JSON key that says password, token, secret or feed URL is masked (``accessToken``, ``refreshToken``,
  ``calendarFeedUrl``, whose URL is a credential).

A body that is not JSON, or not a GraphQL document, is stored as "[not recorded]".
"""

import io
import json
import re
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from graphql import (
    ArgumentNode,
    GraphQLError,
    ObjectFieldNode,
    StringValueNode,
    Visitor,
    parse,
    print_ast,
    visit,
)
from graphql import (
    VariableNode as GraphQLVariable,
)

MASK = "********"
NOT_RECORDED = b'"[not recorded]"'
SENSITIVE = re.compile(r"password|passwd|token|secret|authorization|feedurl", re.IGNORECASE)
GRAPHQL_PREFIX = "/graphql"


class _SensitiveArguments(Visitor):
    """Masks sensitive literals in the document and collects the variables bound to sensitive arguments."""

    def __init__(self) -> None:
        super().__init__()
        self.variables: set[str] = set()

    def _check(self, node: ArgumentNode | ObjectFieldNode) -> Any:
        if not SENSITIVE.search(node.name.value):
            return None
        if isinstance(node.value, GraphQLVariable):
            self.variables.add(node.value.name.value)
            return None
        masked = StringValueNode(value=MASK)
        return node.__class__(name=node.name, value=masked)

    def enter_argument(self, node: ArgumentNode, *_: Any) -> Any:
        return self._check(node)

    def enter_object_field(self, node: ObjectFieldNode, *_: Any) -> Any:
        return self._check(node)


def mask_keys(value: Any) -> Any:
    """``value`` with every dictionary key that looks sensitive masked, at any depth."""
    if isinstance(value, dict):
        return {key: MASK if SENSITIVE.search(str(key)) else mask_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [mask_keys(item) for item in value]
    return value


def redact_request_body(body: bytes) -> bytes:
    """The JSON body of a GraphQL request with every password, token and secret masked (see the module)."""
    try:
        data = json.loads(body)
    except ValueError:
        return NOT_RECORDED
    if not isinstance(data, dict):
        return NOT_RECORDED
    raw_variables = data.get("variables")
    variables: dict[str, Any] = raw_variables if isinstance(raw_variables, dict) else {}
    query = data.get("query")
    if isinstance(query, str):
        try:
            document = parse(query)
        except GraphQLError:
            return NOT_RECORDED
        visitor = _SensitiveArguments()
        data["query"] = print_ast(visit(document, visitor))
        variables = {name: MASK if name in visitor.variables else value for name, value in variables.items()}
    if "variables" in data:
        data["variables"] = mask_keys(variables)
    if "extensions" in data:
        data["extensions"] = mask_keys(data["extensions"])
    return json.dumps(data).encode()


def redact_response_body(content: bytes) -> bytes:
    """A JSON response body with every sensitive key masked."""
    try:
        return json.dumps(mask_keys(json.loads(content))).encode()
    except ValueError:
        return NOT_RECORDED


def _is_graphql(request: HttpRequest) -> bool:
    return request.path_info.startswith(GRAPHQL_PREFIX) and request.method == "POST"


class SilkRedactionMiddleware:
    """Before silk: silk reads a redacted copy of the request; the client gets the real response back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _is_graphql(request):
            return self.get_response(request)
        original = request.body
        request._silk_original_body = original  # type: ignore[attr-defined]
        request._body = redact_request_body(original)
        response = self.get_response(request)
        real = getattr(response, "_silk_original_content", None)
        if real is not None:
            response.content = real
        return response


class SilkRestoreMiddleware:
    """After silk: the view reads the real request; silk reads a redacted copy of the response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        original = getattr(request, "_silk_original_body", None)
        if original is None:
            return self.get_response(request)
        request._body = original
        request._stream = io.BytesIO(original)
        response = self.get_response(request)
        if not response.streaming:
            response._silk_original_content = response.content  # type: ignore[attr-defined]
            response.content = redact_response_body(response.content)
        return response
