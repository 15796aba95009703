"""The `viewer` root query: who the bearer token says the caller is."""

from typing import Any

import graphene

from api.auth.permissions import get_viewer
from api.core.context import context_of
from api.core.loaders.records import load_by_id
from api.http.calendar import feed_url
from reservation.models import CalendarFeed, Client, Provider


class ViewerType(graphene.ObjectType):
    """The signed-in caller: username, staff flag and their provider or client profile (if any)."""

    username = graphene.String(required=True)
    is_staff = graphene.Boolean(required=True, description="Support staff: may see and act for anyone.")
    provider = graphene.Field("api.query.provider.ProviderType", description="Set if the caller is a provider.")
    client = graphene.Field("api.query.client.ClientType", description="Set if the caller is a client.")
    calendar_feed_url = graphene.String(
        description="The secret URL of the caller's iCalendar feed; null until calendarFeedCreate makes one."
    )

    @staticmethod
    def resolve_username(user: Any, info: graphene.ResolveInfo) -> str:
        return str(user.get_username())

    @staticmethod
    def resolve_is_staff(user: Any, info: graphene.ResolveInfo) -> bool:
        return bool(user.is_staff)

    @staticmethod
    def resolve_provider(user: Any, info: graphene.ResolveInfo) -> Any:
        provider_id = get_viewer(info).provider_id
        return None if provider_id is None else load_by_id(info, Provider, provider_id)

    @staticmethod
    def resolve_client(user: Any, info: graphene.ResolveInfo) -> Any:
        client_id = get_viewer(info).client_id
        return None if client_id is None else load_by_id(info, Client, client_id)

    @staticmethod
    def resolve_calendar_feed_url(user: Any, info: graphene.ResolveInfo) -> str | None:
        feed = CalendarFeed.objects.filter(user_id=user.pk).first()
        return None if feed is None else feed_url(context_of(info).request, feed)


class ViewerQueries(graphene.ObjectType):
    """Root field for the caller's identity."""

    viewer = graphene.Field(ViewerType, description="The signed-in caller, or null for an anonymous one.")

    @staticmethod
    def resolve_viewer(root: None, info: graphene.ResolveInfo) -> Any:
        user = context_of(info).request.user
        return user if user.is_authenticated else None
