"""Appointment slots: why can't the patient book 10:00? A slot's state now, who holds it until when, its
reservations with their history, and withdrawing free slots through the domain service.

States come from `reservation.selectors.slots_with_state`, the same rules as the API's ``availableAppointments``.
A slot that has reservations is never deleted (their history would go with it): it is withdrawn instead.
"""

from itertools import groupby
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.widgets import AutocompleteSelect
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from graphql_relay import to_global_id

from reservation import rules
from reservation.admin.base import SupportAdmin
from reservation.admin.display import admin_link, changelist_url, time_html
from reservation.admin.filters import MEDIA, SlotProviderFilter
from reservation.admin.reservations import AppointmentWhenFilter, history_text
from reservation.admin.search import SupportSearchMixin
from reservation.models import Appointment, Reservation, SlotState
from reservation.selectors import (
    live_reservations_of,
    reservation_histories,
    reservations_covering,
    slots_in_state,
    slots_with_state,
)
from reservation.services.withdrawal import MAX_WITHDRAW_IDS, availability_withdraw


class AppointmentStateFilter(admin.SimpleListFilter):
    """Filter slots by what a client sees now: open, held, booked, closed (inside the notice period), or withdrawn."""

    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(state.value, str(state.label)) for state in SlotState]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Appointment]) -> QuerySet[Appointment]:
        value = self.value()
        if value is None:
            return queryset
        if value not in SlotState.values:
            raise IncorrectLookupParameters(f"Unknown state {value!r}.")
        return slots_in_state(SlotState(value), timezone.now(), queryset)


class SlotWhenFilter(AppointmentWhenFilter):
    field = "start_time"


def state_sentence(slot: Appointment, now: Any, holder: Reservation | None) -> SafeString | str:
    """The slot's state now as a sentence: "open", "held by Ada Lovelace (ada) until 10:31 EST", "booked by …",
    "withdrawn on …", "closed: starts within the 24-hour notice" or "closed: already started"."""
    state = SlotState(slot.state)  # type: ignore[attr-defined]
    provider = slot.provider
    if state is SlotState.HELD and holder is not None:
        return format_html("held by {} until {}", admin_link(holder.client), time_html(holder.expires_at, provider))
    if state is SlotState.BOOKED and holder is not None:
        return format_html("booked by {} ({})", admin_link(holder.client), admin_link(holder, "the booking"))
    if state is SlotState.WITHDRAWN:
        return format_html("withdrawn on {}", time_html(slot.withdrawn_at, provider))
    if state is SlotState.CLOSED:
        if slot.start_time <= now:
            return "closed: already started"
        hours = f"{rules.minimum_notice().total_seconds() / 3600:g}"
        return f"closed: starts within the {hours}-hour notice (reservations must be made {hours} h ahead)"
    return str(state.label).lower()


