"""`AppointmentType` and the `appointments` and `availableAppointments` root queries."""

from typing import Any

import graphene
from graphene_django import DjangoObjectType

from api.core.connections import FilterConnectionField, nested_connection
from api.core.context import context_of
from api.core.enums import ReservationStateEnum
from api.core.errors import bad_user_input
from api.core.filters import AppointmentFilter
from api.core.ids import decode_global_id
from api.core.loaders import Future, source_only
from api.core.loaders.pages import PageRequest, load_page
from api.core.loaders.records import load_by_id, load_confirmed_reservation
from api.core.node import Node
from api.core.sorting import RESERVATION_ORDER
from api.core.timezones import in_zone, time_zone_argument
from api.query.schedule import SlotSource
from reservation.models import Appointment, Provider, Reservation, ReservationState, VisitType
from reservation.selectors import visit_start_slots

# Columns no field of AppointmentType or ProviderType reads: left out of availableAppointments' rows (fewer values to
# load; tests/api/query/test_appointment.py asks for every field and checks that no query is made per row).
UNREAD_COLUMNS = ("created_at", "provider__created_at")


class AppointmentType(DjangoObjectType):
    """An appointment slot: 15 minutes of a provider's availability, in UTC."""

    class Meta:
        model = Appointment
        fields = ("id",)
        interfaces = (Node,)

    time_slot = graphene.DateTime(
        required=True,
        description="Start of the slot (ISO 8601, UTC unless timeZone is given).",
        time_zone=time_zone_argument("the start"),
    )
    end_time = graphene.DateTime(
        required=True,
        description="End of the slot, exclusive (ISO 8601, UTC unless timeZone is given).",
        time_zone=time_zone_argument("the end"),
    )
    withdrawn = graphene.Boolean(
        required=True, description="True once the provider withdrew the slot: no longer offered, kept as history."
    )
    withdrawn_at = graphene.DateTime(description="When the provider withdrew the slot (UTC), or null.")
    source = graphene.Field(SlotSource, required=True, description="What published it: a range or the schedule.")
    # Loader-backed relations are nullable: a failed batch nulls the field, not the whole response.
    provider = graphene.Field("api.query.provider.ProviderType", description="Whose slot it is.")
    reservations = nested_connection(
        "api.query.reservation.ReservationType",
        "Every reservation ever made of this slot (held, expired or confirmed), newest first.",
        state=graphene.Argument(
            ReservationStateEnum,
            description="Only those in this state at request time: HELD, EXPIRED, CONFIRMED, RELEASED, CANCELLED or "
            "RESCHEDULED.",
        ),
        order_by=RESERVATION_ORDER.argument(),
    )
    confirmed_reservation = graphene.Field(
        "api.query.reservation.ReservationType",
        description="The confirmed reservation booking this slot, if any (of a visit: the slot it starts at).",
    )

    @staticmethod
    @source_only
    def resolve_time_slot(appointment: Appointment, info: graphene.ResolveInfo, time_zone: str | None = None) -> Any:
        return in_zone(appointment.start_time, time_zone)

    @staticmethod
    @source_only
    def resolve_end_time(appointment: Appointment, info: graphene.ResolveInfo, time_zone: str | None = None) -> Any:
        return in_zone(appointment.end_time, time_zone)

    @staticmethod
    @source_only
    def resolve_withdrawn(appointment: Appointment, info: graphene.ResolveInfo) -> bool:
        return appointment.withdrawn_at is not None

    @staticmethod
    def resolve_provider(appointment: Appointment, info: graphene.ResolveInfo) -> Provider | Future[Any]:
        # availableAppointments loads each slot's provider with the page (one join); elsewhere, one batch.
        if Appointment.provider.is_cached(appointment):
            return appointment.provider
        return load_by_id(info, Provider, appointment.provider_id)

    @staticmethod
    def resolve_reservations(
        appointment: Appointment,
        info: graphene.ResolveInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        state: ReservationState | None = None,
        order_by: list[Any] | None = None,
    ) -> Future[Any]:

        wanted = state
        now = context_of(info).now
        return load_page(
            info,
            key=("appointment.reservations", wanted),
            parent_id=appointment.pk,
            queryset=lambda: Reservation.objects.all() if wanted is None else Reservation.objects.in_state(wanted, now),
            parent_field="appointment_id",
            order_by=RESERVATION_ORDER.fields(order_by),
            page=PageRequest.from_args("reservations", first=first, after=after, last=last, before=before),
        )

    @staticmethod
    def resolve_confirmed_reservation(appointment: Appointment, info: graphene.ResolveInfo) -> Future[Any]:
        return load_confirmed_reservation(info, appointment.pk)


class AppointmentQueries(graphene.ObjectType):
    """Root fields for appointment slots."""

    appointments = FilterConnectionField(
        AppointmentType,
        filterset_class=AppointmentFilter,
        description="All appointment slots, whatever their state, by start time.",
    )
    available_appointments = FilterConnectionField(
        AppointmentType,
        filterset_class=AppointmentFilter,
        description=(
            "Slots a client may reserve now, by start time: no confirmed reservation, no hold younger than "
            "30 minutes, and starting at least 24 hours from now. With `visitTypeId`, only the slots at which a "
            "visit of that type may start: the visit and its buffers fit in consecutive free slots of one "
            "provider who offers it, within its notice, booking window and the provider's daily cap, and not "
            "across a clock change; of every provider offering it unless filtered by provider."
        ),
        visit_type_id=graphene.ID(description="A visit type's global ID: list the starts where such a visit fits."),
    )

    @staticmethod
    def resolve_appointments(root: None, info: graphene.ResolveInfo, **kwargs: Any) -> Any:
        return Appointment.objects.all()  # in AppointmentFilter's order (api.core.sorting.APPOINTMENT_ORDER)

    @staticmethod
    def resolve_available_appointments(
        root: None, info: graphene.ResolveInfo, visit_type_id: str | None = None, **kwargs: Any
    ) -> Any:
        now = context_of(info).now
        # In AppointmentFilter's order; providers (public) with the page.
        if visit_type_id is not None:
            slots = visit_start_slots(visit_type_argument(visit_type_id), now)
        else:
            slots = Appointment.objects.available(now)
        return slots.select_related("provider").defer(*UNREAD_COLUMNS)


def visit_type_argument(global_id: str) -> VisitType:
    """The visit type a query's ``visitTypeId`` argument names; BAD_USER_INPUT if malformed or unknown."""
    pk = decode_global_id(global_id, "VisitTypeType", "visitTypeId")
    visit_type = VisitType.objects.filter(pk=pk).first()
    if visit_type is None:
        raise bad_user_input("No visit type with this `visitTypeId`.")
    return visit_type
