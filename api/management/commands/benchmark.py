"""`manage.py benchmark` (`make benchmark`): the API against a raw-Django baseline, through gunicorn, on PostgreSQL.

For each size (10⁴ and 10⁶ slots; ``--slots`` to choose) it uses a database of its own on DATABASE_URL's server,
``<database>_benchmark_<slots>``, made once and kept (`api.benchmark.data` fills 10⁶ slots in about a minute;
later runs reuse it). It starts gunicorn with the production settings and devops/gunicorn.conf.py
(``settings.benchmark``: production plus the raw views of `api.benchmark.raw_views`) and measures, on loopback:

1. latency, p50/p95/p99, of two reads, ours (``availableAppointments`` over /graphql, anonymous) and raw (the same
   rows with ``.values()`` + ``JsonResponse``), sent one request at a time, ours and raw interleaved request by
   request: **one provider's week** (100 nodes with their provider) and **the global first page** of 100;
   with the SQL statements per request (from each request's log line);
2. requests/s of each at concurrency 8;
3. ``reservationCreate`` latency p50/p99 with 50 clients at once, each signed in as a client of their own: every one
   on a slot of their own, and all on one contended slot (exactly one wins each round); measured after one round
   of each case that warms the server (every thread's first database connection), reported on a line of its own;
   with the share of the machine's CPU time that its host (hypervisor) took meanwhile, from /proc/stat.

Absolute figures depend on the machine; the ratios (ours / raw, measured in the same run) are what to compare. The
client threads run on the same machine as the server. ``--quick``: 10⁴ slots only and fewer requests, for a
check during development (seconds, not minutes).
"""

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone
from graphql_relay import to_global_id

from api.auth.tokens import issue_access_token
from api.benchmark import data
from api.benchmark.load import Connection, HostCpu, Percentiles, Request, at_once, interleaved, throughput
from reservation.models import Appointment, Client, IdempotencyRecord, Reservation, ReservationEvent

SIZES = (10_000, 1_000_000)
CONCURRENCY = 8
WRITERS = 50
SLOT_FIELDS = "edges { node { id timeSlot endTime provider { id firstName lastName } } }"
WEEK = f"""query ProviderWeek($provider: ID!, $from: DateTime!, $to: DateTime!) {{
  availableAppointments(provider: $provider, startFrom: $from, startBefore: $to, first: 100) {{ {SLOT_FIELDS} }}
}}"""
FIRST_PAGE = f"query FirstPage {{ availableAppointments(first: 100) {{ {SLOT_FIELDS} }} }}"
RESERVE = """mutation Reserve($slot: ID!) {
  reservationCreate(input: {appointmentId: $slot}) { reservation { id state } errors { code } }
}"""
BENCHMARK_MADE_AFTER = "2026-06-01"  # populate's reservations are older; the benchmark's own are newer
GUNICORN_CONF = Path(settings.BASE_DIR) / "devops" / "gunicorn.conf.py"
SECRET = "benchmark-only-secret-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105 - loopback benchmark servers


@dataclass
class Sizing:
    """How much to measure."""

    requests: int
    seconds: float
    rounds: int


