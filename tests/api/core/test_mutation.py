"""`api.core.mutation.DomainMutation`: every mutation declares in its ``Meta`` whether it is idempotent (those that
are take ``idempotencyKey``, added once; the token mutations are not), and runs in one transaction."""

from typing import Any

import graphene
import pytest
from graphql import GraphQLError

from api.core import idempotency
from api.core.mutation import DomainMutation
from api.mutation.provider import ProviderCreate
from api.schema import schema
from reservation.errors import DomainError, ErrorCode
from reservation.models import Provider
from tests.factories import make_provider
from tests.graphql import PROVIDER_CREATE, codes, error_codes

# Deliberately without a key: a login or a token rotation must never be answered from storage (api/core/idempotency.py).
WITHOUT_KEY = {"tokenCreate", "tokenRefresh", "tokenRevoke"}
# Mutations that must keep their key: those of the issue.
KEYED = {"providerCreate", "clientCreate", "appointmentBulkCreate", "reservationCreate", "reservationConfirm"}

MUTATION_INPUTS = """
{
  __schema {
    mutationType {
      fields {
        name
        args { name type { ofType { name inputFields { name description type { kind name } } } } }
      }
    }
  }
}
"""


def all_subclasses(cls: Any) -> set[Any]:
    return {sub for direct in cls.__subclasses__() for sub in {direct, *all_subclasses(direct)}}


def opted_out() -> set[str]:
    """Mutations whose ``Meta`` says ``idempotent = False`` but that are not token mutations."""
    mutation_type: Any = schema.graphql_schema.mutation_type
    return {
        name
        for name, field in mutation_type.fields.items()
        if not field.type.graphene_type.takes_idempotency_key and name not in WITHOUT_KEY
    }


def test_introspection_shows_an_optional_idempotency_key_on_every_mutation_but_the_excluded_ones(graphql) -> None:
    fields = graphql(MUTATION_INPUTS)["data"]["__schema"]["mutationType"]["fields"]
    inputs = {}
    for field in fields:
        (argument,) = field["args"]
        assert argument["name"] == "input"
        inputs[field["name"]] = {entry["name"]: entry for entry in argument["type"]["ofType"]["inputFields"]}

    without_key = {name for name, fields in inputs.items() if "idempotencyKey" not in fields}
    assert without_key == WITHOUT_KEY | opted_out()
    assert inputs.keys() - without_key >= KEYED
    for name in inputs.keys() - without_key:
        key = inputs[name]["idempotencyKey"]
        assert key["type"] == {"kind": "SCALAR", "name": "String"}, name  # optional: not NON_NULL
        assert "never replayed" in key["description"]


def test_every_domain_mutation_of_the_schema_is_covered() -> None:
    """Each DomainMutation mounted in the schema takes a key as its Meta says: all but the token mutations and
    those that opted out."""
    mutation_type: Any = schema.graphql_schema.mutation_type
    mounted = {field.type.graphene_type: name for name, field in mutation_type.fields.items()}
    mutations = [cls for cls in all_subclasses(DomainMutation) if cls in mounted]
    assert len(mutations) == len(mounted)
    for mutation in mutations:
        name = mounted[mutation]
        assert mutation.takes_idempotency_key == (name not in WITHOUT_KEY | opted_out()), name
        assert (idempotency.KEY_FIELD in mutation.Input._meta.fields) == mutation.takes_idempotency_key
        # The token mutations declare themselves not idempotent in their own Meta.
        assert not mutation.takes_idempotency_key or name not in WITHOUT_KEY, name


def test_a_mutation_must_declare_whether_it_is_idempotent() -> None:
    with pytest.raises(TypeError, match="idempotent"):

        class Undeclared(DomainMutation):
            class Input:
                name = graphene.String()


def test_a_mutation_may_opt_out_in_its_meta() -> None:
    class WithKey(DomainMutation):
        class Meta:
            idempotent = True

        class Input:
            name = graphene.String()

    class WithoutKey(DomainMutation):
        class Meta:
            idempotent = False

        class Input:
            name = graphene.String()

    with_key: Any = WithKey.Input
    without_key: Any = WithoutKey.Input
    assert list(with_key._meta.fields) == ["name", "idempotency_key", "client_mutation_id"]
    assert list(without_key._meta.fields) == ["name", "client_mutation_id"]


@pytest.mark.parametrize(
    ("left", "right", "same"),
    [
        ({"a": 1, "b": "x"}, {"b": "x", "a": 1}, True),
        ({"a": 1}, {"a": 1, "idempotency_key": "k", "client_mutation_id": "m"}, True),
        ({"a": 1}, {"a": 2}, False),
        ({"a": 1}, {"a": "1"}, False),
        ({"a": None}, {}, False),
    ],
)
def test_the_request_hash_is_of_the_canonical_input(left: dict[str, Any], right: dict[str, Any], same: bool) -> None:
    assert (idempotency.request_hash("op", left) == idempotency.request_hash("op", right)) is same


def test_the_request_hash_covers_the_operation_and_is_keyed() -> None:
    data = {"appointment_id": "QXBwb2ludG1lbnRUeXBlOjE="}
    digest = idempotency.request_hash("reservationCreate", data)

    assert len(digest) == 64
    assert digest != idempotency.request_hash("reservationConfirm", data)
    assert digest != idempotency.request_hash("reservationCreate", data, secret="another secret key")


# --- one transaction per mutation, keyed or not (the keyed path: tests/api/core/test_idempotency.py) -------------


def test_a_refusal_after_writes_undoes_them_without_a_key(graphql, frozen, monkeypatch: pytest.MonkeyPatch) -> None:
    def writes_then_refuses(cls: type[DomainMutation], /, info: Any, **data: Any) -> Any:
        make_provider("Half", "Done")
        raise DomainError(ErrorCode.INVALID, "Refused after writing.", "first_name")

    monkeypatch.setattr(ProviderCreate, "perform", classmethod(writes_then_refuses))

    body = graphql(PROVIDER_CREATE, {"firstName": "Grace", "lastName": "Hopper"})

    assert codes(body, "providerCreate") == [("INVALID", "firstName")]  # the domain's name, as the input's
    assert not Provider.objects.exists()


def test_a_top_level_error_after_writes_undoes_them_without_a_key(graphql, frozen, monkeypatch) -> None:
    def writes_then_forbidden(cls: type[DomainMutation], /, info: Any, **data: Any) -> Any:
        make_provider("Half", "Done")
        raise GraphQLError("No.", extensions={"code": "FORBIDDEN"})

    monkeypatch.setattr(ProviderCreate, "perform", classmethod(writes_then_forbidden))

    body = graphql(PROVIDER_CREATE, {"firstName": "Grace", "lastName": "Hopper"})

    assert error_codes(body) == ["FORBIDDEN"]
    assert not Provider.objects.exists()


def test_each_mutation_of_a_document_is_a_transaction_of_its_own(graphql, frozen) -> None:
    body = graphql(
        """mutation {
          first: providerCreate(input: {firstName: "Grace", lastName: "Hopper"}) { provider { id } errors { code } }
          second: providerCreate(input: {firstName: " ", lastName: "Turing"}) { provider { id } errors { code } }
        }"""
    )

    assert body["data"]["first"]["errors"] == []
    assert body["data"]["first"]["provider"] is not None
    assert body["data"]["second"] == {"provider": None, "errors": [{"code": "INVALID"}]}
    assert list(Provider.objects.values_list("last_name", flat=True)) == ["Hopper"]
