"""The admin shows schedules and overrides read-only (they change through the API, which publishes the slots),
withdrawn slots as such, and a provider's time zone without letting it be edited by hand."""

from datetime import time, timedelta

import pytest

from reservation.models import Appointment
from reservation.services.schedules import WeeklyRange, date_override_set, weekly_schedule_set
from reservation.timezones import LocalRange
from tests.factories import NOW, make_slot
from tests.scheduling.conftest import SYDNEY, provider_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(frozen, admin_client):
    return admin_client


def test_schedules_and_overrides_are_listed_read_only(staff) -> None:
    provider = provider_in(SYDNEY)
    weekly_schedule_set(provider_id=provider.pk, ranges=[WeeklyRange(0, time(9), time(12))])
    override, _ = date_override_set(provider_id=provider.pk, day=NOW.date() + timedelta(days=3), ranges=[])
    date_override_set(
        provider_id=provider.pk, day=NOW.date() + timedelta(days=4), ranges=[LocalRange(time(14), time(15))]
    )

    schedule = staff.get("/admin/reservation/weeklyschedulerange/")
    overrides = staff.get("/admin/reservation/dateoverride/")
    detail = staff.get(f"/admin/reservation/dateoverride/{override.pk}/change/")

    assert schedule.status_code == overrides.status_code == detail.status_code == 200
    assert b"Hopper" in schedule.content
    assert len(overrides.context["cl"].result_list) == 2
    assert not schedule.context["has_add_permission"]
    assert staff.get("/admin/reservation/weeklyschedulerange/add/").status_code == 403
    assert staff.post(f"/admin/reservation/dateoverride/{override.pk}/delete/", {"post": "yes"}).status_code == 403


def test_withdrawn_slots_have_their_own_state(staff) -> None:
    provider = provider_in("UTC")
    offered = make_slot(provider, NOW + timedelta(days=2))
    withdrawn = make_slot(provider, NOW + timedelta(days=2, minutes=15))
    Appointment.objects.filter(pk=withdrawn.pk).update(withdrawn_at=NOW)

    listed = staff.get("/admin/reservation/appointment/", {"state": "withdrawn"})
    opened = staff.get("/admin/reservation/appointment/", {"state": "open"})

    assert [row.pk for row in listed.context["cl"].result_list] == [withdrawn.pk]
    assert [row.pk for row in opened.context["cl"].result_list] == [offered.pk]


def test_a_providers_time_zone_is_shown_but_not_edited_by_hand(staff) -> None:
    provider = provider_in(SYDNEY)
    staff.post(
        f"/admin/reservation/provider/{provider.pk}/change/",
        {"first_name": "Grace", "last_name": "Hopper", "time_zone": "Nowhere/Land"},
    )
    provider.refresh_from_db()
    assert provider.time_zone == SYDNEY
    assert SYDNEY.encode() in staff.get("/admin/reservation/provider/").content