class Command(BaseCommand):
    """Print the benchmark's tables (see the module): latency, ratios, requests/s, SQL statements, writes."""

    help = "Benchmark the API against raw Django views through gunicorn on PostgreSQL (see api/benchmark)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--slots", type=int, nargs="+", help="Sizes, in slots (default 10000 1000000).")
        parser.add_argument("--quick", action="store_true", help="10⁴ slots, fewer requests: a quick check.")
        parser.add_argument("--requests", type=int, help="Timed requests per read and side (default 400).")
        parser.add_argument("--seconds", type=float, help="Seconds per throughput run (default 8).")
        parser.add_argument("--rounds", type=int, help="Rounds of 50 reservations per case (default 4).")
        parser.add_argument("--workers", type=int, help="gunicorn workers (default: production's, 2 x CPUs + 1).")
        parser.add_argument("--threads", type=int, help="gunicorn threads per worker (default: production's, 2).")
        # Run by the command itself, in a process whose DATABASE_URL is a benchmark database.
        parser.add_argument("--prepare", type=int, metavar="SLOTS", help="Internal: fill and prepare this database.")

    def handle(self, *args: Any, **options: Any) -> None:
        quick = options["quick"]
        sizing = Sizing(
            requests=options["requests"] or (60 if quick else 400),
            seconds=options["seconds"] or (2.0 if quick else 8.0),
            rounds=options["rounds"] or (1 if quick else 4),
        )
        if options["prepare"]:
            self.stdout.write(json.dumps(prepare(options["prepare"], (2 * sizing.rounds + 2) * WRITERS)))
            return
        if connection.vendor != "postgresql":
            raise CommandError("The benchmark runs on PostgreSQL: DATABASE_URL=postgres://... make benchmark")
        sizes = options["slots"] or ((SIZES[0],) if quick else SIZES)
        results = []
        for slots in sizes:
            url = benchmark_database(slots, self.stdout.write)
            results.append(self._measure(slots, url, sizing, options["workers"], options["threads"]))
            if len(sizes) > 1:
                self._report(results[-1:], sizing)  # as soon as measured
        self._report(results, sizing)

    def _measure(
        self, slots: int, url: str, sizing: Sizing, workers: int | None, threads: int | None
    ) -> dict[str, Any]:
        self.stdout.write(f"== {slots:,} slots: preparing")
        prepared = json.loads(
            manage(url, "benchmark", "--prepare", str(slots), "--rounds", str(sizing.rounds)).splitlines()[-1]
        )
        vacuum(url)
        server = AppServer(url, workers, threads)
        try:
            server.start()
            self.stdout.write(f"== {slots:,} slots: measuring (gunicorn {server.workers}x{server.threads})")
            return measure(slots, server, prepared, sizing)
        finally:
            server.stop()

    def _report(self, results: list[dict[str, Any]], sizing: Sizing) -> None:
        write = self.stdout.write
        write("")
        write(f"Latency, ms ({sizing.requests} requests each, ours and raw interleaved); SQL statements per request")
        write(
            f"{'slots':>10} {'read':<12} {'ours p50':>9} {'p95':>7} {'p99':>7} {'raw p50':>8} {'p95':>7} {'p99':>7}"
            f" {'x p50':>6} {'x p99':>6} {'SQL':>7}"
        )
        for result in results:
            for shape in ("week", "first page"):
                ours, raw = result["latency"][shape]["ours"], result["latency"][shape]["raw"]
                sql = result["sql"][shape]
                write(
                    f"{result['slots']:>10,} {shape:<12} {ours.p50:9.1f} {ours.p95:7.1f} {ours.p99:7.1f}"
                    f" {raw.p50:8.1f} {raw.p95:7.1f} {raw.p99:7.1f} {ours.p50 / raw.p50:5.2f}x"
                    f" {ours.p99 / raw.p99:5.2f}x {sql['ours']:>3g}/{sql['raw']:<3g}"
                )
        write("")
        write(f"Requests/s at concurrency {CONCURRENCY} ({sizing.seconds:g} s each, ours and raw alternating)")
        write(f"{'slots':>10} {'read':<12} {'ours':>8} {'raw':>8} {'ours/raw':>9} {'not 200 (ours/raw)':>19}")
        for result in results:
            for shape in ("week", "first page"):
                ours, raw = result["throughput"][shape]["ours"], result["throughput"][shape]["raw"]
                failed = result["failed"][shape]
                write(
                    f"{result['slots']:>10,} {shape:<12} {ours:8.1f} {raw:8.1f} {ours / raw:8.2f}x"
                    f" {failed['ours']:>10}/{failed['raw']}"
                )
        write("")
        write(
            f"reservationCreate, {WRITERS} clients at once ({sizing.rounds} rounds each), ms; raw: the same"
            " transaction by hand, in turn with ours"
        )
        write(
            f"{'slots':>10} {'case':<16} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7} {'won':>5}"
            f" {'raw p50':>8} {'p99':>7} {'x p50':>6} {'x p99':>6}"
        )
        for result in results:
            for case, (timings, won, raw_timings) in result["writes"].items():
                cuts, raw = Percentiles.of(timings), Percentiles.of(raw_timings)
                write(
                    f"{result['slots']:>10,} {case:<16} {cuts.p50:7.1f} {cuts.p95:7.1f} {cuts.p99:7.1f}"
                    f" {max(timings):7.1f} {won:>5} {raw.p50:8.1f} {raw.p99:7.1f} {cuts.p50 / raw.p50:5.2f}x"
                    f" {cuts.p99 / raw.p99:5.2f}x"
                )
        for result in results:
            # On a virtual machine, the host's other guests take CPU time from this one: a latency of 50 requests
            # at once on 2 cores stretches with it (raw's, measured in turn, as much when the theft is steady).
            stolen = result["stolen"]
            write(
                f"{result['slots']:>10,} CPU time taken by the host during the writes (steal): "
                + ("unknown" if stolen is None else f"{stolen:.1%}")
            )
        if len(results) > 1:
            write("")
            # Raw's growth beside ours: raw reads the same rows with the same query, so where both grow alike, the
            # query or the machine's drift between the two sizes' runs (minutes apart) did, not what the API adds.
            write(
                f"Growth, {results[0]['slots']:,} -> {results[-1]['slots']:,} slots (ours p50 / ours p50; raw's"
                " for comparison)"
            )
            for shape in ("week", "first page"):
                first, last = results[0]["latency"][shape]["ours"], results[-1]["latency"][shape]["ours"]
                raw_first, raw_last = results[0]["latency"][shape]["raw"], results[-1]["latency"][shape]["raw"]
                write(
                    f"  {shape:<12} {last.p50 / first.p50:5.2f}x (p99 {last.p99 / first.p99:5.2f}x);"
                    f" raw {raw_last.p50 / raw_first.p50:5.2f}x (p99 {raw_last.p99 / raw_first.p99:5.2f}x)"
                )


