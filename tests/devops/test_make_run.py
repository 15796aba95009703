"""`make run` takes PORT (default 8000) and says clearly when the port is taken, before doing any work."""

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.services import missing

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _needs_make() -> None:
    """Skip without make on a developer's machine; fail under CI (`tests.services.missing`)."""
    if shutil.which("make") is None:
        missing("make")


def make(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["make", *args], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)


def test_a_taken_port_is_reported_at_once_and_nothing_runs():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = time.monotonic()
        result = make("run", f"PORT={port}")
        elapsed = time.monotonic() - started

    assert result.returncode != 0
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "make run PORT=" in result.stderr
    # Nothing was installed, migrated or seeded.
    assert "pipenv" not in result.stdout + result.stderr
    assert "migrate" not in result.stdout
    assert elapsed < 5


def test_the_port_reaches_the_server():
    assert "runserver 127.0.0.1:8123" in make("-n", "run", "PORT=8123").stdout
    assert "runserver 127.0.0.1:8000" in make("-n", "run").stdout
