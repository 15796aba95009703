"""`manage.py seed_demo`: demo providers, clients and two weeks of availability. Safe to run repeatedly."""

from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from reservation.models import Client, Provider, Reservation
from reservation.services.availability import appointment_bulk_create
from reservation.services.reservations import reservation_confirm, reservation_create

PROVIDERS = [("Grace", "Hopper"), ("Alan", "Turing"), ("Katherine", "Johnson")]
CLIENTS = [("Ada", "Lovelace"), ("Edsger", "Dijkstra"), ("Barbara", "Liskov"), ("Donald", "Knuth")]
# Each provider's working hours (UTC), every weekday.
WORKING_HOURS = [(time(9), time(12)), (time(13), time(17))]
DAYS = 14


class Command(BaseCommand):
    """Fill the database with demo data: 3 providers, 4 clients, weekday availability for 14 days, 1 booking."""

    help = "Load demo providers, clients and the coming two weeks of availability (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        with transaction.atomic():
            providers = [
                Provider.objects.get_or_create(first_name=first, last_name=last)[0] for first, last in PROVIDERS
            ]
            clients = [Client.objects.get_or_create(first_name=first, last_name=last)[0] for first, last in CLIENTS]
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

        # One confirmed booking, so that nested connections (a provider's clients) show something.
        if not Reservation.objects.filter(client=clients[0]).exists():
            first_open = providers[0].appointments.available(now).order_by("start_time").first()
            if first_open is not None:
                hold = reservation_create(client_id=clients[0].pk, appointment_id=first_open.pk)
                reservation_confirm(reservation_id=hold.pk)

        self.stdout.write(
            f"Demo data ready: {len(providers)} providers, {len(clients)} clients, {slots} slots over {DAYS} days."
        )
