"""Publishing availability: `reservation.services.availability.appointment_bulk_create`.

A provider's range ``[startTime, endTime)`` is split into 15-minute slots stored in UTC. Resubmitting an
overlapping range keeps existing slots (and their reservations) and only adds the missing ones. Every refused
submission raises `DomainError` with an exact code and field, and writes nothing.
"""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from reservation.errors import DomainError, ErrorCode
from reservation.models import Appointment, Reservation
from reservation.services.availability import appointment_bulk_create
from tests.factories import NOW, make_client, make_provider, make_reservation, make_slot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

TOMORROW_9 = datetime(2030, 1, 8, 9, 0, tzinfo=UTC)
PLUS_TWO = timezone(timedelta(hours=2))


def publish(provider_id: int, start: datetime, end: datetime) -> list[Appointment]:
    return list(appointment_bulk_create(provider_id=provider_id, start_time=start, end_time=end))


def test_one_hour_is_split_into_four_consecutive_fifteen_minute_slots():
    provider = make_provider()

    slots = publish(provider.pk, TOMORROW_9, TOMORROW_9 + timedelta(hours=1))

    assert [(slot.start_time, slot.end_time) for slot in slots] == [
        (TOMORROW_9, TOMORROW_9 + timedelta(minutes=15)),
        (TOMORROW_9 + timedelta(minutes=15), TOMORROW_9 + timedelta(minutes=30)),
        (TOMORROW_9 + timedelta(minutes=30), TOMORROW_9 + timedelta(minutes=45)),
        (TOMORROW_9 + timedelta(minutes=45), TOMORROW_9 + timedelta(hours=1)),
    ]
    assert all(slot.provider_id == provider.pk for slot in slots)
    assert Appointment.objects.count() == 4


@pytest.mark.parametrize(
    ("length", "expected_slots"),
    [
        (timedelta(minutes=15), 1),
        (timedelta(minutes=45), 3),
        (timedelta(hours=8), 32),
        (timedelta(days=1), 96),
    ],
)
def test_number_of_slots_is_the_range_length_divided_by_fifteen_minutes(length, expected_slots):
    provider = make_provider()

    slots = publish(provider.pk, TOMORROW_9, TOMORROW_9 + length)

    assert len(slots) == expected_slots
    assert Appointment.objects.filter(provider=provider).count() == expected_slots


def test_times_with_an_offset_are_stored_in_utc():
    provider = make_provider()
    # 11:00+02:00 is 09:00 UTC.
    start = datetime(2030, 1, 8, 11, 0, tzinfo=PLUS_TWO)

    publish(provider.pk, start, start + timedelta(minutes=30))

    stored = list(Appointment.objects.order_by("start_time"))
    assert [slot.start_time for slot in stored] == [TOMORROW_9, TOMORROW_9 + timedelta(minutes=15)]
    assert stored[0].start_time.utcoffset() == timedelta(0)
    assert stored[-1].end_time == TOMORROW_9 + timedelta(minutes=30)


def test_slots_are_returned_ordered_by_start_time():
    provider = make_provider()
    # An existing slot at the end of the range has a lower id than the new ones before it.
    make_slot(provider, TOMORROW_9 + timedelta(minutes=45))

    slots = publish(provider.pk, TOMORROW_9, TOMORROW_9 + timedelta(hours=1))

    assert [slot.start_time for slot in slots] == [TOMORROW_9 + timedelta(minutes=15 * i) for i in range(4)]


def test_overlapping_resubmission_adds_only_the_missing_slots():
    provider = make_provider()
    first = publish(provider.pk, TOMORROW_9, TOMORROW_9 + timedelta(hours=1))

    second = publish(provider.pk, TOMORROW_9 + timedelta(minutes=30), TOMORROW_9 + timedelta(hours=2))

    assert Appointment.objects.filter(provider=provider).count() == 8
    assert [slot.start_time for slot in second] == [TOMORROW_9 + timedelta(minutes=30 + 15 * i) for i in range(6)]
    # The two overlapping slots are the very rows of the first submission.
    assert [slot.pk for slot in second[:2]] == [slot.pk for slot in first[2:]]
    starts = list(Appointment.objects.values_list("start_time", flat=True))
    assert len(starts) == len(set(starts))


def test_identical_resubmission_creates_nothing():
    provider = make_provider()
    first = publish(provider.pk, TOMORROW_9, TOMORROW_9 + timedelta(hours=1))

    second = publish(provider.pk, TOMORROW_9, TOMORROW_9 + timedelta(hours=1))

    assert [slot.pk for slot in second] == [slot.pk for slot in first]
    assert Appointment.objects.count() == 4


def test_resubmission_keeps_existing_slots_with_their_reservations():
    provider = make_provider()
    client = make_client()
    booked = make_slot(provider, TOMORROW_9 + timedelta(minutes=15))
    reservation = make_reservation(client, booked, NOW, confirmed=True)

    slots = publish(provider.pk, TOMORROW_9, TOMORROW_9 + timedelta(hours=1))

    assert booked.pk in [slot.pk for slot in slots]
    reservation.refresh_from_db()
    assert reservation.appointment_id == booked.pk
    assert reservation.confirmed_at is not None
    assert Reservation.objects.count() == 1
    assert Appointment.objects.count() == 4


