"""Withdrawing availability: free slots stop being offered and are kept as history; held or booked slots are never
removed silently; publishing the range again offers them again. Through the endpoint and the domain service.

Clock frozen at Monday 2030-01-07 09:00 UTC; the provider's slots are on Tuesday 2030-01-08 from 09:00 UTC.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from reservation.errors import DomainError, ErrorCode
from reservation.models import Appointment, Provider, Reservation
from reservation.services.availability import appointment_bulk_create
from reservation.services.withdrawal import KeptReason, availability_withdraw
from tests.factories import NOW, gid, make_client, make_provider, make_reservation, make_slot, provider_id
from tests.graphql import APPOINTMENTS_ON_DATE, AVAILABILITY_WITHDRAW

pytestmark = pytest.mark.django_db

TUESDAY_9 = datetime(2030, 1, 8, 9, tzinfo=UTC)
AVAILABLE = """
query($provider: ID) { availableAppointments(provider: $provider) { edges { node { id } } } }
"""
NODE = """
query($id: ID!) {
  node(id: $id) { ... on AppointmentType { id withdrawn withdrawnAt reservations { edges { node { id state } } } } }
}
"""
BULK_CREATE = """
mutation($providerId: ID!, $startTime: DateTime!, $endTime: DateTime!) {
  appointmentBulkCreate(input: {providerId: $providerId, startTime: $startTime, endTime: $endTime}) {
    appointments { edges { node { id withdrawn source } } } errors { code }
  }
}
"""
RESERVATION_CREATE = """
mutation($clientId: ID, $appointmentId: ID!) {
  reservationCreate(input: {clientId: $clientId, appointmentId: $appointmentId}) { reservation { id } errors { code } }
}
"""


@pytest.fixture
def morning(frozen):
    """A provider with 8 slots on Tuesday from 09:00 UTC: 09:00 booked, 09:15 held, 09:30 with an expired hold."""
    provider = make_provider()
    slots = [make_slot(provider, TUESDAY_9 + timedelta(minutes=15 * index)) for index in range(8)]
    make_reservation(make_client(), slots[0], created_at=NOW - timedelta(hours=1), confirmed=True)
    make_reservation(make_client("Alan", "Kay"), slots[1], created_at=NOW - timedelta(minutes=10))
    make_reservation(make_client("Frances", "Allen"), slots[2], created_at=NOW - timedelta(hours=2))
    return provider, slots


def withdraw(graphql, provider: Provider, **variables: Any) -> dict[str, Any]:
    body = graphql(AVAILABILITY_WITHDRAW, {"providerId": provider_id(provider), **variables})
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["availabilityWithdraw"]
    return result


def test_withdrawing_a_range_withdraws_free_slots_and_reports_kept_slots(graphql, morning) -> None:
    provider, slots = morning

    payload = withdraw(
        graphql, provider, startTime=TUESDAY_9.isoformat(), endTime=(TUESDAY_9 + timedelta(hours=2)).isoformat()
    )

    assert payload["errors"] == []
    changes = payload["changes"]
    assert (changes["added"], changes["restored"], changes["withdrawn"]) == (0, 0, 6)
    assert changes["kept"] == [
        {
            "reason": "BOOKED",
            "appointment": {"id": gid("AppointmentType", slots[0].pk), "timeSlot": TUESDAY_9.isoformat()},
        },
        {
            "reason": "HELD",
            "appointment": {
                "id": gid("AppointmentType", slots[1].pk),
                "timeSlot": (TUESDAY_9 + timedelta(minutes=15)).isoformat(),
            },
        },
    ]
    assert list(Appointment.objects.filter(withdrawn_at=NOW).order_by("start_time")) == slots[2:]
    assert graphql(AVAILABLE, {"provider": provider_id(provider)})["data"]["availableAppointments"]["edges"] == []


def test_withdrawn_slots_keep_their_reservations(graphql, morning) -> None:
    provider, slots = morning
    withdraw(graphql, provider, startTime=TUESDAY_9.isoformat(), endTime=(TUESDAY_9 + timedelta(hours=2)).isoformat())

    # Nothing is deleted: the slot with the expired hold is withdrawn with its reservation, the others keep theirs.
    assert Appointment.objects.filter(provider=provider).count() == 8
    assert Reservation.objects.count() == 3
    node = graphql(NODE, {"id": gid("AppointmentType", slots[2].pk)})["data"]["node"]
    assert (node["withdrawn"], node["withdrawnAt"]) == (True, NOW.isoformat())
    assert [edge["node"]["state"] for edge in node["reservations"]["edges"]] == ["EXPIRED"]
    booked = graphql(NODE, {"id": gid("AppointmentType", slots[0].pk)})["data"]["node"]
    assert (booked["withdrawn"], [edge["node"]["state"] for edge in booked["reservations"]["edges"]]) == (
        False,
        ["CONFIRMED"],
    )

    # `appointments` lists every slot, withdrawn ones too, and says which.
    listed = graphql(APPOINTMENTS_ON_DATE, {"provider": provider_id(provider), "date": "2030-01-08"})
    flags = [edge["node"]["withdrawn"] for edge in listed["data"]["appointments"]["edges"]]
    assert flags == [False, False] + [True] * 6


def test_a_withdrawn_slot_cannot_be_reserved(graphql, morning) -> None:
    provider, slots = morning
    withdraw(graphql, provider, appointmentIds=[gid("AppointmentType", slots[5].pk)])

    body = graphql(
        RESERVATION_CREATE,
        {"clientId": gid("ClientType", make_client().pk), "appointmentId": gid("AppointmentType", slots[5].pk)},
    )

    assert [error["code"] for error in body["data"]["reservationCreate"]["errors"]] == ["SLOT_UNAVAILABLE"]


def test_withdrawing_by_id_reports_kept_slots(graphql, morning) -> None:
    provider, slots = morning
    ids = [gid("AppointmentType", slot.pk) for slot in (slots[4], slots[1], slots[0])]

    changes = withdraw(graphql, provider, appointmentIds=ids)["changes"]

    assert changes["withdrawn"] == 1
    assert [kept["reason"] for kept in changes["kept"]] == ["BOOKED", "HELD"]
    assert list(Appointment.objects.filter(withdrawn_at__isnull=False)) == [slots[4]]


def test_withdrawing_is_idempotent(graphql, morning) -> None:
    provider, _ = morning
    window = {"startTime": TUESDAY_9.isoformat(), "endTime": (TUESDAY_9 + timedelta(hours=2)).isoformat()}
    withdraw(graphql, provider, **window)

    again = withdraw(graphql, provider, **window)["changes"]

    assert again["withdrawn"] == 0
    assert [kept["reason"] for kept in again["kept"]] == ["BOOKED", "HELD"]
    assert Appointment.objects.filter(withdrawn_at=NOW).count() == 6


def test_a_range_leaves_slots_that_already_started_alone(frozen) -> None:
    provider = make_provider()
    started = make_slot(provider, NOW - timedelta(minutes=15))
    later = make_slot(provider, NOW + timedelta(hours=1))

    changes = availability_withdraw(
        provider_id=provider.pk, start_time=NOW - timedelta(hours=1), end_time=NOW + timedelta(hours=2)
    )

    assert changes.withdrawn == 1
    started.refresh_from_db()
    later.refresh_from_db()
    assert (started.withdrawn_at, later.withdrawn_at) == (None, NOW)


@pytest.mark.parametrize(
    ("variables", "code", "field"),
    [
        ({}, "INVALID", None),
        ({"startTime": "2030-01-08T09:00:00+00:00"}, "INVALID", "endTime"),
        ({"startTime": "2030-01-08T09:00:00", "endTime": "2030-01-08T10:00:00+00:00"}, "NAIVE_DATETIME", "startTime"),
        (
            {"startTime": "2030-01-08T10:00:00+00:00", "endTime": "2030-01-08T09:00:00+00:00"},
            "INVALID_RANGE",
            "startTime",
        ),
        (
            {"startTime": "2030-01-08T09:00:00+00:00", "endTime": "2030-02-09T09:00:00+00:00"},
            "RANGE_TOO_LONG",
            "endTime",
        ),
        ({"appointmentIds": []}, "INVALID", "appointmentIds"),
        ({"appointmentIds": ["UHJvdmlkZXJUeXBlOjE="]}, "INVALID", "appointmentIds"),  # a ProviderType ID
        (
            {"startTime": "2030-01-08T09:00:00+00:00", "endTime": "2030-01-08T10:00:00+00:00", "appointmentIds": []},
            "INVALID",
            None,
        ),
    ],
)
def test_withdrawal_input_is_checked(graphql, morning, variables, code, field) -> None:
    provider, _ = morning
    payload = withdraw(graphql, provider, **variables)
    assert payload["changes"] is None
    assert [(error["code"], error["field"]) for error in payload["errors"]] == [(code, field)]
    assert not Appointment.objects.filter(withdrawn_at__isnull=False).exists()


def test_slots_of_another_provider_or_already_started_are_refused_by_id(graphql, morning) -> None:
    provider, slots = morning
    others = make_slot(make_provider("Barbara", "McClintock"), TUESDAY_9)
    started = make_slot(provider, NOW - timedelta(minutes=15))

    for slot, code in ((others, "NOT_FOUND"), (started, "IN_THE_PAST")):
        ids = [gid("AppointmentType", slots[4].pk), gid("AppointmentType", slot.pk)]
        errors = withdraw(graphql, provider, appointmentIds=ids)["errors"]
        assert [(error["code"], error["field"]) for error in errors] == [(code, "appointmentIds")]
    assert not Appointment.objects.filter(withdrawn_at__isnull=False).exists()


def test_publishing_the_range_again_restores_withdrawn_slots(graphql, morning) -> None:
    provider, slots = morning
    window = {"startTime": TUESDAY_9.isoformat(), "endTime": (TUESDAY_9 + timedelta(hours=2)).isoformat()}
    withdraw(graphql, provider, **window)

    body = graphql(BULK_CREATE, {"providerId": provider_id(provider), **window})

    nodes = [edge["node"] for edge in body["data"]["appointmentBulkCreate"]["appointments"]["edges"]]
    assert [node["id"] for node in nodes] == [gid("AppointmentType", slot.pk) for slot in slots]
    assert {node["withdrawn"] for node in nodes} == {False}
    assert not Appointment.objects.filter(withdrawn_at__isnull=False).exists()
    assert Reservation.objects.count() == 3
    available = graphql(AVAILABLE, {"provider": provider_id(provider)})["data"]["availableAppointments"]["edges"]
    assert len(available) == 6  # all but the booked and the held one


def test_bulk_create_makes_existing_schedule_slots_its_own_and_keeps_their_reservations(frozen) -> None:
    provider = make_provider()
    slot = Appointment.objects.create(
        provider=provider,
        start_time=TUESDAY_9,
        end_time=TUESDAY_9 + timedelta(minutes=15),
        source="schedule",
        withdrawn_at=NOW - timedelta(days=1),
    )
    booked = Appointment.objects.create(
        provider=provider,
        start_time=TUESDAY_9 + timedelta(minutes=15),
        end_time=TUESDAY_9 + timedelta(minutes=30),
        source="schedule",
    )
    reservation = make_reservation(make_client(), booked, created_at=NOW - timedelta(hours=1), confirmed=True)

    appointments = appointment_bulk_create(
        provider_id=provider.pk, start_time=TUESDAY_9, end_time=TUESDAY_9 + timedelta(hours=1)
    )

    assert [(row.pk, row.source, row.withdrawn_at) for row in appointments[:2]] == [
        (slot.pk, "range", None),
        (booked.pk, "range", None),
    ]
    assert appointments.count() == 4
    assert list(booked.reservations.all()) == [reservation]


def test_domain_withdrawal_reports_reasons_in_start_order(frozen) -> None:
    provider = make_provider()
    slots = [make_slot(provider, TUESDAY_9 + timedelta(minutes=15 * index)) for index in range(3)]
    make_reservation(make_client(), slots[2], created_at=NOW - timedelta(minutes=1), confirmed=True)
    make_reservation(make_client("Alan", "Kay"), slots[0], created_at=NOW - timedelta(minutes=1))

    changes = availability_withdraw(provider_id=provider.pk, appointment_ids=[slots[2].pk, slots[1].pk, slots[0].pk])

    assert [(kept.appointment, kept.reason) for kept in changes.kept] == [
        (slots[0], KeptReason.HELD),
        (slots[2], KeptReason.BOOKED),
    ]
    with pytest.raises(DomainError) as raised:
        availability_withdraw(provider_id=987654, appointment_ids=[slots[1].pk])
    assert (raised.value.code, raised.value.field) == (ErrorCode.NOT_FOUND, "provider_id")
