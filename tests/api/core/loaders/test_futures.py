"""`api.core.loaders.futures`: settling, reading and chaining synchronous futures."""

import pytest

from api.core.loaders.futures import Future, InvalidStateError, then


def test_a_future_is_read_once_settled_and_settled_once() -> None:
    future: Future[int] = Future()
    assert not future.done()
    with pytest.raises(InvalidStateError):
        future.result()

    future.set_result(3)

    assert (future.done(), future.result(), future.exception()) == (True, 3, None)
    with pytest.raises(InvalidStateError):
        future.set_result(4)


def test_an_exception_is_raised_by_result() -> None:
    future: Future[int] = Future()
    error = ValueError("no")
    future.set_exception(error)

    assert future.exception() is error
    with pytest.raises(ValueError, match="no"):
        future.result()


def test_callbacks_run_when_settled_or_at_once_if_already_settled() -> None:
    calls: list[str] = []
    future: Future[int] = Future()
    future.add_done_callback(lambda: calls.append("first"))
    assert calls == []

    future.set_result(1)
    future.add_done_callback(lambda: calls.append("late"))

    assert calls == ["first", "late"]


def test_then_transforms_the_value_and_follows_a_returned_future() -> None:
    source: Future[int] = Future()
    inner: Future[str] = Future()
    chained = then(source, lambda value: inner if value == 2 else "other")

    source.set_result(2)
    assert not chained.done()
    inner.set_result("two")

    assert chained.result() == "two"
    done: Future[int] = Future()
    done.set_result(1)
    assert then(done, lambda value: "other").result() == "other"


def test_then_passes_on_exceptions_of_the_source_and_of_the_transform() -> None:
    failing: Future[int] = Future()
    passed_on = then(failing, lambda value: value)
    failing.set_exception(KeyError("gone"))

    def transform(value: int) -> int:
        raise ZeroDivisionError

    assert isinstance(passed_on.exception(), KeyError)
    done: Future[int] = Future()
    done.set_result(1)
    assert isinstance(then(done, transform).exception(), ZeroDivisionError)


def test_then_keeps_the_deferred_callback_of_its_source() -> None:
    def dispatch() -> None:
        return None

    source: Future[int] = Future()
    source.deferred_callback = dispatch

    assert then(source, str).deferred_callback is dispatch
