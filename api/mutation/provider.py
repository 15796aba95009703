"""`providerCreate`."""

from typing import Any

import graphene

from api.auth.permissions import get_viewer, require_staff
from api.mutation.base import DomainMutation
from api.query.provider import ProviderType
from reservation.services.people import provider_create


class ProviderCreate(DomainMutation):
    """Register a provider and their login. Staff only (providers are onboarded by support).

    Without ``username`` one is generated; without ``password`` the provider signs in only once staff set
    one in the admin. Errors: INVALID, USERNAME_TAKEN, WEAK_PASSWORD.
    """

    class Input:
        first_name = graphene.String(required=True)
        last_name = graphene.String(required=True)
        username = graphene.String(description="Login name (letters, digits and @.+-_).")
        password = graphene.String(description="Checked by Django's password validators.")

    provider = graphene.Field(ProviderType, description="The new provider; null on error.")

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, **data: Any) -> "ProviderCreate":
        require_staff(get_viewer(info))
        provider = provider_create(
            first_name=data["first_name"],
            last_name=data["last_name"],
            username=data.get("username"),
            password=data.get("password"),
        )
        return cls(provider=provider, errors=[])


class ProviderMutations(graphene.ObjectType):
    """Root mutation fields for providers."""

    provider_create = ProviderCreate.Field()
