"""The base of every mutation: relay `input:` argument, and domain errors returned in the payload."""

from typing import Any

import graphene
from graphene import relay

from api.errors import MutationError
from reservation.errors import DomainError


class DomainMutation(relay.ClientIDMutation):
    """A relay mutation whose payload carries ``errors: [MutationError!]!``.

    Subclasses implement `perform`, returning the payload. A `DomainError` raised from it (by input
    decoding or by a domain service) becomes one entry of ``errors``, with the payload's other fields null.
    """

    class Meta:
        abstract = True

    errors = graphene.List(
        graphene.NonNull(MutationError),
        required=True,
        description="Why the mutation was refused; empty on success.",
    )

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, **data: Any) -> "DomainMutation":
        """Do the mutation and return its payload (with ``errors=[]``); raise `DomainError` to refuse."""
        raise NotImplementedError

    @classmethod
    def mutate_and_get_payload(cls, root: None, info: graphene.ResolveInfo, **data: Any) -> "DomainMutation":
        try:
            return cls.perform(info, **data)
        except DomainError as error:
            return cls(errors=[MutationError.from_domain(error)])
