"""Visits across clock changes (issue 13): New York's spring-forward night and Sydney's, caps per local day."""

from datetime import UTC, date, datetime, timedelta

import pytest

from reservation.errors import DomainError, ErrorCode
from reservation.selectors import visit_start_slots
from reservation.services.reservations import reservation_create
from reservation.visits import offset_changes
from tests.factories import NEW_YORK, NOW, SLOT, SYDNEY, local, make_client, make_slots, make_visit_type, provider_in

pytestmark = pytest.mark.django_db

# New York springs forward on Sun 2030-03-10 at 02:00 EST (07:00Z): 02:00-03:00 local does not exist.
NY_CHANGE = datetime(2030, 3, 10, 7, tzinfo=UTC)
# Sydney falls back on Sun 2030-04-07 at 03:00 AEDT (16:00Z on the 6th), springs forward on Sun 2030-10-06 at
# 02:00 AEST (16:00Z on the 5th).
SYDNEY_FALL_BACK = datetime(2030, 4, 6, 16, tzinfo=UTC)
SYDNEY_SPRING_FORWARD = datetime(2030, 10, 5, 16, tzinfo=UTC)


def starts(visit_type) -> list[datetime]:
    return list(visit_start_slots(visit_type, NOW).order_by("start_time").values_list("start_time", flat=True))


def test_the_offset_changes_are_found_to_the_slot():
    from zoneinfo import ZoneInfo

    year = (datetime(2030, 1, 1, tzinfo=UTC), datetime(2030, 12, 31, tzinfo=UTC))
    assert NY_CHANGE in offset_changes(ZoneInfo(NEW_YORK), *year)
    assert offset_changes(ZoneInfo(SYDNEY), *year) == [SYDNEY_FALL_BACK, SYDNEY_SPRING_FORWARD]
    assert offset_changes(ZoneInfo("UTC"), *year) == []


def test_a_60_minute_visit_spanning_new_yorks_missing_hour_is_not_offered(frozen):
    provider = provider_in(NEW_YORK)
    therapy = make_visit_type("Therapy", slots=4, window_days=365, offered_by=(provider,))
    night = local(NEW_YORK, date(2030, 3, 10), 0)  # 00:00 EST = 05:00Z
    slots = make_slots(provider, night, 16)  # 05:00Z-09:00Z: 00:00 EST to 05:00 EDT, four real hours

    offered = starts(therapy)
    # 00:00-00:45 EST start and end before the change (ending at 01:45 at the latest); from 01:00 EST a visit
    # would end at or after 03:00 EDT, spanning 02:00-03:00, which does not exist; from 03:00 EDT all is after it.
    assert offered == [night + SLOT * i for i in (0, 1, 2, 3)] + [NY_CHANGE + SLOT * i for i in range(5)]
    one_thirty = local(NEW_YORK, date(2030, 3, 10), 1, 30)
    assert one_thirty not in offered
    start_slot = next(slot for slot in slots if slot.start_time == one_thirty)
    with pytest.raises(DomainError) as error:
        reservation_create(client_id=make_client().pk, appointment_id=start_slot.pk, visit_type_id=therapy.pk)
    assert error.value.code is ErrorCode.SLOT_UNAVAILABLE
    assert "clock change" in error.value.message


def test_a_visit_with_a_buffer_after_is_judged_with_the_buffer(frozen):
    provider = provider_in(NEW_YORK)
    follow_up = make_visit_type("Follow-up", slots=1, after=1, window_days=365, offered_by=(provider,))
    make_slots(provider, NY_CHANGE - 4 * SLOT, 8)
    # 15 minutes + 15 of notes: the last start before the change whose cover ends before 07:00Z is 06:15Z
    assert starts(follow_up) == [NY_CHANGE - 4 * SLOT, NY_CHANGE - 3 * SLOT] + [NY_CHANGE + SLOT * i for i in range(3)]


def test_sydney_visits_across_the_fall_back_and_spring_forward_nights(frozen):
    provider = provider_in(SYDNEY)
    session = make_visit_type("Session", slots=2, window_days=365, offered_by=(provider,))
    make_slots(provider, SYDNEY_FALL_BACK - 4 * SLOT, 8)
    make_slots(provider, SYDNEY_SPRING_FORWARD - 4 * SLOT, 8)
    # slots from an hour before each change to an hour after: a 30-minute visit fits from T-60 to T+30, but
    # those from T-30 and T-15 would end at or after the change (on the fall-back night 02:30 -> 02:00 again)
    offsets = (-4, -3, 0, 1, 2)
    expected = [change + SLOT * i for change in (SYDNEY_FALL_BACK, SYDNEY_SPRING_FORWARD) for i in offsets]
    assert starts(session) == expected


def test_a_daily_cap_counts_the_25_hour_local_day_of_sydneys_fall_back(frozen):
    provider = provider_in(SYDNEY)
    intake = make_visit_type("Intake", slots=1, window_days=365, offered_by=(provider,), daily_cap=1)
    day = date(2030, 4, 7)  # 25 hours long in Sydney
    early, late = local(SYDNEY, day, 0, 30), local(SYDNEY, day, 23, 30)
    next_day = local(SYDNEY, date(2030, 4, 8), 0, 0)
    assert late - early == timedelta(hours=24)  # still the same local day
    slots = {start: make_slots(provider, start, 1)[0] for start in (early, late, next_day)}
    reservation_create(client_id=make_client("A", "B").pk, appointment_id=slots[early].pk, visit_type_id=intake.pk)
    assert starts(intake) == [next_day]
    with pytest.raises(DomainError) as error:
        reservation_create(client_id=make_client("C", "D").pk, appointment_id=slots[late].pk, visit_type_id=intake.pk)
    assert error.value.code is ErrorCode.DAILY_CAP_REACHED
    reservation_create(client_id=make_client("E", "F").pk, appointment_id=slots[next_day].pk, visit_type_id=intake.pk)
