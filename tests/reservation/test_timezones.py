"""Local wall-clock time to UTC with zoneinfo: the gap and overlap rules, local days, the slot grid."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings

from reservation.errors import DomainError, ErrorCode
from reservation.grid import is_on_grid
from reservation.timezones import (
    LocalRange,
    check_zone_fits_grid,
    get_zone,
    is_time_zone,
    local_date,
    local_day,
    local_range_to_utc,
    local_to_utc,
)
from tests.factories import NEW_YORK, SYDNEY

NY = ZoneInfo(NEW_YORK)
SYD = ZoneInfo(SYDNEY)
NOW = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize("name", ["UTC", "Europe/Paris", NEW_YORK, SYDNEY, "Asia/Kathmandu", "Etc/GMT+5"])
def test_iana_names_are_time_zones(name: str) -> None:
    assert is_time_zone(name)
    assert get_zone(name).key == name


@pytest.mark.parametrize("name", ["", "Mars/Olympus_Mons", "europe/paris", "../../etc/passwd", "+02:00", "X" * 65])
def test_anything_else_is_an_unknown_time_zone(name: str) -> None:
    assert not is_time_zone(name)
    with pytest.raises(DomainError) as raised:
        get_zone(name)
    assert (raised.value.code, raised.value.field) == (ErrorCode.UNKNOWN_TIME_ZONE, "time_zone")


def test_an_ordinary_local_time_has_one_instant() -> None:
    assert local_to_utc(date(2030, 1, 8), time(9), NY) == utc(2030, 1, 8, 14)
    assert local_to_utc(date(2030, 1, 8), time(9), NY, end=True) == utc(2030, 1, 8, 14)
    assert local_to_utc(date(2030, 7, 8), time(9), NY) == utc(2030, 7, 8, 13)


@pytest.mark.parametrize("end", [False, True])
def test_a_time_in_the_new_york_spring_forward_gap_moves_to_the_first_instant_after_it(end: bool) -> None:
    # 2030-03-10: 02:00 EST becomes 03:00 EDT at 07:00 UTC; 02:00-02:59 do not exist.
    for minute in (0, 15, 30, 59):
        assert local_to_utc(date(2030, 3, 10), time(2, minute), NY, end=end) == utc(2030, 3, 10, 7)
    assert local_to_utc(date(2030, 3, 10), time(1, 45), NY) == utc(2030, 3, 10, 6, 45)
    assert local_to_utc(date(2030, 3, 10), time(3), NY) == utc(2030, 3, 10, 7)


def test_a_time_in_the_sydney_spring_forward_gap_moves_to_the_first_instant_after_it() -> None:
    # 2030-10-06: 02:00 AEST (+10) becomes 03:00 AEDT (+11) at 2030-10-05 16:00 UTC.
    assert local_to_utc(date(2030, 10, 6), time(2, 30), SYD) == utc(2030, 10, 5, 16)
    assert local_to_utc(date(2030, 10, 6), time(3), SYD) == utc(2030, 10, 5, 16)


def test_a_repeated_new_york_time_is_the_first_occurrence_as_a_start_and_the_second_as_an_end() -> None:
    # 2030-11-03: 02:00 EDT goes back to 01:00 EST at 06:00 UTC; 01:00-01:59 happen twice.
    assert local_to_utc(date(2030, 11, 3), time(1, 30), NY) == utc(2030, 11, 3, 5, 30)
    assert local_to_utc(date(2030, 11, 3), time(1, 30), NY, end=True) == utc(2030, 11, 3, 6, 30)
    assert local_to_utc(date(2030, 11, 3), time(2), NY) == utc(2030, 11, 3, 7)


def test_a_repeated_sydney_time_is_the_first_occurrence_as_a_start_and_the_second_as_an_end() -> None:
    # 2030-04-07: 03:00 AEDT goes back to 02:00 AEST at 2030-04-06 16:00 UTC; 02:00-02:59 happen twice.
    assert local_to_utc(date(2030, 4, 7), time(2, 30), SYD) == utc(2030, 4, 6, 15, 30)
    assert local_to_utc(date(2030, 4, 7), time(2, 30), SYD, end=True) == utc(2030, 4, 6, 16, 30)


def test_a_range_over_the_repeated_hour_covers_each_instant_once() -> None:
    start, end = local_range_to_utc(date(2030, 11, 3), LocalRange(time(1), time(2)), NY)
    assert (start, end) == (utc(2030, 11, 3, 5), utc(2030, 11, 3, 7))  # 01:00 EDT to 02:00 EST: two real hours


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        (NY, date(2030, 3, 10), 23),
        (NY, date(2030, 11, 3), 25),
        (NY, date(2030, 1, 8), 24),
        (SYD, date(2030, 10, 6), 23),
        (SYD, date(2030, 4, 7), 25),
        (SYD, date(2030, 1, 8), 24),
    ],
)
def test_a_local_day_lasts_23_24_or_25_hours(zone: ZoneInfo, day: date, hours: int) -> None:
    start, end = local_day(day, zone)
    assert end - start == timedelta(hours=hours)
    assert start.astimezone(zone).replace(tzinfo=None) == datetime.combine(day, time(0))


def test_local_date_is_the_calendar_date_in_the_zone() -> None:
    assert local_date(utc(2030, 1, 7, 3), NY) == date(2030, 1, 6)
    assert local_date(utc(2030, 1, 7, 14), SYD) == date(2030, 1, 8)


@pytest.mark.parametrize("name", ["Asia/Kolkata", "Asia/Kathmandu", "Australia/Eucla", "Pacific/Chatham", SYDNEY])
def test_half_and_quarter_hour_offsets_keep_local_quarter_hours_on_the_utc_grid(name: str) -> None:
    zone = ZoneInfo(name)
    check_zone_fits_grid(zone, NOW)
    for hour, minute in ((9, 0), (9, 15), (13, 45)):
        assert is_on_grid(local_to_utc(date(2030, 1, 8), time(hour, minute), zone))


def test_an_offset_that_is_not_a_multiple_of_15_minutes_is_not_aligned() -> None:
    # Liberia kept Monrovia Mean Time, -00:44:30, until 1972.
    monrovia = ZoneInfo("Africa/Monrovia")
    day = date(1960, 1, 5)
    with pytest.raises(DomainError) as raised:
        local_range_to_utc(day, LocalRange(time(9), time(10)), monrovia)
    assert raised.value.code is ErrorCode.NOT_ALIGNED
    with pytest.raises(DomainError) as raised:
        check_zone_fits_grid(monrovia, datetime(1960, 1, 5, tzinfo=UTC))
    assert raised.value.code is ErrorCode.NOT_ALIGNED


@override_settings(RESERVATION_SLOT_MINUTES=60)
def test_with_hour_long_slots_a_half_hour_offset_is_not_aligned() -> None:
    with pytest.raises(DomainError) as raised:
        check_zone_fits_grid(ZoneInfo("Asia/Kolkata"), NOW)
    assert (raised.value.code, raised.value.field) == (ErrorCode.NOT_ALIGNED, "time_zone")
    check_zone_fits_grid(NY, NOW)


def test_a_day_whose_midnight_does_not_exist_starts_when_the_clocks_allow() -> None:
    # Santiago moves from 24:00 to 01:00 on 2030-09-08: that day starts at 01:00 local and lasts 23 hours.
    santiago = ZoneInfo("America/Santiago")
    start, end = local_day(date(2030, 9, 8), santiago)
    assert start == utc(2030, 9, 8, 4)
    assert end - start == timedelta(hours=23)
    # It goes back from 24:00 to 23:00 on 2030-04-06: that day has 25 hours, the repeated one at its end.
    start, end = local_day(date(2030, 4, 6), santiago)
    assert end - start == timedelta(hours=25)


def test_a_half_hour_daylight_saving_shift() -> None:
    # Lord Howe Island moves from 02:00 (+10:30) to 02:30 (+11:00) on 2030-10-06.
    lord_howe = ZoneInfo("Australia/Lord_Howe")
    assert local_to_utc(date(2030, 10, 6), time(2, 15), lord_howe) == utc(2030, 10, 5, 15, 30)
    start, end = local_range_to_utc(date(2030, 10, 6), LocalRange(time(1), time(4)), lord_howe)
    assert end - start == timedelta(hours=2, minutes=30)
    assert is_on_grid(start)
    assert is_on_grid(end)
