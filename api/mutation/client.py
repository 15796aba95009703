"""`clientCreate`."""

from typing import Any

import graphene

from api.mutation.base import DomainMutation
from api.query.client import ClientType
from reservation.services.people import client_create


class ClientCreate(DomainMutation):
    """Register a client. Errors: INVALID (blank or over-long name)."""

    class Input:
        first_name = graphene.String(required=True)
        last_name = graphene.String(required=True)

    client = graphene.Field(ClientType, description="The new client; null on error.")

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, **data: Any) -> "ClientCreate":
        client = client_create(first_name=data["first_name"], last_name=data["last_name"])
        return cls(client=client, errors=[])


class ClientMutations(graphene.ObjectType):
    """Root mutation fields for clients."""

    client_create = ClientCreate.Field()
