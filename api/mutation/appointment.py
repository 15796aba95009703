"""`appointmentBulkCreate`: a provider publishes availability."""

from typing import Any

import graphene
from django.db.models import QuerySet

from api.auth.permissions import get_viewer, require_provider
from api.core.connections import PageRequest, order_of
from api.core.ids import decode_global_id
from api.core.loaders.pages import connection_type_of
from api.core.mutation import DomainMutation
from api.query.appointment import AppointmentType
from reservation.models import Appointment
from reservation.services.availability import appointment_bulk_create

# A publishing mutation's payload lists the range's slots 100 at a time (a day of 15-minute slots is 96), as the cost
# model counts it: the field declares its default.
RANGE_PAGE_SIZE = 100


def resolve_range_appointments(
    payload: Any,
    info: graphene.ResolveInfo,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
) -> Any:
    """One page of the slots a publishing mutation stored on its payload (null when it failed)."""
    appointments: QuerySet[Appointment] | None = payload.appointments
    if appointments is None:
        return None
    page = PageRequest.from_args(
        "appointments", first=first, after=after, last=last, before=before, default=RANGE_PAGE_SIZE
    )
    connection_type = connection_type_of(info)
    keyset = page.keyset(connection_type._meta.node._meta.name, order_of(appointments))
    return keyset.connection_of_queryset(appointments, connection_type)


def range_appointments_field() -> graphene.Field:
    """The ``appointments`` payload field of the mutations that publish a range of slots."""
    return graphene.Field(
        AppointmentType._meta.connection,
        first=graphene.Int(default_value=RANGE_PAGE_SIZE, description="Page size, at most 100 (the default)."),
        after=graphene.String(description="Return slots after this cursor."),
        last=graphene.Int(description="Page backward: the last slots before `before` (`first` then does not apply)."),
        before=graphene.String(description="Return slots before this cursor."),
        description="Every slot of the range, new or existing, by start time; null on error.",
        resolver=resolve_range_appointments,
    )


class AppointmentBulkCreate(DomainMutation):
    """Publish availability: split ``[startTime, endTime)`` into 15-minute appointment slots.

    Times need a UTC offset and must fall on the 15-minute grid; the range must be in the future and at most
    31 days long. Only the provider themselves or staff. Slots that already exist in the range are kept
    with their reservations; the missing ones are added. Errors: INVALID, NOT_FOUND, NAIVE_DATETIME,
    NOT_ALIGNED, INVALID_RANGE, IN_THE_PAST, RANGE_TOO_LONG.
    """

    class Input:
        provider_id = graphene.ID(required=True, description="The provider's global ID.")
        start_time = graphene.DateTime(required=True, description="Start of the range, ISO 8601 with offset.")
        end_time = graphene.DateTime(required=True, description="End of the range (exclusive), with offset.")

    appointments = range_appointments_field()

    class Meta:
        idempotent = True

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, **data: Any) -> "AppointmentBulkCreate":
        provider_id = decode_global_id(data["provider_id"], "ProviderType", "providerId")
        require_provider(get_viewer(info), provider_id)
        appointments = appointment_bulk_create(
            provider_id=provider_id,
            start_time=data["start_time"],
            end_time=data["end_time"],
        )
        return cls(appointments=appointments, errors=[])


class AppointmentMutations(graphene.ObjectType):
    """Root mutation fields for appointment slots."""

    appointment_bulk_create = AppointmentBulkCreate.Field()
