"""`providerCreate`."""

from typing import Any

import graphene

from api.mutation.base import DomainMutation
from api.query.provider import ProviderType
from reservation.services.people import provider_create


class ProviderCreate(DomainMutation):
    """Register a provider. Errors: INVALID (blank or over-long name)."""

    class Input:
        first_name = graphene.String(required=True)
        last_name = graphene.String(required=True)

    provider = graphene.Field(ProviderType, description="The new provider; null on error.")

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, **data: Any) -> "ProviderCreate":
        provider = provider_create(first_name=data["first_name"], last_name=data["last_name"])
        return cls(provider=provider, errors=[])


class ProviderMutations(graphene.ObjectType):
    """Root mutation fields for providers."""

    provider_create = ProviderCreate.Field()
