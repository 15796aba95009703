"""Where the tests find the real services they talk to, and what happens when one is missing.

``TEST_REDIS_SERVER`` is ``host:port`` of a Redis server the tests may flush databases of (default
127.0.0.1:6379, the one CI starts), so that several checkouts can test side by side.

A test that needs a real part (Redis, nginx, PostgreSQL, a browser, a container runtime) calls `missing` when it
is not there: on a developer's machine the test is skipped with the reason; under CI (``CI`` set, as `.ci/run`
sets it) it fails, so that CI can never pass by skipping.
"""

import os
from typing import NoReturn

import pytest


def redis_url(database: int) -> str:
    """The URL of Redis database ``database`` on the tests' Redis server."""
    server = os.environ.get("TEST_REDIS_SERVER", "127.0.0.1:6379")
    return f"redis://{server}/{database}"


def under_ci() -> bool:
    """Whether the suite runs under CI (the ``CI`` environment variable is set and not empty or 0)."""
    return os.environ.get("CI", "") not in ("", "0", "false")


def missing(what: str) -> NoReturn:
    """Skip the calling test because ``what`` is missing, or fail it under CI."""
    if under_ci():
        pytest.fail(f"{what} is missing, and under CI every real part must be present.", pytrace=False)
    pytest.skip(f"{what} is missing (CI installs it)")
