"""Races: calls run at once in real threads, each with its own database connection (PostgreSQL tests).

Real time, not freezegun (which is not thread-safe): `future_start` gives slot starts a few days ahead on the
15-minute grid, so every reservation passes the 24-hour notice rule.
"""

import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.utils import timezone

from reservation import rules
from reservation.errors import DomainError

TIMEOUT = 30  # seconds: a barrier or a thread that takes longer than this is a failure, not a hang


@dataclass
class Outcome:
    """What one thread's call did: returned ``value``, raised ``domain_error``, or crashed (``crash``)."""

    value: Any = None
    domain_error: DomainError | None = None
    crash: str | None = None


def race(calls: list[Callable[[], Any]]) -> list[Outcome]:
    """Run every call in its own thread, released together by a barrier; return their outcomes in order.

    Each thread opens its database connection before the barrier (so that the race is on the rows, not on
    connecting) and closes it at the end.
    """
    barrier = threading.Barrier(len(calls), timeout=TIMEOUT)
    outcomes = [Outcome() for _ in calls]

    def run(index: int, call: Callable[[], Any]) -> None:
        outcome = outcomes[index]
        try:
            connection.ensure_connection()
            barrier.wait()
            outcome.value = call()
        except DomainError as error:
            outcome.domain_error = error
        except BaseException:  # noqa: BLE001 - any other exception is exactly what the test looks for
            outcome.crash = traceback.format_exc()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call), daemon=True) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish in time"
    return outcomes


def assert_no_crash(outcomes: list[Outcome]) -> None:
    crashes = [outcome.crash for outcome in outcomes if outcome.crash]
    assert not crashes, f"{len(crashes)} thread(s) raised something other than DomainError:\n" + "\n".join(crashes)


def future_start(days: int = 3) -> datetime:
    """A slot start ``days`` ahead of the real clock, on the slot grid (15 minutes)."""
    slot_seconds = int(rules.slot_duration().total_seconds())
    start = timezone.now() + timedelta(days=days)
    epoch = int(start.timestamp())
    return start.replace(microsecond=0) - timedelta(seconds=epoch % slot_seconds)


def race_values(calls: list[Callable[[], Any]]) -> list[Any]:
    """`race` the calls and return what each returned, in order, asserting that none raised anything."""
    outcomes = race(calls)
    assert_no_crash(outcomes)
    refused = [outcome.domain_error for outcome in outcomes if outcome.domain_error is not None]
    assert not refused, refused
    return [outcome.value for outcome in outcomes]
