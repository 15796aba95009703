"""The request-scoped loader registry and the future plumbing shared by every loader."""

from collections.abc import Callable, Hashable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from django.utils import timezone
from graphene import ResolveInfo
from graphql_sync_dataloaders import SyncDataLoader, SyncFuture

T = TypeVar("T")
BatchLoadFn = Callable[[list[Any]], Sequence[Any]]


class DataLoader(SyncDataLoader):
    """`SyncDataLoader` whose failing batch fails only the fields that asked for it.

    Upstream lets an exception in the batch function escape execution, turning the whole response into an
    HTTP 400 without ``data``; here every waiting future gets the exception, so GraphQL reports a field error
    with its path and the rest of the response is kept.
    """

    _queue: list[tuple[Hashable, SyncFuture]]

    def __init__(self, batch_load_fn: BatchLoadFn, registry: "Loaders") -> None:
        super().__init__(batch_load_fn)
        self._registry = registry

    @property
    def pending(self) -> bool:
        """Whether keys are waiting for the next batch."""
        return bool(self._queue)

    def load(self, key: Hashable) -> SyncFuture:
        """Return a future for ``key``'s value; its lookup joins the next batch of this loader."""
        future = super().load(key)
        if not future.done():
            # Every pending future drains the whole registry, so loads made while an earlier batch resolves
            # (a reservation's provider through its appointment) are dispatched too.
            future.deferred_callback = self._registry.dispatch_all
        return future

    def dispatch_queue(self) -> None:
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
    """All loaders of one request, created on first use, plus the request's clock.

    ``now`` is read once per request so that every field of a response (availability, expiry, state) is
    judged at the same instant.
    """

    def __init__(self) -> None:
        self.now: datetime = timezone.now()
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
        """Dispatch queued keys level by level until no loader has any left.

        Each round dispatches every loader queued so far before looking again, so keys queued by different
        branches of the same query level share one batch.
        """
        while pending := [loader for loader in self._loaders.values() if loader.pending]:
            for loader in pending:
                loader.dispatch_queue()


def get_loaders(info: ResolveInfo) -> Loaders:
    """The request's `Loaders` (the view attaches them to the request used as GraphQL context)."""
    loaders: Loaders = info.context.loaders
    return loaders


def then(future: SyncFuture, transform: Callable[[Any], Any]) -> SyncFuture:
    """A future of ``transform(value)`` once ``future`` has its value; ``transform`` may return a future.

    Exceptions, from ``future`` or from ``transform``, are passed on to the returned future.
    """
    result = SyncFuture()
    result.deferred_callback = future.deferred_callback

    def settle(source: SyncFuture, into: SyncFuture) -> None:
        try:
            into.set_result(source.result())
        except Exception as error:  # noqa: BLE001 - handed on, reported by GraphQL as a field error
            into.set_exception(error)

    def on_done() -> None:
        try:
            value = transform(future.result())
        except Exception as error:  # noqa: BLE001
            result.set_exception(error)
            return
        if isinstance(value, SyncFuture):
            if result.deferred_callback is None:
                result.deferred_callback = value.deferred_callback
            if value.done():
                settle(value, result)
            else:
                value.add_done_callback(lambda: settle(value, result))
        else:
            result.set_result(value)

    if future.done():
        on_done()
    else:
        future.add_done_callback(on_done)
    return result