# --- the databases ------------------------------------------------------------------------------------------------


def database_url(slots: int) -> str:
    """The URL of the benchmark database for ``slots``, on the server of DATABASE_URL."""
    parts = urlsplit(os.environ.get("DATABASE_URL", ""))
    name = parts.path.lstrip("/") or "reservation"
    return urlunsplit(parts._replace(path=f"/{name}_benchmark_{slots}"))


def benchmark_database(slots: int, say: Any) -> str:
    """Create the benchmark database for ``slots`` unless it exists; migrate it. Its data is made by --prepare."""
    url = database_url(slots)
    name = urlsplit(url).path.lstrip("/")
    server = urlsplit(url)._replace(path="/postgres")
    with psycopg.connect(urlunsplit(server), autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            say(f"== creating database {name}")
            admin.execute(f'CREATE DATABASE "{name}"')
    manage(url, "migrate", "--noinput", "-v", "0")
    return url


VACUUMED = (
    "reservation_reservation",
    "reservation_reservationevent",
    "reservation_idempotencyrecord",
    "reservation_appointment",
    "reservation_provider",
    "reservation_client",
)


def vacuum(url: str) -> None:
    """VACUUM ANALYZE the tables every run rewrites, and those the first run fills, wherever autovacuum is off or
    behind, as it is on some test machines (a production database vacuums them itself). --prepare deletes the last
    run's reservations, whose dead rows and index entries (the same slots are held every run) would otherwise slow
    each run more than the last; and a table never vacuumed since it was filled has no visibility map, so that the
    first runs on a new database read heap pages that later runs do not (a new 10⁶-slot database's first run was
    measured 1.3x slower than its second, raw and ours alike). On a table already vacuumed, VACUUM skips every page
    still all-visible. Then a CHECKPOINT, where the user may."""
    with psycopg.connect(url, autocommit=True) as database:
        for table in VACUUMED:
            database.execute(f"VACUUM ANALYZE {table}")
        # Write out now what --prepare and VACUUM dirtied: a timed checkpoint (every 5 minutes by default) that falls
        # during the writes then has almost nothing to flush, where it had whole tables' pages competing with the
        # holds' commits for the disk. Needs superuser or pg_checkpoint; without, a run measures as before.
        with contextlib.suppress(psycopg.errors.InsufficientPrivilege):
            database.execute("CHECKPOINT")


def manage(url: str, *arguments: str) -> str:
    """Run ``manage.py`` with the benchmark's environment on database ``url``; its standard output."""
    out = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", *arguments],
        cwd=settings.BASE_DIR,
        env={**server_environment(url), "DATABASE_STATEMENT_TIMEOUT_MS": "0"},
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    if out.returncode != 0:
        raise CommandError(f"manage.py {' '.join(arguments)} failed:\n{out.stderr[-3000:]}")
    return out.stdout


def server_environment(url: str) -> dict[str, str]:
    """The environment of a production app server on loopback, without TLS, with the benchmark's database."""
    redis = os.environ.get("REDIS_URL") or f"redis://{os.environ.get('TEST_REDIS_SERVER', '127.0.0.1:6379')}/14"
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "settings.benchmark",
        "DJANGO_SECRET_KEY": SECRET,
        "JWT_SIGNING_KEY": SECRET,
        "JWT_ACCESS_TOKEN_MINUTES": "240",
        "DATABASE_URL": url,
        "REDIS_URL": redis,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        # The read budget is charged (its Redis round trip is part of every query) but never runs out.
        "GRAPHQL_READ_BUDGET_POINTS": "1000000000",
    }
    for name in ("DATABASE_POOLER", "DATABASE_REPLICA_URLS", "GUNICORN_BIND", "PROMETHEUS_MULTIPROC_DIR"):
        environment.pop(name, None)
    return environment


