"""The GraphQL HTTP endpoint, /graphql: graphene-django's view behind the checks of the API's edge.

A request meets these checks in this order. Each refusal is a JSON body ``{"errors": [{"message": ...,
"extensions": {"code": ...}}]}`` and nothing runs; every setting named is in settings/base.py's GraphQL-edge block.

1. Method: GET or POST, else 405 (graphene-django).
2. Media type: a POST body must be ``application/json``, else 415 UNSUPPORTED_MEDIA_TYPE. Form encoding,
   multipart, text/plain and application/graphql are what a cross-site form or a "simple" fetch can send
   without a CORS preflight, and this endpoint is csrf_exempt, so they run nothing. A GET's body is ignored.
3. Body: one JSON object, of at most ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes (Django's, 2.5 MB; else 413
   QUERY_TOO_LARGE), nested at most ``GRAPHQL_MAX_JSON_DEPTH`` (32) levels. A list (a batch) is 400
   BATCHED_REQUESTS_NOT_SUPPORTED; anything else that is not an object, or not JSON, or nested deeper, is 400
   BAD_REQUEST (Python's JSON parser recurses: 1,000 levels, 2 KB, would otherwise be a RecursionError).
4. GraphiQL: a GET preferring text/html gets the GraphiQL page, when GraphiQL is on (``GRAPHIQL``).
5. Parameters: ``query`` and ``operationName`` must be strings and ``variables`` an object, nested at most
   ``GRAPHQL_MAX_JSON_DEPTH`` levels however they were sent (GET, or a JSON string) (400 BAD_REQUEST).
   A document named by hash (``documentId`` or Apollo's ``extensions.persistedQuery``) is looked up in the
   persisted query manifest (`api.http.persisted_queries`); an unknown hash is PERSISTED_QUERY_NOT_FOUND with
   HTTP 200, as Apollo Server answers, so that an APQ client sends the document in full next.
6. Size: a document over ``GRAPHQL_MAX_QUERY_BYTES`` bytes is 413 QUERY_TOO_LARGE, before any parsing.
7. Trusted documents: with ``GRAPHQL_PERSISTED_QUERIES_ONLY``, a document not in the manifest is 400
   PERSISTED_QUERY_NOT_FOUND.
8. Parsing stops after ``GRAPHQL_MAX_TOKENS`` tokens: 413 QUERY_TOO_LARGE; other syntax errors are 400
   GRAPHQL_PARSE_FAILED. A document is parsed, and validated (check 10), once per process and kept in a bounded LRU
   (`api.http.documents`), keyed on what the result depends on; execution always runs.
9. GET runs queries only: a mutation is 405 (graphene-django).
10. Validation: graphql-core's standard rules, then `api.http.limits` (QUERY_TOO_DEEP, TOO_MANY_SELECTIONS,
    TOO_MANY_ALIASES, QUERY_TOO_COMPLEX, with a lower cost ceiling for anonymous callers), no NUL in string
    literals (BAD_USER_INPUT) and, when ``GRAPHQL_INTROSPECTION`` is off, no ``__schema``/``__type``: 400,
    GRAPHQL_VALIDATION_FAILED unless the rule gives its own code. Then a query spends its cost from its address's
    read budget (`api.http.read_budget`): 429 RATE_LIMITED with Retry-After when it would overspend.
11. Execution: the GraphQL context is a fresh `api.core.context.RequestContext` (the caller, the request's
    instant, its DataLoaders), so nothing is shared between requests or threads; the execution context
    (`api.core.loaders.execution`) runs the DataLoaders' batches after each level of the query. GET runs
    queries only (check 9), and nothing a query runs writes to the database. With replicas configured, a query reads
    from one unless its caller wrote in the last few seconds, and from the primary if the replica fails it; a
    mutation always runs on the primary and marks its caller as a recent writer (`api.http.replica_reads`).
12. No cookie: the view does not set graphene-django's ``csrftoken`` cookie (nor ``Vary: Cookie``), not even on the
    GraphiQL page. The endpoint is csrf_exempt and ignores cookies (bearer tokens only, see
    `api.auth.middleware`), so the cookie protected nothing, and it made persisted GET queries uncacheable.
13. Errors are formatted by `api.core.errors.format_error` (codes; unexpected exceptions masked behind an id); with
    ``GRAPHQL_HIDE_SUGGESTIONS``, "Did you mean ...?" is cut from every message so that typos cannot map the
    schema.
"""

import json
import logging
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from graphene_django.views import GraphQLView as BaseGraphQLView
from graphene_django.views import HttpError
from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLSyntaxError,
    OperationType,
    execute,
    get_operation_ast,
)

