"""The base of every mutation: relay `input:` argument, domain errors returned in the payload, idempotency keys."""

from typing import Any

import graphene
from graphene import relay

from api.core import idempotency
from api.core.errors import MutationError
from reservation.errors import DomainError


class DomainMutation(relay.ClientIDMutation):
    """A relay mutation whose payload carries ``errors: [MutationError!]!``.

    Subclasses implement `perform`, returning the payload. A `DomainError` raised from it (by input
    decoding or by a domain service) becomes one entry of ``errors``, with the payload's other fields null.

    Every subclass's input also has an optional ``idempotencyKey`` (see `api.core.idempotency`), unless its ``Meta``
    says ``idempotent = False`` or it is a token mutation. A retry with the key replays the stored result, so the
    payload's fields must hold models, querysets, lists of them, datetimes or JSON scalars.
    """

    class Meta:
        abstract = True

    errors = graphene.List(
        graphene.NonNull(MutationError),
        required=True,
        description="Why the mutation was refused; empty on success.",
    )

    @classmethod
    def __init_subclass_with_meta__(
        cls, idempotent: bool | None = None, input_fields: dict[str, Any] | None = None, **options: Any
    ) -> None:
        """Add ``idempotencyKey`` to the input that relay's ClientIDMutation builds from the ``Input`` class."""
        cls.takes_idempotency_key = idempotency.takes_key(cls.__name__, idempotent)
        if cls.takes_idempotency_key:
            input_fields = {**(input_fields or {}), idempotency.KEY_FIELD: idempotency.key_field()}
        super().__init_subclass_with_meta__(input_fields=input_fields, **options)

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, **data: Any) -> "DomainMutation":
        """Do the mutation and return its payload (with ``errors=[]``); raise `DomainError` to refuse."""
        raise NotImplementedError

    @classmethod
    def mutate_and_get_payload(cls, root: None, info: graphene.ResolveInfo, **data: Any) -> "DomainMutation":
        key = data.pop(idempotency.KEY_FIELD, None)
        if key is not None:
            return idempotency.run_once(cls, info, key, data, lambda: cls.perform(info, **data))
        try:
            return cls.perform(info, **data)
        except DomainError as error:
            return cls(errors=[MutationError.from_domain(error)])