@transaction.atomic
def prepare(slots: int, writers: int) -> dict[str, Any]:
    """In a benchmark database: fill it the first time; remove the reservations of earlier runs; sign in
    ``writers`` clients of their own; pick slots for them. Returns what the measuring process needs."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 0")
        cursor.execute("CREATE TABLE IF NOT EXISTS benchmark_dataset (slots integer, provider_id bigint)")
        cursor.execute("SELECT slots, provider_id FROM benchmark_dataset")
        row = cursor.fetchone()
    if row is None:
        made = data.populate(slots)
        row = (made.slots, made.first_provider_id)
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO benchmark_dataset VALUES (%s, %s)", list(row))
    elif row[0] != slots:
        raise CommandError(f"{connection.settings_dict['NAME']} holds {row[0]} slots, not {slots}: drop it")
    earlier = Reservation.objects.filter(created_at__gte=BENCHMARK_MADE_AFTER)
    ReservationEvent.objects.filter(reservation__in=earlier).delete()
    earlier.delete()
    IdempotencyRecord.objects.all().delete()
    names = [f"benchmark-writer-{index}" for index in range(writers)]
    existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    users = User.objects.bulk_create(User(username=name) for name in names if name not in existing)
    Client.objects.bulk_create(Client(user=user, first_name="Bench", last_name="Writer") for user in users)
    users = list(User.objects.filter(username__in=names).order_by("username"))
    # Slots of the last two providers, far from the reads' pages: one each for the distinct case, one per round
    # contended; as many again for the raw holds.
    by_provider = Appointment.objects.order_by("-provider_id").values_list("provider_id", flat=True)
    last = by_provider[0]
    last_providers = [last, by_provider.filter(provider_id__lt=last).first() or last]
    needed = writers + writers // WRITERS
    free = list(
        Appointment.objects.available(timezone.now())
        .filter(provider_id__in=last_providers)
        .order_by("-provider_id", "-start_time")
        .values_list("id", flat=True)[: 2 * needed]
    )
    if len(free) < 2 * needed:
        raise CommandError(f"{len(free)} free slots for the writes, not {2 * needed}")
    start, end = data.first_week()
    return {
        "slots": row[0],
        "provider": to_global_id("ProviderType", row[1]),
        "provider_pk": row[1],
        "from": start.isoformat(),
        "to": end.isoformat(),
        "tokens": [issue_access_token(user)[0] for user in users],
        "clients": list(Client.objects.filter(user__in=users).order_by("user__username").values_list("pk", flat=True)),
        "free_slots": [to_global_id("AppointmentType", pk) for pk in free[:needed]],
        "raw_free_slots": free[needed:],
    }


# --- the app server -----------------------------------------------------------------------------------------------


class AppServer:
    """gunicorn with devops/gunicorn.conf.py and ``settings.benchmark`` on a free loopback port; its log in a file."""

    def __init__(self, url: str, workers: int | None, threads: int | None) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="reservation-benchmark-"))
        self.port = free_port()
        self.workers = workers or 2 * (os.cpu_count() or 1) + 1
        self.threads = threads or 2  # devops/gunicorn.conf.py's default
        self.environment = {
            **server_environment(url),
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": str(self.workers),
            "GUNICORN_THREADS": str(self.threads),
            "PROMETHEUS_MULTIPROC_DIR": str(self.directory / "metrics"),
        }
        self.log_path = self.directory / "gunicorn.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        (self.directory / "metrics").mkdir()
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(  # noqa: S603 - our own gunicorn
            [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "settings.wsgi:application"],
            cwd=settings.BASE_DIR,
            env=self.environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise CommandError(f"gunicorn exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                status = Connection(self.port).send(Request("/benchmark/raw/slots", {}))[1]
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise CommandError("gunicorn did not answer within 60 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(40)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.directory, ignore_errors=True)

    def sql_statements(self, prefix: str) -> float:
        """The mean ``sql_queries`` of the requests whose id starts with ``prefix`` (from their log lines)."""
        counts = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            if f'"request_id": "{prefix}' in line:
                counts.append(json.loads(line)["sql_queries"])
        return sum(counts) / len(counts) if counts else float("nan")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# --- measuring ----------------------------------------------------------------------------------------------------


def measure(slots: int, server: AppServer, prepared: dict[str, Any], sizing: Sizing) -> dict[str, Any]:
    """Every figure of one size (see the module)."""
    week_variables = {"provider": prepared["provider"], "from": prepared["from"], "to": prepared["to"]}
    reads = {
        "week": {
            "ours": Request("/graphql", {"query": WEEK, "variables": week_variables}),
            "raw": Request(
                "/benchmark/raw/slots",
                {"provider": prepared["provider_pk"], "from": prepared["from"], "to": prepared["to"]},
            ),
        },
        "first page": {
            "ours": Request("/graphql", {"query": FIRST_PAGE}),
            "raw": Request("/benchmark/raw/slots", {}),
        },
    }
    result: dict[str, Any] = {"slots": slots, "latency": {}, "sql": {}, "throughput": {}, "failed": {}, "writes": {}}
    for shape, sides in reads.items():
        check_same_rows(server.port, sides)
        interleaved(server.port, sides, 20, "warm-up")
        tag = f"bench-{re.sub(r'[^a-z]', '', shape)}"
        timings = interleaved(server.port, sides, sizing.requests, tag)
        result["latency"][shape] = {side: Percentiles.of(values) for side, values in timings.items()}
        time.sleep(1.5)  # the last log lines
        result["sql"][shape] = {side: server.sql_statements(f"{tag}-{side}-") for side in sides}
        # Every worker and thread warm (first requests import and build what a worker keeps), then measured.
        throughput(server.port, sides["ours"], CONCURRENCY, 2.0)
        rates: dict[str, list[float]] = {"ours": [], "raw": []}
        failed = {"ours": 0, "raw": 0}
        for side in ("ours", "raw", "raw", "ours"):
            rate, failures = throughput(server.port, sides[side], CONCURRENCY, sizing.seconds / 2)
            rates[side].append(rate)
            failed[side] += failures
        result["throughput"][shape] = {side: sum(values) / len(values) for side, values in rates.items()}
        result["failed"][shape] = failed
    before = HostCpu.now()
    result["writes"] = measure_writes(server.port, prepared, sizing.rounds)
    result["stolen"] = HostCpu.now().stolen_since(before)
    return result


def check_same_rows(port: int, sides: dict[str, Request]) -> None:
    """Ours and raw answer the same slots, in the same order: the comparison is fair."""
    connection = Connection(port)
    try:
        _, _, ours = connection.send(sides["ours"])
        _, _, raw = connection.send(sides["raw"])
    finally:
        connection.close()
    edges = json.loads(ours)["data"]["availableAppointments"]["edges"]
    ours_ids = [edge["node"]["id"] for edge in edges]
    raw_ids = [to_global_id("AppointmentType", row["id"]) for row in json.loads(raw)["slots"]]
    if ours_ids != raw_ids or len(ours_ids) != 100:
        raise CommandError(f"ours and raw differ: {len(ours_ids)} vs {len(raw_ids)} slots")


Writes = dict[str, tuple[list[float], int, list[float]]]


def measure_writes(port: int, prepared: dict[str, Any], rounds: int) -> Writes:
    """reservationCreate from `WRITERS` clients at once: on distinct slots, and on one contended slot per round; and,
    before those, the first round of each on a fresh server ("first of each"). Each round is run by raw's hold as
    well (`api.benchmark.raw_views.reserve_slot`: the same transaction by hand) on slots of its own, ours and raw
    in turn. Per case: ours' latencies, how many of ours held their slot, raw's latencies."""
    tokens: list[str] = prepared["tokens"]
    clients: list[int] = prepared["clients"]
    slots_of = {"ours": prepared["free_slots"], "raw": prepared["raw_free_slots"]}
    outcomes: list[str] = []

    def reserve(side: str, client: int, slot: Any) -> Request:
        if side == "raw":
            return Request("/benchmark/raw/reserve", {"client": clients[client], "slot": slot})
        return Request(
            "/graphql",
            {"query": RESERVE, "variables": {"slot": slot}},
            # Each client at an address of its own (nginx's X-Real-IP, trusted from loopback), as real traffic.
            {
                "Authorization": f"Bearer {tokens[client]}",
                "X-Real-IP": f"10.{client // 65536 % 256}.{client // 256 % 256}.{client % 256}",
            },
        )

    def check_ours(status: int, body: bytes) -> None:
        if status != 200:
            raise RuntimeError(f"HTTP {status}: {body[:300]!r}")
        payload = json.loads(body)["data"]["reservationCreate"]
        outcomes.append(payload["errors"][0]["code"] if payload["errors"] else "ok")

    def check_raw(status: int, body: bytes) -> None:
        if status not in (200, 409):
            raise RuntimeError(f"HTTP {status}: {body[:300]!r}")
        outcomes.append("ok" if status == 200 else json.loads(body)["error"])

    checks = {"ours": check_ours, "raw": check_raw}

    def on_distinct_slots(side: str, base: int, slots: list[Any]) -> tuple[list[float], int]:
        """Clients ``base`` ... ``base + 49`` each on one of ``slots``: the latencies, and how many held theirs."""
        outcomes.clear()
        timings = at_once(port, [reserve(side, base + i, slots[i]) for i in range(WRITERS)], checks[side])
        return timings, outcomes.count("ok")

    def on_one_slot(side: str, base: int, slot: Any) -> list[float]:
        """Clients ``base`` ... ``base + 49`` all on ``slot``: the latencies; exactly one must hold it."""
        outcomes.clear()
        timings = at_once(port, [reserve(side, base + i, slot) for i in range(WRITERS)], checks[side])
        if outcomes.count("ok") != 1 or set(outcomes) - {"ok", "SLOT_UNAVAILABLE"}:
            raise CommandError(f"{side}, contended slot: {sorted(set(outcomes))}, {outcomes.count('ok')} winners")
        return timings

    # First one round of each case with clients and slots of their own, reported apart: a fresh server's threads
    # each open their first database connection (a new PostgreSQL backend) and run the mutation's paths, granted
    # and refused, for the first time, as the reads' warm-up requests do before those are measured.
    timings: dict[str, dict[str, list[float]]] = {
        case: {"ours": [], "raw": []} for case in ("distinct slots", "one slot", "first of each")
    }
    won = {"distinct slots": 0, "one slot": 0, "first of each": 0}
    for side in ("ours", "raw"):
        free = slots_of[side]
        cold, won_cold = on_distinct_slots(side, 2 * rounds * WRITERS, free[-WRITERS - 1 : -1])
        cold += on_one_slot(side, (2 * rounds + 1) * WRITERS, free[-1])
        timings["first of each"][side] = cold
        if side == "ours":
            won["first of each"] = won_cold + 1
    for round_ in range(rounds):
        for side in ("ours", "raw") if round_ % 2 == 0 else ("raw", "ours"):
            free = slots_of[side]
            distinct, held = on_distinct_slots(side, round_ * WRITERS, free[round_ * WRITERS : (round_ + 1) * WRITERS])
            timings["distinct slots"][side] += distinct
            timings["one slot"][side] += on_one_slot(side, (rounds + round_) * WRITERS, free[rounds * WRITERS + round_])
            if side == "ours":
                won["distinct slots"] += held
                won["one slot"] += 1
    return {case: (sides["ours"], won[case], sides["raw"]) for case, sides in timings.items()}
