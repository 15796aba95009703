"""Reservations: find one, read its state and history, and confirm, release, cancel or reschedule it.

Every change goes through `reservation.services.support`, that is through the same domain services as the API's
mutations, with the staff member recorded as the actor; nothing here saves a reservation. Reservations and their
history are never deleted from the admin.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from reservation.actors import Actor
from reservation.admin.base import SupportAdmin
from reservation.admin.display import admin_link, time_html
from reservation.admin.filters import MEDIA, ReservationClientFilter, ReservationProviderFilter
from reservation.admin.search import SupportSearchMixin
from reservation.models import Appointment, Provider, Reservation, ReservationEvent, ReservationState
from reservation.selectors import reschedule_options
from reservation.services.reservations import REASON_MAX_LENGTH
from reservation.services.support import Outcome, Result, support_cancel, support_confirm, support_release

RELATED = ("client__user", "appointment__provider__user", "visit_type")
LEVELS = {Result.DONE: messages.SUCCESS, Result.UNCHANGED: messages.INFO, Result.REFUSED: messages.WARNING}


class ReservationStateFilter(admin.SimpleListFilter):
    """Filter reservations by their state now: held, expired, confirmed, released, cancelled, rescheduled."""

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


class AppointmentWhenFilter(admin.SimpleListFilter):
    """Filter by when the appointment is: still to come, or already started."""

    title = "appointment"
    parameter_name = "when"
    field = "appointment__start_time"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("upcoming", "Upcoming"), ("past", "Past")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "upcoming":
            return queryset.filter(**{f"{self.field}__gte": timezone.now()})
        if self.value() == "past":
            return queryset.filter(**{f"{self.field}__lt": timezone.now()})
        return queryset


class ReservationEventInline(admin.TabularInline[ReservationEvent, Reservation]):
    """A reservation's recorded history: every state change, by whom and when; read-only. (An expiry is never
    recorded: the page's "expired" field derives it.)"""

    model = ReservationEvent
    fields = ("when", "kind", "actor", "note")
    readonly_fields = fields
    ordering = ("at", "id")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Reservation | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Reservation | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Reservation | None = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReservationEvent]:
        return super().get_queryset(request).select_related("actor", "reservation__appointment__provider")

    @admin.display(description="at")
    def when(self, event: ReservationEvent) -> SafeString | str:
        """When it happened, in the slot's provider's zone, UTC beside."""
        return time_html(event.at, event.reservation.appointment.provider)


class CancelForm(forms.Form):
    """Why the booking is cancelled: required, kept with the cancellation and shown in its history."""

    reason = forms.CharField(
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Required. Kept with the cancellation and shown in the reservation's history; the client is told.",
    )


class NoFieldsForm(forms.Form):
    """A confirmation step without fields (confirm, release)."""


def history_text(events: list[ReservationEvent], provider: Provider) -> SafeString:
    """A history as lines: "held Tue 7 Jan 2030 09:00 EST by ada", derived expiry included."""
    return format_html_join(
        "",
        "<div>{} {}{}{}</div>",
        (
            (
                event.kind,
                time_html(event.at, provider),
                f" by {event.actor.username}" if event.actor_id and event.actor else "",
                f" ({event.note})" if event.note else "",
            )
            for event in events
        ),
    )


def report(modeladmin: admin.ModelAdmin[Any], request: HttpRequest, target: Reservation, outcome: Outcome) -> None:
    """One message per row: the reservation's number and who with whom when, then what happened to it."""
    modeladmin.message_user(
        request, f"Reservation {target.pk} ({target.title()}): {outcome.message}", LEVELS[outcome.result]
    )


