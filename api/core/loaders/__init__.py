"""DataLoaders: batch the relation lookups of one GraphQL request so that no request does N+1 queries.

Loaders are synchronous (`graphql-sync-dataloaders`' execution context runs them after each level of the
query) and belong to one request: `api.http.views.GraphQLView` makes a fresh `Loaders` per request, so nothing
is shared between gunicorn's threads.
"""

from .core import DataLoader, Loaders, get_loaders, then

__all__ = ["DataLoader", "Loaders", "get_loaders", "then"]
