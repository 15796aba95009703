"""A PostgreSQL server of the devops tests' own, shared by the modules that need one (see tests/devops/stack.py)."""

import signal
from collections.abc import Iterator

import pytest

from tests.devops.stack import PostgreSQL, create_staff, start_postgresql, stop_process, temporary_directory

STAFF = ("stack-staff", "stack-staff-password-2030")


@pytest.fixture(scope="session")
def stack_postgresql() -> Iterator[PostgreSQL]:
    """A throwaway PostgreSQL with the schema migrated and a staff user (`STAFF`), frozen by some tests."""
    for base in temporary_directory():
        server = start_postgresql(base)
        try:
            create_staff(server, *STAFF)
            yield server
        finally:
            stop_process(server.process, signal.SIGINT)
