"""List filters that choose a provider or a client by typing (Django's autocomplete), instead of listing every one.

The chooser asks the admin's autocomplete view, which searches the chosen model's ``search_fields`` (name,
username, email); choosing reloads the list with ``?provider=<id>`` or ``?client=<id>`` (static
``reservation/admin/autocomplete_filter.js``). A person's "all of their reservations" link uses the same parameter,
so the list opens with the person in the chooser. One query for the chosen person's label, none without a choice.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.widgets import AutocompleteSelect
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.safestring import SafeString

from reservation.models import Appointment, Client, Provider, Reservation

MEDIA = forms.Media(
    js=["admin/js/vendor/jquery/jquery.min.js", "admin/js/jquery.init.js", "reservation/admin/autocomplete_filter.js"]
)
"""What a changelist with these filters needs besides the autocomplete widget's own media (jQuery named first, so
that merging the media puts our script after ``django.jQuery`` exists)."""


class AutocompleteFilter(admin.SimpleListFilter):
    """Filter by one related record chosen by typing; subclasses name the record, the lookup and the source field."""

    template = "admin/reservation/autocomplete_filter.html"
    chosen: type[Model]
    """The model chosen (Provider, Client): its admin's ``search_fields`` are what typing searches."""
    source: tuple[type[Model], str]
    """The foreign key the autocomplete view is asked about (its model admin must allow viewing)."""
    lookup: str
    """The lookup the chosen id is matched against (``client_id``, ``appointment__provider_id``)."""

    def __init__(self, request: HttpRequest, params: dict[str, Any], model: Any, model_admin: Any) -> None:
        super().__init__(request, params, model, model_admin)
        self.admin_site = model_admin.admin_site

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return []  # no list of choices: the chooser searches

    def has_output(self) -> bool:
        return True

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value is None:
            return queryset
        if not value.isdigit():
            raise IncorrectLookupParameters(f"Not an id: {value!r}.")
        return queryset.filter(**{self.lookup: int(value)})

    def chooser(self) -> SafeString:
        """The autocomplete select, showing the chosen record if there is one."""
        model, field_name = self.source
        field = forms.ModelChoiceField(
            queryset=self.chosen._default_manager.select_related("user"),
            required=False,
            widget=AutocompleteSelect(model._meta.get_field(field_name), self.admin_site),
        )
        attrs = {"class": "support-filter", "id": f"filter-{self.parameter_name}", "data-placeholder": "Type a name"}
        html: SafeString = field.widget.render(self.parameter_name, self.value(), attrs=attrs)
        return html


class ReservationProviderFilter(AutocompleteFilter):
    title = "provider"
    parameter_name = "provider"
    lookup = "appointment__provider_id"
    chosen = Provider
    source = (Appointment, "provider")


class ReservationClientFilter(AutocompleteFilter):
    title = "client"
    parameter_name = "client"
    lookup = "client_id"
    chosen = Client
    source = (Reservation, "client")


class SlotProviderFilter(AutocompleteFilter):
    title = "provider"
    parameter_name = "provider"
    lookup = "provider_id"
    chosen = Provider
    source = (Appointment, "provider")
