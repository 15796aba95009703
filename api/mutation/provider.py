"""`providerCreate`."""

from typing import Any

import graphene

from api.auth.permissions import get_viewer, require_staff
from api.core.mutation import DomainMutation
from api.query.provider import ProviderType
from reservation.services.people import provider_create


class ProviderCreate(DomainMutation):
    """Register a provider and their login. Staff only (providers are onboarded by support).

    Without ``username`` one is generated; without ``password`` the provider signs in only once staff set
    one in the admin. ``timeZone`` (an IANA name, default UTC) is the zone of the provider's weekly schedule
    and local-time availability. Errors: INVALID, USERNAME_TAKEN, WEAK_PASSWORD, UNKNOWN_TIME_ZONE,
    NOT_ALIGNED.
    """

    class Input:
        first_name = graphene.String(required=True)
        last_name = graphene.String(required=True)
        username = graphene.String(description="Login name (letters, digits and @.+-_).")
        password = graphene.String(description="Checked by Django's password validators.")
        time_zone = graphene.String(description="The provider's IANA time zone, e.g. Europe/Paris; default UTC.")

    provider = graphene.Field(ProviderType, description="The new provider; null on error.")

    class Meta:
        idempotent = True

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, **data: Any) -> "ProviderCreate":
        require_staff(get_viewer(info))
        provider = provider_create(
            first_name=data["first_name"],
            last_name=data["last_name"],
            username=data.get("username"),
            password=data.get("password"),
            time_zone=data.get("time_zone"),
        )
        return cls(provider=provider, errors=[])


class ProviderMutations(graphene.ObjectType):
    """Root mutation fields for providers."""

    provider_create = ProviderCreate.Field()
