"""`appointmentBulkCreate` through /graphql: publishing availability as 15-minute slots.

Success returns every slot of the range (new and existing) as a connection ordered by ``timeSlot``, in UTC.
Each expected failure comes back in ``errors`` with the enum code and the camelCase input field, a null
``appointments``, HTTP 200, and nothing written. A value that is not a DateTime at all never reaches the
resolver: it is a top-level validation error (HTTP 400).
"""

from datetime import timedelta
from typing import Any

import pytest
from graphql_relay import to_global_id

from reservation.models import Appointment
from tests.factories import NOW, gid, make_client, make_provider, make_reservation, make_slot
from tests.graphql import APPOINTMENT_BULK_CREATE, GraphQL, error_codes, node_ids, pk_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

TOMORROW_9 = "2030-01-08T09:00:00+00:00"
TOMORROW_10 = "2030-01-08T10:00:00+00:00"


@pytest.fixture
def provider():
    return make_provider()


def publish(graphql: GraphQL, provider_id: str, start: str, end: str, **page: Any) -> dict[str, Any]:
    body = graphql(APPOINTMENT_BULK_CREATE, {"providerId": provider_id, "startTime": start, "endTime": end, **page})
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["appointmentBulkCreate"]
    return payload


def test_one_hour_returns_four_slots_in_utc(graphql, provider):
    payload = publish(graphql, gid("ProviderType", provider.pk), TOMORROW_9, TOMORROW_10)

    assert payload["errors"] == []
    nodes = [edge["node"] for edge in payload["appointments"]["edges"]]
    assert [(node["timeSlot"], node["endTime"]) for node in nodes] == [
        ("2030-01-08T09:00:00+00:00", "2030-01-08T09:15:00+00:00"),
        ("2030-01-08T09:15:00+00:00", "2030-01-08T09:30:00+00:00"),
        ("2030-01-08T09:30:00+00:00", "2030-01-08T09:45:00+00:00"),
        ("2030-01-08T09:45:00+00:00", "2030-01-08T10:00:00+00:00"),
    ]
    assert {node["provider"]["id"] for node in nodes} == {gid("ProviderType", provider.pk)}
    assert sorted(pk_of(node["id"], "AppointmentType") for node in nodes) == sorted(
        Appointment.objects.values_list("pk", flat=True)
    )
    assert payload["appointments"]["pageInfo"]["hasNextPage"] is False


def test_offset_input_is_answered_in_utc(graphql, provider):
    payload = publish(graphql, gid("ProviderType", provider.pk), "2030-01-08T11:00:00+02:00", "2030-01-08T11:30+02:00")

    assert [edge["node"]["timeSlot"] for edge in payload["appointments"]["edges"]] == [
        "2030-01-08T09:00:00+00:00",
        "2030-01-08T09:15:00+00:00",
    ]


def test_resubmitting_an_overlapping_range_returns_existing_slots_and_adds_the_rest(graphql, provider):
    provider_id = gid("ProviderType", provider.pk)
    first = publish(graphql, provider_id, TOMORROW_9, TOMORROW_10)
    booked = make_slot(provider, NOW + timedelta(days=1, hours=1))
    make_reservation(make_client(), booked, NOW, confirmed=True)

    second = publish(graphql, provider_id, "2030-01-08T09:30:00+00:00", "2030-01-08T10:30:00+00:00")

    ids = node_ids(second["appointments"])
    assert ids[:2] == node_ids(first["appointments"])[2:]
    assert ids[2] == gid("AppointmentType", booked.pk)
    assert len(ids) == len(set(ids)) == 4
    assert Appointment.objects.count() == 6
    assert booked.reservations.confirmed().count() == 1


def test_payload_connection_pages_with_first_and_after(graphql, provider):
    provider_id = gid("ProviderType", provider.pk)
    page_one = publish(graphql, provider_id, TOMORROW_9, TOMORROW_10, first=3)

    assert len(page_one["appointments"]["edges"]) == 3
    assert page_one["appointments"]["pageInfo"]["hasNextPage"] is True

    page_two = publish(
        graphql, provider_id, TOMORROW_9, TOMORROW_10, first=3, after=page_one["appointments"]["pageInfo"]["endCursor"]
    )

    assert [edge["node"]["timeSlot"] for edge in page_two["appointments"]["edges"]] == ["2030-01-08T09:45:00+00:00"]
    assert page_two["appointments"]["pageInfo"]["hasNextPage"] is False
    assert Appointment.objects.count() == 4


