"""`manage.py seed_demo`: demo users, providers, clients and two weeks of availability. Safe to run repeatedly.

The demo logins are for local use only (docs/security.md lists them); never run this against production data.
"""

from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from reservation.errors import DomainError
from reservation.models import Client, Provider, Reservation, VisitType, VisitTypeOffer
from reservation.services.availability import appointment_bulk_create
from reservation.services.reservations import reservation_confirm, reservation_create

STAFF = ("support", "support-demo-2030")
PROVIDER_PASSWORD = "provider-demo-2030"  # noqa: S105 - published demo credential, local use only
CLIENT_PASSWORD = "client-demo-2030"  # noqa: S105 - published demo credential, local use only
PROVIDERS = [("Grace", "Hopper"), ("Alan", "Turing"), ("Katherine", "Johnson")]
CLIENTS = [("Ada", "Lovelace"), ("Edsger", "Dijkstra"), ("Barbara", "Liskov"), ("Donald", "Knuth")]
# Each provider's working hours (UTC), every weekday.
WORKING_HOURS = [(time(9), time(12)), (time(13), time(17))]
DAYS = 14


def demo_username(first_name: str, last_name: str) -> str:
    """The demo login of a person: ``first.last`` in lower case."""
    return f"{first_name}.{last_name}".lower()


def _demo_user(username: str, password: str, **fields: Any) -> User:
    """The demo user ``username``, created with ``password`` the first time."""
    user, created = User.objects.get_or_create(username=username, defaults=fields)
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    return user


# name, fields, daily cap per provider (None: no cap).
DEMO_VISIT_TYPES: list[tuple[str, dict[str, Any], int | None]] = [
    ("Intake (45 min)", {"duration_slots": 3, "buffer_after_slots": 1, "is_video": True}, 8),
    ("Follow-up (15 min)", {"duration_slots": 1, "is_video": True}, None),
    ("Therapy (60 min)", {"duration_slots": 4, "buffer_after_slots": 1, "minimum_notice_hours": 48}, 4),
]


class Command(BaseCommand):
    """Fill the database with demo data: logins, 3 providers, 4 clients, 14 days of weekday slots, 1 booking."""

    help = "Load demo users, providers, clients and the coming two weeks of availability (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        with transaction.atomic():
            _demo_user(STAFF[0], STAFF[1], is_staff=True, is_superuser=True)
            providers = [
                Provider.objects.get_or_create(
                    first_name=first,
                    last_name=last,
                    defaults={"user": _demo_user(demo_username(first, last), PROVIDER_PASSWORD)},
                )[0]
                for first, last in PROVIDERS
            ]
            clients = [
                Client.objects.get_or_create(
                    first_name=first,
                    last_name=last,
                    defaults={"user": _demo_user(demo_username(first, last), CLIENT_PASSWORD)},
                )[0]
                for first, last in CLIENTS
            ]
            slots = 0
            tomorrow = now.astimezone(UTC).date() + timedelta(days=1)
            for offset in range(DAYS):
                day = tomorrow + timedelta(days=offset)
                if day.weekday() >= 5:
                    continue
                for provider in providers:
                    for start, end in WORKING_HOURS:
                        slots += appointment_bulk_create(
                            provider_id=provider.pk,
                            start_time=datetime.combine(day, start, tzinfo=UTC),
                            end_time=datetime.combine(day, end, tzinfo=UTC),
                            now=now,
                        ).count()

            # The visit types of docs/visit-types.md, offered by every demo provider (issue 13).
            for name, fields, cap in DEMO_VISIT_TYPES:
                visit_type = VisitType.objects.get_or_create(name=name, defaults=fields)[0]
                for provider in providers:
                    VisitTypeOffer.objects.get_or_create(
                        visit_type=visit_type, provider=provider, defaults={"daily_cap": cap}
                    )

        # One confirmed booking, so that nested connections (a provider's clients) show something.
        if not Reservation.objects.filter(client=clients[0]).exists():
            # Judged by the clock now, after the seeding above; reservation_create reads it again, so a slot whose 24
            # hours' notice ran out in between is refused and the next one taken.
            for candidate in providers[0].appointments.available(timezone.now()).order_by("start_time")[:3]:
                try:
                    hold = reservation_create(client_id=clients[0].pk, appointment_id=candidate.pk)
                except DomainError:
                    continue
                reservation_confirm(reservation_id=hold.pk)
                break

        self.stdout.write(
            f"Demo data ready: {len(providers)} providers, {len(clients)} clients, {slots} slots over {DAYS} days.\n"
            f"Demo logins (local use only): staff {STAFF[0]} / {STAFF[1]}; providers e.g. "
            f"{demo_username(*PROVIDERS[0])} / {PROVIDER_PASSWORD}; clients e.g. "
            f"{demo_username(*CLIENTS[0])} / {CLIENT_PASSWORD}."
        )
