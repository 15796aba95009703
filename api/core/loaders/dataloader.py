"""DataLoaders and the per-request registry that dispatches them, level by level of the query.

Derived from graphql-sync-dataloaders 0.1.1's ``SyncDataLoader`` (MIT; see LICENSE-graphql-sync-dataloaders
here), with two changes:

- a failing batch fails only the fields that asked for it: every waiting future gets the exception, so
  GraphQL reports a field error with its path and keeps the rest of the response (upstream let it escape
  the execution, turning the whole response into an HTTP 400 without ``data``);
- loaders belong to a `Loaders` registry, whose `Loaders.dispatch_all` is every pending future's deferred
  callback: it dispatches every loader with queued keys, again and again until none has any, so keys queued
  while an earlier batch settles (a reservation's provider, through its slot) and keys queued by different
  branches of one query level share batches.
"""

from collections.abc import Callable, Hashable, Sequence
from typing import Any

from .futures import Future

BatchLoadFn = Callable[[list[Any]], Sequence[Any]]
"""Takes the queued keys; returns one value (or an Exception for that key alone) per key, in the same order."""


class DataLoader:
    """Batches and caches the lookups of one kind (``batch_load_fn``) for one request."""

    def __init__(self, batch_load_fn: BatchLoadFn, registry: "Loaders") -> None:
        self._batch_load_fn = batch_load_fn
        self._registry = registry
        self._cache: dict[Hashable, Future[Any]] = {}
        self._queue: list[tuple[Hashable, Future[Any]]] = []

    @property
    def pending(self) -> bool:
        """Whether keys are waiting for the next batch."""
        return bool(self._queue)

    def load(self, key: Hashable) -> Future[Any]:
        """A future of ``key``'s value: the cached one, or a new one whose key joins the next batch."""
        future = self._cache.get(key)
        if future is None:
            future = self._cache[key] = Future()
            future.deferred_callback = self._registry.dispatch_all
            self._queue.append((key, future))
        return future

    def clear(self, key: Hashable) -> None:
        """Forget ``key``'s cached value: the next `load` asks the batch function again."""
        self._cache.pop(key, None)

    def dispatch(self) -> None:
        """Run the batch function once for every queued key and settle their futures."""
        queue, self._queue = self._queue, []
        if not queue:
            return
        keys = [key for key, _ in queue]
        try:
            values = self._batch_load_fn(keys)
            if len(values) != len(keys):
                raise ValueError(f"Batch function returned {len(values)} values for {len(keys)} keys.")
        except Exception as error:  # noqa: BLE001 - reported per field by the execution context
            for key, future in queue:
                self.clear(key)
                future.set_exception(error)
            return
        for (_, future), value in zip(queue, values, strict=True):
            if isinstance(value, Exception):
                future.set_exception(value)
            else:
                future.set_result(value)


class Loaders:
    """All loaders of one request, each created on first use under a key that names what it loads."""

    def __init__(self) -> None:
        self._loaders: dict[Hashable, DataLoader] = {}

    def get(self, key: Hashable, batch_load_fn: BatchLoadFn) -> DataLoader:
        """The loader registered under ``key``; made with ``batch_load_fn`` the first time it is asked for.

        ``key`` must identify everything the batch function depends on (model, filters, page size), since a
        later call with the same key reuses the first loader and ignores its ``batch_load_fn``.
        """
        loader = self._loaders.get(key)
        if loader is None:
            loader = self._loaders[key] = DataLoader(batch_load_fn, self)
        return loader

    def dispatch_all(self) -> None:
        """Dispatch queued keys, round after round, until no loader has any left.

        Each round dispatches every loader queued so far before looking again, so keys queued by different
        branches of the same query level share one batch.
        """
        while pending := [loader for loader in self._loaders.values() if loader.pending]:
            for loader in pending:
                loader.dispatch()
