"""Synchronous futures: a value that a DataLoader's batch will settle later in the same request.

Derived from graphql-sync-dataloaders 0.1.1's ``SyncFuture`` (MIT; see LICENSE-graphql-sync-dataloaders here).
No event loop and no threads: a future is settled by code running on the request's own thread, when the
execution context (`api.core.loaders.execution`) calls the future's ``deferred_callback`` after a level of
the query has been resolved.
"""

from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class InvalidStateError(Exception):
    """A future was read before it was settled, or settled twice."""


class Future(Generic[T]):
    """A value (or an exception) that is not known yet.

    ``deferred_callback`` is what must run for the future to be settled (a loader registry's dispatch); the
    execution context calls it once the current level of the query has queued all its keys.
    """

    __slots__ = ("_callbacks", "_done", "_exception", "_result", "deferred_callback")

    def __init__(self) -> None:
        self._done = False
        self._result: T | None = None
        self._exception: Exception | None = None
        self._callbacks: list[Callable[[], None]] = []
        self.deferred_callback: Callable[[], None] | None = None

    def done(self) -> bool:
        """Whether the value or exception is known."""
        return self._done

    def result(self) -> T:
        """The value; raises the exception the future was settled with, or `InvalidStateError` if pending."""
        if not self._done:
            raise InvalidStateError("The future is not settled yet.")
        if self._exception is not None:
            raise self._exception
        return self._result  # type: ignore[return-value]

    def exception(self) -> Exception | None:
        """The exception the future was settled with, or None; `InvalidStateError` if pending."""
        if not self._done:
            raise InvalidStateError("The future is not settled yet.")
        return self._exception

    def add_done_callback(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` once the future is settled (at once if it already is)."""
        if self._done:
            callback()
        else:
            self._callbacks.append(callback)

    def set_result(self, value: T) -> None:
        """Settle the future with ``value``."""
        self._settle(value, None)

    def set_exception(self, exception: Exception) -> None:
        """Settle the future with ``exception``: `result` raises it."""
        self._settle(None, exception)

    def _settle(self, value: T | None, exception: Exception | None) -> None:
        if self._done:
            raise InvalidStateError("The future is already settled.")
        self._result, self._exception, self._done = value, exception, True
        callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()


def then(future: Future[Any], transform: Callable[[Any], Any]) -> Future[Any]:
    """A future of ``transform(value)`` once ``future`` has its value; ``transform`` may return a future.

    Exceptions, from ``future`` or from ``transform``, are passed on to the returned future. The result keeps
    the deferred callback of ``future`` (or, once known, of the future ``transform`` returned), so that the
    execution context still knows how to settle it.
    """
    result: Future[Any] = Future()
    result.deferred_callback = future.deferred_callback

    def settle_from(source: Future[Any]) -> None:
        error = source.exception()
        if error is not None:
            result.set_exception(error)
        else:
            result.set_result(source.result())

    def on_done() -> None:
        try:
            value = transform(future.result())
        except Exception as error:  # noqa: BLE001 - handed on, reported by GraphQL as a field error
            result.set_exception(error)
            return
        if isinstance(value, Future):
            if result.deferred_callback is None:
                result.deferred_callback = value.deferred_callback
            value.add_done_callback(lambda: settle_from(value))
        else:
            result.set_result(value)

    future.add_done_callback(on_done)
    return result
