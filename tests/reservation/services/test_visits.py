"""Holding, confirming, moving and ending visits: `reservation.services.visits` through `reservation_create` and
friends, and where visits fit (`reservation.selectors.visit_start_slots`). Frozen at `NOW` (Mon 2030-01-07 09:00Z)."""

from datetime import timedelta

import pytest
from django.test import override_settings

from reservation.actors import Actor
from reservation.errors import DomainError, ErrorCode
from reservation.models import Appointment, Reservation, ReservationState
from reservation.selectors import visit_start_slots
from reservation.services.reservations import (
    reservation_cancel,
    reservation_confirm,
    reservation_create,
    reservation_release,
    reservation_reschedule,
)
from reservation.services.withdrawal import availability_withdraw
from tests.factories import DAY, NOW, SLOT, make_client, make_provider, make_slot, make_slots, make_visit_type

pytestmark = pytest.mark.django_db

START = NOW + 2 * DAY + timedelta(hours=1)  # Wed 2030-01-09 10:00Z


def starts_of(visit_type, **kwargs) -> list[tuple[object, int]]:
    return list(
        visit_start_slots(visit_type, NOW, **kwargs)
        .order_by("start_time", "provider_id")
        .values_list("start_time", "provider_id")
    )


def hold(client, slot, visit_type, **kwargs) -> Reservation:
    return reservation_create(client_id=client.pk, appointment_id=slot.pk, visit_type_id=visit_type.pk, **kwargs)


def refused(call, *args, **kwargs) -> ErrorCode:
    with pytest.raises(DomainError) as error:
        call(*args, **kwargs)
    return error.value.code


def test_a_visit_fits_only_where_it_and_its_buffers_take_free_consecutive_slots(frozen, provider, patient):
    slots = make_slots(provider, START, 8)  # 10:00-12:00
    intake = make_visit_type(slots=3, before=1, after=1, offered_by=(provider,))  # 45 min + 15 before + 15 after
    # starts at 10:15 ... 11:00: 10:00 has no slot before it, 11:15 none after its visit's buffer
    assert [start for start, _ in starts_of(intake)] == [START + SLOT * i for i in (1, 2, 3, 4)]

    other = make_client("Other", "Client")
    reservation_create(client_id=other.pk, appointment_id=slots[6].pk)  # 11:30 taken by a single-slot hold
    assert [start for start, _ in starts_of(intake)] == [START + SLOT * i for i in (1, 2)]


def test_holding_a_visit_covers_every_slot_and_the_single_slot_flow_sees_them_taken(frozen, provider, patient):
    slots = make_slots(provider, START, 6)
    intake = make_visit_type(slots=3, after=1, offered_by=(provider,))
    visit = hold(patient, slots[1], intake)

    assert (visit.starts_at, visit.ends_at) == (START + SLOT, START + 4 * SLOT)
    assert (visit.covers_from, visit.covers_until) == (START + SLOT, START + 5 * SLOT)
    assert visit.provider_id == provider.pk
    assert visit.appointment_id == slots[1].pk
    available = set(Appointment.objects.available(NOW).values_list("pk", flat=True))
    assert available == {slots[0].pk, slots[5].pk}
    other = make_client("Other", "Client")
    for covered in slots[1:5]:  # the buffer slot too
        assert refused(reservation_create, client_id=other.pk, appointment_id=covered.pk) is ErrorCode.SLOT_UNAVAILABLE


def test_a_visit_is_all_or_nothing(frozen, provider, patient):
    slots = make_slots(provider, START, 4)
    intake = make_visit_type(slots=3, offered_by=(provider,))
    reservation_create(client_id=make_client("Other", "Client").pk, appointment_id=slots[3].pk)
    assert refused(hold, patient, slots[1], intake) is ErrorCode.SLOT_UNAVAILABLE  # 10:15-11:00 needs 10:45
    assert refused(hold, patient, slots[2], intake) is ErrorCode.SLOT_UNAVAILABLE  # runs past the last slot
    assert not Reservation.objects.filter(client=patient).exists()
    assert hold(patient, slots[0], intake).ends_at == START + 3 * SLOT


def test_notice_is_the_types_but_never_below_24_hours_and_the_window_caps_how_far_ahead(frozen, provider, patient):
    two_days = make_visit_type("Therapy", slots=1, notice_hours=48, window_days=10, offered_by=(provider,))
    soon = make_slot(provider, NOW + 47 * timedelta(hours=1))
    later = make_slot(provider, NOW + 48 * timedelta(hours=1))
    far = make_slot(provider, NOW + 10 * DAY)
    assert refused(hold, patient, soon, two_days) is ErrorCode.INSUFFICIENT_NOTICE
    assert refused(hold, patient, far, two_days) is ErrorCode.OUTSIDE_BOOKING_WINDOW
    assert [start for start, _ in starts_of(two_days)] == [later.start_time]
    assert hold(patient, later, two_days).starts_at == later.start_time

    with override_settings(RESERVATION_MIN_NOTICE_HOURS=72):  # the global rule is a floor
        assert refused(hold, make_client("B", "C"), make_slot(provider, NOW + 60 * timedelta(hours=1)), two_days) is (
            ErrorCode.INSUFFICIENT_NOTICE
        )