@pytest.mark.parametrize(
    ("start", "end", "code", "field"),
    [
        pytest.param("2030-01-08T09:00:00", TOMORROW_10, "NAIVE_DATETIME", "startTime", id="naive-start"),
        pytest.param(TOMORROW_9, "2030-01-08T10:00:00", "NAIVE_DATETIME", "endTime", id="naive-end"),
        pytest.param("2030-01-08T09:05:00+00:00", TOMORROW_10, "NOT_ALIGNED", "startTime", id="09:05"),
        pytest.param("2030-01-08T09:00:30+00:00", TOMORROW_10, "NOT_ALIGNED", "startTime", id="09:00:30"),
        pytest.param(TOMORROW_9, "2030-01-08T09:59:00+00:00", "NOT_ALIGNED", "endTime", id="end-09:59"),
        pytest.param(TOMORROW_9, TOMORROW_9, "INVALID_RANGE", "startTime", id="empty-range"),
        pytest.param(TOMORROW_10, TOMORROW_9, "INVALID_RANGE", "startTime", id="reversed"),
        pytest.param("2030-01-07T08:45:00+00:00", TOMORROW_10, "IN_THE_PAST", "startTime", id="past"),
        pytest.param(TOMORROW_9, "2030-02-08T09:15:00+00:00", "RANGE_TOO_LONG", "endTime", id="31-days-15-min"),
    ],
)
def test_refused_range_returns_an_error_and_creates_nothing(graphql, provider, start, end, code, field):
    body = graphql(
        APPOINTMENT_BULK_CREATE, {"providerId": gid("ProviderType", provider.pk), "startTime": start, "endTime": end}
    )

    assert "errors" not in body
    payload = body["data"]["appointmentBulkCreate"]
    assert payload["appointments"] is None
    assert [(error["code"], error["field"]) for error in payload["errors"]] == [(code, field)]
    assert payload["errors"][0]["message"]
    assert Appointment.objects.count() == 0


def test_range_of_exactly_31_days_is_accepted(graphql, provider):
    payload = publish(graphql, gid("ProviderType", provider.pk), TOMORROW_9, "2030-02-08T09:00:00+00:00", first=1)

    assert payload["errors"] == []
    assert Appointment.objects.count() == 31 * 96


@pytest.mark.parametrize(
    "provider_id",
    [
        pytest.param("garbage", id="garbage"),
        pytest.param("client", id="client-id"),
        pytest.param(to_global_id("ProviderType", "x"), id="non-numeric-pk"),
        pytest.param("", id="empty"),
    ],
)
def test_invalid_provider_id_is_invalid(graphql, provider, provider_id):
    if provider_id == "client":
        # The ID of a real client is still the wrong type.
        provider_id = gid("ClientType", make_client().pk)

    payload = graphql(
        APPOINTMENT_BULK_CREATE, {"providerId": provider_id, "startTime": TOMORROW_9, "endTime": TOMORROW_10}
    )["data"]["appointmentBulkCreate"]

    assert payload["appointments"] is None
    assert [(error["code"], error["field"]) for error in payload["errors"]] == [("INVALID", "providerId")]
    assert Appointment.objects.count() == 0


def test_unknown_provider_is_not_found(graphql, provider):
    payload = graphql(
        APPOINTMENT_BULK_CREATE,
        {"providerId": gid("ProviderType", provider.pk + 1), "startTime": TOMORROW_9, "endTime": TOMORROW_10},
    )["data"]["appointmentBulkCreate"]

    assert payload["appointments"] is None
    assert [(error["code"], error["field"]) for error in payload["errors"]] == [("NOT_FOUND", "providerId")]


@pytest.mark.parametrize("value", ["not a date", "2030-13-45T09:00:00+00:00", "tomorrow"])
def test_value_that_is_not_a_datetime_is_a_top_level_validation_error(graphql, provider, value):
    body = graphql(
        APPOINTMENT_BULK_CREATE,
        {"providerId": gid("ProviderType", provider.pk), "startTime": value, "endTime": TOMORROW_10},
        expect_status=400,
    )

    assert "data" not in body
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "DateTime" in body["errors"][0]["message"]
    assert Appointment.objects.count() == 0


def test_inline_literal_that_is_not_a_datetime_is_a_validation_error(graphql, provider):
    provider_id = gid("ProviderType", provider.pk)
    document = (
        f'mutation {{ appointmentBulkCreate(input: {{providerId: "{provider_id}", startTime: "not a date", '
        'endTime: "2030-01-08T10:00:00+00:00"}) { errors { code } } }'
    )

    body = graphql(document, expect_status=400)

    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
    assert Appointment.objects.count() == 0