from api.core.context import RequestContext
from api.core.errors import format_error
from api.core.loaders import ExecutionContext
from api.core.replicas import PRIMARY, mark_unavailable, reading_from
from api.http import documents, observability, persisted_queries, read_budget, replica_reads
from api.http.errors import is_outage, raise_outage
from api.http.text_input import NUL_MESSAGE

logger = logging.getLogger("api")
_SUGGESTION = re.compile(r" ?Did you mean [^?]*\?")
_TOO_MANY_TOKENS = re.compile(r"Document contains more than \d+ tokens")


class RequestRefused(HttpError):
    """A request refused at the edge, before GraphQL runs: its HTTP status and ``extensions.code``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(HttpResponse(status=status), message)
        self.code = code


def _bad_request(message: str) -> RequestRefused:
    return RequestRefused(400, "BAD_REQUEST", message)


def json_input_problem(value: Any, max_depth: int) -> RequestRefused | None:
    """Why the parsed JSON ``value`` (the body, or the variables) is refused, or None.

    Walks it once, iteratively (so that the walk cannot itself recurse too deep), and stops at the first problem:
    lists and objects nested more than ``max_depth`` levels (a scalar is level 0) or text that is not valid Unicode
    (a lone surrogate such as ``"\\ud800"``, which no database can store), both 400 BAD_REQUEST; or a NUL character,
    which PostgreSQL cannot store in text and Django's forms refuse, 400 BAD_USER_INPUT. Object keys count as text.
    """
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            problem = text_problem(item)
            if problem is not None:
                return problem
            continue
        if isinstance(item, dict):
            children: list[Any] = [*item.keys(), *item.values()]
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth + 1 > max_depth:
            return _bad_request(
                f"The JSON nests lists and objects more than {max_depth} levels deep (GRAPHQL_MAX_JSON_DEPTH)."
            )
        stack.extend((child, depth + 1) for child in children)
    return None


def text_problem(text: str) -> RequestRefused | None:
    """Why ``text`` of a request is refused (a NUL character, or not valid Unicode), or None."""
    if "\x00" in text:
        return RequestRefused(400, "BAD_USER_INPUT", NUL_MESSAGE)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _bad_request("Text must be valid Unicode: it holds a lone surrogate code point.")
    return None


# graphene-django decorates its dispatch with ensure_csrf_cookie (for its GraphiQL page); this view calls the
# undecorated method, so that /graphql sets no cookie (check 12).
_dispatch_without_csrf_cookie = BaseGraphQLView.dispatch.__wrapped__


class GraphQLView(BaseGraphQLView):
    """graphene-django's view with the edge's checks, request-scoped DataLoaders and masked unexpected errors."""

    execution_context_class = ExecutionContext
    # graphene-django's page with GraphiQL's scripts served from our static files, not a CDN (works offline).
    graphiql_template = "api/graphiql.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """graphene-django's dispatch without its ``ensure_csrf_cookie``: /graphql sets no cookie."""
        response: HttpResponse = _dispatch_without_csrf_cookie(self, request, *args, **kwargs)
        spending = getattr(request, "read_budget", None)
        if spending is not None and not spending.refused:
            read_budget.add_headers(response, spending)
        return response

    def render_graphiql(self, request: HttpRequest, **data: Any) -> HttpResponse:
        """The GraphiQL page, without the CSRF cookie its template's ``{% csrf_token %}`` would have set.

        GraphiQL sends the page's token as ``X-CSRFToken``; the endpoint is csrf_exempt and ignores it.
        """
        response: HttpResponse = super().render_graphiql(request, **data)
        request.META["CSRF_COOKIE_NEEDS_UPDATE"] = False
        return response

    def get_context(self, request: HttpRequest) -> RequestContext:
        """The GraphQL context: a fresh `RequestContext` (caller, clock, DataLoaders) for every request."""
        return RequestContext(request)

    @staticmethod
    def format_error(error: Exception) -> dict[str, Any]:
        if isinstance(error, RequestRefused):
            formatted = {"message": error.message, "extensions": {"code": error.code}}
        else:
            formatted = format_error(error)
        if settings.GRAPHQL_HIDE_SUGGESTIONS and isinstance(formatted.get("message"), str):
            formatted["message"] = _SUGGESTION.sub("", formatted["message"])
        return formatted

    @classmethod
    def can_display_graphiql(cls, request: HttpRequest, data: dict[str, Any]) -> bool:
        # The URL conf passes GRAPHIQL when it is imported; reading it again here lets a test switch it off.
        return bool(settings.GRAPHIQL) and bool(super().can_display_graphiql(request, data))

    def spend_read_budget(self, request: HttpRequest, query: str, operation_name: str | None, variables: Any) -> None:
        """Charge a query's cost to its address's read budget (`api.http.read_budget`); 429 when overspent.

        ``variables`` are the request's integer variables (`api.http.documents.integer_variables`)."""
        cost = documents.cost(self.schema.graphql_schema, query, operation_name, variables)
        spending = read_budget.charge(request, cost)
        if spending is None:
            return
        request.read_budget = spending  # type: ignore[attr-defined]
        if spending.refused:
            refusal = RequestRefused(
                429,
                "RATE_LIMITED",
                f"This query costs {cost} points and {spending.remaining} of this address's"
                f" {spending.limit} points are left until the minute ends: retry after the Retry-After seconds, or"
                " ask for smaller pages.",
            )
            read_budget.add_headers(refusal.response, spending)
            raise refusal

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        """The request's JSON object: checks 2 and 3 of the module's list."""
        if request.method != "POST":
            return {}
        content_type = self.get_content_type(request)
        if content_type != "application/json":
            raise RequestRefused(
                415,
                "UNSUPPORTED_MEDIA_TYPE",
                f"POST a JSON body with Content-Type: application/json (received {content_type or 'none'}).",
            )
        try:
            body = request.body
        except RequestDataTooBig:
            raise RequestRefused(
                413,
                "QUERY_TOO_LARGE",
                f"The request body is over {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes (DATA_UPLOAD_MAX_MEMORY_SIZE).",
            ) from None
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise _bad_request("POST body sent invalid JSON.") from None
        except RecursionError:
            raise _bad_request(
                f"The JSON nests lists and objects more than {settings.GRAPHQL_MAX_JSON_DEPTH} levels deep"
                " (GRAPHQL_MAX_JSON_DEPTH)."
            ) from None
        problem = json_input_problem(data, settings.GRAPHQL_MAX_JSON_DEPTH)
        if problem is not None:
            raise problem
        if isinstance(data, list):
            raise RequestRefused(
                400,
                "BATCHED_REQUESTS_NOT_SUPPORTED",
                "Batched requests are not supported: send one operation per request, as a JSON object.",
            )
        if not isinstance(data, dict):
            raise _bad_request("The request body must be a JSON object with a `query`.")
        return data

    def get_graphql_params(self, request: HttpRequest, data: dict[str, Any]) -> tuple[Any, Any, Any, Any]:
        """``query``, ``variables``, ``operationName`` and ``id``, checked; a document named by hash is looked up."""
        # graphene-django parses variables sent as a JSON string itself (any failure, too deep included: 400).
        query, variables, operation_name, id_ = super().get_graphql_params(request, data)
        if query is not None and not isinstance(query, str):
            raise _bad_request("`query` must be a string.")
        if not variables:
            variables = None
        elif not isinstance(variables, dict):
            raise _bad_request("`variables` must be a JSON object.")
        else:
            problem = json_input_problem(variables, settings.GRAPHQL_MAX_JSON_DEPTH)
            if problem is not None:
                raise problem
        if operation_name is not None and not isinstance(operation_name, str):
            raise _bad_request("`operationName` must be a string.")
        try:
            sha256 = persisted_queries.requested_hash(request.GET if request.method == "GET" else data)
        except persisted_queries.InvalidPersistedQuery as error:
            raise _bad_request(str(error)) from None
        if sha256 is not None:
            if not query:
                query = persisted_queries.lookup(sha256)
                if query is None:
                    refusal = RequestRefused(200, "PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound")
                    refusal.response["Cache-Control"] = "private, no-cache, must-revalidate"
                    raise refusal
            elif persisted_queries.document_hash(query) != sha256:
                raise _bad_request("The document's SHA-256 hash does not match the hash sent with it.")
        return query, variables, operation_name, id_

    def execute_graphql_request(
        self,
        request: HttpRequest,
        data: dict[str, Any],
        query: str | None,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        show_graphiql: bool = False,
    ) -> ExecutionResult | None:
        """graphene-django's parse, operation check, validation and execution; what differs is marked "Ours".

        Left out of graphene-django's version: its schema check on every request (graphql-core's ``validate``
        checks the schema itself, once) and its ``ATOMIC_MUTATIONS`` branch (every mutation runs in its own
        transaction: `api.core.mutation.DomainMutation`).
        """
        if not query:
            # graphene-django's: GraphiQL's page, or "Must provide query string."
            empty: ExecutionResult | None = super().execute_graphql_request(
                request, data, query, variables, operation_name, show_graphiql
            )
            return empty
        self._check_document(query)  # Ours: checks 6 and 7, before any parsing.
        try:
            document = documents.parsed(query)  # Ours: check 8's token limit; parsed once per process (LRU).
        except GraphQLSyntaxError as error:
            if _TOO_MANY_TOKENS.search(error.message):
                raise RequestRefused(
                    413,
                    "QUERY_TOO_LARGE",
                    f"The query document has more than {settings.GRAPHQL_MAX_TOKENS} tokens, the limit.",
                ) from None
            return ExecutionResult(data=None, errors=[error])

        operation_ast = get_operation_ast(document, operation_name)
        observability.record_operation(operation_ast, operation_name)  # Ours: metrics by operation.
        if request.method == "GET" and operation_ast is not None and operation_ast.operation != OperationType.QUERY:
            if show_graphiql:
                return None
            raise HttpError(
                HttpResponseNotAllowed(
                    ["POST"], f"Can only perform a {operation_ast.operation.value} operation from a POST request."
                )
            )

        schema = self.schema.graphql_schema
        hide_suggestions = bool(settings.GRAPHQL_HIDE_SUGGESTIONS)  # Ours: check 13.
        anonymous = not request.user.is_authenticated
        # Ours: check 10's limits see the page sizes among the variables and whether the caller is anonymous; the
        # result is kept per document and those (api.http.documents).
        page_sizes = documents.integer_variables(variables)
        validation_errors = documents.validation_errors(schema, query, page_sizes, anonymous, hide_suggestions)
        if validation_errors:
            return ExecutionResult(data=None, errors=list(validation_errors))
        if operation_ast is not None and operation_ast.operation == OperationType.QUERY:
            self.spend_read_budget(request, query, operation_name, page_sizes)  # Ours: check 10's read budget.

        is_query = operation_ast is not None and operation_ast.operation == OperationType.QUERY
        replica = replica_reads.replica_for_query(request) if is_query else None  # Ours: check 11's replica.
        if replica is not None:
            try:
                observability.record_read_database(replica)
                with reading_from(replica):
                    return self._execute(request, document, variables, operation_name, hide_suggestions)
            except Exception as error:
                if not is_outage(error):
                    raise
                # A replica that is down, too slow or cancelled the query (a conflict with recovery): the primary
                # answers, and the replica is left out for a few seconds.
                mark_unavailable(replica)
                logger.warning("replica %s failed a query; reading from the primary", replica, exc_info=True)
                observability.record_read_database(PRIMARY)
        try:
            return self._execute(request, document, variables, operation_name, hide_suggestions)
        finally:
            if not is_query:
                replica_reads.mark_recent_writer(request)  # Ours: read-your-writes after every mutation.

    def _execute(
        self,
        request: HttpRequest,
        document: DocumentNode,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        hide_suggestions: bool,
    ) -> ExecutionResult:
        """graphql-core's execution with our context and execution context; outages raised, other errors masked."""
        try:
            result: ExecutionResult = execute(  # type: ignore[assignment]  # synchronous: never awaitable here
                self.schema.graphql_schema,
                document,
                root_value=self.get_root_value(request),
                context_value=self.get_context(request),  # Ours: a RequestContext, not the HttpRequest.
                variable_values=variables,
                operation_name=operation_name,
                middleware=self.get_middleware(request),
                execution_context_class=self.execution_context_class,
                hide_suggestions=hide_suggestions,
            )
            # Ours: an outage fails the request as a whole (HTTP 503, api.http.errors), its mutation rolled back.
            raise_outage(result.errors)
        except Exception as error:  # as graphene-django: reported through format_error, masked (outages: 503)
            if is_outage(error):
                raise
            return ExecutionResult(errors=[error])  # type: ignore[list-item]
        return result

    @staticmethod
    def _check_document(query: str) -> None:
        """Checks 6 (size) and 7 (trusted documents only) of the module's list."""
        size = len(query.encode("utf-8"))
        if size > settings.GRAPHQL_MAX_QUERY_BYTES:
            raise RequestRefused(
                413,
                "QUERY_TOO_LARGE",
                f"The query document is {size} bytes; the limit is {settings.GRAPHQL_MAX_QUERY_BYTES} bytes.",
            )
        if settings.GRAPHQL_PERSISTED_QUERIES_ONLY and not persisted_queries.is_trusted(query):
            raise RequestRefused(
                400,
                "PERSISTED_QUERY_NOT_FOUND",
                "Only persisted (trusted) documents run here: send one of the documents of the persisted query"
                " manifest exactly, or its SHA-256 hash.",
            )
