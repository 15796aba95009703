"""The GraphQL HTTP endpoint."""

from typing import Any

from django.http import HttpRequest
from graphene_django.views import GraphQLView as BaseGraphQLView

from api.errors import format_error
from api.execution import ExecutionContext
from api.loaders import Loaders


class GraphQLView(BaseGraphQLView):
    """graphene-django's view with request-scoped DataLoaders and masked unexpected errors.

    The execution context runs the synchronous DataLoaders' batches after each level of the query; each
    request gets its own `Loaders` (attached to the request, which is the GraphQL context), so nothing is
    shared between threads. Validation uses graphql-core's standard rules.
    """

    execution_context_class = ExecutionContext

    def get_context(self, request: HttpRequest) -> HttpRequest:
        request.loaders = Loaders()  # type: ignore[attr-defined]
        return request

    @staticmethod
    def format_error(error: Exception) -> dict[str, Any]:
        return format_error(error)
