"""Providers and clients: find them, read their upcoming and past reservations, withdraw a provider's free slots,
and deactivate (never delete) a person who has reservations.

Names may repeat, so every person shows with their username. A person's login side (sessions, password, lockout,
calendar feed) is on their user's page (`reservation.admin.logins`), linked from here.
"""

from datetime import time
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from api.auth.tokens import revoke_all
from reservation.admin.display import admin_link, changelist_url, time_html, zone_of
from reservation.admin.reservations import ReservationAdmin
from reservation.admin.search import SupportSearchMixin
from reservation.errors import DomainError
from reservation.models import Client, Provider, Reservation
from reservation.services.people import login_set_active
from reservation.services.withdrawal import availability_withdraw
from reservation.timezones import local_to_utc

SHOWN = 20
"""Reservations listed on a person's page, each way (upcoming, past); the rest are one link away."""


def reservations_table(reservations: list[Reservation], more_url: str, total_hint: bool) -> SafeString | str:
    """A read-only, linked table of reservations: slot time (provider's zone, UTC beside), with whom, state."""
    if not reservations:
        return "None."
    now = timezone.now()
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                admin_link(reservation, f"#{reservation.pk}"),
                time_html(reservation.appointment.start_time, reservation.appointment.provider),
                f"{reservation.client} with {reservation.appointment.provider}",
                reservation.state_at(now).value,
            )
            for reservation in reservations
        ),
    )
    more = format_html(' <a href="{}">All of them in the reservations list</a>', more_url) if total_hint else ""
    return format_html(
        '<table class="person-reservations"><thead><tr><th>#</th><th>appointment</th><th>who</th><th>state</th>'
        "</tr></thead><tbody>{}</tbody></table>{}",
        rows,
        more,
    )


