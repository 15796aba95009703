"""The GraphQL execution context: graphql-sync-dataloaders' deferred execution, fitted to graphql-core 3.2.14."""

from collections.abc import Sequence

from graphql import GraphQLError, GraphQLOutputType
from graphql.pyutils import Path
from graphql_sync_dataloaders import DeferredExecutionContext


def _as_path(keys: Sequence[str | int]) -> Path | None:
    """Rebuild a response path (as graphql-core links it) from its list of keys."""
    path: Path | None = None
    for key in keys:
        path = Path(path, key, None)
    return path


class ExecutionContext(DeferredExecutionContext):
    """Runs synchronous DataLoader futures after each level of a query.

    graphql-sync-dataloaders 0.1.1 (2022) calls ``handle_field_error(error, return_type)``, but graphql-core
    3.2.14 added a required ``path`` argument; without this shim the first field error of a response would
    raise TypeError and fail the whole request. The path is rebuilt from the located error.
    """

    def handle_field_error(self, error: GraphQLError, return_type: GraphQLOutputType, path: Path | None = None) -> None:
        if path is None and error.path is not None:
            path = _as_path(error.path)
        super().handle_field_error(error, return_type, path)
