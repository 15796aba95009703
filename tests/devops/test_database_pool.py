"""The connection budget and outages, for real: gunicorn -> PgBouncer (Debian's) -> a PostgreSQL of the test's own.

- At full load (more concurrent requests than gunicorn has threads), PostgreSQL sees at most PgBouncer's pool
  size in connections, and every request succeeds.
- Frozen database (SIGSTOP on its processes): requests answer a JSON 503 with an error id within seconds
  (PgBouncer's query_timeout), /readyz names the database, /healthz stays 200; thawed, the service recovers.
- PgBouncer gone (connection refused): a JSON 503 at once.
- /metrics, scraped from gunicorn's multiprocess registry, counted those requests; every log line is JSON.
"""

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.devops.conftest import STAFF
from tests.devops.stack import (
    Gunicorn,
    PgBouncer,
    PostgreSQL,
    get,
    gunicorn,
    login,
    metric,
    post_graphql,
    start_pgbouncer,
    stop_process,
    temporary_directory,
)

pytestmark = pytest.mark.postgresql

POOL_SIZE = 4
WORKERS, THREADS = 2, 4
CLIENTS = 16  # concurrent requests: twice gunicorn's threads
REQUESTS_PER_CLIENT = 15
VIEWER = "query Viewer { viewer { username } providers(first: 5) { edges { node { id } } } }"
FROZEN_503_WITHIN = 8.0  # seconds: PgBouncer's query_timeout (4 s) plus margin for a loaded machine


@pytest.fixture(scope="module")
def stack(stack_postgresql: PostgreSQL) -> Iterator[tuple[PostgreSQL, PgBouncer, Gunicorn]]:
    for base in temporary_directory():
        bouncer = start_pgbouncer(base, stack_postgresql, pool_size=POOL_SIZE)
        server = gunicorn(base, "app", bouncer.url(), WORKERS, THREADS, DATABASE_POOLER="pgbouncer")
        try:
            server.start()
            yield stack_postgresql, bouncer, server
        finally:
            server.stop()
            stop_process(bouncer.process)


def test_full_load_stays_within_the_pool(stack):
    postgresql, bouncer, server = stack
    token = login(server.url, *STAFF)
    statuses: Counter[int] = Counter()
    peak = {"backends": 0}
    done = threading.Event()
    start = threading.Barrier(CLIENTS + 1)

    def client() -> None:
        start.wait()
        for _ in range(REQUESTS_PER_CLIENT):
            status, _ = post_graphql(server.url, VIEWER, token=token)
            statuses[status] += 1

    def watch() -> None:
        while not done.is_set():
            peak["backends"] = max(peak["backends"], postgresql.backends())
            time.sleep(0.05)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    watcher = threading.Thread(target=watch)
    for thread in threads:
        thread.start()
    watcher.start()
    start.wait()
    for thread in threads:
        thread.join(120)
    done.set()
    watcher.join(10)
    pools = [pool for pool in bouncer.show("POOLS") if pool["database"] == "reservation"]

    assert statuses == {200: CLIENTS * REQUESTS_PER_CLIENT}
    assert 1 <= peak["backends"] <= POOL_SIZE
    print(
        f"\nconnection budget: {CLIENTS} concurrent clients, gunicorn {WORKERS}x{THREADS} threads, PgBouncer pool "
        f"{POOL_SIZE}: peak PostgreSQL backends {peak['backends']} (limit {POOL_SIZE}); pools now {pools}"
    )
    text = get(server.url + "/metrics")[1].decode()
    assert metric(text, "reservation_graphql_requests_total", operation="multiple", outcome="ok") >= (
        CLIENTS * REQUESTS_PER_CLIENT
    )
    assert metric(text, "reservation_db_connections_open") >= 1
    assert metric(text, "reservation_dependency_up", dependency="database") == 1


def test_a_frozen_database_answers_json_503_within_seconds_and_recovers(stack):
    postgresql, _, server = stack
    token = login(server.url, *STAFF)
    assert post_graphql(server.url, VIEWER, token=token)[0] == 200

    postgresql.freeze()
    try:
        started = time.monotonic()
        status, body = post_graphql(server.url, VIEWER, token=token, timeout=30)
        elapsed = time.monotonic() - started
        ready_status, ready_body = get(server.url + "/readyz", timeout=30)
        live_status, _ = get(server.url + "/healthz", timeout=5)
    finally:
        postgresql.thaw()

    print(f"\nfrozen database: HTTP {status} after {elapsed:.2f} s; /readyz {ready_status} {ready_body.decode()}")
    assert status == 503, body
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert error["extensions"]["errorId"] in error["message"]
    assert elapsed < FROZEN_503_WITHIN
    assert ready_status == 503
    assert json.loads(ready_body)["checks"]["database"].startswith("unavailable")
    assert live_status == 200

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if post_graphql(server.url, VIEWER, token=token)[0] == 200:
            break
        time.sleep(0.5)
    else:
        pytest.fail("the service did not recover within 20 s of the database thawing")
    text = get(server.url + "/metrics")[1].decode()
    # The token check met the outage first, before GraphQL named the operation.
    assert metric(text, "reservation_graphql_requests_total", outcome="unavailable") >= 1
    assert metric(text, "reservation_http_requests_total", route="graphql", status="503") >= 1


def test_pgbouncer_gone_answers_json_503_at_once(stack_postgresql: PostgreSQL, tmp_path: Path):
    for base in temporary_directory():
        bouncer = start_pgbouncer(base, stack_postgresql, pool_size=2)
        server = gunicorn(base, "app", bouncer.url(), 1, 2, DATABASE_POOLER="pgbouncer")
        server.start()
        try:
            token = login(server.url, *STAFF)
            stop_process(bouncer.process)
            started = time.monotonic()
            status, body = post_graphql(server.url, VIEWER, token=token)
            elapsed = time.monotonic() - started
        finally:
            server.stop()

        assert status == 503, body
        assert body["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
        assert elapsed < 3.5
        lines = server.json_lines()  # raises if any line is not JSON
        outages = [line for line in lines if line.get("logger") == "api.request" and line["status"] == 503]
        assert outages
        assert outages[-1]["error_id"] == body["errors"][0]["extensions"]["errorId"]
        assert token not in server.log_text()
