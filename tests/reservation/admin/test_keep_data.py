"""Never losing data: reservations and their history cannot be deleted; slots with reservations cannot be
deleted (free ones can); people with reservations are deactivated, not deleted."""

import pytest
from django.contrib.auth.models import User

from reservation.models import Appointment, Client, Reservation, ReservationEvent

from .conftest import shown

pytestmark = pytest.mark.django_db


def test_a_reservation_cannot_be_deleted(support, clinic):
    page = support.get(f"/admin/reservation/reservation/{clinic.booked.pk}/change/").content.decode()
    listing = support.get("/admin/reservation/reservation/")

    assert support.get(f"/admin/reservation/reservation/{clinic.booked.pk}/delete/").status_code == 403
    assert (
        support.post(f"/admin/reservation/reservation/{clinic.booked.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    refused = support.post(
        "/admin/reservation/reservation/",
        {"action": "delete_selected", "_selected_action": [clinic.booked.pk], "post": "yes"},
    )
    assert refused.status_code in (200, 302)
    assert "delete_selected" not in dict(listing.context["action_form"].fields["action"].choices)
    assert "/delete/" not in page
    assert Reservation.objects.filter(pk=clinic.booked.pk).exists()


def test_history_events_have_no_admin_page_to_delete_them_from(support, clinic):
    clinic.booked.events.create(kind="held", at=clinic.booked.created_at)

    assert support.get("/admin/reservation/reservationevent/").status_code == 404
    assert ReservationEvent.objects.count() == 1


def test_a_slot_with_reservations_cannot_be_deleted_a_free_one_can(support, clinic):
    taken, free = clinic.slots[2], clinic.slots[7]  # slot 2 has an expired hold: history all the same

    assert support.get(f"/admin/reservation/appointment/{taken.pk}/delete/").status_code == 403
    bulk = support.post(
        "/admin/reservation/appointment/",
        {"action": "delete_selected", "_selected_action": [taken.pk], "post": "yes"},
        follow=True,
    )
    assert "Cannot delete" in bulk.content.decode() or "protected" in bulk.content.decode()
    assert Appointment.objects.filter(pk=taken.pk).exists()

    support.post(f"/admin/reservation/appointment/{free.pk}/delete/", {"post": "yes"})
    assert not Appointment.objects.filter(pk=free.pk).exists()


def test_a_client_with_reservations_is_deactivated_not_deleted(support, clinic):
    assert support.get(f"/admin/reservation/client/{clinic.client.pk}/delete/").status_code == 403
    listing = support.get("/admin/reservation/client/")
    assert "delete_selected" not in dict(listing.context["action_form"].fields["action"].choices)

    response = support.post(
        "/admin/reservation/client/",
        {"action": "deactivate", "_selected_action": [clinic.client.pk]},
        follow=True,
    )

    assert shown(response) == [(25, "Ada Lovelace (ada): deactivated: cannot log in, sessions ended.")]
    user = User.objects.get(username="ada")
    assert not user.is_active
    assert Client.objects.filter(pk=clinic.client.pk).exists()
    again = support.post(
        "/admin/reservation/client/", {"action": "deactivate", "_selected_action": [clinic.client.pk]}, follow=True
    )
    assert shown(again) == [(20, "Ada Lovelace (ada): already deactivated.")]


def test_a_person_without_reservations_can_still_be_deleted(support, frozen):
    from tests.factories import make_client

    newcomer = make_client("Alan", "Kay", username="alan")

    assert support.get(f"/admin/reservation/client/{newcomer.pk}/delete/").status_code == 200
