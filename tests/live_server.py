"""A real gunicorn on loopback for the tests that need one (fuzzing) and for the load scripts of tests/load.

gunicorn runs ``devops/gunicorn.conf.py`` with the production settings, bound to a free loopback port, against the
database and Redis it is given; `running_gunicorn` stops it (SIGTERM, then SIGKILL) when the block ends.
"""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

STARTUP_TIMEOUT = 30  # seconds for gunicorn to answer /healthz with every worker booted
STOP_TIMEOUT = 10  # seconds between SIGTERM and SIGKILL
# The host-wide bound on password checks (api/auth/password_checks.py) counts the holders of lock files in one
# directory. Production's default, /dev/shm, would be shared with any other checkout's suite running on the same
# machine, whose logins would then make ours RATE_LIMITED; this session's servers share a directory of their own.
PASSWORD_CHECK_LOCK_DIR = tempfile.mkdtemp(prefix="reservation-password-checks-")


class ServerFailed(RuntimeError):
    """gunicorn exited or never became healthy; the message ends with its log."""


@dataclass
class Server:
    """A running gunicorn: its base URL and its log (stdout and stderr)."""

    url: str
    log: IO[bytes]

    def log_tail(self, size: int = 8000) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-size:]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that the OS says is free."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def production_environment(database_url: str, redis_url: str, signing_key: str, **extra: str) -> dict[str, str]:
    """The environment of a production-settings process on loopback (plain HTTP, no TLS in front)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("GUNICORN_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="settings.production",
        DJANGO_SECRET_KEY="test-only-secret-key",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_COOKIES="0",
        DATABASE_URL=database_url,
        JWT_SIGNING_KEY=signing_key,
        REDIS_URL=redis_url,
        PYTHONUNBUFFERED="1",
        PASSWORD_CHECK_LOCK_DIR=PASSWORD_CHECK_LOCK_DIR,
    )
    env.update(extra)
    env.pop("GUNICORN_CONTROL_SOCKET", None)
    return env


@contextmanager
def running_gunicorn(
    env: dict[str, str], workers: int = 3, threads: int = 4, code_dir: Path | None = None
) -> Iterator[Server]:
    """Run gunicorn from ``code_dir`` (the repository by default) with ``env``; yield it once healthy."""
    root = code_dir or Path(__file__).resolve().parents[1]
    port = free_port()
    env = {
        **env,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(workers),
        "GUNICORN_THREADS": str(threads),
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        str(root / "devops" / "gunicorn.conf.py"),
        "settings.wsgi:application",
    ]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
        server = Server(url=f"http://127.0.0.1:{port}", log=log)
        try:
            _wait_until_ready(process, server, workers)
            yield server
        finally:
            _stop(process)


def _wait_until_ready(process: "subprocess.Popen[bytes]", server: Server, workers: int) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerFailed(f"gunicorn exited with {process.returncode} during start-up:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(server.url + "/healthz", timeout=2) as response:
                healthy = response.status == 200
        except (OSError, urllib.error.URLError):
            healthy = False
        if healthy and server.log_tail(10**6).count("Booting worker with pid") >= workers:
            return
        time.sleep(0.1)
    raise ServerFailed(f"gunicorn did not become healthy within {STARTUP_TIMEOUT}s:\n{server.log_tail()}")


def _stop(process: "subprocess.Popen[bytes]") -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(STOP_TIMEOUT)
