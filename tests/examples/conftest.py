"""Fixtures of the example tests."""

from collections.abc import Iterator

import pytest
from django.core.cache import caches


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Iterator[None]:
    """Start each test with empty rate-limit counters.

    The counters live in a per-process cache, and under the frozen clock every test runs in the same
    one-minute window, so the logins of earlier tests would otherwise count towards the limits of later ones.
    """
    caches["ratelimit"].clear()
    yield
    caches["ratelimit"].clear()