class PersonAdmin(SupportSearchMixin, admin.ModelAdmin[Any]):
    """What providers and clients share: search, the login, reservations, deactivation instead of deletion."""

    list_select_related = ("user",)
    search_fields = ("first_name", "last_name", "user__username", "user__email")
    ordering = ("last_name", "first_name", "id")
    autocomplete_fields = ("user",)
    show_full_result_count = False
    actions = ["deactivate", "reactivate"]
    reservations_filter = "client"
    """The reservation lookup that means "this person's" (``client`` or ``appointment__provider``)."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("user")

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # people with reservations are deactivated, not deleted
        return actions

    def has_reservations(self, person: Model) -> bool:
        return Reservation.objects.filter(**{self.reservations_filter: person}).exists()

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if obj is not None and self.has_reservations(obj):
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description="username", ordering="user__username")
    def username(self, person: Any) -> str:
        return person.user.username if person.user is not None else "-"

    @admin.display(description="email", ordering="user__email")
    def email(self, person: Any) -> str:
        return (person.user.email or "-") if person.user is not None else "-"

    @admin.display(description="can log in", boolean=True)
    def active(self, person: Any) -> bool | None:
        return None if person.user is None else bool(person.user.is_active)

    @admin.display(description="login")
    def login(self, person: Any) -> SafeString | str:
        """A link to the person's user: sessions, password reset, lockout, calendar feed."""
        if person.user is None:
            return "No login: this record cannot sign in."
        return format_html(
            "{} — sessions, password reset, lockout and calendar feed are on the user's page.",
            admin_link(person.user, person.user.username),
        )

    def _reservations(self, person: Any, upcoming: bool) -> SafeString | str:
        if person.pk is None:
            return "-"
        now = timezone.now()
        mine = Reservation.objects.filter(**{self.reservations_filter: person}).select_related(
            "client__user", "appointment__provider__user"
        )
        if upcoming:
            mine = mine.filter(appointment__start_time__gte=now).order_by("appointment__start_time", "pk")
        else:
            mine = mine.filter(appointment__start_time__lt=now).order_by("-appointment__start_time", "-pk")
        shown = list(mine[: SHOWN + 1])
        key = "client" if self.reservations_filter == "client" else "provider"  # the list's autocomplete filters
        more = changelist_url(Reservation, **{key: person.pk, "when": "upcoming" if upcoming else "past"})
        return reservations_table(shown[:SHOWN], more, len(shown) > SHOWN)

    @admin.display(description="upcoming reservations")
    def upcoming_reservations(self, person: Any) -> SafeString | str:
        return self._reservations(person, upcoming=True)

    @admin.display(description="past reservations")
    def past_reservations(self, person: Any) -> SafeString | str:
        return self._reservations(person, upcoming=False)

    def _set_active(self, request: HttpRequest, queryset: QuerySet[Any], active: bool) -> None:
        for person in queryset:
            if person.user is None:
                self.message_user(request, f"{person}: has no login.", messages.INFO)
                continue
            changed = login_set_active(person.user.pk, active=active)
            if not active:
                revoke_all(person.user)
            word = "deactivated: cannot log in, sessions ended" if not active else "reactivated"
            already = "already deactivated" if not active else "already active"
            self.message_user(
                request, f"{person}: {word if changed else already}.", messages.SUCCESS if changed else messages.INFO
            )

    @admin.action(description="Deactivate selected people (keeps their reservations; ends their sessions)")
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        """Deactivate the logins of the selected people: they cannot log in, their tokens stop working, their
        reservations and history stay."""
        self._set_active(request, queryset, active=False)

    @admin.action(description="Reactivate selected people")
    def reactivate(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._set_active(request, queryset, active=True)


@admin.register(Provider)
class ProviderAdmin(PersonAdmin):
    """Providers: searchable by name, username, email, id and global ID; their reservations; withdraw slots."""

    list_display = ("id", "first_name", "last_name", "username", "email", "time_zone", "active", "created_at")
    list_display_links = ("id", "first_name", "last_name")
    global_id_lookups = {"ProviderType": "pk"}
    reservations_filter = "appointment__provider"
    search_help_text = "A name, username, email, provider number or global ID (ProviderType)."
    # Set through the API (providerTimeZoneSet), which checks the zone and moves the schedule's slots with it.
    readonly_fields = (
        "time_zone",
        "schedule_published_until",
        "login",
        "slots",
        "upcoming_reservations",
        "past_reservations",
    )

    @admin.display(description="slots")
    def slots(self, provider: Provider) -> SafeString | str:
        if provider.pk is None:
            return "-"
        from reservation.models import Appointment

        return format_html(
            '<a href="{}">Upcoming slots</a> · <a class="button support-task" href="{}">Withdraw free slots…</a>',
            changelist_url(Appointment, provider=provider.pk, when="upcoming"),
            reverse("admin:reservation_provider_withdraw", args=[provider.pk]),
        )

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.withdraw_view)
        return [path("<int:object_id>/withdraw/", view, name="reservation_provider_withdraw"), *super().get_urls()]

    def withdraw_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Withdraw a provider's free slots in a range of their local time (`availability_withdraw`): held and
        booked slots stay and are listed, the rule's message is shown when it refuses."""
        if not request.user.has_perm("reservation.change_appointment"):
            raise PermissionDenied
        provider = Provider.objects.select_related("user").filter(pk=object_id).first()
        if provider is None:
            raise Http404("No provider with this ID.")
        zone = zone_of(provider)
        form = WithdrawForm(request.POST if request.method == "POST" else None, zone_name=zone.key)
        back = reverse("admin:reservation_provider_change", args=[provider.pk])
        if form.is_valid():
            data = form.cleaned_data
            start = local_to_utc(data["start_date"], data["start_time"], zone)
            end = local_to_utc(data["end_date"], data["end_time"], zone, end=True)
            try:
                changes = availability_withdraw(provider_id=provider.pk, start_time=start, end_time=end)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                self.message_user(request, f"{provider}: withdrew {changes.withdrawn} free slot(s).", messages.SUCCESS)
                for kept in changes.kept:
                    self.message_user(
                        request, f"{kept.appointment}: kept, {kept.reason.value} by a client.", messages.WARNING
                    )
                return HttpResponseRedirect(back)
        admin_reservations: ReservationAdmin = self.admin_site._registry[Reservation]  # type: ignore[assignment]
        return admin_reservations.task_page(
            request,
            opts=self.opts,
            title="Withdraw free slots",
            original=provider,
            intro=(
                f"Stop offering {provider}'s free slots that start in this range of their local time ({zone.key}). "
                "Held and booked slots stay as they are and are listed; nothing is deleted."
            ),
            form=form,
            submit_label="Withdraw",
            back_url=back,
        )


class WithdrawForm(forms.Form):
    """A range of a provider's local wall-clock time, [start, end)."""

    start_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(initial=time(0), widget=forms.TimeInput(attrs={"type": "time"}))
    end_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    end_time = forms.TimeField(initial=time(0), widget=forms.TimeInput(attrs={"type": "time"}))

    def __init__(self, *args: Any, zone_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.fields:
            self.fields[name].help_text = f"Local time in {zone_name}."
        self.fields["end_date"].help_text = f"Local time in {zone_name}; the range ends before this instant."


@admin.register(Client)
class ClientAdmin(PersonAdmin):
    """Clients: searchable by name, username, email, id and global ID, with their reservations."""

    list_display = ("id", "first_name", "last_name", "username", "email", "active", "created_at")
    list_display_links = ("id", "first_name", "last_name")
    global_id_lookups = {"ClientType": "pk"}
    search_help_text = "A name, username, email, client number or global ID (ClientType)."
    readonly_fields = ("login", "upcoming_reservations", "past_reservations")