@admin.register(Appointment)
class AppointmentAdmin(SupportSearchMixin, SupportAdmin):
    """Appointment slots with their state now; published through the API (appointmentBulkCreate, schedules)."""

    list_display = ("id", "provider_link", "start", "state", "until", "source")
    list_display_links = ("id",)
    list_filter = (AppointmentStateFilter, SlotWhenFilter, "source", SlotProviderFilter)
    list_select_related = ("provider__user",)
    ordering = ("start_time", "provider_id", "id")
    date_hierarchy = "start_time"
    search_fields = ("provider__first_name", "provider__last_name", "provider__user__username")
    search_help_text = (
        "A provider's name or username, a slot number, a global ID (AppointmentType, ProviderType), or a date "
        "(YYYY-MM-DD, in the provider's zone)."
    )
    global_id_lookups = {"AppointmentType": "pk", "ProviderType": "provider_id"}
    appointment_date_field = "start_time"
    provider_zone_field = "provider__time_zone"
    readonly_fields = (
        "provider_link",
        "start",
        "end",
        "state_now",
        "source",
        "created",
        "withdrawn",
        "reservations_with_history",
    )
    fields = readonly_fields
    actions = ["withdraw_free_slots"]

    @property
    def media(self) -> forms.Media:
        return (
            super().media + AutocompleteSelect(Appointment._meta.get_field("provider"), self.admin_site).media + MEDIA
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Appointment]:
        now = timezone.now()
        held = Reservation.objects.held(now).filter(appointment=OuterRef("pk")).values("expires_at")[:1]
        queryset = super().get_queryset(request).select_related("provider__user").annotate(hold_expires=Subquery(held))
        return slots_with_state(now, queryset)

    def has_delete_permission(self, request: HttpRequest, obj: Appointment | None = None) -> bool:
        # A slot with reservations carries their history: withdraw it instead (Django refuses a bulk delete of
        # such slots too, the reservations' foreign key being PROTECT).
        if obj is not None and Reservation.objects.filter(appointment=obj).exists():
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description="provider", ordering="provider__last_name")
    def provider_link(self, slot: Appointment) -> SafeString:
        return admin_link(slot.provider)

    @admin.display(description="starts", ordering="start_time")
    def start(self, slot: Appointment) -> SafeString | str:
        return time_html(slot.start_time, slot.provider)

    @admin.display(description="ends")
    def end(self, slot: Appointment) -> SafeString | str:
        return time_html(slot.end_time, slot.provider)

    @admin.display(description="state", ordering="state")
    def state(self, slot: Appointment) -> str:
        """open, held, booked, closed (starting within the notice period) or withdrawn, at page load."""
        return str(slot.state)  # type: ignore[attr-defined]

    @admin.display(description="held until")
    def until(self, slot: Appointment) -> SafeString | str:
        return time_html(slot.hold_expires, slot.provider) if slot.hold_expires else "-"  # type: ignore[attr-defined]

    @admin.display(description="state now")
    def state_now(self, slot: Appointment) -> SafeString | str:
        now = timezone.now()
        return state_sentence(slot, now, live_reservations_of([slot.pk], now).get(slot.pk))

    @admin.display(description="published")
    def created(self, slot: Appointment) -> SafeString | str:
        return time_html(slot.created_at, slot.provider)

    @admin.display(description="withdrawn")
    def withdrawn(self, slot: Appointment) -> SafeString | str:
        return time_html(slot.withdrawn_at, slot.provider)

    @admin.display(description="reservations")
    def reservations_with_history(self, slot: Appointment) -> SafeString | str:
        """Every reservation that covers the slot (its own, or a visit over it), newest first, linked, with its
        state now and its history."""
        now = timezone.now()
        reservations = list(reservations_covering(slot))
        if not reservations:
            return "None: no one has reserved this slot."
        histories = reservation_histories(reservations, now)
        rows = format_html_join(
            "",
            '<tr><td>{}</td><td>{}</td><td class="history">{}</td></tr>',
            (
                (
                    admin_link(reservation, f"#{reservation.pk} {reservation.client}"),
                    reservation.state_at(now).value,
                    history_text(histories[reservation.pk], slot.provider),
                )
                for reservation in reservations
            ),
        )
        listing = changelist_url(Reservation, q=to_global_id("AppointmentType", str(slot.pk)))
        return format_html(
            '<table class="slot-reservations"><thead><tr><th>reservation</th><th>state</th><th>history</th></tr>'
            '</thead><tbody>{}</tbody></table><p><a href="{}">In the reservations list</a></p>',
            rows,
            listing,
        )

    @admin.action(description="Withdraw selected free slots (held and booked ones stay)", permissions=["act"])
    def withdraw_free_slots(self, request: HttpRequest, queryset: QuerySet[Appointment]) -> None:
        """Withdraw the selected slots through `availability_withdraw`, provider by provider; held and booked
        slots stay, and are reported; slots that already started are refused."""
        slots = queryset.order_by("provider_id", "pk").values_list("provider_id", "pk", "start_time")
        now = timezone.now()
        for provider_id, rows in groupby(slots, key=lambda row: row[0]):
            ids = [pk for _, pk, start in rows if start >= now]
            for index in range(0, len(ids), MAX_WITHDRAW_IDS):
                changes = availability_withdraw(
                    provider_id=provider_id, appointment_ids=ids[index : index + MAX_WITHDRAW_IDS], now=now
                )
                self.message_user(request, f"Withdrew {changes.withdrawn} slot(s).", messages.SUCCESS)
                for kept in changes.kept:
                    self.message_user(
                        request, f"{kept.appointment}: kept, {kept.reason.value} by a client.", messages.WARNING
                    )
        started = queryset.filter(start_time__lt=now).count()
        if started:
            self.message_user(request, f"{started} slot(s) already started: left as they are.", messages.WARNING)


__all__ = ["AppointmentAdmin", "live_reservations_of"]
