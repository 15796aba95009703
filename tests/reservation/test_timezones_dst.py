"""Daylight saving time, through the endpoint: the nights clocks change, local days of 23 and 25 hours, and the
24-hour notice, in New York and in Sydney (southern hemisphere: clocks go forward in October, back in April).

Each test freezes the clock shortly before the change, so that the 28-day schedule horizon covers the night.
"""

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from freezegun.api import FrozenDateTimeFactory

from reservation.models import Appointment, Provider
from tests.factories import (
    NEW_YORK,
    SYDNEY,
    assert_contiguous_without_overlap,
    gid,
    local,
    make_client,
    make_slot,
    on_local_date,
    provider_id,
    provider_in,
)
from tests.graphql import AVAILABILITY_ADD_LOCAL, AVAILABLE_ON_DATE, WEEKLY_SCHEDULE_SET

pytestmark = pytest.mark.django_db

# Sunday nights: every one of the four changes below falls on a Sunday at 02:00 or 03:00 local time.
SUNDAY_NIGHT = [{"weekday": "SUNDAY", "startTime": "00:00", "endTime": "06:00"}]

RESERVATION_CREATE = """
mutation($clientId: ID, $appointmentId: ID!) {
  reservationCreate(input: {clientId: $clientId, appointmentId: $appointmentId}) {
    reservation { id appointment { timeSlot } } errors { code field message }
  }
}
"""


def publish_sunday_nights(graphql, provider: Provider) -> dict[str, Any]:
    body = graphql(WEEKLY_SCHEDULE_SET, {"providerId": provider_id(provider), "ranges": SUNDAY_NIGHT})
    payload: dict[str, Any] = body["data"]["weeklyScheduleSet"]
    assert payload["errors"] == [], payload
    return payload


def available_on(graphql, provider: Provider | None, day: date, zone: str) -> list[dict[str, Any]]:
    variables = {"provider": None if provider is None else provider_id(provider), "date": day.isoformat()}
    body = graphql(AVAILABLE_ON_DATE, {**variables, "timeZone": zone})
    assert "errors" not in body, body
    connection = body["data"]["availableAppointments"]
    assert connection["pageInfo"]["hasNextPage"] is False
    return [edge["node"] for edge in connection["edges"]]


def local_hours(nodes: list[dict[str, Any]]) -> list[str]:
    """The local ``HH:MM±offset`` of each node's ``local`` start (asked with the zone's timeZone argument)."""
    return [node["local"][11:16] + node["local"][19:] for node in nodes]


# --- spring forward: the missing hour ---------------------------------------------------------------------------


def test_spring_forward_night_new_york_2030_03_10_has_no_slots_in_the_missing_hour_and_the_right_count(
    graphql, frozen: FrozenDateTimeFactory
) -> None:
    frozen.move_to(datetime(2030, 3, 1, 12, tzinfo=UTC))
    provider = provider_in(NEW_YORK)
    publish_sunday_nights(graphql, provider)

    night = on_local_date(provider, date(2030, 3, 10))
    # 00:00-06:00 on the wall clock is 5 hours of elapsed time: 20 slots, not 24.
    assert len(night) == 20
    assert_contiguous_without_overlap(night)
    assert [start.astimezone(ZoneInfo(NEW_YORK)).hour for start in night].count(2) == 0
    assert (night[0], night[-1]) == (local(NEW_YORK, date(2030, 3, 10), 0), local(NEW_YORK, date(2030, 3, 10), 5, 45))
    assert night[7] + timedelta(minutes=15) == night[8] == local(NEW_YORK, date(2030, 3, 10), 3)
    # An ordinary Sunday of the same schedule has 24.
    assert len(on_local_date(provider, date(2030, 3, 17))) == 24

    nodes = available_on(graphql, provider, date(2030, 3, 10), NEW_YORK)
    assert local_hours(nodes)[6:10] == ["01:30-05:00", "01:45-05:00", "03:00-04:00", "03:15-04:00"]
    assert len(nodes) == 20


def test_spring_forward_night_sydney_2030_10_06_has_no_slots_in_the_missing_hour_and_the_right_count(
    graphql, frozen: FrozenDateTimeFactory
) -> None:
    frozen.move_to(datetime(2030, 9, 25, 0, tzinfo=UTC))
    provider = provider_in(SYDNEY)
    publish_sunday_nights(graphql, provider)

    night = on_local_date(provider, date(2030, 10, 6))
    assert len(night) == 20
    assert_contiguous_without_overlap(night)
    assert [start.astimezone(ZoneInfo(SYDNEY)).hour for start in night].count(2) == 0
    assert night[8] == local(SYDNEY, date(2030, 10, 6), 3) == datetime(2030, 10, 5, 16, tzinfo=UTC)
    assert len(on_local_date(provider, date(2030, 10, 13))) == 24

    nodes = available_on(graphql, provider, date(2030, 10, 6), SYDNEY)
    assert local_hours(nodes)[7:9] == ["01:45+10:00", "03:00+11:00"]
    assert len(nodes) == 20


