"""`manage.py benchmark_visits`: latency of `availableAppointments` with a visit type against without one (issue 13).

Both queries run in the same process on the same data, interleaved (A, B, B, A, ...) so that the machine's
noise falls on both alike; the figures that matter are the ratios of the visit-type query to the plain one.
The data, ``--slots`` appointment slots (default 10⁵) over 100 providers, a quarter of them held or booked
(two in every eight),
every provider offering a 45-minute visit with a 15-minute buffer and a daily cap, is created inside a
transaction that is rolled back at the end.
"""

import gc
import json
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id

from api.http.views import GraphQLView
from reservation.models import Appointment, Client, Provider, Reservation, VisitType, VisitTypeOffer

PROVIDERS = 100
QUERY = """
query Starts($first: Int!, $visitTypeId: ID, $provider: ID) {
  availableAppointments(first: $first, visitTypeId: $visitTypeId, provider: $provider) {
    edges { node { id timeSlot endTime provider { id firstName lastName } } }
  }
}
"""


class Command(BaseCommand):
    """Print p50/p95 latency and SQL query counts of availableAppointments with and without a visit type."""

    help = "availableAppointments with a visit type vs without, interleaved, at 10^5 slots (data rolled back)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--repeat", type=int, default=30, help="Timed runs of each query (default 30).")
        parser.add_argument("--slots", type=int, default=100_000, help="Appointment slots to create (default 10^5).")
        parser.add_argument("--first", type=int, default=20, help="Page size (default 20).")

    def handle(self, *args: Any, **options: Any) -> None:
        gc.collect()
        gc.freeze()
        with transaction.atomic():
            self._run(options["repeat"], options["slots"], options["first"])
            transaction.set_rollback(True)

    def _run(self, repeat: int, total: int, first: int) -> None:
        start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
        per_provider = total // PROVIDERS
        providers = Provider.objects.bulk_create(
            Provider(first_name=f"Bench{i}", last_name="Provider") for i in range(PROVIDERS)
        )
        intake = VisitType.objects.create(name="Bench intake", duration_slots=3, buffer_after_slots=1)
        VisitTypeOffer.objects.bulk_create(
            VisitTypeOffer(visit_type=intake, provider=provider, daily_cap=8) for provider in providers
        )
        slot = timedelta(minutes=15)
        # 40 slots a day (10 hours) per provider, day after day
        Appointment.objects.bulk_create(
            (
                Appointment(
                    provider=provider,
                    start_time=start + timedelta(days=n // 40) + slot * (n % 40),
                    end_time=start + timedelta(days=n // 40) + slot * (n % 40 + 1),
                )
                for provider in providers
                for n in range(per_provider)
            ),
            batch_size=2000,
        )
        client = Client.objects.create(first_name="Bench", last_name="Client")
        now = datetime.now(UTC)
        # A quarter taken, two slots in every eight, so that a 45-minute visit with its buffer fits in between.
        ordered = (
            Appointment.objects.filter(provider__in=providers)
            .order_by("provider_id", "start_time")
            .values_list("pk", flat=True)
        )
        taken = [pk for index, pk in enumerate(ordered) if index % 8 < 2]
        Reservation.objects.bulk_create(
            (
                Reservation(
                    appointment=slot_row,
                    client=client,
                    provider_id=slot_row.provider_id,
                    starts_at=slot_row.start_time,
                    ends_at=slot_row.end_time,
                    covers_from=slot_row.start_time,
                    covers_until=slot_row.end_time,
                    created_at=now,
                    expires_at=now + timedelta(minutes=30),
                    confirmed_at=now if slot_row.pk % 2 else None,
                )
                for slot_row in Appointment.objects.filter(pk__in=taken).iterator(chunk_size=2000)
            ),
            batch_size=2000,
        )
        reserved = Reservation.objects.filter(provider__in=providers).count()
        with connection.cursor() as cursor:
            # Fresh planner statistics, as autovacuum (PostgreSQL) would have them for data this size.
            cursor.execute("ANALYZE")
        view = GraphQLView.as_view()
        factory = RequestFactory()

        def request(variables: dict[str, Any]) -> float:
            body = json.dumps({"query": QUERY, "variables": variables})
            http = factory.post("/graphql", body, content_type="application/json")
            http.user = AnonymousUser()
            began = time.perf_counter()
            response = view(http)
            elapsed = time.perf_counter() - began
            payload = json.loads(response.content)
            if "errors" in payload or len(payload["data"]["availableAppointments"]["edges"]) != first:
                raise CommandError(f"Not a full page for {variables}: {payload}")
            return elapsed

        cases: dict[str, dict[str, Any]] = {
            "without visit type": {"first": first},
            "with visit type": {"first": first, "visitTypeId": to_global_id("VisitTypeType", intake.pk)},
            "one provider, without": {"first": first, "provider": to_global_id("ProviderType", providers[0].pk)},
            "one provider, with visit type": {
                "first": first,
                "visitTypeId": to_global_id("VisitTypeType", intake.pk),
                "provider": to_global_id("ProviderType", providers[0].pk),
            },
        }
        queries = {}
        for name, variables in cases.items():  # warm up, and count the SQL
            with CaptureQueriesContext(connection) as captured:
                request(variables)
            queries[name] = len(captured)
        timings: dict[str, list[float]] = {name: [] for name in cases}
        names = list(cases)
        for index in range(repeat):
            order = names if index % 2 == 0 else list(reversed(names))
            for name in order:
                timings[name].append(request(cases[name]))

        self.stdout.write(
            f"{connection.vendor}: {Appointment.objects.filter(provider__in=providers).count()} slots, {PROVIDERS} "
            f"providers, {reserved} "
            f"reservations; page {first}; {repeat} interleaved runs each\n"
        )
        for name in names:
            values = sorted(timings[name])
            p50 = statistics.median(values) * 1000
            p95 = values[int(0.95 * (len(values) - 1))] * 1000
            self.stdout.write(f"  {name:32} p50 {p50:8.1f} ms  p95 {p95:8.1f} ms  {queries[name]} SQL queries\n")
        for plain, visit in (
            ("without visit type", "with visit type"),
            ("one provider, without", "one provider, with visit type"),
        ):
            ratio = statistics.median(timings[visit]) / statistics.median(timings[plain])
            self.stdout.write(f"  ratio {visit} / {plain}: {ratio:.2f}x (p50)\n")
