"""SQL queries and time of each admin list page at scale: 10⁵ slots, 10⁴ reservations (issue 10, item 6).

Run against a database it may wipe (default: a fresh SQLite file under /tmp), under the suite lock::

    flock /tmp/suite.lock .venv/bin/python -m tests.load.admin_pages [--database-url postgres://.../issue10_load]
        [--slots 100000] [--reservations 10000] [--providers 100]

It migrates the database, bulk-inserts the data (``--providers`` providers in two zones, one client per
reservation, every second reservation confirmed, the others held) and, on PostgreSQL, runs ANALYZE as autovacuum
would; then it logs a superuser in with Django's test client, and opens each list page of
`tests.reservation.admin.test_query_counts.PAGES` with 100 rows per page (the admin's default).
Prints, per page, the SQL queries and the best of three wall times (``SHOW_SLOWEST=1``: and its two slowest queries).
That test checks the counts do not grow with the page: the same at 3 and at 30 rows.
"""

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

# The real clock, out of freezegun's reach (it swaps module attributes that are the real functions, not tuples).
_WALL_CLOCK = (time.perf_counter,)


def wall() -> float:
    """Seconds of the real clock, while the app's clock is frozen."""
    return _WALL_CLOCK[0]()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--slots", type=int, default=100_000)
    parser.add_argument("--reservations", type=int, default=10_000)
    parser.add_argument("--providers", type=int, default=100)
    args = parser.parse_args()
    database_url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'admin_pages.sqlite3'}"
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.test")

    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client as HttpClient
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from freezegun import freeze_time

    from reservation.models import Appointment, Client, Provider, Reservation
    from tests.reservation.admin.test_query_counts import PAGES

    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    now = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
    with freeze_time(now):
        started = wall()
        users = User.objects.bulk_create(
            [User(username=f"provider{n}", first_name="Grace", last_name="Hopper") for n in range(args.providers)]
            + [User(username=f"client{n}", first_name="Ada", last_name="Lovelace") for n in range(args.reservations)]
        )
        users = list(User.objects.order_by("pk"))
        providers = Provider.objects.bulk_create(
            Provider(
                user=users[n], first_name="Grace", last_name="Hopper", time_zone="America/New_York" if n % 2 else "UTC"
            )
            for n in range(args.providers)
        )
        providers = list(Provider.objects.order_by("pk"))
        clients = Client.objects.bulk_create(
            Client(user=users[args.providers + n], first_name="Ada", last_name="Lovelace")
            for n in range(args.reservations)
        )
        clients = list(Client.objects.order_by("pk"))
        per_provider = args.slots // args.providers
        start = now + timedelta(days=2)
        Appointment.objects.bulk_create(
            (
                Appointment(
                    provider=provider,
                    start_time=start + index * timedelta(minutes=15),
                    end_time=start + (index + 1) * timedelta(minutes=15),
                )
                for provider in providers
                for index in range(per_provider)
            ),
            batch_size=5000,
        )
        # bulk_create skips Reservation.save(), which fills a single-slot reservation's provider and times.
        slots = list(Appointment.objects.order_by("pk").values_list("pk", "provider_id", "start_time", "end_time"))
        step = max(1, len(slots) // args.reservations)
        Reservation.objects.bulk_create(
            (
                Reservation(
                    client=clients[n],
                    appointment_id=slots[n * step][0],
                    provider_id=slots[n * step][1],
                    starts_at=slots[n * step][2],
                    ends_at=slots[n * step][3],
                    covers_from=slots[n * step][2],
                    covers_until=slots[n * step][3],
                    created_at=now - timedelta(minutes=10),
                    expires_at=now + timedelta(minutes=20),
                    confirmed_at=now - timedelta(minutes=5) if n % 2 else None,
                )
                for n in range(args.reservations)
            ),
            batch_size=5000,
        )
        if connection.vendor == "postgresql":  # fresh statistics, as autovacuum keeps them after a bulk load
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(
            f"{connection.vendor}: {Appointment.objects.count()} slots, {Reservation.objects.count()} reservations, "
            f"{Provider.objects.count()} providers, {Client.objects.count()} clients "
            f"(loaded in {wall() - started:.1f} s)"
        )
        admin = User.objects.create_superuser("support-load", password="support-load-2030")
        browser = HttpClient()
        browser.force_login(admin)
        print(f"{'page':<75} {'queries':>7} {'best ms':>8}")
        for url, query in PAGES:
            timings = []
            for _ in range(3):
                with CaptureQueriesContext(connection) as captured:
                    began = wall()
                    response = browser.get(url, query)
                    timings.append((wall() - began) * 1000)
                if response.status_code != 200:
                    print(f"{url} {query}: HTTP {response.status_code}", file=sys.stderr)
                    return 1
            label = url + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")
            print(f"{label:<75} {len(captured):>7} {min(timings):>8.0f}")
            if os.environ.get("SHOW_SLOWEST"):  # the two slowest queries of one more load
                slow: list[tuple[float, str]] = []

                def timed(execute, sql, params, many, context, slow=slow):
                    began = wall()
                    try:
                        return execute(sql, params, many, context)
                    finally:
                        slow.append((wall() - began, sql))

                with connection.execute_wrapper(timed):
                    browser.get(url, query)
                for seconds, sql in sorted(slow, reverse=True)[:2]:
                    print(f"    {seconds * 1000:.0f} ms: {sql[:700]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
