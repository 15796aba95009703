"""Acting from the admin: confirm, release, cancel (a reason required, kept in the history), reschedule (only slots
that obey every rule are offered), withdraw a provider's free slots in a local-time range. Each goes through the
domain services, records the staff member as the actor, and reports per row what happened or why not."""

from datetime import timedelta

import pytest
from django.contrib import messages
from django.contrib.auth.models import Permission, User

from reservation.models import Appointment, EventKind, Reservation, ReservationState
from tests.factories import NOW, make_reservation, make_slot, make_user

from .conftest import shown

pytestmark = pytest.mark.django_db

RESERVATIONS = "/admin/reservation/reservation/"


def task(pk: int, name: str) -> str:
    return f"{RESERVATIONS}{pk}/task/{name}/"


def act(support, action: str, *reservations: Reservation, **extra: str):
    return support.post(
        RESERVATIONS,
        {"action": action, "_selected_action": [reservation.pk for reservation in reservations], **extra},
        follow=True,
    )


def staff_of(support) -> User:
    return User.objects.get(pk=int(support.session["_auth_user_id"]))


def test_release_frees_the_slot_and_records_the_staff_member(support, clinic):
    response = act(support, "release_holds", clinic.held, clinic.booked)

    clinic.held.refresh_from_db()
    assert clinic.held.state_at(NOW) is ReservationState.RELEASED
    assert clinic.held.ended_by == staff_of(support)
    assert clinic.held.events.get(kind=EventKind.RELEASED).actor == staff_of(support)
    texts = [text.split("): ", 1)[-1] for _, text in shown(response)]
    assert texts == [
        "released; the slot is offered again.",
        "not done: This reservation is confirmed: cancel it instead.",
        "Released 1; nothing to do for 0; refused 1.",
    ]
    assert Appointment.objects.available(NOW).filter(pk=clinic.held.appointment_id).exists()


def test_cancel_asks_for_a_reason_first_and_keeps_it_in_the_history(support, clinic):
    form = act(support, "cancel_reservations", clinic.booked)

    assert form.status_code == 200
    assert b'name="reason"' in form.content
    clinic.booked.refresh_from_db()
    assert clinic.booked.ended_at is None  # nothing happened yet

    blank = act(support, "cancel_reservations", clinic.booked, apply="yes", reason="   ")
    assert b"This field is required." in blank.content
    done = act(support, "cancel_reservations", clinic.booked, apply="yes", reason="Provider is ill.")

    clinic.booked.refresh_from_db()
    assert clinic.booked.state_at(NOW) is ReservationState.CANCELLED
    assert clinic.booked.cancel_reason == "Provider is ill."
    event = clinic.booked.events.get(kind=EventKind.CANCELLED)
    assert (event.note, event.actor) == ("Provider is ill.", staff_of(support))
    assert shown(done)[0][0] == messages.SUCCESS
    page = support.get(f"{RESERVATIONS}{clinic.booked.pk}/change/").content.decode()
    assert "Provider is ill." in page


def test_one_reservations_tasks_ask_then_act(support, clinic):
    page = support.get(f"{RESERVATIONS}{clinic.held.pk}/change/").content.decode()
    assert task(clinic.held.pk, "confirm") in page
    assert task(clinic.held.pk, "release") in page

    asked = support.get(task(clinic.held.pk, "confirm"))
    assert asked.status_code == 200
    assert Reservation.objects.get(pk=clinic.held.pk).confirmed_at is None

    done = support.post(task(clinic.held.pk, "confirm"), {"apply": "Confirm"}, follow=True)

    assert Reservation.objects.get(pk=clinic.held.pk).confirmed_at == NOW
    assert shown(done)[-1][1].endswith(": confirmed.")
    again = support.post(task(clinic.held.pk, "confirm"), {"apply": "Confirm"}, follow=True)
    assert shown(again)[-1] == (
        messages.INFO,
        f"Reservation {clinic.held.pk} (Ada Lovelace with Grace Hopper, Wed 9 Jan 2030 04:00 EST): "
        "already confirmed; nothing to do.",
    )


def test_an_expired_hold_is_refused_with_when_it_expired(support, clinic):
    response = support.post(task(clinic.expired.pk, "confirm"), {"apply": "Confirm"}, follow=True)

    # Made at 07:00 UTC, ran out at 07:30 UTC: 02:30 in New York.
    assert shown(response)[-1][1].endswith("not done: the hold expired at 02:30 EST (07:30 UTC), unconfirmed.")


