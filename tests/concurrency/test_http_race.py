"""The real thing: 50 concurrent `reservationCreate` requests over HTTP to gunicorn, against PostgreSQL.

gunicorn runs as a subprocess on 127.0.0.1 with the production settings and `devops/gunicorn.conf.py`
(several processes, each with several threads), pointed at pytest-django's test database. The test is
transactional, so the rows it creates are committed and visible to gunicorn's own connections.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone
from graphql_relay import from_global_id, to_global_id

from api.auth.tokens import issue_access_token
from reservation.models import Client, Reservation
from tests.factories import make_provider, make_slot
from tests.services import redis_url

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

REPO = Path(settings.BASE_DIR)
GUNICORN_CONF = REPO / "devops" / "gunicorn.conf.py"
WORKERS = 3
THREADS = 4
REQUESTS = 50
STARTUP_TIMEOUT = 20  # seconds for gunicorn to answer /healthz
REQUEST_TIMEOUT = 20  # seconds per HTTP request
STOP_TIMEOUT = 10  # seconds between SIGTERM and SIGKILL

RESERVATION_CREATE = """
mutation($input: ReservationCreateInput!) {
  reservationCreate(input: $input) {
    reservation { id client { id } appointment { id } }
    errors { code field message }
  }
}
"""


@dataclass
class Server:
    url: str
    log: IO[bytes]

    def log_tail(self, size: int = 8000) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-size:]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def database_url_of_test_db() -> str:
    """pytest-django's test database (NAME is already the test_... name) as a DATABASE_URL."""
    db = connection.settings_dict
    assert db["ENGINE"] == "django.db.backends.postgresql"
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"


def gunicorn_command(port: int) -> tuple[list[str], dict[str, str]]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "settings.production",
        "DJANGO_SECRET_KEY": "test-only",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_COOKIES": "0",
        "DATABASE_URL": database_url_of_test_db(),
        # The tests' signing key, so that the tokens they issue are valid for the server.
        "JWT_SIGNING_KEY": settings.JWT_SIGNING_KEY,
        # Production counts rate limits in Redis; a database of its own keeps this run's counters apart.
        "REDIS_URL": redis_url(14),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(WORKERS),
        "GUNICORN_THREADS": str(THREADS),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("GUNICORN_CONTROL_SOCKET", None)
    command = [sys.executable, "-m", "gunicorn"]
    if GUNICORN_CONF.exists():
        # The config reads GUNICORN_BIND/WORKERS/THREADS; the flags repeat them in case it stops doing so.
        command += ["-c", str(GUNICORN_CONF)]
    command += [
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(WORKERS),
        "--threads",
        str(THREADS),
        "--worker-class",
        "gthread",
        "settings.wsgi:application",
    ]
    return command, env


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(STOP_TIMEOUT)


