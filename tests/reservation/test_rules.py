"""The scheduling rules are read from settings at call time, so each setting changes the behaviour.

``RESERVATION_HOLD_MINUTES``, ``RESERVATION_MIN_NOTICE_HOURS``, ``RESERVATION_SLOT_MINUTES`` and
``RESERVATION_MAX_RANGE_DAYS`` are overridden one at a time and the domain services are checked at the new
boundaries (and against the defaults' boundaries, which must no longer apply).
"""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.test import override_settings

from reservation import rules
from reservation.errors import DomainError, ErrorCode
from reservation.models import Appointment, Reservation
from reservation.services.availability import appointment_bulk_create
from reservation.services.reservations import reservation_confirm, reservation_create
from tests.factories import NOW, make_client, make_provider, make_slot

pytestmark = pytest.mark.django_db

TOMORROW_9 = datetime(2030, 1, 8, 9, 0, tzinfo=UTC)


def test_defaults_match_the_documented_rules():
    assert rules.slot_duration() == timedelta(minutes=15)
    assert rules.hold_duration() == timedelta(minutes=30)
    assert rules.minimum_notice() == timedelta(hours=24)
    assert rules.maximum_range() == timedelta(days=31)


@override_settings(
    RESERVATION_SLOT_MINUTES=30,
    RESERVATION_HOLD_MINUTES=10,
    RESERVATION_MIN_NOTICE_HOURS=48,
    RESERVATION_MAX_RANGE_DAYS=7,
)
def test_rules_functions_read_the_overridden_settings():
    assert rules.slot_duration() == timedelta(minutes=30)
    assert rules.hold_duration() == timedelta(minutes=10)
    assert rules.minimum_notice() == timedelta(hours=48)
    assert rules.maximum_range() == timedelta(days=7)


class TestHoldMinutes:
    """``RESERVATION_HOLD_MINUTES=10``: a hold lasts 10 minutes."""

    @override_settings(RESERVATION_HOLD_MINUTES=10)
    def test_hold_expires_after_ten_minutes(self, frozen):
        slot = make_slot(make_provider(), NOW + timedelta(days=2))

        reservation = reservation_create(client_id=make_client().pk, appointment_id=slot.pk)

        assert reservation.expires_at == NOW + timedelta(minutes=10)

    @override_settings(RESERVATION_HOLD_MINUTES=10)
    def test_confirm_at_9_59_succeeds(self, frozen):
        slot = make_slot(make_provider(), NOW + timedelta(days=2))
        hold = reservation_create(client_id=make_client().pk, appointment_id=slot.pk)
        frozen.tick(timedelta(minutes=9, seconds=59))

        assert reservation_confirm(reservation_id=hold.pk).confirmed_at == NOW + timedelta(minutes=9, seconds=59)

    @override_settings(RESERVATION_HOLD_MINUTES=10)
    def test_confirm_at_10_00_fails(self, frozen):
        slot = make_slot(make_provider(), NOW + timedelta(days=2))
        hold = reservation_create(client_id=make_client().pk, appointment_id=slot.pk)
        frozen.tick(timedelta(minutes=10))

        with pytest.raises(DomainError) as raised:
            reservation_confirm(reservation_id=hold.pk)

        assert raised.value.code is ErrorCode.RESERVATION_EXPIRED
        hold.refresh_from_db()
        assert hold.confirmed_at is None

    @override_settings(RESERVATION_HOLD_MINUTES=10)
    def test_slot_is_free_again_after_ten_minutes(self, frozen):
        slot = make_slot(make_provider(), NOW + timedelta(days=2))
        reservation_create(client_id=make_client().pk, appointment_id=slot.pk)
        frozen.tick(timedelta(minutes=10))

        other = reservation_create(client_id=make_client("Edsger", "Dijkstra").pk, appointment_id=slot.pk)

        assert other.created_at == NOW + timedelta(minutes=10)

    def test_existing_holds_keep_the_expiry_they_were_given(self, frozen):
        slot = make_slot(make_provider(), NOW + timedelta(days=2))
        hold = reservation_create(client_id=make_client().pk, appointment_id=slot.pk)
        frozen.tick(timedelta(minutes=20))

        with override_settings(RESERVATION_HOLD_MINUTES=10):
            confirmed = reservation_confirm(reservation_id=hold.pk)

        assert confirmed.confirmed_at == NOW + timedelta(minutes=20)