def test_another_providers_slots_at_the_same_time_are_separate():
    provider = make_provider()
    other = make_provider("Alan", "Turing")
    make_slot(other, TOMORROW_9)

    slots = publish(provider.pk, TOMORROW_9, TOMORROW_9 + timedelta(minutes=15))

    assert len(slots) == 1
    assert slots[0].provider_id == provider.pk
    assert Appointment.objects.count() == 2


def test_range_starting_now_is_accepted():
    provider = make_provider()

    slots = publish(provider.pk, NOW, NOW + timedelta(minutes=15))

    assert [slot.start_time for slot in slots] == [NOW]


def test_range_of_exactly_thirty_one_days_is_accepted():
    provider = make_provider()

    slots = publish(provider.pk, TOMORROW_9, TOMORROW_9 + timedelta(days=31))

    assert len(slots) == 31 * 96


# Deliberately without an offset.
NAIVE = datetime(2030, 1, 8, 9, 0)


@pytest.mark.parametrize(
    ("start", "end", "code", "field"),
    [
        pytest.param(NAIVE, TOMORROW_9 + timedelta(hours=1), ErrorCode.NAIVE_DATETIME, "start_time", id="naive-start"),
        pytest.param(TOMORROW_9, NAIVE + timedelta(hours=1), ErrorCode.NAIVE_DATETIME, "end_time", id="naive-end"),
        pytest.param(
            TOMORROW_9 + timedelta(minutes=5),
            TOMORROW_9 + timedelta(hours=1),
            ErrorCode.NOT_ALIGNED,
            "start_time",
            id="start-09:05",
        ),
        pytest.param(
            TOMORROW_9 + timedelta(seconds=30),
            TOMORROW_9 + timedelta(hours=1),
            ErrorCode.NOT_ALIGNED,
            "start_time",
            id="start-09:00:30",
        ),
        pytest.param(
            TOMORROW_9 + timedelta(microseconds=1),
            TOMORROW_9 + timedelta(hours=1),
            ErrorCode.NOT_ALIGNED,
            "start_time",
            id="start-plus-a-microsecond",
        ),
        pytest.param(
            TOMORROW_9,
            TOMORROW_9 + timedelta(minutes=50),
            ErrorCode.NOT_ALIGNED,
            "end_time",
            id="end-09:50",
        ),
        pytest.param(TOMORROW_9, TOMORROW_9, ErrorCode.INVALID_RANGE, "start_time", id="start-equals-end"),
        pytest.param(
            TOMORROW_9 + timedelta(hours=1), TOMORROW_9, ErrorCode.INVALID_RANGE, "start_time", id="start-after-end"
        ),
        pytest.param(
            NOW - timedelta(minutes=15), NOW + timedelta(hours=1), ErrorCode.IN_THE_PAST, "start_time", id="past"
        ),
        pytest.param(
            NOW - timedelta(days=1),
            NOW - timedelta(hours=23),
            ErrorCode.IN_THE_PAST,
            "start_time",
            id="wholly-past",
        ),
        pytest.param(
            TOMORROW_9,
            TOMORROW_9 + timedelta(days=31, minutes=15),
            ErrorCode.RANGE_TOO_LONG,
            "end_time",
            id="31-days-and-15-minutes",
        ),
    ],
)
def test_invalid_submission_is_refused_and_creates_nothing(start, end, code, field):
    provider = make_provider()

    with pytest.raises(DomainError) as raised:
        appointment_bulk_create(provider_id=provider.pk, start_time=start, end_time=end)

    assert (raised.value.code, raised.value.field) == (code, field)
    assert Appointment.objects.count() == 0


def test_unknown_provider_is_not_found_and_creates_nothing():
    provider = make_provider()

    with pytest.raises(DomainError) as raised:
        appointment_bulk_create(
            provider_id=provider.pk + 1, start_time=TOMORROW_9, end_time=TOMORROW_9 + timedelta(hours=1)
        )

    assert (raised.value.code, raised.value.field) == (ErrorCode.NOT_FOUND, "provider_id")
    assert Appointment.objects.count() == 0


def test_refused_resubmission_leaves_existing_slots_untouched():
    provider = make_provider()
    publish(provider.pk, TOMORROW_9, TOMORROW_9 + timedelta(hours=1))

    with pytest.raises(DomainError):
        appointment_bulk_create(
            provider_id=provider.pk, start_time=TOMORROW_9, end_time=TOMORROW_9 + timedelta(days=40)
        )

    assert Appointment.objects.count() == 4


def test_time_off_the_utc_grid_because_of_its_offset_is_not_aligned():
    provider = make_provider()
    start = datetime(2030, 1, 8, 9, 0, tzinfo=timezone(timedelta(minutes=7)))

    with pytest.raises(DomainError) as raised:
        appointment_bulk_create(provider_id=provider.pk, start_time=start, end_time=start + timedelta(hours=1))

    assert (raised.value.code, raised.value.field) == (ErrorCode.NOT_ALIGNED, "start_time")
    assert Appointment.objects.count() == 0
