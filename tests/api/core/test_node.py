"""`api.core.node.Node`: ``node(id:)`` resolves every type by global ID; malformed IDs are client errors."""

from datetime import timedelta

import pytest

from reservation.models import Provider
from tests.factories import NOW, SLOT_DAY, gid, make_client, make_provider, make_reservation, make_slot
from tests.graphql import data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

DAY_AFTER = SLOT_DAY


# --- node ------------------------------------------------------------------------------------------------


def test_node_resolves_a_provider(graphql):
    provider = make_provider()

    result = data(
        graphql,
        "query($id: ID!) { node(id: $id) { id ... on ProviderType { firstName lastName } } }",
        {"id": gid("ProviderType", provider.pk)},
    )

    assert result["node"] == {"id": gid("ProviderType", provider.pk), "firstName": "Grace", "lastName": "Hopper"}


def test_node_resolves_a_client(graphql):
    patient = make_client()

    result = data(
        graphql,
        "query($id: ID!) { node(id: $id) { id ... on ClientType { firstName lastName } } }",
        {"id": gid("ClientType", patient.pk)},
    )

    assert result["node"] == {"id": gid("ClientType", patient.pk), "firstName": "Ada", "lastName": "Lovelace"}


def test_node_resolves_an_appointment(graphql):
    slot = make_slot(make_provider(), DAY_AFTER)

    result = data(
        graphql,
        "query($id: ID!) { node(id: $id) { id ... on AppointmentType { timeSlot endTime } } }",
        {"id": gid("AppointmentType", slot.pk)},
    )

    assert result["node"] == {
        "id": gid("AppointmentType", slot.pk),
        "timeSlot": "2030-01-09T09:00:00+00:00",
        "endTime": "2030-01-09T09:15:00+00:00",
    }


def test_node_resolves_a_reservation(graphql):
    hold = make_reservation(make_client(), make_slot(make_provider(), DAY_AFTER), NOW - timedelta(minutes=10))

    result = data(
        graphql,
        "query($id: ID!) { node(id: $id) { id ... on ReservationType { state expiry reservedAt } } }",
        {"id": gid("ReservationType", hold.pk)},
    )

    assert result["node"] == {
        "id": gid("ReservationType", hold.pk),
        "state": "HELD",
        "expiry": "2030-01-07T09:20:00+00:00",
        "reservedAt": "2030-01-07T08:50:00+00:00",
    }


def test_node_of_a_missing_row_is_null(graphql):
    provider = make_provider()

    result = data(graphql, "query($id: ID!) { node(id: $id) { id } }", {"id": gid("ProviderType", provider.pk + 1)})

    assert result == {"node": None}


def test_node_dispatches_on_the_type_inside_the_id(graphql):
    patient = make_client()
    # A provider with the same primary key: only the type inside the global ID tells them apart.
    Provider.objects.create(pk=patient.pk, first_name="Grace", last_name="Hopper")

    result = data(
        graphql,
        "query($id: ID!) { node(id: $id) { __typename ... on ClientType { lastName } } }",
        {"id": gid("ClientType", patient.pk)},
    )

    assert result == {"node": {"__typename": "ClientType", "lastName": "Lovelace"}}


def test_node_with_a_malformed_id_is_a_client_error(graphql):
    body = graphql('{ node(id: "garbage") { id } }')

    assert body["data"] == {"node": None}
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