class TestMinimumNotice:
    """``RESERVATION_MIN_NOTICE_HOURS=48``: slots must start at least 48 hours ahead."""

    @override_settings(RESERVATION_MIN_NOTICE_HOURS=48)
    def test_slot_exactly_48_hours_ahead_can_be_reserved(self, frozen):
        slot = make_slot(make_provider(), NOW + timedelta(hours=48))

        reservation = reservation_create(client_id=make_client().pk, appointment_id=slot.pk)

        assert reservation.appointment_id == slot.pk

    @override_settings(RESERVATION_MIN_NOTICE_HOURS=48)
    def test_slot_47_hours_45_minutes_ahead_is_refused(self, frozen):
        slot = make_slot(make_provider(), NOW + timedelta(hours=47, minutes=45))

        with pytest.raises(DomainError) as raised:
            reservation_create(client_id=make_client().pk, appointment_id=slot.pk)

        assert (raised.value.code, raised.value.field) == (ErrorCode.INSUFFICIENT_NOTICE, "appointment_id")
        assert "48 hours" in raised.value.message
        assert Reservation.objects.count() == 0

    @override_settings(RESERVATION_MIN_NOTICE_HOURS=48)
    def test_available_uses_48_hours(self):
        provider = make_provider()
        make_slot(provider, NOW + timedelta(hours=47, minutes=45))
        far = make_slot(provider, NOW + timedelta(hours=48))

        assert list(Appointment.objects.available(NOW)) == [far]


class TestSlotMinutes:
    """``RESERVATION_SLOT_MINUTES=30``: availability is split into 30-minute slots on a 30-minute grid."""

    @override_settings(RESERVATION_SLOT_MINUTES=30)
    def test_one_hour_is_split_into_two_slots(self, frozen):
        provider = make_provider()

        slots = list(
            appointment_bulk_create(
                provider_id=provider.pk, start_time=TOMORROW_9, end_time=TOMORROW_9 + timedelta(hours=1)
            )
        )

        assert [(slot.start_time, slot.end_time) for slot in slots] == [
            (TOMORROW_9, TOMORROW_9 + timedelta(minutes=30)),
            (TOMORROW_9 + timedelta(minutes=30), TOMORROW_9 + timedelta(hours=1)),
        ]

    @override_settings(RESERVATION_SLOT_MINUTES=30)
    def test_quarter_hour_is_not_aligned(self, frozen):
        provider = make_provider()

        with pytest.raises(DomainError) as raised:
            appointment_bulk_create(
                provider_id=provider.pk,
                start_time=TOMORROW_9 + timedelta(minutes=15),
                end_time=TOMORROW_9 + timedelta(hours=1),
            )

        assert (raised.value.code, raised.value.field) == (ErrorCode.NOT_ALIGNED, "start_time")
        assert "30-minute" in raised.value.message
        assert Appointment.objects.count() == 0

    @override_settings(RESERVATION_SLOT_MINUTES=30)
    def test_alignment_is_judged_in_utc_whatever_the_offset(self, frozen):
        provider = make_provider()
        nepal = timezone(timedelta(hours=5, minutes=45))
        start = datetime(2030, 1, 8, 15, 0, tzinfo=nepal)  # 09:15 UTC: off the 30-minute grid

        with pytest.raises(DomainError) as raised:
            appointment_bulk_create(provider_id=provider.pk, start_time=start, end_time=start + timedelta(hours=1))

        assert raised.value.code is ErrorCode.NOT_ALIGNED
        assert Appointment.objects.count() == 0

    @override_settings(RESERVATION_SLOT_MINUTES=30)
    def test_client_overlap_uses_slot_end_times(self, frozen):
        provider = make_provider()
        patient = make_client()
        first = make_slot(provider, NOW + timedelta(days=2))
        reservation_create(client_id=patient.pk, appointment_id=first.pk)
        # A 30-minute slot of another provider starting 15 minutes later overlaps the first one.
        other = Appointment.objects.create(
            provider=make_provider("Alan", "Turing"),
            start_time=NOW + timedelta(days=2, minutes=15),
            end_time=NOW + timedelta(days=2, minutes=45),
        )

        with pytest.raises(DomainError) as raised:
            reservation_create(client_id=patient.pk, appointment_id=other.pk)

        assert raised.value.code is ErrorCode.CLIENT_OVERLAP


class TestMaxRangeDays:
    """``RESERVATION_MAX_RANGE_DAYS=7``: one submission covers at most 7 days."""

    @override_settings(RESERVATION_MAX_RANGE_DAYS=7)
    def test_exactly_seven_days_is_accepted(self, frozen):
        provider = make_provider()

        slots = appointment_bulk_create(
            provider_id=provider.pk, start_time=TOMORROW_9, end_time=TOMORROW_9 + timedelta(days=7)
        )

        assert slots.count() == 7 * 96

    @override_settings(RESERVATION_MAX_RANGE_DAYS=7)
    def test_seven_days_and_a_slot_is_too_long(self, frozen):
        provider = make_provider()

        with pytest.raises(DomainError) as raised:
            appointment_bulk_create(
                provider_id=provider.pk,
                start_time=TOMORROW_9,
                end_time=TOMORROW_9 + timedelta(days=7, minutes=15),
            )

        assert (raised.value.code, raised.value.field) == (ErrorCode.RANGE_TOO_LONG, "end_time")
        assert "7 days" in raised.value.message
        assert Appointment.objects.count() == 0
