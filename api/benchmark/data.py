"""Bulk data for benchmarks and query-plan tests, on PostgreSQL: ``slots`` appointment slots in seconds.

Providers and clients are made with ``bulk_create``; slots and reservations with ``INSERT ... SELECT`` over
``generate_series``, so that 10⁶ slots take seconds, not the hours of a row-by-row load. Every provider has
`SLOTS_PER_PROVIDER` consecutive 15-minute slots from `FIRST_SLOT` (a Monday far ahead, so that a cached
database never ages into the notice period); every slot has an expired hold in its history (as many reservations
as slots, as a busy service accumulates) and one slot in `BOOKED_EVERY` is booked (a confirmed reservation).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import connections, transaction

from reservation.models import Client, Provider

SLOTS_PER_PROVIDER = 1000
FIRST_SLOT = datetime(2099, 1, 5, tzinfo=UTC)  # a Monday
SLOT = timedelta(minutes=15)
BOOKED_EVERY = 10
SLOTS_PER_CLIENT = 100
TABLES = ("reservation_provider", "reservation_client", "reservation_appointment", "reservation_reservation")


@dataclass(frozen=True)
class Dataset:
    """What `populate` made: counts, and the first provider and client (the benchmarks' subjects)."""

    slots: int
    providers: int
    clients: int
    reservations: int
    first_provider_id: int
    first_client_id: int


# The tables `populate` fills (and ANALYZEs).
FILLED_TABLES = ("reservation_provider", "reservation_client", "reservation_appointment", "reservation_reservation")


@transaction.atomic
def populate(slots: int, using: str = "default") -> Dataset:
    """Add ``slots`` slots (a multiple of `SLOTS_PER_PROVIDER`, at least one provider's), their providers,
    clients and reservations to database ``using`` (PostgreSQL), then ANALYZE the tables. One transaction, without
    the statement timeout (the reservations' exclusion constraint makes their insert take seconds)."""
    with connections[using].cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 0")
    provider_count = max(1, slots // SLOTS_PER_PROVIDER)
    per_provider = min(slots, SLOTS_PER_PROVIDER)
    providers = Provider.objects.using(using).bulk_create(
        Provider(first_name=f"Bench{index:05d}", last_name=f"Provider{index:05d}") for index in range(provider_count)
    )
    clients = Client.objects.using(using).bulk_create(
        Client(first_name=f"Bench{index:05d}", last_name=f"Client{index:05d}")
        for index in range(max(1, slots // SLOTS_PER_CLIENT))
    )
    provider_ids = [provider.pk for provider in providers]
    client_ids = [client.pk for client in clients]
    with connections[using].cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO reservation_appointment (provider_id, start_time, end_time, created_at, source)
            SELECT p.id, %(first)s + s * %(slot)s::interval, %(first)s + (s + 1) * %(slot)s::interval, now(), 'range'
            FROM unnest(%(providers)s::bigint[]) AS p(id), generate_series(0, %(per)s - 1) AS s
            """,
            {
                "first": FIRST_SLOT,
                "slot": f"{SLOT.total_seconds():.0f} seconds",
                "providers": provider_ids,
                "per": per_provider,
            },
        )
        # History: every slot has an expired hold (so that the reservations table is as big as the slots', as it
        # grows in production); one slot in BOOKED_EVERY was then booked (confirmed, never ended).
        reservations = 0
        for made, booked_only in ((datetime(2026, 1, 1, tzinfo=UTC), False), (datetime(2026, 1, 2, tzinfo=UTC), True)):
            cursor.execute(
                """
                INSERT INTO reservation_reservation (appointment_id, client_id, created_at, expires_at, confirmed_at,
                                                     ended_at, end_reason, cancel_reason, video_url, provider_id,
                                                     starts_at, ends_at, covers_from, covers_until)
                SELECT a.id, (%(clients)s::bigint[])[1 + (a.id %% %(client_count)s)],
                       %(made)s, %(made)s + interval '30 minutes',
                       CASE WHEN %(booked_only)s THEN %(made)s + interval '5 minutes' END, NULL, '', '', '',
                       a.provider_id, a.start_time, a.end_time, a.start_time, a.end_time
                FROM reservation_appointment a
                WHERE a.provider_id = ANY(%(providers)s::bigint[]) AND (NOT %(booked_only)s OR a.id %% %(every)s = 0)
                """,
                {
                    "clients": client_ids,
                    "client_count": len(client_ids),
                    "made": made,
                    "booked_only": booked_only,
                    "every": BOOKED_EVERY,
                    "providers": provider_ids,
                },
            )
            reservations += cursor.rowcount
        for table in FILLED_TABLES:
            cursor.execute(f"ANALYZE {table}")
    return Dataset(
        slots=provider_count * per_provider,
        providers=provider_count,
        clients=len(client_ids),
        reservations=reservations,
        first_provider_id=provider_ids[0],
        first_client_id=client_ids[0],
    )


def first_week() -> tuple[datetime, datetime]:
    """The window of "one provider's week": the first seven days of every provider's slots."""
    return FIRST_SLOT, FIRST_SLOT + timedelta(days=7)