def test_a_provider_who_does_not_offer_the_type_is_refused(frozen, provider, patient):
    other = make_provider("Other", "Doc")
    intake = make_visit_type(slots=1, offered_by=(other,))
    slot = make_slot(provider, START)
    assert refused(hold, patient, slot, intake) is ErrorCode.NOT_OFFERED
    assert starts_of(intake, provider_ids=[provider.pk]) == []


def test_the_daily_cap_counts_live_visits_per_provider_local_day(frozen, patient):
    provider = make_provider(time_zone="America/New_York")
    follow_up = make_visit_type("Follow-up", slots=1, offered_by=(provider,), daily_cap=2)
    # Wed 2030-01-09 in New York is 05:00Z Wed to 05:00Z Thu: 04:00Z belongs to Tuesday
    tuesday, wed_1, wed_2, wed_3 = (make_slot(provider, NOW + 2 * DAY + timedelta(hours=h)) for h in (-5, 1, 2, 3))
    late_wed = make_slot(provider, NOW + 3 * DAY - timedelta(hours=5))  # Thu 04:00Z = Wed 23:00 in New York
    clients = [make_client(f"C{i}", "Cap") for i in range(5)]
    hold(clients[0], wed_1, follow_up)
    first = hold(clients[1], wed_2, follow_up)
    assert refused(hold, clients[2], wed_3, follow_up) is ErrorCode.DAILY_CAP_REACHED
    assert refused(hold, clients[2], late_wed, follow_up) is ErrorCode.DAILY_CAP_REACHED
    assert {start for start, _ in starts_of(follow_up)} == {tuesday.start_time}
    hold(clients[3], tuesday, follow_up)  # another local day
    reservation_release(reservation_id=first.pk)  # a released visit no longer counts
    assert hold(clients[2], wed_3, follow_up).pk


def test_a_client_cannot_hold_overlapping_visits_with_two_providers_and_a_visit_is_one_hold(frozen, patient):
    grace, alan = make_provider(), make_provider("Alan", "Turing")
    intake = make_visit_type(slots=3, offered_by=(grace, alan))
    grace_slots, alan_slots = make_slots(grace, START, 3), make_slots(alan, START, 3)
    hold(patient, grace_slots[0], intake)
    assert refused(hold, patient, alan_slots[0], intake) is ErrorCode.CLIENT_OVERLAP
    assert (
        refused(reservation_create, client_id=patient.pk, appointment_id=alan_slots[2].pk) is ErrorCode.CLIENT_OVERLAP
    )
    for day in (3, 4):
        hold(patient, make_slots(grace, START + day * DAY, 3)[0], intake)
    assert Reservation.objects.held(NOW).filter(client=patient).count() == 3  # three visits, nine slots
    assert refused(hold, patient, make_slots(grace, START + 5 * DAY, 3)[0], intake) is ErrorCode.TOO_MANY_HOLDS


def test_any_provider_takes_the_one_with_fewest_bookings_that_day_then_round_robin(frozen):
    grace, alan, ada = make_provider(), make_provider("Alan", "Turing"), make_provider("Ada", "Byron")
    follow_up = make_visit_type("Follow-up", slots=1, offered_by=(grace, alan, ada))
    for provider in (grace, alan, ada):
        make_slots(provider, START, 4)
    make_slot(grace, START - 2 * SLOT)
    reservation_create(
        client_id=make_client("Busy", "Day").pk,
        appointment_id=Appointment.objects.get(provider=grace, start_time=START - 2 * SLOT).pk,
    )
    chosen = []
    for index in range(4):
        client = make_client(f"Any{index}", "Provider")
        start_slot = Appointment.objects.get(provider=grace, start_time=START + index * SLOT)
        visit = hold(client, start_slot, follow_up, any_provider=True)
        chosen.append(visit.provider_id)
        frozen.tick(timedelta(seconds=1))
    # 1st: grace has a booking that day, alan and ada none: alan (neither had a follow-up: by key); 2nd: ada has
    # fewest; 3rd: all have one: grace never had a follow-up (round robin); 4th: alan's was longest ago
    assert chosen == [alan.pk, ada.pk, grace.pk, alan.pk]


