"""A rolling restart under load loses no request: two gunicorns behind Debian's nginx (devops/nginx/nginx.conf),
restarted one at a time the way devops/rolling-restart.sh does it in compose.

For each app server in turn: its upstream line is marked ``down`` in the included server list and nginx reloads
(old workers finish their requests), DRAIN seconds later the server gets SIGTERM (gunicorn finishes its requests)
and is started again, and once /readyz answers 200 it is put back and nginx reloads. Meanwhile clients send
authenticated GraphQL requests through nginx over TLS without pause. Every answer must be 200.
"""

import http.client
import signal
import ssl
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.devops.conftest import STAFF
from tests.devops.stack import (
    Gunicorn,
    PostgreSQL,
    gunicorn,
    login,
    start_pgbouncer,
    stop_process,
    temporary_directory,
)
from tests.devops.test_tls_nginx import NGINX, nginx_command, nginx_t, prepare, render_config, wait_listening
from tests.services import missing

pytestmark = pytest.mark.postgresql


@pytest.fixture(autouse=True, scope="module")
def _needs_nginx() -> None:
    """Skip without nginx on a developer's machine; fail under CI (`tests.services.missing`)."""
    if NGINX is None:
        missing("nginx")


CLIENTS = 4
DRAIN_SECONDS = 2.0
SERVER_OPTIONS = "max_fails=1 fail_timeout=5s"
VIEWER = b'{"query": "query Viewer { viewer { username } providers(first: 3) { edges { node { id } } } }"}'


def write_servers(path: Path, servers: list[Gunicorn], down: Gunicorn | None = None) -> None:
    """The server list that devops/rolling-restart.sh writes: every server by address, one of them `down`."""
    lines = [
        f"server 127.0.0.1:{server.port} {SERVER_OPTIONS}{' down' if server is down else ''};" for server in servers
    ]
    path.write_text("\n".join(lines) + "\n")


class Load:
    """Clients sending requests through nginx until stopped; every status (0: no answer) is counted."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.token = token
        self.statuses: Counter[int] = Counter()
        self.failures: list[str] = []
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.run) for _ in range(CLIENTS)]

    def run(self) -> None:
        # A connection per request: on a reload nginx's old workers close their idle keep-alive connections, and
        # a client that reuses one at that instant sees it closed before any answer (browsers and HTTP libraries
        # then resend on a new connection). What is measured here is whether nginx and the app servers lose a
        # request they were sent, so no client retries anything.
        context = ssl._create_unverified_context()  # noqa: S323 - the test's self-signed certificate
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {self.token}",
            "Connection": "close",
        }
        while not self.stopping.is_set():
            connection = http.client.HTTPSConnection("127.0.0.1", self.port, context=context, timeout=30)
            try:
                connection.request("POST", "/graphql", body=VIEWER, headers=headers)
                response = connection.getresponse()
                body = response.read()
                self.statuses[response.status] += 1
                if response.status != 200 or b'"errors"' in body:
                    self.failures.append(f"{response.status}: {body[:200]!r}")
            except (OSError, http.client.HTTPException) as error:
                self.statuses[0] += 1
                self.failures.append(repr(error))
            finally:
                connection.close()

    def __enter__(self) -> "Load":
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(60)


@pytest.fixture
def two_servers_behind_nginx(stack_postgresql: PostgreSQL) -> Iterator[tuple[list[Gunicorn], int, Path, int]]:
    for base in temporary_directory():
        bouncer = start_pgbouncer(base, stack_postgresql, pool_size=6)
        servers = [
            gunicorn(base, name, bouncer.url(), workers=2, threads=2, DATABASE_POOLER="pgbouncer")
            for name in ("app1", "app2")
        ]
        layout = prepare(base / "nginx")
        servers_file = base / "app-servers.conf"
        write_servers(servers_file, servers)
        config = render_config(layout).replace(f"server 127.0.0.1:{layout.upstream_port};", f"include {servers_file};")
        layout.conf.write_text(config)
        nginx = None
        try:
            for server in servers:
                server.start()
            checked = nginx_t(layout)
            assert checked.returncode == 0, checked.stderr
            log = layout.base / "nginx.log"
            with log.open("wb") as output:
                nginx = subprocess.Popen(
                    nginx_command(layout), stdout=output, stderr=subprocess.STDOUT, start_new_session=True
                )
            wait_listening(nginx, layout, log)
            yield servers, layout.https_port, servers_file, nginx.pid
        finally:
            if nginx is not None:
                stop_process(nginx)
            for server in servers:
                server.stop()
            stop_process(bouncer.process)


def reload_nginx(master: int) -> None:
    """What `nginx -s reload` does: SIGHUP to the master; new workers read the server list, old ones finish."""
    import os

    os.kill(master, signal.SIGHUP)
    time.sleep(0.5)


def test_restarting_one_app_server_at_a_time_under_load_fails_no_request(two_servers_behind_nginx):
    servers, https_port, servers_file, nginx_master = two_servers_behind_nginx
    token = login(servers[0].url, *STAFF)
    started = time.monotonic()
    with Load(https_port, token) as load:
        time.sleep(1)
        for server in servers:
            write_servers(servers_file, servers, down=server)
            reload_nginx(nginx_master)
            time.sleep(DRAIN_SECONDS)
            server.stop()
            server.start()
            write_servers(servers_file, servers)
            reload_nginx(nginx_master)
            time.sleep(1)
    seconds = time.monotonic() - started

    total = sum(load.statuses.values())
    print(
        f"\nrolling restart: {total} requests in {seconds:.1f} s by {CLIENTS} clients, "
        f"statuses {dict(load.statuses)}, failed {len(load.failures)}"
    )
    assert load.failures == []
    assert load.statuses[200] == total
    assert total > 50
    # Both servers were restarted (a new master each) and both served requests after it.
    assert all(len(server.pids) == 2 for server in servers)
    for server in servers:
        last_start = server.log_text().rsplit("Starting gunicorn", 1)[1]
        assert '"logger": "api.request"' in last_start