def wait_until_ready(process: subprocess.Popen[bytes], server: Server) -> None:
    """Wait (bounded) for /healthz to answer 200 and for every worker to have booted."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode} during start-up:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(server.url + "/healthz", timeout=2) as response:
                healthy = response.status == 200
        except (OSError, urllib.error.URLError):
            healthy = False
        if healthy and server.log_tail(10**6).count("Booting worker with pid") >= WORKERS:
            return
        time.sleep(0.1)
    pytest.fail(f"gunicorn did not become healthy within {STARTUP_TIMEOUT}s:\n{server.log_tail()}")


@pytest.fixture
def gunicorn() -> Iterator[Server]:
    """A gunicorn serving the test database; stopped (SIGTERM, then SIGKILL) before the database is flushed."""
    with tempfile.TemporaryFile() as log:
        port = free_port()
        command, env = gunicorn_command(port)
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        server = Server(url=f"http://127.0.0.1:{port}", log=log)
        try:
            wait_until_ready(process, server)
            yield server
        finally:
            stop(process)


@dataclass
class Response:
    status: int | None = None
    body: Any = None
    failure: str | None = None


def post_graphql(url: str, query: str, variables: dict[str, Any], token: str) -> Response:
    request = urllib.request.Request(
        url + "/graphql",
        data=json.dumps({"query": query, "variables": variables}).encode(),
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Authorization": f"Bearer {token}",
            # As nginx says after terminating TLS: production settings redirect plain HTTP to HTTPS.
            "X-Forwarded-Proto": "https",
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
            raw = response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        return Response(status=error.code, failure=error.read().decode(errors="replace")[:500])
    except OSError as error:  # URLError, timeouts, connection resets
        return Response(failure=repr(error))
    try:
        return Response(status=status, body=json.loads(raw))
    except ValueError:
        return Response(status=status, failure=raw.decode(errors="replace")[:500])


def test_concurrent_reservation_create_over_http_has_one_winner(gunicorn: Server):
    start = (timezone.now() + timedelta(days=2, hours=1)).replace(minute=0, second=0, microsecond=0)
    slot = make_slot(make_provider(), start)
    users = User.objects.bulk_create(User(username=f"http-client-{i}") for i in range(REQUESTS))
    clients = Client.objects.bulk_create(
        Client(user=user, first_name=f"Client{i}", last_name="Http") for i, user in enumerate(users)
    )
    # Each client signs in as themselves: reservationCreate without clientId reserves for the caller.
    tokens = [issue_access_token(user)[0] for user in users]
    slot_gid = to_global_id("AppointmentType", str(slot.pk))
    payloads = [{"input": {"appointmentId": slot_gid}} for _ in clients]

    barrier = threading.Barrier(REQUESTS + 1, timeout=REQUEST_TIMEOUT)
    responses = [Response() for _ in payloads]

    def send(index: int) -> None:
        try:
            barrier.wait()
            responses[index] = post_graphql(gunicorn.url, RESERVATION_CREATE, payloads[index], tokens[index])
        except BaseException as error:  # noqa: BLE001 - recorded and asserted on below
            responses[index] = Response(failure=repr(error))

    threads = [threading.Thread(target=send, args=(i,), daemon=True) for i in range(REQUESTS)]
    for thread in threads:
        thread.start()
    barrier.wait()  # release all 50 together and start the clock
    began = time.monotonic()
    for thread in threads:
        thread.join(REQUEST_TIMEOUT + 5)
    wall = time.monotonic() - began

    def context() -> str:
        return f"\n--- gunicorn log (tail) ---\n{gunicorn.log_tail()}"

    assert not any(thread.is_alive() for thread in threads), "a request thread did not finish" + context()
    statuses = Counter(response.status for response in responses)
    failures = [(response.status, response.failure) for response in responses if response.failure]
    assert statuses == {200: REQUESTS}, f"statuses {statuses}, failures {failures[:5]}" + context()

    results = [response.body["data"]["reservationCreate"] for response in responses]
    top_level_errors = [response.body.get("errors") for response in responses if response.body.get("errors")]
    assert not top_level_errors, f"top-level GraphQL errors: {top_level_errors[:3]}" + context()
    winners = [(i, result) for i, result in enumerate(results) if result["reservation"] is not None]
    losers = [result for result in results if result["reservation"] is None]
    codes = Counter(result["errors"][0]["code"] if result["errors"] else None for result in losers)
    assert len(winners) == 1, f"{len(winners)} winners, loser codes {codes}" + context()
    winner_index, winner = winners[0]
    assert winner["errors"] == []
    assert codes == {"SLOT_UNAVAILABLE": REQUESTS - 1}, f"loser codes {codes}" + context()
    assert all(len(result["errors"]) == 1 and result["errors"][0]["field"] == "appointmentId" for result in losers)

    stored = list(Reservation.objects.filter(appointment=slot))
    assert len(stored) == 1, f"{len(stored)} reservations stored for one slot" + context()
    assert from_global_id(winner["reservation"]["id"]) == ("ReservationType", str(stored[0].pk))
    assert stored[0].client_id == clients[winner_index].pk
    assert winner["reservation"]["client"]["id"] == to_global_id("ClientType", str(clients[winner_index].pk))
    assert winner["reservation"]["appointment"]["id"] == slot_gid

    five_xx = sum(1 for status in statuses.elements() if status is not None and status >= 500)
    print(
        f"\n{REQUESTS} concurrent reservationCreate over HTTP (gunicorn {WORKERS} workers x {THREADS} threads): "
        f"{len(winners)} winner, {codes['SLOT_UNAVAILABLE']} SLOT_UNAVAILABLE, {five_xx} 5xx, wall time {wall:.2f} s"
    )
