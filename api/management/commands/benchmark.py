"""`manage.py benchmark`: latency percentiles of the GraphQL endpoint, as ratios to a raw-ORM baseline.

Machines here are noisy, so absolute times mean little; every figure is also printed as a ratio to a
baseline measured in the same run: the same available slots (same filter, same page) fetched with
``values()`` and dumped with ``json.dumps``, without GraphQL. The data is created inside a transaction
that is rolled back at the end.
"""

import gc
import json
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id

from api.auth.middleware import authenticate_bearer
from api.auth.tokens import issue_access_token
from api.http.views import GraphQLView
from reservation.models import Appointment, Client, Provider

PAGE = 100
LIST_QUERY = """
query Available($first: Int!) {
  availableAppointments(first: $first) {
    edges { node { id timeSlot endTime provider { id firstName lastName } } }
  }
}
"""
RESERVE = """
mutation Reserve($input: ReservationCreateInput!) {
  reservationCreate(input: $input) { reservation { id expiry state } errors { code } }
}
"""


class Command(BaseCommand):
    """Print p50/p95/p99 latency and SQL query counts of typical operations, with ratios to a baseline."""

    help = "Benchmark the GraphQL endpoint in-process against a raw ORM + json baseline (data rolled back)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--repeat", type=int, default=200, help="Timed runs per operation (default 200).")

    def handle(self, *args: Any, **options: Any) -> None:
        repeat: int = options["repeat"]
        # As gunicorn's post_worker_init does in production (devops/gunicorn.conf.py): without it, full
        # collections rescanning the schema and Django's objects put p95 at about 5x p50.
        gc.collect()
        gc.freeze()
        with transaction.atomic():
            self._run(repeat)
            transaction.set_rollback(True)

    def _run(self, repeat: int) -> None:
        start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=3)
        providers = [Provider.objects.create(first_name=f"Bench{i}", last_name="Provider") for i in range(10)]
        Appointment.objects.bulk_create(
            Appointment(
                provider=p,
                start_time=start + timedelta(minutes=15 * n),
                end_time=start + timedelta(minutes=15 * (n + 1)),
            )
            for p in providers
            for n in range(60)
        )
        # Each reservation comes from its own signed-in client at its own address, as real traffic does, so
        # the per-user and per-address rate limits are exercised but not hit.
        users = User.objects.bulk_create(User(username=f"bench-client-{i}") for i in range(repeat + 10))
        Client.objects.bulk_create(
            Client(user=user, first_name=f"Bench{i}", last_name="Client") for i, user in enumerate(users)
        )
        staff = User.objects.create(username="bench-staff", is_staff=True)
        slots = list(Appointment.objects.order_by("id").values_list("id", flat=True))

        view = GraphQLView.as_view()
        factory = RequestFactory()

        def post(query: str, variables: dict[str, Any], user: User, address: str = "127.0.0.1") -> Callable[[], Any]:
            body = json.dumps({"query": query, "variables": variables})
            # The bearer token is verified as the middleware would, so its cost is part of every request.
            authorization = f"Bearer {issue_access_token(user)[0]}"

            def run() -> Any:
                request = factory.post(
                    "/graphql",
                    body,
                    content_type="application/json",
                    HTTP_AUTHORIZATION=authorization,
                    REMOTE_ADDR=address,
                )
                request.user = authenticate_bearer(request.headers["Authorization"])
                return view(request)

            return run

        def baseline() -> str:
            rows = list(
                Appointment.objects.available(datetime.now(UTC))
                .order_by("start_time", "id")
                .values("id", "start_time", "end_time", "provider_id", "provider__first_name", "provider__last_name")[
                    :PAGE
                ]
            )
            return json.dumps(rows, default=str)

        reservations = iter(enumerate(zip(users, slots, strict=False)))

        def reserve() -> Any:
            index, (user, slot) = next(reservations)
            variables = {"input": {"appointmentId": to_global_id("AppointmentType", slot)}}
            return post(RESERVE, variables, user, address=f"10.0.{index // 250}.{index % 250 + 1}")()

        operations: list[tuple[str, Callable[[], Any]]] = [
            (f"baseline: same filter, values() + json, {PAGE}", baseline),
            (f"availableAppointments, {PAGE} nodes + provider", post(LIST_QUERY, {"first": PAGE}, staff)),
            ("reservationCreate (hold a free slot)", reserve),
        ]
        results = [(name, *self._measure(run, repeat)) for name, run in operations]
        base_p50 = results[0][1][0]
        self.stdout.write(
            f"{'operation':48} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'queries':>8} {'p50 ratio':>10}"
        )
        for name, (p50, p95, p99), queries in results:
            self.stdout.write(f"{name:48} {p50:8.2f} {p95:8.2f} {p99:8.2f} {queries:8d} {p50 / base_p50:9.1f}x")

    @staticmethod
    def _measure(run: Callable[[], Any], repeat: int) -> tuple[tuple[float, float, float], int]:
        """Warm up, then time ``repeat`` runs; return (p50, p95, p99) in ms and the SQL queries of one run."""
        for _ in range(5):
            run()
        with CaptureQueriesContext(connection) as captured:
            run()
        timings = []
        for _ in range(repeat):
            began = time.perf_counter()
            run()
            timings.append((time.perf_counter() - began) * 1000)
        cuts = statistics.quantiles(timings, n=100)
        return (cuts[49], cuts[94], cuts[98]), len(captured.captured_queries)
