"""`manage.py seed_demo`: demo providers, clients, two weeks of weekday availability and one booking.

Run under a frozen clock (Monday 2030-01-07 09:00 UTC), so the expected schedule is exact: the 14 days from
Tuesday 8 to Monday 21 January hold 10 weekdays, each with 09:00-12:00 and 13:00-17:00 (28 slots) for each
of 3 providers. Running the command again changes nothing.
"""

from datetime import UTC, datetime, time, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from reservation.models import Appointment, Client, Provider, Reservation, VisitType, VisitTypeOffer
from tests.factories import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

WEEKDAYS = 10
SLOTS_PER_PROVIDER_DAY = (3 + 4) * 4
EXPECTED_SLOTS = 3 * WEEKDAYS * SLOTS_PER_PROVIDER_DAY


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, list[Any]]:
    return {
        "providers": sorted(Provider.objects.values_list("pk", "first_name", "last_name")),
        "clients": sorted(Client.objects.values_list("pk", "first_name", "last_name")),
        "slots": sorted(Appointment.objects.values_list("pk", "provider_id", "start_time", "end_time")),
        "reservations": sorted(Reservation.objects.values_list("pk", "client_id", "appointment_id", "confirmed_at")),
    }


def test_seed_creates_the_demo_people():
    seed()

    assert sorted(Provider.objects.values_list("first_name", "last_name")) == [
        ("Alan", "Turing"),
        ("Grace", "Hopper"),
        ("Katherine", "Johnson"),
    ]
    assert Client.objects.count() == 4


def test_seed_creates_weekday_slots_in_the_next_14_days():
    seed()

    slots = list(Appointment.objects.all())
    assert len(slots) == EXPECTED_SLOTS
    for slot in slots:
        assert NOW < slot.start_time < NOW + timedelta(days=15)
        assert slot.start_time.weekday() < 5
        assert slot.end_time - slot.start_time == timedelta(minutes=15)
        assert slot.start_time.minute % 15 == 0
        assert (slot.start_time.second, slot.start_time.microsecond) == (0, 0)
        assert time(9) <= slot.start_time.time() < time(12) or time(13) <= slot.start_time.time() < time(17)
    days = {slot.start_time.date() for slot in slots}
    assert len(days) == WEEKDAYS
    assert datetime(2030, 1, 12, tzinfo=UTC).date() not in days  # Saturday
    assert min(days) == datetime(2030, 1, 8, tzinfo=UTC).date()
    assert max(days) == datetime(2030, 1, 21, tzinfo=UTC).date()


def test_each_provider_gets_the_same_schedule():
    seed()

    for provider in Provider.objects.all():
        assert provider.appointments.count() == WEEKDAYS * SLOTS_PER_PROVIDER_DAY


def test_seed_books_one_confirmed_reservation_on_the_first_open_slot():
    seed()

    reservation = Reservation.objects.get()
    assert reservation.confirmed_at == NOW
    assert (reservation.client.first_name, reservation.client.last_name) == ("Ada", "Lovelace")
    assert reservation.appointment.provider.last_name == "Hopper"
    assert reservation.appointment.start_time == datetime(2030, 1, 8, 9, 0, tzinfo=UTC)


def test_seed_reports_what_it_made():
    output = seed()

    assert f"3 providers, 4 clients, {EXPECTED_SLOTS} slots over 14 days" in output


def test_seed_is_idempotent():
    seed()
    first = snapshot()

    seed()

    assert snapshot() == first
    assert (Provider.objects.count(), Client.objects.count(), Appointment.objects.count()) == (3, 4, EXPECTED_SLOTS)
    assert Reservation.objects.confirmed().count() == 1


def test_seed_defines_the_demo_visit_types_offered_by_every_provider():
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())  # idempotent

    assert sorted(VisitType.objects.values_list("name", flat=True)) == [
        "Follow-up (15 min)",
        "Intake (45 min)",
        "Therapy (60 min)",
    ]
    assert VisitTypeOffer.objects.count() == 3 * Provider.objects.count()
