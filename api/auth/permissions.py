"""Who may see and do what. Every rule of the authorization matrix (docs/security.md) is here.

Roles: *staff* (Django staff users) see everything and may act for anyone; a *provider* user manages their
own availability and sees the reservations of their slots and those clients; a *client* user reserves and
confirms for themselves and sees only their own reservations; an *anonymous* caller sees providers and
their slots (including available ones), nothing about clients or reservations.

Reads are scoped, never refused: `scope` filters a queryset down to what the viewer may see, and it is
applied by every path that returns rows (root lists, ``node``, nested connections, DataLoaders), so a row is
either visible the same way everywhere or nowhere. Writes check the caller with `require_*`, which raise
top-level GraphQL errors with code UNAUTHENTICATED or FORBIDDEN (`api.core.errors`).
"""

from typing import Any, TypeVar

from django.db.models import Exists, Model, OuterRef, QuerySet
from graphene import ResolveInfo

from api.core.context import context_of
from api.core.errors import forbidden, unauthenticated
from reservation.actors import Actor
from reservation.models import Appointment, Client, Provider, Reservation, VisitType

M = TypeVar("M", bound=Model)


Viewer = Actor
"""The caller of a request, as the domain knows whoever acts (`reservation.actors.Actor`)."""


def get_viewer(info: ResolveInfo) -> Viewer:
    """The request's viewer (`api.core.context.RequestContext.viewer`), from the bearer token's user."""
    return context_of(info).viewer


def require_authenticated(viewer: Viewer) -> None:
    """Raise UNAUTHENTICATED unless the caller presented a valid token."""
    if not viewer.is_authenticated:
        raise unauthenticated()


def require_staff(viewer: Viewer) -> None:
    """Raise unless the caller is staff."""
    require_authenticated(viewer)
    if not viewer.is_staff:
        raise forbidden("Only support staff may do this.")


def require_provider(viewer: Viewer, provider_id: int) -> None:
    """Raise unless the caller is staff or the provider ``provider_id`` themselves."""
    require_authenticated(viewer)
    if not (viewer.is_staff or viewer.provider_id == provider_id):
        raise forbidden("Providers may only manage their own availability.")


def require_client(viewer: Viewer, client_id: int) -> None:
    """Raise unless the caller is staff or the client ``client_id`` themselves."""
    require_authenticated(viewer)
    if not (viewer.is_staff or viewer.client_id == client_id):
        raise forbidden("Clients may only reserve and confirm for themselves.")


def _visible_reservations(viewer: Viewer, queryset: QuerySet[Reservation]) -> QuerySet[Reservation]:
    if viewer.is_staff:
        return queryset
    if viewer.client_id is not None:
        return queryset.filter(client_id=viewer.client_id)
    if viewer.provider_id is not None:
        return queryset.filter(appointment__provider_id=viewer.provider_id)
    return queryset.none()


def _visible_clients(viewer: Viewer, queryset: QuerySet[Client]) -> QuerySet[Client]:
    if viewer.is_staff:
        return queryset
    if viewer.client_id is not None:
        return queryset.filter(pk=viewer.client_id)
    if viewer.provider_id is not None:
        theirs = Reservation.objects.filter(client=OuterRef("pk"), appointment__provider_id=viewer.provider_id)
        return queryset.filter(Exists(theirs))
    return queryset.none()


def scope(queryset: QuerySet[M], viewer: Viewer) -> QuerySet[M]:
    """``queryset`` restricted to the rows ``viewer`` may see (providers and slots are public)."""
    model: Any = queryset.model
    if model is Reservation:
        return _visible_reservations(viewer, queryset)  # type: ignore[arg-type, return-value]
    if model is Client:
        return _visible_clients(viewer, queryset)  # type: ignore[arg-type, return-value]
    if model in (Provider, Appointment, VisitType):
        return queryset
    raise ValueError(f"No visibility rule for {model.__name__}.")