def test_local_availability_starting_in_the_spring_forward_gap_starts_when_the_gap_ends(
    graphql, frozen: FrozenDateTimeFactory
) -> None:
    frozen.move_to(datetime(2030, 3, 1, 12, tzinfo=UTC))
    provider = provider_in(NEW_YORK)
    variables = {"providerId": provider_id(provider), "date": "2030-03-10", "timeZone": NEW_YORK}

    body = graphql(AVAILABILITY_ADD_LOCAL, {**variables, "startTime": "02:30", "endTime": "04:00"})
    slots = body["data"]["availabilityAddLocal"]["appointments"]["edges"]
    assert [edge["node"]["local"][11:] for edge in slots] == [
        "03:00:00-04:00",
        "03:15:00-04:00",
        "03:30:00-04:00",
        "03:45:00-04:00",
    ]

    body = graphql(AVAILABILITY_ADD_LOCAL, {**variables, "startTime": "01:00", "endTime": "04:00"})
    assert len(body["data"]["availabilityAddLocal"]["appointments"]["edges"]) == 8  # 2 elapsed hours

    body = graphql(AVAILABILITY_ADD_LOCAL, {**variables, "startTime": "02:00", "endTime": "02:45"})
    (error,) = body["data"]["availabilityAddLocal"]["errors"]
    assert error["code"] == "INVALID_RANGE"  # the whole range is in the gap: it does not exist


# --- fall back: the repeated hour -------------------------------------------------------------------------------


def test_fall_back_night_new_york_2030_11_03_has_no_duplicate_or_overlapping_slots(
    graphql, frozen: FrozenDateTimeFactory
) -> None:
    frozen.move_to(datetime(2030, 10, 25, 12, tzinfo=UTC))
    provider = provider_in(NEW_YORK)
    publish_sunday_nights(graphql, provider)

    night = on_local_date(provider, date(2030, 11, 3))
    # 00:00-06:00 on the wall clock is 7 hours of elapsed time: 28 slots, each instant once.
    assert len(night) == 28
    assert_contiguous_without_overlap(night)
    assert night[-1] - night[0] == timedelta(hours=6, minutes=45)
    assert Appointment.objects.filter(provider=provider).count() == len(
        set(Appointment.objects.values_list("start_time"))
    )
    # 01:00-01:45 happen twice, once in EDT and once in EST: 8 slots with a wall-clock hour of 1.
    assert [start.astimezone(ZoneInfo(NEW_YORK)).hour for start in night].count(1) == 8

    nodes = available_on(graphql, provider, date(2030, 11, 3), NEW_YORK)
    assert len(nodes) == 28
    hours = local_hours(nodes)
    assert hours[4:12] == [f"01:{m}-04:00" for m in ("00", "15", "30", "45")] + [
        f"01:{m}-05:00" for m in ("00", "15", "30", "45")
    ]


def test_fall_back_night_sydney_2030_04_07_has_no_duplicate_or_overlapping_slots(
    graphql, frozen: FrozenDateTimeFactory
) -> None:
    frozen.move_to(datetime(2030, 3, 30, 0, tzinfo=UTC))
    provider = provider_in(SYDNEY)
    publish_sunday_nights(graphql, provider)

    night = on_local_date(provider, date(2030, 4, 7))
    assert len(night) == 28
    assert_contiguous_without_overlap(night)
    assert [start.astimezone(ZoneInfo(SYDNEY)).hour for start in night].count(2) == 8

    nodes = available_on(graphql, provider, date(2030, 4, 7), SYDNEY)
    assert [hour for hour in local_hours(nodes) if hour.startswith("02:00")] == ["02:00+11:00", "02:00+10:00"]


def test_a_range_over_the_repeated_hour_covers_it_once_per_occurrence(graphql, frozen: FrozenDateTimeFactory) -> None:
    frozen.move_to(datetime(2030, 10, 25, 12, tzinfo=UTC))
    provider = provider_in(NEW_YORK)
    variables = {"providerId": provider_id(provider), "date": "2030-11-03", "timeZone": NEW_YORK}

    body = graphql(AVAILABILITY_ADD_LOCAL, {**variables, "startTime": "01:00", "endTime": "02:00"})

    slots = [edge["node"]["timeSlot"] for edge in body["data"]["availabilityAddLocal"]["appointments"]["edges"]]
    # From 01:00 EDT (the first 01:00) to 02:00 EST (after the second 01:00-01:59): 2 elapsed hours, 8 slots.
    assert slots[0] == "2030-11-03T05:00:00+00:00"
    assert slots[-1] == "2030-11-03T06:45:00+00:00"
    assert len(slots) == len(set(slots)) == 8


