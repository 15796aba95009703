"""settings/base.py's databases: the primary, the replicas, and what PgBouncer's transaction mode needs of them."""

import json
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from api.core.replicas import ReplicaRouter, current_read_database, reading_from
from reservation.models import Appointment

PRIMARY_URL = "postgres://app:secret@db:5432/reservation"
REPLICA_URLS = "postgres://app:secret@replica-a:5432/reservation,postgres://app:secret@replica-b:5432/reservation"


def databases(**env: str) -> dict[str, dict[str, object]]:
    """settings.base's DATABASES, as a fresh process with this environment computes them."""
    script = "import json, settings.base as s; print(json.dumps(s.DATABASES, default=str))"
    environment = {"PATH": "/usr/bin:/bin", "DATABASE_URL": PRIMARY_URL, **env}
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, dict[str, object]] = json.loads(out.stdout)
    return result


def test_each_replica_url_is_an_alias_that_mirrors_the_primary_in_tests():
    found = databases(DATABASE_REPLICA_URLS=REPLICA_URLS)
    assert list(found) == ["default", "replica1", "replica2"]
    assert [found[alias]["HOST"] for alias in found] == ["db", "replica-a", "replica-b"]
    assert found["replica1"]["TEST"] == {"MIRROR": "default"}
    assert found["replica1"]["CONN_MAX_AGE"] == found["default"]["CONN_MAX_AGE"] == 60


@pytest.mark.parametrize("alias", ["default", "replica1", "replica2"])
def test_behind_pgbouncer_every_database_gets_transaction_mode_settings(alias: str):
    config = databases(DATABASE_REPLICA_URLS=REPLICA_URLS, DATABASE_POOLER="pgbouncer")[alias]
    # A server-side cursor (a named cursor) does not survive PgBouncer handing the next transaction to another
    # server connection; nor does a session setting, so none is sent as a startup option (PgBouncer refuses them).
    assert config["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert "options" not in config["OPTIONS"]  # type: ignore[operator]
    # PgBouncer pools; Django opens a connection per request and does not health-check it first.
    assert config["CONN_MAX_AGE"] == 0
    assert config["CONN_HEALTH_CHECKS"] is False


def test_directly_to_postgresql_connections_persist_and_server_side_cursors_stay():
    config = databases()["default"]
    assert not config.get("DISABLE_SERVER_SIDE_CURSORS")
    assert config["CONN_HEALTH_CHECKS"] is True
    assert "statement_timeout" in config["OPTIONS"]["options"]  # type: ignore[index]


def test_the_router_writes_to_the_primary_and_reads_where_the_request_says():
    router = ReplicaRouter()
    assert router.db_for_read(Appointment) == "default"
    with reading_from("replica2"):
        assert router.db_for_read(Appointment) == current_read_database() == "replica2"
        assert router.db_for_write(Appointment) == "default"
    assert router.db_for_read(Appointment) == "default"
    assert router.allow_migrate("default", "reservation")
    assert not router.allow_migrate("replica1", "reservation")


@pytest.mark.postgresql
@pytest.mark.django_db
def test_a_connection_to_postgresql_has_the_timeouts_and_no_jit():
    with connection.cursor() as cursor:
        settings_seen = {}
        for name in ("statement_timeout", "lock_timeout", "jit"):
            cursor.execute(f"SHOW {name}")
            settings_seen[name] = cursor.fetchone()[0]
    assert settings_seen == {"statement_timeout": "3s", "lock_timeout": "2s", "jit": "off"}
