"""`api.core.loaders.dataloader`: one batch per round of queued keys, a cache per key, failures per key."""

from collections.abc import Sequence
from typing import Any

import pytest

from api.core.loaders.dataloader import Loaders


class Batches:
    """A batch function that records the keys of each call and answers ``key * 10``."""

    def __init__(self) -> None:
        self.calls: list[list[int]] = []

    def __call__(self, keys: list[int]) -> Sequence[Any]:
        self.calls.append(keys)
        return [key * 10 for key in keys]


def test_keys_queued_before_a_dispatch_share_one_batch_and_are_cached() -> None:
    batches = Batches()
    loaders = Loaders()
    loader = loaders.get("tens", batches)
    first, second, again = loader.load(1), loader.load(2), loader.load(1)

    assert again is first
    assert not first.done()
    first.deferred_callback()  # type: ignore[misc]  # what the execution context calls

    assert (first.result(), second.result()) == (10, 20)
    assert batches.calls == [[1, 2]]
    assert loader.load(2).result() == 20  # cached: no second batch
    assert batches.calls == [[1, 2]]


def test_the_registry_reuses_a_loader_by_key_and_dispatches_keys_queued_while_dispatching() -> None:
    tens, hundreds = Batches(), Batches()
    loaders = Loaders()
    assert loaders.get("tens", tens) is loaders.get("tens", Batches())
    chained = loaders.get("tens", tens).load(1)
    # A key queued by a callback of the first batch (a relation of a relation) is dispatched in the same call.
    later: list[Any] = []
    chained.add_done_callback(lambda: later.append(loaders.get("hundreds", hundreds).load(chained.result())))

    loaders.dispatch_all()

    assert later[0].result() == 100
    assert (tens.calls, hundreds.calls) == ([[1]], [[10]])


def test_a_failing_batch_fails_each_of_its_keys_and_forgets_them() -> None:
    attempts: list[list[int]] = []

    def flaky(keys: list[int]) -> Sequence[Any]:
        attempts.append(keys)
        if len(attempts) == 1:
            raise ConnectionError("database went away")
        return keys

    loaders = Loaders()
    loader = loaders.get("flaky", flaky)
    one, two = loader.load(1), loader.load(2)
    loaders.dispatch_all()

    assert isinstance(one.exception(), ConnectionError)
    assert isinstance(two.exception(), ConnectionError)
    retried = loader.load(1)  # not cached: asked again
    loaders.dispatch_all()
    assert retried.result() == 1


@pytest.mark.parametrize(
    ("answer", "failed"),
    [
        (lambda keys: [ValueError("bad key") if key == 2 else key for key in keys], {2}),
        (lambda keys: keys[:-1], {1, 2, 3}),  # one value short: every key fails
    ],
    ids=["an exception for one key", "a wrong number of values"],
)
def test_a_batch_may_fail_one_key_or_all(answer: Any, failed: set[int]) -> None:
    loaders = Loaders()
    loader = loaders.get("partial", answer)
    futures = {key: loader.load(key) for key in (1, 2, 3)}
    loaders.dispatch_all()

    assert {key for key, future in futures.items() if future.exception() is not None} == failed
