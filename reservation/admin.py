"""Django admin for support staff: providers, clients, appointment slots and reservations.

Reservations and slots are made through the API, where the scheduling rules run; here staff can see every
state (worked out at page load, like everywhere else), filter by it, confirm holds through the same domain
service as the API, and delete what was entered by mistake.
"""

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from reservation.actors import Actor
from reservation.errors import DomainError
from reservation.models import (
    Appointment,
    Client,
    DateOverride,
    DateOverrideRange,
    ExternalIdentity,
    Provider,
    RefreshToken,
    Reservation,
    ReservationEvent,
    ReservationState,
    SlotState,
    WeeklyScheduleRange,
)
from reservation.selectors import slots_with_state
from reservation.services.reservations import reservation_confirm


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin[Provider]):
    """Providers, searchable by name."""

    list_display = ("id", "first_name", "last_name", "user", "time_zone", "created_at")
    search_fields = ("first_name", "last_name", "user__username")
    ordering = ("last_name", "first_name")
    autocomplete_fields = ("user",)
    # Set through the API (providerTimeZoneSet), which checks the zone and moves the schedule's slots with it.
    readonly_fields = ("time_zone", "schedule_published_until")


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin[Client]):
    """Clients, searchable by name."""

    list_display = ("id", "first_name", "last_name", "user", "created_at")
    search_fields = ("first_name", "last_name", "user__username")
    ordering = ("last_name", "first_name")
    autocomplete_fields = ("user",)


class ReservationStateFilter(admin.SimpleListFilter):
    """Filter reservations by their state now: held, expired or confirmed."""

    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(state.value, state.value.capitalize()) for state in ReservationState]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Reservation]) -> QuerySet[Reservation]:
        if self.value() is None:
            return queryset
        try:
            state = ReservationState(self.value())
        except ValueError as error:
            raise IncorrectLookupParameters(f"Unknown state {self.value()!r}.") from error
        return queryset.in_state(state, timezone.now())  # type: ignore[attr-defined, no-any-return]


class ReservationEventInline(admin.TabularInline[ReservationEvent, Reservation]):
    """A reservation's recorded history: every state change, by whom and when; read-only. (An expiry is never
    recorded: the change page's "expired" field derives it.)"""

    model = ReservationEvent
    fields = ("at", "kind", "actor", "note")
    readonly_fields = fields
    ordering = ("at", "id")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Reservation | None = None) -> bool:
        return False


@admin.register(Reservation)
class ReservationAdmin(admin.ModelAdmin[Reservation]):
    """Reservations with their state, filterable by state and provider; holds can be confirmed here."""

    list_display = ("id", "client", "appointment", "state", "created_at", "expires_at", "confirmed_at")
    list_filter = (ReservationStateFilter, "appointment__provider")
    ordering = ("-created_at", "-id")
    list_select_related = ("client", "appointment__provider")
    search_fields = ("client__first_name", "client__last_name", "appointment__provider__last_name")
    readonly_fields = (
        "appointment",
        "client",
        "state",
        "created_at",
        "expires_at",
        "expired",
        "confirmed_at",
        "ended_at",
        "end_reason",
        "ended_by",
        "cancel_reason",
        "rescheduled_to",
    )
    fields = readonly_fields
    inlines = [ReservationEventInline]
    date_hierarchy = "created_at"
    actions = ["confirm_holds"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Reservation]:
        return super().get_queryset(request).with_state(timezone.now())  # type: ignore[attr-defined, no-any-return]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Holds are made through the API, where notice, overlap and locking rules apply.
        return False

    @admin.display(description="state", ordering="state")
    def state(self, reservation: Reservation) -> str:
        """The state at page load (held, expired, confirmed, released, cancelled or rescheduled)."""
        return reservation.state_at(timezone.now()).value

    @admin.display(description="expired")
    def expired(self, reservation: Reservation) -> str:
        """When an unconfirmed hold ran out (its ``expires_at``), derived at page load; "-" otherwise."""
        if reservation.state_at(timezone.now()) is not ReservationState.EXPIRED:
            return "-"
        return f"{reservation.expires_at:%Y-%m-%d %H:%M:%S} UTC, unconfirmed (derived, never recorded)"

    @admin.action(description="Confirm selected holds")
    def confirm_holds(self, request: HttpRequest, queryset: QuerySet[Reservation]) -> None:
        """Confirm each selected reservation through the domain service; report the ones that had expired."""
        confirmed = 0
        for reservation in queryset:
            try:
                reservation_confirm(reservation_id=reservation.pk, actor=Actor.of(request.user))
                confirmed += 1
            except DomainError as error:
                self.message_user(request, f"Reservation {reservation.pk}: {error.message}", messages.WARNING)
        if confirmed:
            self.message_user(request, f"Confirmed {confirmed} reservation(s).", messages.SUCCESS)


