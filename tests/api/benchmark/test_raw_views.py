"""The benchmark's raw hold (`api.benchmark.raw_views.reserve_slot`): the same transaction as reservationCreate by
hand, so that its latency is a fair baseline. It holds a free slot and refuses, writing nothing, a taken one, one
inside the notice and a withdrawn one."""

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import RequestFactory

from api.benchmark.raw_views import reserve_slot
from reservation.models import Appointment, Client, EventKind, Reservation
from tests.factories import NOW, make_client, make_provider, make_reservation, make_slot

pytestmark = pytest.mark.django_db


def post(client: Client, slot: Appointment) -> tuple[int, dict[str, Any]]:
    request = RequestFactory().post(
        "/benchmark/raw/reserve", json.dumps({"client": client.pk, "slot": slot.pk}), content_type="application/json"
    )
    response = reserve_slot(request)
    return response.status_code, json.loads(response.content)


def test_it_holds_a_free_slot_with_its_event(frozen: Any) -> None:
    slot = make_slot(make_provider("Grace", "Hopper"), NOW + timedelta(days=2))
    client = make_client()

    status, body = post(client, slot)

    assert status == 200
    hold = Reservation.objects.get(pk=body["reservation"])
    assert (hold.appointment_id, hold.client_id, hold.expires_at) == (slot.pk, client.pk, NOW + timedelta(minutes=30))
    assert list(hold.events.values_list("kind", flat=True)) == [EventKind.HELD]


def test_it_refuses_a_taken_slot_one_inside_the_notice_and_a_withdrawn_one(frozen: Any) -> None:
    provider = make_provider("Grace", "Hopper")
    taken = make_slot(provider, NOW + timedelta(days=2))
    make_reservation(make_client("Ada", "Lovelace", username="ada"), taken, NOW - timedelta(minutes=5))
    soon = make_slot(provider, NOW + timedelta(hours=23))
    withdrawn = make_slot(provider, NOW + timedelta(days=3))
    Appointment.objects.filter(pk=withdrawn.pk).update(withdrawn_at=NOW)
    client = make_client("Alan", "Turing", username="alan")
    before = Reservation.objects.count()

    for slot in (taken, soon, withdrawn):
        assert post(client, slot) == (409, {"error": "SLOT_UNAVAILABLE"})

    assert Reservation.objects.count() == before
