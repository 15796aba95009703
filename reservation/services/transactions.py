"""How a service takes its transaction: one of its own, or its caller's, all or nothing.

Every service runs its writes in `atomic()`. Called on its own (by a command, the admin, a test), that is a
transaction of its own, or a savepoint within its caller's: a refusal (`DomainError`) then undoes the service's
writes and only them. A caller that undoes everything it did when a service refuses (each GraphQL mutation:
`api.core.mutation`) runs the services inside `all_or_nothing()`: they then join its one transaction without
savepoints of their own, which spares two SQL statements per service, and a refusal rolls the whole of it back.

Blocks that recover from an error and go on keep Django's ``transaction.atomic()``: they need a real savepoint
either way. A block whose error becomes a refusal that ends the service (an ``IntegrityError`` turned into
SLOT_UNAVAILABLE) can use `atomic()`: its caller's rollback undoes it.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction

_ALL_OR_NOTHING: ContextVar[bool] = ContextVar("all_or_nothing", default=False)


def atomic() -> transaction.Atomic:
    """The transaction of a service: a savepoint within its caller's, or none within `all_or_nothing`."""
    return transaction.atomic(savepoint=not _ALL_OR_NOTHING.get())


@contextmanager
def all_or_nothing() -> Iterator[None]:
    """One transaction around the block, which services join without savepoints: any exception leaving the
    block rolls all of it back; a caller that catches a refusal inside must call
    ``transaction.set_rollback(True)`` and run no more queries in the block."""
    token = _ALL_OR_NOTHING.set(True)
    try:
        with transaction.atomic():
            yield
    finally:
        _ALL_OR_NOTHING.reset(token)