def test_the_reschedule_form_offers_only_slots_that_obey_every_rule(support, clinic):
    taken = clinic.slots[3]
    make_reservation(clinic.namesake, taken, NOW - timedelta(minutes=5))  # held by someone else
    Appointment.objects.filter(pk=clinic.slots[4].pk).update(withdrawn_at=NOW)
    too_soon = make_slot(clinic.provider, NOW + timedelta(hours=23, minutes=45))
    # The client holds slot 0 (04:00-04:15 EST): another provider's slot at the same time overlaps it.
    from tests.factories import make_provider

    other = make_provider("Alan", "Turing", username="alan")
    clash = make_slot(other, clinic.slots[0].start_time)
    free_elsewhere = make_slot(other, clinic.slots[0].start_time + timedelta(hours=1))

    own = support.get(task(clinic.booked.pk, "reschedule"))
    offered = {int(value) for value, _ in own.context["form"].fields["appointment"].choices}
    elsewhere = support.get(task(clinic.booked.pk, "reschedule"), {"provider": other.pk})
    offered_elsewhere = {int(value) for value, _ in elsewhere.context["form"].fields["appointment"].choices}

    # Slot 2's hold expired, so it is open again; 5, 6, 7 are free; 0 is the client's own hold (overlap), 1 is the
    # booking itself, 3 is held by another client, 4 is withdrawn, too_soon is inside the 24-hour notice.
    assert offered == {clinic.slots[i].pk for i in (2, 5, 6, 7)}
    assert too_soon.pk not in offered
    assert offered_elsewhere == {free_elsewhere.pk}
    assert clash.pk not in offered_elsewhere


def test_reschedule_moves_the_booking_and_opens_the_new_one(support, clinic):
    target = clinic.slots[6]

    response = support.post(task(clinic.booked.pk, "reschedule"), {"appointment": str(target.pk)}, follow=True)

    clinic.booked.refresh_from_db()
    moved = clinic.booked.rescheduled_to
    assert moved is not None
    assert moved.appointment == target
    assert response.request["PATH_INFO"] == f"{RESERVATIONS}{moved.pk}/change/"
    assert "moved to Grace Hopper, Wed 9 Jan 2030 05:30 EST" in shown(response)[-1][1]
    assert clinic.booked.events.get(kind=EventKind.RESCHEDULED).actor == staff_of(support)


def test_reschedule_to_a_slot_taken_meanwhile_is_refused_with_the_rules_message(support, clinic):
    target = clinic.slots[6]
    form_page = support.get(task(clinic.booked.pk, "reschedule"))
    assert str(target.pk) in {value for value, _ in form_page.context["form"].fields["appointment"].choices}
    make_reservation(clinic.namesake, target, NOW)  # someone holds it before staff submit

    response = support.post(task(clinic.booked.pk, "reschedule"), {"appointment": str(target.pk)}, follow=True)

    # No longer offered: the form refuses the choice, and nothing moved.
    assert response.status_code == 200
    clinic.booked.refresh_from_db()
    assert clinic.booked.rescheduled_to is None


def test_withdraw_a_providers_free_slots_in_a_local_range(support, clinic):
    url = f"/admin/reservation/provider/{clinic.provider.pk}/withdraw/"
    assert support.get(url).status_code == 200

    # 04:00-05:00 EST on the 9th: slots 0-3; 0 is held and 1 is booked, so they stay.
    response = support.post(
        url,
        {"start_date": "2030-01-09", "start_time": "04:00", "end_date": "2030-01-09", "end_time": "05:00"},
        follow=True,
    )

    withdrawn = set(Appointment.objects.filter(withdrawn_at__isnull=False).values_list("pk", flat=True))
    assert withdrawn == {clinic.slots[2].pk, clinic.slots[3].pk}
    texts = [text for _, text in shown(response)]
    assert texts[0] == "Grace Hopper (grace): withdrew 2 free slot(s)."
    assert "Grace Hopper, Wed 9 Jan 2030 04:00 EST: kept, held by a client." in texts
    assert "Grace Hopper, Wed 9 Jan 2030 04:15 EST: kept, booked by a client." in texts


def test_a_withdraw_range_the_rules_refuse_shows_the_rules_message(support, clinic):
    url = f"/admin/reservation/provider/{clinic.provider.pk}/withdraw/"

    response = support.post(
        url, {"start_date": "2030-01-09", "start_time": "05:00", "end_date": "2030-01-09", "end_time": "04:00"}
    )

    assert response.status_code == 200
    assert "start" in response.context["form"].non_field_errors()[0].lower()
    assert not Appointment.objects.filter(withdrawn_at__isnull=False).exists()


def test_withdraw_selected_slots_from_the_slot_list(support, clinic):
    response = support.post(
        "/admin/reservation/appointment/",
        {"action": "withdraw_free_slots", "_selected_action": [clinic.slots[0].pk, clinic.slots[5].pk]},
        follow=True,
    )

    assert set(Appointment.objects.filter(withdrawn_at__isnull=False).values_list("pk", flat=True)) == {
        clinic.slots[5].pk
    }
    assert [text for _, text in shown(response)] == [
        "Withdrew 1 slot(s).",
        "Grace Hopper, Wed 9 Jan 2030 04:00 EST: kept, held by a client.",
    ]


def test_a_view_only_staff_member_sees_but_cannot_act(frozen, client, clinic):
    viewer = make_user("viewer", is_staff=True)
    viewer.user_permissions.add(*Permission.objects.filter(codename__startswith="view_"))
    client.force_login(viewer)

    listing = client.get(RESERVATIONS)
    refused = client.post(task(clinic.held.pk, "confirm"), {"apply": "Confirm"})

    assert listing.status_code == 200
    assert listing.context["action_form"] is None  # no action offered
    assert refused.status_code == 403
    assert Reservation.objects.get(pk=clinic.held.pk).confirmed_at is None