@admin.register(Reservation)
class ReservationAdmin(SupportSearchMixin, SupportAdmin):
    """Reservations: searchable by person, username, email, id, global ID and appointment date; filterable by
    state, provider and appointment date; confirm, release, cancel and reschedule through the domain services."""

    list_display = (
        "id",
        "client_link",
        "appointment_link",
        "state",
        "appointment_time",
        "visit",
        "created",
        "expiry",
    )
    list_display_links = ("id",)
    list_filter = (ReservationStateFilter, AppointmentWhenFilter, ReservationProviderFilter, ReservationClientFilter)
    ordering = ("-appointment__start_time", "-id")
    list_select_related = RELATED
    search_fields = (
        "client__first_name",
        "client__last_name",
        "client__user__username",
        "client__user__email",
        "appointment__provider__first_name",
        "appointment__provider__last_name",
        "appointment__provider__user__username",
    )
    search_help_text = (
        "A name, username, email, reservation number, a global ID from the API (ReservationType, ClientType, "
        "ProviderType, AppointmentType), or an appointment date (YYYY-MM-DD, in the provider's zone)."
    )
    global_id_lookups = {
        "ReservationType": "pk",
        "ClientType": "client_id",
        "ProviderType": "appointment__provider_id",
        "AppointmentType": "appointment_id",
    }
    appointment_date_field = "appointment__start_time"
    provider_zone_field = "appointment__provider__time_zone"
    date_hierarchy = "appointment__start_time"
    readonly_fields = (
        "summary",
        "client_link",
        "appointment_link",
        "appointment_time",
        "visit",
        "covered_time",
        "video_link",
        "state",
        "created",
        "expiry",
        "expired",
        "confirmed",
        "ended",
        "end_reason",
        "ended_by",
        "cancel_reason",
        "rescheduled_to_link",
        "rescheduled_from_link",
        "tasks",
    )
    fields = readonly_fields
    inlines = [ReservationEventInline]
    actions = ["confirm_holds", "release_holds", "cancel_reservations"]

    @property
    def media(self) -> forms.Media:
        return super().media + AutocompleteSelect(Reservation._meta.get_field("client"), self.admin_site).media + MEDIA

    def get_queryset(self, request: HttpRequest) -> QuerySet[Reservation]:
        queryset = super().get_queryset(request).select_related(*RELATED)
        return queryset.with_state(timezone.now())  # type: ignore[attr-defined, no-any-return]

    def has_delete_permission(self, request: HttpRequest, obj: Reservation | None = None) -> bool:
        # A reservation is its history: it ends (released, cancelled, rescheduled), it is never deleted.
        return False

    # --- columns and fields ---------------------------------------------------------------------------------

    @admin.display(description="reservation")
    def summary(self, reservation: Reservation) -> str:
        return str(reservation)

    @admin.display(description="client", ordering="client__last_name")
    def client_link(self, reservation: Reservation) -> SafeString:
        return admin_link(reservation.client)

    @admin.display(description="slot", ordering="appointment__start_time")
    def appointment_link(self, reservation: Reservation) -> SafeString:
        return admin_link(reservation.appointment)

    @admin.display(description="appointment time")
    def appointment_time(self, reservation: Reservation) -> SafeString | str:
        return time_html(reservation.appointment.start_time, reservation.appointment.provider)

    @admin.display(description="visit type", ordering="visit_type__name")
    def visit(self, reservation: Reservation) -> str:
        """The visit type's name and length, or "single slot" for a 15-minute reservation of one slot."""
        minutes = int((reservation.ends_at - reservation.starts_at).total_seconds()) // 60
        if reservation.visit_type is None:
            return f"single slot ({minutes} min)"
        return f"{reservation.visit_type.name} ({minutes} min)"

    @admin.display(description="covers")
    def covered_time(self, reservation: Reservation) -> SafeString | str:
        """The visit itself and the time it occupies with its buffers, in the provider's zone."""
        provider = reservation.appointment.provider
        visit = format_html(
            "{} to {}", time_html(reservation.starts_at, provider), time_html(reservation.ends_at, provider)
        )
        if reservation.covers_from == reservation.starts_at and reservation.covers_until == reservation.ends_at:
            return visit
        return format_html(
            "{}; with buffers {} to {}",
            visit,
            time_html(reservation.covers_from, provider),
            time_html(reservation.covers_until, provider),
        )

    @admin.display(description="video link")
    def video_link(self, reservation: Reservation) -> SafeString | str:
        """The video visit's join link (given on confirmation; cleared when cancelled or moved), or "-"."""
        if not reservation.video_url:
            return "-"
        return format_html(
            '<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>',
            reservation.video_url,
            reservation.video_url,
        )

    @admin.display(description="state", ordering="state")
    def state(self, reservation: Reservation) -> str:
        """The state at page load (held, expired, confirmed, released, cancelled or rescheduled)."""
        return reservation.state_at(timezone.now()).value

    @admin.display(description="made", ordering="created_at")
    def created(self, reservation: Reservation) -> SafeString | str:
        return time_html(reservation.created_at, reservation.appointment.provider)

    @admin.display(description="hold runs out")
    def expiry(self, reservation: Reservation) -> SafeString | str:
        if reservation.confirmed_at is not None:
            return "-"
        return time_html(reservation.expires_at, reservation.appointment.provider)

    @admin.display(description="expired")
    def expired(self, reservation: Reservation) -> SafeString | str:
        """When an unconfirmed hold ran out (its ``expires_at``), derived at page load; "-" otherwise."""
        if reservation.state_at(timezone.now()) is not ReservationState.EXPIRED:
            return "-"
        return format_html(
            "{} UTC, unconfirmed (derived, never recorded): {}",
            f"{reservation.expires_at:%Y-%m-%d %H:%M:%S}",
            time_html(reservation.expires_at, reservation.appointment.provider),
        )

    @admin.display(description="confirmed")
    def confirmed(self, reservation: Reservation) -> SafeString | str:
        return time_html(reservation.confirmed_at, reservation.appointment.provider)

    @admin.display(description="ended")
    def ended(self, reservation: Reservation) -> SafeString | str:
        return time_html(reservation.ended_at, reservation.appointment.provider)

    @admin.display(description="rescheduled to")
    def rescheduled_to_link(self, reservation: Reservation) -> SafeString | str:
        moved = reservation.rescheduled_to
        return "-" if moved is None else admin_link(moved)

    @admin.display(description="rescheduled from")
    def rescheduled_from_link(self, reservation: Reservation) -> SafeString | str:
        earlier = Reservation.objects.select_related(*RELATED).filter(rescheduled_to=reservation).first()
        return "-" if earlier is None else admin_link(earlier)

    @admin.display(description="what you can do")
    def tasks(self, reservation: Reservation) -> SafeString | str:
        """Links to the tasks this reservation's state allows (each asks before it acts)."""
        state = reservation.state_at(timezone.now())
        names = {
            ReservationState.HELD: ["confirm", "release", "cancel"],
            ReservationState.CONFIRMED: ["reschedule", "cancel"],
        }.get(state, [])
        if not names:
            return f"Nothing: the reservation is {state.value}."
        return format_html_join(
            " ",
            '<a class="button support-task" href="{}">{}</a>',
            (
                (reverse("admin:reservation_reservation_task", args=[reservation.pk, name]), name.capitalize() + "…")
                for name in names
            ),
        )

    # --- actions over the selected rows -----------------------------------------------------------------------

    def _each(self, request: HttpRequest, queryset: QuerySet[Reservation], run: Any, done: str) -> None:
        """Run ``run(pk, actor)`` for each selected reservation; a message per row, then the tally."""
        actor = Actor.of(request.user)
        tally = dict.fromkeys(Result, 0)
        for reservation in queryset.order_by("pk"):
            outcome = run(reservation.pk, actor)
            tally[outcome.result] += 1
            report(self, request, reservation, outcome)
        if sum(tally.values()) > 1:
            self.message_user(
                request,
                f"{done.capitalize()} {tally[Result.DONE]}; nothing to do for {tally[Result.UNCHANGED]}; "
                f"refused {tally[Result.REFUSED]}.",
                messages.INFO,
            )

    @admin.action(description="Confirm selected holds", permissions=["act"])
    def confirm_holds(self, request: HttpRequest, queryset: QuerySet[Reservation]) -> None:
        """Confirm each selected hold (`reservation_confirm`); one message per row: confirmed, already confirmed,
        or why not ("the hold expired at 10:31 EST")."""
        self._each(request, queryset, support_confirm, "confirmed")

    @admin.action(description="Release selected holds", permissions=["act"])
    def release_holds(self, request: HttpRequest, queryset: QuerySet[Reservation]) -> None:
        """Release each selected hold (`reservation_release`): its slot is offered again at once."""
        self._each(request, queryset, support_release, "released")

    @admin.action(description="Cancel selected reservations (asks for a reason)…", permissions=["act"])
    def cancel_reservations(self, request: HttpRequest, queryset: QuerySet[Reservation]) -> HttpResponse | None:
        """Ask for the reason, then cancel each selected reservation (`reservation_cancel`) with it."""
        form = CancelForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            self._each(request, queryset, lambda pk, actor: support_cancel(pk, actor, reason), "cancelled")
            return None
        return self.task_page(
            request,
            title="Cancel reservations",
            intro="Cancel these reservations? Each slot is offered again if it is at least 24 hours ahead.",
            form=form,
            submit_label="Cancel them",
            targets=list(queryset.order_by("pk")),
            selected=[str(pk) for pk in queryset.values_list("pk", flat=True)],
            action="cancel_reservations",
        )

    # --- one reservation's tasks: confirm, release, cancel, reschedule ------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        task = self.admin_site.admin_view(self.task_view)
        return [
            path("<int:object_id>/task/<str:task>/", task, name="reservation_reservation_task"),
            *super().get_urls(),
        ]

    def task_page(self, request: HttpRequest, **context: Any) -> TemplateResponse:
        """The form page of a task (`support_form.html`)."""
        form = context["form"]
        narrow = context.get("narrow_form")
        media = self.media + form.media + (narrow.media if narrow is not None else forms.Media())
        return TemplateResponse(
            request,
            "admin/reservation/support_form.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "media": media,
                "can_submit": True,
                "back_url": request.get_full_path(),
                **context,
            },
        )

    def task_view(self, request: HttpRequest, object_id: int, task: str) -> HttpResponse:
        """``confirm``, ``release``, ``cancel`` (with a reason) or ``reschedule`` (to a slot that obeys every
        rule) one reservation, after a confirmation page."""
        if not self.has_act_permission(request):
            raise PermissionDenied
        reservation = self.get_queryset(request).filter(pk=object_id).first()
        if reservation is None:
            raise Http404("No reservation with this ID.")
        back = reverse("admin:reservation_reservation_change", args=[reservation.pk])
        actor = Actor.of(request.user)
        posted = request.POST if request.method == "POST" else None
        if task == "reschedule":
            return self.reschedule_view(request, reservation, back)
        if task == "cancel":
            form: forms.Form = CancelForm(posted)
            if form.is_valid():
                report(self, request, reservation, support_cancel(reservation.pk, actor, form.cleaned_data["reason"]))
                return HttpResponseRedirect(back)
        elif task in ("confirm", "release"):
            form = NoFieldsForm(posted)
            if form.is_valid():
                run = support_confirm if task == "confirm" else support_release
                report(self, request, reservation, run(reservation.pk, actor))
                return HttpResponseRedirect(back)
        else:
            raise Http404("No such task.")
        return self.task_page(
            request,
            title=f"{task.capitalize()} this reservation",
            original=reservation,
            intro=f"{task.capitalize()} {reservation}?",
            form=form,
            submit_label=task.capitalize(),
            back_url=back,
        )

    def reschedule_view(self, request: HttpRequest, booking: Reservation, back: str) -> HttpResponse:
        """Offer the slots the booking may move to (`reschedule_options`: every rule applied), of its provider or
        of the one chosen; move it with `support_reschedule`."""
        from reservation.services.support import support_reschedule

        narrow = WhoseSlotsForm(request.GET or None, admin_site=self.admin_site)
        provider_id = booking.appointment.provider_id
        if narrow.is_bound and narrow.is_valid() and narrow.cleaned_data["provider"] is not None:
            provider_id = narrow.cleaned_data["provider"].pk
        now = timezone.now()
        options = list(reschedule_options(booking, now, provider_id=provider_id))
        form = RescheduleForm(request.POST if request.method == "POST" else None, options=options)
        if form.is_valid():
            outcome = support_reschedule(booking.pk, int(form.cleaned_data["appointment"]), Actor.of(request.user))
            report(self, request, booking, outcome)
            if outcome.result is Result.DONE and outcome.reservation is not None:
                return HttpResponseRedirect(
                    reverse("admin:reservation_reservation_change", args=[outcome.reservation.pk])
                )
            return HttpResponseRedirect(request.get_full_path())
        return self.task_page(
            request,
            title="Reschedule this booking",
            original=booking,
            intro=(
                f"Move {booking} to another slot. Only slots that obey every rule are offered: free, offered, at "
                "least 24 hours ahead, and not overlapping the client's other reservations."
            ),
            narrow_form=narrow,
            narrow_label="Show this provider's slots",
            form=form,
            submit_label="Reschedule",
            can_submit=bool(options),
            back_url=back,
        )


class WhoseSlotsForm(forms.Form):
    """Whose slots the reschedule form offers (by default the booking's provider)."""

    def __init__(self, *args: Any, admin_site: admin.AdminSite, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"] = forms.ModelChoiceField(
            queryset=Provider.objects.select_related("user"),
            required=False,
            widget=AutocompleteSelect(Appointment._meta.get_field("provider"), admin_site),
            help_text="Type a name or username; leave empty for the booking's own provider.",
        )


class RescheduleForm(forms.Form):
    """The slot to move the booking to, among those that obey every rule (local time, UTC beside)."""

    appointment = forms.ChoiceField(label="New slot", widget=forms.RadioSelect)

    def __init__(self, *args: Any, options: list[Appointment], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["appointment"]
        field.choices = [(str(slot.pk), time_html(slot.start_time, slot.provider)) for slot in options]
        if not options:
            field.help_text = "No slot of this provider obeys every rule: choose another provider above."


__all__ = ["ReservationAdmin", "history_text"]