class AppointmentStateFilter(admin.SimpleListFilter):
    """Filter slots by what a client sees now: open, held, booked, closed (inside the notice period), or withdrawn."""

    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(state.value, str(state.label)) for state in SlotState]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Appointment]) -> QuerySet[Appointment]:
        if self.value() is None:
            return queryset
        if self.value() not in SlotState.values:
            raise IncorrectLookupParameters(f"Unknown state {self.value()!r}.")
        return queryset.filter(state=self.value())  # type: ignore[misc]  # annotated in get_queryset


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin[Appointment]):
    """Appointment slots with their state now; published through the API's appointmentBulkCreate."""

    list_display = ("id", "provider", "start_time", "end_time", "state", "source")
    list_filter = (AppointmentStateFilter, "provider")
    list_select_related = ("provider",)
    ordering = ("start_time", "provider_id", "id")
    date_hierarchy = "start_time"
    readonly_fields = ("provider", "start_time", "end_time", "created_at", "source", "withdrawn_at")
    fields = readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Appointment]:
        return slots_with_state(timezone.now(), super().get_queryset(request))

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Slots come from availability ranges (appointmentBulkCreate), which check alignment and ranges.
        return False

    @admin.display(description="state", ordering="state")
    def state(self, appointment: Appointment) -> str:
        """open, held, booked, closed (starting within the notice period) or withdrawn, at page load."""
        return str(appointment.state)  # type: ignore[attr-defined]


@admin.register(ExternalIdentity)
class ExternalIdentityAdmin(admin.ModelAdmin[ExternalIdentity]):
    """Links between an OpenID Connect subject (issuer + sub) and a user; staff create them here."""

    list_display = ("user", "issuer", "subject")
    search_fields = ("user__username", "subject")
    autocomplete_fields = ("user",)


@admin.register(RefreshToken)
class RefreshTokenAdmin(admin.ModelAdmin[RefreshToken]):
    """Issued refresh tokens (sessions); staff can revoke them, never create or edit them."""

    list_display = ("id", "user", "family", "created_at", "expires_at", "used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("user__username",)
    readonly_fields = list_display
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: RefreshToken | None = None) -> bool:
        return False

    @admin.action(description="Revoke the selected sessions")
    def revoke(self, request: HttpRequest, queryset: QuerySet[RefreshToken]) -> None:
        """Revoke every token of the selected tokens' sessions (rotation families)."""
        families = queryset.values_list("family", flat=True)
        count = RefreshToken.objects.filter(family__in=families, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        self.message_user(request, f"Revoked {count} refresh token(s).", messages.SUCCESS)


@admin.register(WeeklyScheduleRange)
class WeeklyScheduleRangeAdmin(admin.ModelAdmin[WeeklyScheduleRange]):
    """Providers' weekly hours, read-only: set through the API (weeklyScheduleSet), which publishes the slots."""

    list_display = ("provider", "weekday", "start_time", "end_time")
    list_filter = ("weekday", "provider")
    list_select_related = ("provider",)
    ordering = ("provider_id", "weekday", "start_time")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: WeeklyScheduleRange | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: WeeklyScheduleRange | None = None) -> bool:
        return False


class DateOverrideRangeInline(admin.TabularInline[DateOverrideRange, DateOverride]):
    """The hours of a date override (none: a day off)."""

    model = DateOverrideRange
    fields = ("start_time", "end_time")
    readonly_fields = fields
    ordering = ("start_time",)
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: DateOverride | None = None) -> bool:
        return False


@admin.register(DateOverride)
class DateOverrideAdmin(admin.ModelAdmin[DateOverride]):
    """Providers' date overrides, read-only: set through the API (dateOverrideSet), which re-publishes the date."""

    list_display = ("provider", "date")
    list_filter = ("provider",)
    list_select_related = ("provider",)
    ordering = ("provider_id", "date")
    date_hierarchy = "date"
    inlines = [DateOverrideRangeInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: DateOverride | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: DateOverride | None = None) -> bool:
        return False
