"""The production stack's real parts, started on loopback for a test: a PostgreSQL server of the test's own (so that
it can be frozen with SIGSTOP without touching anyone else's), PgBouncer from Debian with devops/pgbouncer's
configuration, gunicorn with devops/gunicorn.conf.py and the production settings, and HTTP helpers.

Every port is asked of the OS; every wait is bounded; every process is stopped by the fixture that started it.
"""

import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings

from tests.live_server import PASSWORD_CHECK_LOCK_DIR
from tests.services import missing, redis_url

REPO = Path(settings.BASE_DIR)
GUNICORN_CONF = REPO / "devops" / "gunicorn.conf.py"
PGBOUNCER_ENTRYPOINT = REPO / "devops" / "pgbouncer" / "entrypoint.sh"
REPLICA_ENTRYPOINT = REPO / "devops" / "replica" / "standby-entrypoint.sh"
START_TIMEOUT = 30  # seconds for a server to answer
STOP_TIMEOUT = 15  # seconds between SIGTERM and SIGKILL
DB_NAME = "reservation"
DB_PASSWORD = "stack-test-password"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_port(port: int, process: subprocess.Popen[bytes] | None = None, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before listening on {port}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listened on {port} within {timeout}s")


def stop_process(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    """Signal the process's group, wait, then SIGKILL it; resumes a frozen group first."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGCONT)
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        return
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(STOP_TIMEOUT)


def as_postgres_user(command: list[str]) -> list[str]:
    """PostgreSQL and PgBouncer refuse to run as root: run them as Debian's postgres user when we are root."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def give_to_postgres_user(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")


def readable_copy(script: Path, base: Path) -> Path:
    """``script`` copied into ``base``: the postgres user may not be able to enter the checkout (a clone inside
    a 0700 directory, as ``mktemp -d`` makes), but it can read the stack's own directory."""
    copy = base / script.name
    shutil.copyfile(script, copy)
    copy.chmod(0o755)
    return copy


@dataclass
class PostgreSQL:
    """A throwaway PostgreSQL server (trust auth) with the project's schema migrated into database `reservation`."""

    port: int
    process: subprocess.Popen[bytes]
    base: Path

    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{DB_NAME}"

    def psql(self, sql: str) -> str:
        out = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", DB_NAME, "-AtXc", sql],
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        )
        return out.stdout.strip()

    def backends(self) -> int:
        """Client connections to database `reservation`, other than the one asking."""
        return int(
            self.psql(
                "select count(*) from pg_stat_activity where datname = 'reservation'"
                " and backend_type = 'client backend' and pid <> pg_backend_pid()"
            )
        )

    def server_pids(self) -> list[int]:
        """The postmaster (its pid file's first line) and every process it started (the backends)."""
        postmaster = int((self.base / "pgdata" / "postmaster.pid").read_text().split()[0])
        children: dict[int, list[int]] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        pids, pending = [], [postmaster]
        while pending:
            pid = pending.pop()
            pids.append(pid)
            pending.extend(children.get(pid, []))
        return pids

    def freeze(self) -> None:
        """SIGSTOP the whole server: it accepts TCP connections (the kernel does) and never answers."""
        for pid in self.server_pids():
            os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        for pid in self.server_pids():
            os.kill(pid, signal.SIGCONT)


def postgresql_binaries() -> Path:
    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not binaries:
        missing("PostgreSQL's server binaries (/usr/lib/postgresql/*/bin)")
    return Path(binaries[-1]).parent


def run_postgres(base: Path, *settings_: str) -> PostgreSQL:
    """Start ``postgres`` on ``base``/pgdata, on a free port of loopback, and wait for it to listen."""
    port = free_port()
    log = open(base / "postgresql.log", "wb")  # noqa: SIM115 - closed with the process
    options = [
        f"-c{setting}" for setting in ("listen_addresses=127.0.0.1", "fsync=off", "max_connections=50", *settings_)
    ]
    process = subprocess.Popen(
        as_postgres_user(
            [
                str(postgresql_binaries() / "postgres"),
                "-D",
                str(base / "pgdata"),
                "-p",
                str(port),
                "-k",
                str(base),
                *options,
            ]
        ),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    wait_port(port, process)
    return PostgreSQL(port=port, process=process, base=base)


def start_postgresql(base: Path) -> PostgreSQL:
    bindir = postgresql_binaries()
    data = base / "pgdata"
    data.mkdir(parents=True)
    give_to_postgres_user(base)
    give_to_postgres_user(data)
    subprocess.run(
        as_postgres_user([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"]),
        capture_output=True,
        timeout=120,
        check=True,
    )
    server = run_postgres(base)
    port = server.port
    for _ in range(50):
        try:
            subprocess.run(
                ["createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", DB_NAME],
                capture_output=True,
                timeout=20,
                check=True,
            )
            break
        except subprocess.CalledProcessError:
            time.sleep(0.2)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=REPO,
        env=production_env(server.url(), redis_database=13),
        capture_output=True,
        timeout=300,
        check=True,
    )
    return server


def start_replica(base: Path, primary: PostgreSQL) -> PostgreSQL:
    """A streaming replica (hot standby) of ``primary``, started by devops/replica/standby-entrypoint.sh as compose
    starts one: cloned with ``pg_basebackup``, then replaying the primary's WAL as it arrives. initdb's trust rules
    admit replication connections from loopback."""
    base.mkdir(parents=True, exist_ok=True)
    give_to_postgres_user(base)
    port = free_port()
    env = {
        **os.environ,
        "PRIMARY_HOST": "127.0.0.1",
        "PRIMARY_PORT": str(primary.port),
        "POSTGRES_USER": "postgres",
        "POSTGRES_PASSWORD": DB_PASSWORD,
        "PGDATA": str(base / "pgdata"),
        "PG_BINDIR": str(postgresql_binaries()),
        "REPLICA_PORT": str(port),
        "REPLICA_LISTEN_ADDRESSES": "127.0.0.1",
    }
    log = open(base / "postgresql.log", "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [
            "sh",
            str(readable_copy(REPLICA_ENTRYPOINT, base)),
            "-k",
            str(base),
            "-c",
            "fsync=off",
            "-c",
            "max_connections=50",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    wait_port(port, process, timeout=120)
    return PostgreSQL(port=port, process=process, base=base)


@dataclass
class PgBouncer:
    port: int
    process: subprocess.Popen[bytes]

    def url(self) -> str:
        return f"postgres://postgres:{DB_PASSWORD}@127.0.0.1:{self.port}/{DB_NAME}"

    def show(self, what: str) -> list[dict[str, str]]:
        """PgBouncer's admin console: SHOW POOLS, SHOW CLIENTS, ..."""
        out = subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                "pgbouncer",
                "-A",
                "-F",
                "\t",
                "-X",
                "-c",
                f"SHOW {what}",
            ],
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
            env={**os.environ, "PGPASSWORD": DB_PASSWORD},
        )
        lines = [line for line in out.stdout.splitlines() if line and not line.startswith("(")]
        header = lines[0].split("\t")
        return [dict(zip(header, line.split("\t"), strict=False)) for line in lines[1:]]


def start_pgbouncer(base: Path, postgresql: PostgreSQL, pool_size: int, **extra: str) -> PgBouncer:
    if shutil.which("pgbouncer") is None:
        missing("PgBouncer (Debian's pgbouncer package)")
    run_dir = base / "pgbouncer"
    run_dir.mkdir(parents=True)
    give_to_postgres_user(run_dir)
    port = free_port()
    env = {
        **os.environ,
        "POSTGRES_HOST": "127.0.0.1",
        "POSTGRES_PORT": str(postgresql.port),
        "POSTGRES_USER": "postgres",
        "POSTGRES_DB": DB_NAME,
        "POSTGRES_PASSWORD": DB_PASSWORD,
        "PGBOUNCER_PORT": str(port),
        "PGBOUNCER_POOL_SIZE": str(pool_size),
        "PGBOUNCER_RUN_DIR": str(run_dir),
        **extra,
    }
    log = open(base / "pgbouncer.log", "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        as_postgres_user(
            [
                "/usr/bin/env",
                *[f"{k}={v}" for k, v in env.items() if k.startswith(("POSTGRES_", "PGBOUNCER_", "DATABASE_"))],
                "sh",
                str(readable_copy(PGBOUNCER_ENTRYPOINT, base)),
            ]
        ),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    wait_port(port, process)
    return PgBouncer(port=port, process=process)


def production_env(database_url: str, redis_database: int, **extra: str) -> dict[str, str]:
    """The environment of an app server as compose gives it, on loopback and without TLS in front."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "settings.production",
        "DJANGO_SECRET_KEY": "stack-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "JWT_SIGNING_KEY": settings.JWT_SIGNING_KEY,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url(redis_database),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "PYTHONUNBUFFERED": "1",
        "PASSWORD_CHECK_LOCK_DIR": PASSWORD_CHECK_LOCK_DIR,
        **extra,
    }
    env.pop("GUNICORN_CONTROL_SOCKET", None)
    env.pop("DJANGO_LOG_FORMAT", None)
    return env


@dataclass
class Gunicorn:
    """One app server: gunicorn with devops/gunicorn.conf.py, metrics in a multiprocess directory of its own."""

    port: int
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    log: IO[bytes] | None = None
    pids: list[int] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        metrics_dir = Path(self.env["PROMETHEUS_MULTIPROC_DIR"])
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True)
        self.log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "settings.wsgi:application"],
            cwd=REPO,
            env={**self.env, "GUNICORN_BIND": f"127.0.0.1:{self.port}"},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.pids.append(self.process.pid)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log_text()[-4000:]}")
            status, _ = get(self.url + "/readyz", timeout=2)
            if status == 200:
                return
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn not ready within {START_TIMEOUT}s:\n{self.log_text()[-4000:]}")

    def stop(self) -> None:
        """SIGTERM to the master only, as `docker stop` sends it: gunicorn's graceful shutdown (requests in
        flight finish), then SIGKILL to the group if it takes too long."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT * 2)
            except subprocess.TimeoutExpired:
                stop_process(self.process, signal.SIGKILL)
        if self.log is not None:
            self.log.close()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def json_lines(self) -> list[dict[str, Any]]:
        """Every line of the server's log, each parsed as JSON (raises on a line that is not)."""
        return [json.loads(line) for line in self.log_text().splitlines() if line.strip()]


def gunicorn(base: Path, name: str, database_url: str, workers: int, threads: int, **extra: str) -> Gunicorn:
    env = production_env(
        database_url,
        redis_database=13,
        GUNICORN_WORKERS=str(workers),
        GUNICORN_THREADS=str(threads),
        PROMETHEUS_MULTIPROC_DIR=str(base / f"{name}-metrics"),
        **extra,
    )
    return Gunicorn(port=free_port(), env=env, log_path=base / f"{name}.log")


def get(url: str, headers: dict[str, str] | None = None, timeout: float = 10) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except OSError:
        return 0, b""


def post_graphql(
    url: str, query: str, variables: dict[str, Any] | None = None, token: str | None = None, timeout: float = 20
) -> tuple[int, dict[str, Any]]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(url + "/graphql", data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, json.loads(raw) if raw.startswith(b"{") else {"raw": raw.decode(errors="replace")}


def metric(text: str, name: str, **labels: str) -> float:
    """The sum of the samples called ``name`` with these labels in a Prometheus text exposition (0 when absent)."""
    from prometheus_client.parser import text_string_to_metric_families

    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(key) == value for key, value in labels.items()):
                total += float(sample.value)
    return total


def login(url: str, username: str, password: str) -> str:
    status, body = post_graphql(
        url,
        "mutation($u: String!, $p: String!) { tokenCreate(input: {username: $u, password: $p})"
        " { accessToken errors { code } } }",
        {"u": username, "p": password},
    )
    assert status == 200, body
    assert not body["data"]["tokenCreate"]["errors"], body
    return str(body["data"]["tokenCreate"]["accessToken"])


def create_staff(postgresql: PostgreSQL, username: str, password: str) -> None:
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "createsuperuser",
            "--noinput",
            "--username",
            username,
            "--email",
            "s@example.invalid",
        ],
        cwd=REPO,
        env={**production_env(postgresql.url(), redis_database=13), "DJANGO_SUPERUSER_PASSWORD": password},
        capture_output=True,
        timeout=120,
        check=True,
    )


def temporary_directory() -> Iterator[Path]:
    """A directory the postgres user may enter (PostgreSQL's and PgBouncer's files live in it)."""
    base = Path(tempfile.mkdtemp(prefix="reservation-stack-"))
    base.chmod(0o755)
    try:
        yield base
    finally:
        shutil.rmtree(base, ignore_errors=True)