def test_any_provider_with_nobody_free_is_slot_unavailable(frozen, patient):
    grace = make_provider()
    follow_up = make_visit_type("Follow-up", slots=2, offered_by=(grace,))
    slots = make_slots(grace, START, 2)
    reservation_create(client_id=make_client("X", "Y").pk, appointment_id=slots[1].pk)
    assert refused(hold, patient, slots[0], follow_up, any_provider=True) is ErrorCode.SLOT_UNAVAILABLE
    assert refused(reservation_create, client_id=patient.pk, appointment_id=slots[0].pk, any_provider=True) is (
        ErrorCode.INVALID
    )


@override_settings(VIDEO_VISIT_URL_TEMPLATE="https://meet.example.org/clinic-{room}")
def test_a_confirmed_video_visit_gets_a_unique_link_replaced_on_reschedule_and_cleared_on_cancel(
    frozen, provider, patient
):
    video = make_visit_type("Video follow-up", slots=2, video=True, offered_by=(provider,))
    slots = make_slots(provider, START, 6)
    visit = hold(patient, slots[0], video)
    assert visit.video_url == ""
    confirmed = reservation_confirm(reservation_id=visit.pk)
    assert confirmed.video_url.startswith("https://meet.example.org/clinic-")
    assert len(confirmed.video_url.removeprefix("https://meet.example.org/clinic-")) >= 22  # 128 random bits

    moved = reservation_reschedule(reservation_id=visit.pk, appointment_id=slots[1].pk)  # onto its own time
    visit.refresh_from_db()
    assert visit.state_at(NOW) is ReservationState.RESCHEDULED
    assert visit.video_url == ""
    assert moved.video_url
    assert moved.video_url != confirmed.video_url
    assert (moved.starts_at, moved.ends_at, moved.visit_type_id) == (START + SLOT, START + 3 * SLOT, video.pk)

    reservation_cancel(
        reservation_id=moved.pk, actor=Actor(user_id=None, is_staff=False, provider_id=None, client_id=patient.pk)
    )
    moved.refresh_from_db()
    assert moved.video_url == ""
    assert moved.state_at(NOW) is ReservationState.CANCELLED
    assert {slot.pk for slot in Appointment.objects.available(NOW)} == {slot.pk for slot in slots}


def test_a_visit_that_is_not_video_gets_no_link(frozen, provider, patient):
    intake = make_visit_type(slots=1, offered_by=(provider,))
    visit = hold(patient, make_slot(provider, START), intake)
    assert reservation_confirm(reservation_id=visit.pk).video_url == ""


def test_an_expired_visit_frees_every_slot(frozen, provider, patient):
    intake = make_visit_type(slots=3, offered_by=(provider,))
    slots = make_slots(provider, START, 3)
    visit = hold(patient, slots[0], intake)
    frozen.tick(timedelta(minutes=30))
    assert visit.state_at(NOW + timedelta(minutes=30)) is ReservationState.EXPIRED
    assert refused(reservation_confirm, reservation_id=visit.pk) is ErrorCode.RESERVATION_EXPIRED
    again = hold(make_client("Next", "Client"), slots[0], intake)
    assert again.covers_until == START + 3 * SLOT


def test_withdrawing_availability_keeps_every_slot_a_visit_covers(frozen, provider, patient):
    slots = make_slots(provider, START, 6)
    intake = make_visit_type(slots=3, after=1, offered_by=(provider,))
    hold(patient, slots[1], intake)  # covers slots 1-4
    changes = availability_withdraw(provider_id=provider.pk, start_time=START, end_time=START + 6 * SLOT)
    assert [kept.appointment.pk for kept in changes.kept] == [slot.pk for slot in slots[1:5]]
    assert set(Appointment.objects.filter(withdrawn_at__isnull=False).values_list("pk", flat=True)) == {
        slots[0].pk,
        slots[5].pk,
    }


def test_a_booked_visit_moves_only_to_a_provider_who_offers_its_type_and_a_single_slot_not_onto_a_buffer(
    frozen, provider, patient
):
    other = make_provider("Alan", "Turing")
    intake = make_visit_type(slots=2, after=1, offered_by=(provider,))
    slots = make_slots(provider, START, 6)
    others = make_slots(other, START + 3 * DAY, 3)
    visit = reservation_confirm(reservation_id=hold(patient, slots[0], intake).pk)
    assert refused(reservation_reschedule, reservation_id=visit.pk, appointment_id=others[0].pk) is (
        ErrorCode.NOT_OFFERED
    )
    single = reservation_confirm(
        reservation_id=reservation_create(client_id=make_client("B", "C").pk, appointment_id=slots[4].pk).pk
    )
    # slot 2 is the visit's buffer after: taken for anyone else
    assert refused(reservation_reschedule, reservation_id=single.pk, appointment_id=slots[2].pk) is (
        ErrorCode.SLOT_UNAVAILABLE
    )
    moved = reservation_reschedule(reservation_id=visit.pk, appointment_id=slots[1].pk)
    assert (moved.covers_from, moved.covers_until) == (START + SLOT, START + 4 * SLOT)
