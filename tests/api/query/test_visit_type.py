"""Visit types over GraphQL (issue 13): `visitTypes`, `availableAppointments(visitTypeId:)` root and nested, the
staff mutations' checks, and holding a visit with any provider, as a client sends them."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reservation.models import VisitType
from tests.factories import NOW, SLOT, gid, make_client, make_provider, make_slots, make_user, make_visit_type
from tests.graphql import data

pytestmark = pytest.mark.django_db

START = NOW + timedelta(days=2)
ERRORS = "errors { code field message }"
CREATE = f"""
mutation($input: VisitTypeCreateInput!) {{
  visitTypeCreate(input: $input) {{
    visitType {{ id name durationMinutes bufferAfterMinutes minimumNoticeHours }} {ERRORS}
  }}
}}
"""
STARTS = """
query($visitType: ID, $provider: ID, $first: Int) {
  availableAppointments(visitTypeId: $visitType, provider: $provider, first: $first) {
    edges { node { id timeSlot provider { id } } }
  }
}
"""
NESTED = """
query($visitType: ID, $first: Int) {
  providers(first: 50) {
    edges { node { id availableAppointments(visitTypeId: $visitType, first: $first) { edges { node { timeSlot } } } } }
  }
}
"""
HOLD = f"""
mutation($appointmentId: ID!, $visitTypeId: ID, $anyProvider: Boolean) {{
  reservationCreate(input: {{appointmentId: $appointmentId, visitTypeId: $visitTypeId, anyProvider: $anyProvider}}) {{
    reservation {{ id startTime endTime coversUntil visitType {{ name }} provider {{ id lastName }} }} {ERRORS}
  }}
}}
"""


def test_staff_define_a_visit_type_in_whole_slots_with_the_notice_floor(graphql, frozen):
    made = data(graphql, CREATE, {"input": {"name": "Therapy", "durationMinutes": 60, "bufferAfterMinutes": 15}})
    assert made["visitTypeCreate"]["visitType"]["durationMinutes"] == 60
    assert made["visitTypeCreate"]["visitType"]["minimumNoticeHours"] == 24
    assert VisitType.objects.get().duration_slots == 4

    for bad, code, field in (
        ({"name": "Odd", "durationMinutes": 20}, "NOT_ALIGNED", "durationMinutes"),
        ({"name": "Soon", "durationMinutes": 15, "minimumNoticeHours": 12}, "INVALID", "minimumNoticeHours"),
        ({"name": "therapy", "durationMinutes": 15}, "INVALID", "name"),
        ({"name": "Empty", "durationMinutes": 0}, "INVALID", "durationMinutes"),
        ({"name": "Buffer", "durationMinutes": 15, "bufferAfterMinutes": 10}, "NOT_ALIGNED", "bufferAfterMinutes"),
    ):
        payload = data(graphql, CREATE, {"input": bad})["visitTypeCreate"]
        assert payload["visitType"] is None
        assert [(error["code"], error["field"]) for error in payload["errors"]] == [(code, field)]
    assert VisitType.objects.count() == 1


def test_where_a_visit_fits_across_providers_earliest_first_and_per_provider(graphql, frozen):
    grace, alan = make_provider(), make_provider("Alan", "Turing")
    intake = make_visit_type(slots=2, offered_by=(grace, alan))
    make_slots(grace, START, 3)  # 2 starts
    make_slots(alan, START + SLOT, 2)  # 1 start
    make_slots(make_provider("Not", "Offering"), START, 4)
    variables = {"visitType": gid("VisitTypeType", intake.pk)}

    edges = data(graphql, STARTS, variables)["availableAppointments"]["edges"]
    assert [(edge["node"]["timeSlot"], edge["node"]["provider"]["id"]) for edge in edges] == [
        (START.isoformat(), gid("ProviderType", grace.pk)),
        ((START + SLOT).isoformat(), gid("ProviderType", grace.pk)),
        ((START + SLOT).isoformat(), gid("ProviderType", alan.pk)),
    ]
    only_alan = data(graphql, STARTS, {**variables, "provider": gid("ProviderType", alan.pk)})
    assert len(only_alan["availableAppointments"]["edges"]) == 1
    nested = data(graphql, NESTED, variables)["providers"]["edges"]
    assert [len(edge["node"]["availableAppointments"]["edges"]) for edge in nested] == [2, 0, 1]  # by last name


def test_an_unknown_or_malformed_visit_type_argument_is_bad_user_input(graphql, frozen):
    for value in (gid("VisitTypeType", 999), gid("ProviderType", 1), "nope"):
        body = graphql(STARTS, {"visitType": value})
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body


def test_the_nested_list_takes_as_many_queries_for_50_providers_as_for_5(graphql, frozen):
    intake = make_visit_type(slots=2)
    counts = []
    for total in (5, 50):
        while intake.offers.count() < total:
            provider = make_provider("Doc", f"{intake.offers.count():03}")
            intake.offers.create(provider=provider, daily_cap=3)
            make_slots(provider, START, 4)
        with CaptureQueriesContext(connection) as queries:
            data(graphql, NESTED, {"visitType": gid("VisitTypeType", intake.pk), "first": 3})
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_a_client_holds_a_visit_with_any_provider_and_the_payload_says_who(graphql, frozen):
    grace, alan = make_provider(), make_provider("Alan", "Turing")
    intake = make_visit_type(slots=3, after=1, offered_by=(grace, alan))
    grace_slots = make_slots(grace, START, 4)
    make_slots(alan, START, 4)
    client = make_client()
    client.user = make_user("ada")
    client.save()
    other = make_client("Edsger", "Dijkstra")
    other.user = make_user("edsger")
    other.save()
    variables = {
        "appointmentId": gid("AppointmentType", grace_slots[0].pk),
        "visitTypeId": gid("VisitTypeType", intake.pk),
        "anyProvider": True,
    }

    first = graphql(HOLD, variables, as_user=client.user)["data"]["reservationCreate"]
    second = graphql(HOLD, variables, as_user=other.user)["data"]["reservationCreate"]
    third = graphql(HOLD, variables, as_user=make_client_user("Third"))["data"]["reservationCreate"]

    assert first["errors"] == []
    assert second["errors"] == []
    assert first["reservation"]["endTime"] == (START + 3 * SLOT).isoformat()
    assert first["reservation"]["coversUntil"] == (START + 4 * SLOT).isoformat()
    assert {first["reservation"]["provider"]["lastName"], second["reservation"]["provider"]["lastName"]} == {
        "Hopper",
        "Turing",
    }
    assert [error["code"] for error in third["errors"]] == ["SLOT_UNAVAILABLE"]


def make_client_user(name: str):
    client = make_client(name, "Client")
    client.user = make_user(name.lower())
    client.save()
    return client.user
