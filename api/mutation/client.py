"""`clientCreate`."""

from typing import Any

import graphene

from api.auth.permissions import get_viewer
from api.auth.ratelimits import limit_signup
from api.core.context import context_of
from api.core.errors import InputError, forbidden
from api.core.mutation import DomainMutation
from api.query.client import ClientType
from reservation.errors import ErrorCode
from reservation.services.people import client_create


class ClientCreate(DomainMutation):
    """Register a client and their login.

    Anonymous callers sign themselves up: ``username`` and ``password`` are required. Staff may register a
    client for someone (both optional, as for providerCreate). A signed-in provider or client may not.
    Sign-ups are rate limited per address. Errors: INVALID, USERNAME_TAKEN, WEAK_PASSWORD, RATE_LIMITED.
    """

    class Input:
        first_name = graphene.String(required=True)
        last_name = graphene.String(required=True)
        username = graphene.String(description="Login name; required when signing up.")
        password = graphene.String(description="Required when signing up; checked by Django's validators.")

    client = graphene.Field(ClientType, description="The new client; null on error.")

    class Meta:
        idempotent = True

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, **data: Any) -> "ClientCreate":
        viewer = get_viewer(info)
        if viewer.is_authenticated and not viewer.is_staff:
            raise forbidden("Signed-in users already have an account; only staff register clients for others.")
        if not viewer.is_staff:
            limit_signup(context_of(info).request)
            for name in ("username", "password"):
                if not data.get(name):
                    raise InputError(ErrorCode.INVALID, "Required to sign up.", name)
        client = client_create(
            first_name=data["first_name"],
            last_name=data["last_name"],
            username=data.get("username"),
            password=data.get("password"),
        )
        return cls(client=client, errors=[])


class ClientMutations(graphene.ObjectType):
    """Root mutation fields for clients."""

    client_create = ClientCreate.Field()
