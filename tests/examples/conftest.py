"""Fixtures of the example tests. ``dev_server``: `make run` as a user runs it (migrate, seed_demo, runserver) on a
SQLite database of the test's own, on a free loopback port."""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live_server import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def dev_server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """`make run` on a database of its own: migrate, seed_demo, runserver on a free port."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(DJANGO_SETTINGS_MODULE="settings.development", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    env.pop("CI", None)
    manage = [sys.executable, str(ROOT / "manage.py")]
    for command in (["migrate", "--noinput", "-v", "0"], ["seed_demo"]):
        subprocess.run([*manage, *command], env=env, cwd=ROOT, check=True, capture_output=True, timeout=120)
    port = free_port()
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen(
        [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"], env=env, cwd=ROOT, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise AssertionError((tmp_path / "server.log").read_text())
        yield url, env
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)
        log.close()
