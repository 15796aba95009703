"""`AppointmentType`, `appointments` and `availableAppointments` through /graphql.

States and availability are judged at the request's instant under a frozen clock; slots are ordered by
``timeSlot`` (ties by id).
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql import GraphQLObjectType, get_named_type, is_leaf_type, is_required_argument

from api.schema import schema
from reservation.models import VisitTypeOffer
from tests.factories import (
    NOW,
    SLOT_DAY,
    gid,
    make_client,
    make_provider,
    make_reservation,
    make_slot,
    make_visit_type,
)
from tests.graphql import data, node_ids

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

DAY_AFTER = SLOT_DAY


# --- appointments --------------------------------------------------------------------------------------------

APPOINTMENTS = """
query($provider: ID, $startFrom: DateTime, $startBefore: DateTime) {
  appointments(provider: $provider, startFrom: $startFrom, startBefore: $startBefore) {
    edges { node { id timeSlot provider { id } } }
  }
}
"""


def test_appointments_are_ordered_by_time_slot_then_id(graphql, two_schedules):
    result = data(graphql, APPOINTMENTS)

    assert node_ids(result["appointments"]) == [gid("AppointmentType", slot.pk) for slot in two_schedules["order"]]


def test_appointments_filter_by_provider(graphql, two_schedules):
    hopper = two_schedules["hopper"]

    result = data(graphql, APPOINTMENTS, {"provider": gid("ProviderType", hopper.pk)})

    nodes = [edge["node"] for edge in result["appointments"]["edges"]]
    assert [node["timeSlot"] for node in nodes] == [
        "2030-01-09T09:00:00+00:00",
        "2030-01-09T09:15:00+00:00",
        "2030-01-09T09:30:00+00:00",
    ]
    assert {node["provider"]["id"] for node in nodes} == {gid("ProviderType", hopper.pk)}


def test_appointments_filter_start_from_is_inclusive_and_start_before_exclusive(graphql, two_schedules):
    result = data(
        graphql,
        APPOINTMENTS,
        {
            "provider": gid("ProviderType", two_schedules["turing"].pk),
            "startFrom": "2030-01-09T09:15:00+00:00",
            "startBefore": "2030-01-09T09:30:00+00:00",
        },
    )

    assert [edge["node"]["timeSlot"] for edge in result["appointments"]["edges"]] == ["2030-01-09T09:15:00+00:00"]


def test_appointments_filter_accepts_an_offset(graphql, two_schedules):
    # 11:15+02:00 is 09:15 UTC.
    result = data(graphql, APPOINTMENTS, {"startFrom": "2030-01-09T11:15:00+02:00"})

    assert len(result["appointments"]["edges"]) == 4


def test_appointments_include_every_state(graphql):
    provider = make_provider()
    patient = make_client()
    make_reservation(patient, make_slot(provider, DAY_AFTER), NOW, confirmed=True)
    make_reservation(patient, make_slot(provider, DAY_AFTER + timedelta(minutes=15)), NOW)
    make_slot(provider, NOW + timedelta(hours=1))

    result = data(graphql, APPOINTMENTS)

    assert len(result["appointments"]["edges"]) == 3


# --- availableAppointments ------------------------------------------------------------------------------------

AVAILABLE = """
query($provider: ID) { availableAppointments(provider: $provider) { edges { node { id timeSlot } } } }
"""


def test_available_appointments_include_free_and_expired_hold_slots_only(graphql, availability):
    result = data(graphql, AVAILABLE)

    assert node_ids(result["availableAppointments"]) == [
        gid("AppointmentType", slot.pk) for slot in availability["available"]
    ]


def test_available_appointments_filter_by_provider(graphql, availability):
    other_provider = make_provider("Alan", "Turing")
    make_slot(other_provider, DAY_AFTER)

    mine = data(graphql, AVAILABLE, {"provider": gid("ProviderType", availability["provider"].pk)})
    theirs = data(graphql, AVAILABLE, {"provider": gid("ProviderType", other_provider.pk)})

    assert len(mine["availableAppointments"]["edges"]) == 4
    assert len(theirs["availableAppointments"]["edges"]) == 1


def test_one_second_later_a_hold_expires_and_a_slot_falls_inside_the_notice_period(graphql, frozen, availability):
    frozen.tick(timedelta(seconds=1))

    result = data(graphql, AVAILABLE)

    ids = node_ids(result["availableAppointments"])
    # The 29:59-old hold reaches 30:00 and frees its slot; the slot 24 h ahead is now 23:59:59 ahead.
    assert gid("AppointmentType", availability["held_for_29_59"].pk) in ids
    assert gid("AppointmentType", availability["exactly_24h"].pk) not in ids
    assert len(ids) == 4


APPOINTMENT_FIELDS = """
query($id: ID!) {
  node(id: $id) {
    ... on AppointmentType {
      provider { id firstName }
      reservations { edges { node { id state client { id } } } }
      confirmedReservation { id confirmedAt }
    }
  }
}
"""


def test_appointment_nested_fields(graphql):
    provider = make_provider()
    slot = make_slot(provider, DAY_AFTER)
    ada = make_client()
    edsger = make_client("Edsger", "Dijkstra")
    expired = make_reservation(ada, slot, NOW - timedelta(hours=2))
    booked = make_reservation(edsger, slot, NOW - timedelta(hours=1), confirmed=True)

    result = data(graphql, APPOINTMENT_FIELDS, {"id": gid("AppointmentType", slot.pk)})["node"]

    assert result["provider"] == {"id": gid("ProviderType", provider.pk), "firstName": "Grace"}
    assert [edge["node"] for edge in result["reservations"]["edges"]] == [
        {"id": gid("ReservationType", booked.pk), "state": "CONFIRMED", "client": {"id": gid("ClientType", edsger.pk)}},
        {"id": gid("ReservationType", expired.pk), "state": "EXPIRED", "client": {"id": gid("ClientType", ada.pk)}},
    ]
    assert result["confirmedReservation"] == {
        "id": gid("ReservationType", booked.pk),
        "confirmedAt": "2030-01-07T08:01:00+00:00",
    }


def test_appointment_without_a_booking_has_no_confirmed_reservation(graphql):
    slot = make_slot(make_provider(), DAY_AFTER)
    make_reservation(make_client(), slot, NOW)

    result = data(graphql, APPOINTMENT_FIELDS, {"id": gid("AppointmentType", slot.pk)})["node"]

    assert result["confirmedReservation"] is None
    assert len(result["reservations"]["edges"]) == 1


def every_leaf(type_name: str) -> str:
    """Every scalar and enum field of ``type_name`` that needs no argument, as a selection."""
    graphql_type = schema.graphql_schema.get_type(type_name)
    assert isinstance(graphql_type, GraphQLObjectType)
    return " ".join(
        name
        for name, field in graphql_type.fields.items()
        if is_leaf_type(get_named_type(field.type))
        and not any(is_required_argument(argument) for argument in field.args.values())
    )


@pytest.mark.parametrize("with_visit_type", [False, True], ids=["slots", "visit starts"])
def test_available_appointments_read_every_field_of_slots_and_providers_without_a_query_per_row(
    graphql, with_visit_type
):
    """The page leaves out the columns no field reads (`api.query.appointment.UNREAD_COLUMNS`): asking for every
    field of the slots and their providers loads nothing more, row by row (the same queries for 1 and 4 rows)."""
    provider = make_provider()
    visit_type = make_visit_type("Check-up", slots=1)
    VisitTypeOffer.objects.create(visit_type=visit_type, provider=provider)
    argument = f'(visitTypeId: "{gid("VisitTypeType", visit_type.pk)}")' if with_visit_type else ""
    document = (
        f"{{ availableAppointments{argument} {{ edges {{ node {{ {every_leaf('AppointmentType')}"
        f" provider {{ {every_leaf('ProviderType')} }} }} }} }} }}"
    )
    counts = []
    for index in range(4):
        make_slot(provider, DAY_AFTER + timedelta(minutes=15 * index))
        if index in (0, 3):
            with CaptureQueriesContext(connection) as captured:
                result = data(graphql, document)
            assert len(result["availableAppointments"]["edges"]) == index + 1
            counts.append(len(captured.captured_queries))

    assert counts[0] == counts[1], counts