# --- a client's calendar date in the southern hemisphere ----------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "hours", "first", "last"),
    [
        # Sydney's clocks go back on 2030-04-07: the local day has 25 hours, 100 slots (a full page).
        (date(2030, 4, 7), 25, "2030-04-07T00:00:00+11:00", "2030-04-07T23:45:00+10:00"),
        # ... and forward on 2030-10-06: 23 hours, 92 slots.
        (date(2030, 10, 6), 23, "2030-10-06T00:00:00+10:00", "2030-10-06T23:45:00+11:00"),
    ],
)
def test_available_on_a_date_in_sydney_across_dst(
    graphql, frozen: FrozenDateTimeFactory, day: date, hours: int, first: str, last: str
) -> None:
    """A client in Sydney asks for a provider's slots on their own calendar date; the provider works in UTC."""
    frozen.move_to(datetime.combine(day, datetime.min.time(), tzinfo=UTC) - timedelta(days=5))
    provider = provider_in("UTC")
    start = datetime.combine(day, datetime.min.time(), tzinfo=UTC) - timedelta(hours=14)
    for index in range(4 * 30):  # every quarter hour from 10:00 UTC the day before, 30 hours
        make_slot(provider, start + timedelta(minutes=15 * index))

    nodes = available_on(graphql, provider, day, SYDNEY)

    assert len(nodes) == 4 * hours
    assert (nodes[0]["local"], nodes[-1]["local"]) == (first, last)
    assert all(node["local"][:10] == day.isoformat() for node in nodes)
    assert len({node["timeSlot"] for node in nodes}) == len(nodes)


def test_available_on_a_date_defaults_to_the_utc_day(graphql, frozen: FrozenDateTimeFactory) -> None:
    provider = provider_in(SYDNEY)
    for hour in (23, 24, 25):
        make_slot(provider, datetime(2030, 1, 9, tzinfo=UTC) + timedelta(hours=hour))

    body = graphql(AVAILABLE_ON_DATE, {"provider": provider_id(provider), "date": "2030-01-10"})

    assert [edge["node"]["timeSlot"] for edge in body["data"]["availableAppointments"]["edges"]] == [
        "2030-01-10T00:00:00+00:00",
        "2030-01-10T01:00:00+00:00",
    ]


# --- the 24-hour notice is elapsed time ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "now", "earliest", "too_soon"),
    [
        # New York, spring forward: from Saturday 08:00 EST, 24 elapsed hours reach Sunday 09:00 EDT (25 on the
        # wall clock); Sunday 08:45 EDT is 24:45 away on the wall clock but only 23:45 in elapsed time.
        (NEW_YORK, (2030, 3, 9, 8, 0), (2030, 3, 10, 9, 0), (2030, 3, 10, 8, 45)),
        # New York, fall back: from Saturday 09:00 EDT, Sunday 08:00 EST is 23 hours away on the wall clock but 24
        # in elapsed time.
        (NEW_YORK, (2030, 11, 2, 9, 0), (2030, 11, 3, 8, 0), (2030, 11, 3, 7, 45)),
        # Sydney, fall back (April): from Saturday 09:00 AEDT, Sunday 08:00 AEST is 24 elapsed hours away.
        (SYDNEY, (2030, 4, 6, 9, 0), (2030, 4, 7, 8, 0), (2030, 4, 7, 7, 45)),
        # Sydney, spring forward (October): from Saturday 09:00 AEST, Sunday 10:00 AEDT.
        (SYDNEY, (2030, 10, 5, 9, 0), (2030, 10, 6, 10, 0), (2030, 10, 6, 9, 45)),
    ],
)
def test_24_hour_notice_is_elapsed_time_across_a_dst_change(
    graphql,
    frozen: FrozenDateTimeFactory,
    zone: str,
    now: tuple[int, ...],
    earliest: tuple[int, ...],
    too_soon: tuple[int, ...],
) -> None:
    tz = ZoneInfo(zone)

    def at(parts: tuple[int, ...]) -> datetime:
        year, month, day, hour, minute = parts
        return datetime(year, month, day, hour, minute, tzinfo=tz).astimezone(UTC)

    frozen.move_to(at(now))
    provider = provider_in(zone)
    early, ok = make_slot(provider, at(too_soon)), make_slot(provider, at(earliest))
    assert ok.start_time - at(now) == timedelta(hours=24)
    client_id = gid("ClientType", make_client().pk)

    listed = available_on(graphql, provider, date(*earliest[:3]), zone)
    assert [node["id"] for node in listed] == [gid("AppointmentType", ok.pk)]

    refused = graphql(RESERVATION_CREATE, {"clientId": client_id, "appointmentId": gid("AppointmentType", early.pk)})
    assert [error["code"] for error in refused["data"]["reservationCreate"]["errors"]] == ["INSUFFICIENT_NOTICE"]
    held = graphql(RESERVATION_CREATE, {"clientId": client_id, "appointmentId": gid("AppointmentType", ok.pk)})
    assert held["data"]["reservationCreate"]["errors"] == []
