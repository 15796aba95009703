"""ID errors say what was expected, with an example, and what came (issue 11): the kind of node expected, the kind
received, and for a bare database id (as the admin shows them) the global ID it may have meant."""

import pytest

from tests.factories import gid, make_client, make_provider
from tests.graphql import RESERVATION_CREATE, bad_user_input, payload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def test_a_mutation_given_an_id_of_another_kind(graphql):
    patient = make_client()

    body = graphql(
        RESERVATION_CREATE, {"clientId": gid("ClientType", patient.pk), "appointmentId": gid("ClientType", patient.pk)}
    )

    [error] = payload(body, "reservationCreate")["errors"]
    assert (error["code"], error["field"]) == ("INVALID", "appointmentId")
    assert error["message"] == (
        "`appointmentId` must be the global ID of an appointment slot (as returned in `id`), for example "
        "`QXBwb2ludG1lbnRUeXBlOjE=`; got the global ID of a client (ClientType)."
    )


def test_a_mutation_given_something_that_is_not_an_id(graphql):
    patient = make_client()

    body = graphql(RESERVATION_CREATE, {"clientId": gid("ClientType", patient.pk), "appointmentId": "slot-1"})

    [error] = payload(body, "reservationCreate")["errors"]
    assert error["message"].endswith("; got 'slot-1', which is not a global ID.")


def test_a_filter_given_a_database_id_suggests_the_global_id(graphql):
    provider = make_provider()

    body = graphql(f'{{ appointments(provider: "{provider.pk}") {{ edges {{ cursor }} }} }}')

    message = bad_user_input(body, ["appointments"])
    assert message == (
        "provider: Expected the global ID of a provider (as returned in `id`), for example `UHJvdmlkZXJUeXBlOjE=`; "
        f"got the number {provider.pk}, which is a database id, not a global ID; the global ID of ProviderType "
        f"{provider.pk} is `{gid('ProviderType', provider.pk)}`."
    )


def test_node_given_an_id_of_no_node_type(graphql):
    body = graphql(f'{{ node(id: "{gid("MutationError", 1)}") {{ id }} }}')

    message = bad_user_input(body, ["node"])
    assert "got the global ID of MutationError, which is not a node type" in message
