"""One object, one global ID: only the canonical spelling ``base64("TypeName:<ASCII digits>")`` is accepted.

Python's ``str.isdigit`` and ``int`` accept superscripts and other scripts' digits ("¹", U+0661 ARABIC-INDIC DIGIT
ONE), so without a check ``ProviderType:`` + U+0661 named provider 1 under a second spelling and ``ClientType:¹``
crashed in ``int``. Leading zeros, and base64 that only decodes once its junk is dropped, are other spellings of the
same object: refused too. Each of the three decoders is checked: ``node(id:)``, the list filters' ID arguments and
mutation inputs.
"""

import base64
import json
import logging
from typing import Any

import pytest
from django.test import Client as HttpClient

from reservation.models import Appointment, Provider
from tests.conftest import bearer
from tests.factories import NOW, gid, make_slot

pytestmark = pytest.mark.django_db


def raw_id(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def other_spellings(type_name: str, pk: int) -> list[str]:
    canonical = gid(type_name, pk)
    return [
        raw_id(f"{type_name}:\u0661" if pk == 1 else f"{type_name}:{pk}\u0660"),  # Arabic-Indic digits
        raw_id(f"{type_name}:\u00b9" if pk == 1 else f"{type_name}:{pk}\u00b2"),  # superscripts
        raw_id(f"{type_name}:\uff11" if pk == 1 else f"{type_name}:{pk}\uff10"),  # fullwidth digits
        raw_id(f"{type_name}:0{pk}"),  # a leading zero
        raw_id(f"{type_name}: {pk}"),
        canonical.rstrip("=") if canonical.endswith("=") else canonical + "=",  # other padding
        canonical + "!!",  # junk that base64 decoding drops
    ]


@pytest.fixture
def http() -> HttpClient:
    return HttpClient(raise_request_exception=False)


def call(http: HttpClient, query: str, variables: dict[str, Any], user: Any) -> dict[str, Any]:
    response = http.post(
        "/graphql",
        json.dumps({"query": query, "variables": variables}),
        content_type="application/json",
        headers=bearer(user),
    )
    assert response.status_code in (200, 400), response.content[:300]
    body: dict[str, Any] = response.json()
    return body


def codes(body: dict[str, Any]) -> list[str | None]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors", [])]


@pytest.fixture
def provider_one(db: None) -> Provider:
    provider = Provider.objects.create(pk=1, first_name="Grace", last_name="Hopper")
    return provider


NODE = "query($id: ID!) { node(id: $id) { id ... on ProviderType { lastName } } }"


def test_the_canonical_id_finds_the_provider(http, staff_user, provider_one):
    body = call(http, NODE, {"id": gid("ProviderType", 1)}, staff_user)

    assert body == {"data": {"node": {"id": gid("ProviderType", 1), "lastName": "Hopper"}}}


@pytest.mark.parametrize("index", range(7))
def test_node_refuses_every_other_spelling_of_an_id(http, caplog, staff_user, provider_one, index):
    spelling = other_spellings("ProviderType", 1)[index]

    with caplog.at_level(logging.INFO):
        body = call(http, NODE, {"id": spelling}, staff_user)

    assert codes(body) == ["BAD_USER_INPUT"], body
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


def test_a_superscript_client_id_is_not_an_internal_error(http, staff_user):
    body = call(http, NODE, {"id": raw_id("ClientType:\u00b9")}, staff_user)

    assert codes(body) == ["BAD_USER_INPUT"], body


@pytest.mark.parametrize("index", range(7))
def test_list_filters_refuse_every_other_spelling_of_an_id(http, staff_user, provider_one, index):
    make_slot(provider_one, NOW)
    spelling = other_spellings("ProviderType", 1)[index]

    body = call(
        http, "query($p: ID) { appointments(provider: $p) { edges { node { id } } } }", {"p": spelling}, staff_user
    )

    assert codes(body) == ["BAD_USER_INPUT"], body


def test_list_filters_accept_the_canonical_id(http, staff_user, provider_one):
    slot = make_slot(provider_one, NOW)

    body = call(
        http,
        "query($p: ID) { appointments(provider: $p) { edges { node { id } } } }",
        {"p": gid("ProviderType", 1)},
        staff_user,
    )

    assert body == {"data": {"appointments": {"edges": [{"node": {"id": gid("AppointmentType", slot.pk)}}]}}}


BULK_CREATE = """
mutation($providerId: ID!) {
  appointmentBulkCreate(input: {providerId: $providerId, startTime: "2030-01-10T09:00:00+00:00",
                                endTime: "2030-01-10T09:30:00+00:00"}) { errors { code field } }
}
"""


@pytest.mark.parametrize("index", range(7))
def test_mutation_inputs_refuse_every_other_spelling_of_an_id(http, staff_user, provider_one, frozen, index):
    spelling = other_spellings("ProviderType", 1)[index]

    body = call(http, BULK_CREATE, {"providerId": spelling}, staff_user)

    assert body["data"]["appointmentBulkCreate"]["errors"] == [{"code": "INVALID", "field": "providerId"}]
    assert Appointment.objects.count() == 0


def test_mutation_inputs_accept_the_canonical_id(http, staff_user, provider_one, frozen):
    body = call(http, BULK_CREATE, {"providerId": gid("ProviderType", 1)}, staff_user)

    assert body["data"]["appointmentBulkCreate"]["errors"] == []
    assert Appointment.objects.count() == 2
