"""DataLoaders: batch the relation lookups of one GraphQL request so that no request does N+1 queries.

The mechanism is our own code (derived from graphql-sync-dataloaders 0.1.1, MIT: see
LICENSE-graphql-sync-dataloaders here), synchronous, with no event loop:

- `futures`: `Future`, a value a batch settles later, and `then`;
- `dataloader`: `DataLoader` and `Loaders`, the registry of one request's loaders (`api.core.context`);
- `execution`: the graphql-core `ExecutionContext` that completes fields whose resolvers return futures once
  each level's batches have run, with `plans` of what each field needs worked out once per operation;
- `records` and `pages`: the loaders the schema uses, rows by primary key and pages of nested connections.
"""

from .dataloader import DataLoader, Loaders
from .execution import ExecutionContext
from .futures import Future, then
from .plans import source_only

__all__ = ["DataLoader", "ExecutionContext", "Future", "Loaders", "source_only", "then"]
