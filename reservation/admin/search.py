"""Finding a record from what a support person has in hand: a name, a username, an email, a number, a date, or the
API's global ID pasted from a front end's error report ("UmVzZXJ2YXRpb25UeXBlOjEy", i.e. "ReservationType:12").

`SupportSearchMixin.get_search_results` adds to Django's own search (``search_fields``):
- a global ID, decoded by the API's one decoder (`api.core.ids.parse_global_id`): the records it points to,
  through ``global_id_lookups`` (a reservation's ID finds that reservation; a client's ID, their reservations);
- a whole number: the record with that primary key, besides the text matches;
- a date (YYYY-MM-DD), where ``appointment_date_field`` is set: records whose appointment starts on that date
  in its provider's own time zone.
"""

from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest

from api.core.ids import InvalidGlobalId, parse_global_id
from reservation.models import Provider
from reservation.timezones import local_day, zone_or_utc


def _as_date(term: str) -> date | None:
    try:
        return date.fromisoformat(term) if len(term) == 10 else None
    except ValueError:
        return None


def on_local_date(day: date, start_field: str, zone_field: str) -> Q:
    """Rows whose ``start_field`` falls on ``day`` in the zone named by ``zone_field`` (one term per zone in use:
    one query for the zones)."""
    zones = Provider.objects.order_by().values_list("time_zone", flat=True).distinct()
    condition = Q(pk__in=[])
    for name in zones:
        start, end = local_day(day, zone_or_utc(name))
        condition |= Q(**{zone_field: name, f"{start_field}__gte": start, f"{start_field}__lt": end})
    return condition


class SupportSearchMixin:
    """Search by global ID, primary key and appointment date on top of ``search_fields`` (see the module)."""

    global_id_lookups: dict[str, str] = {}
    """GraphQL type name → the lookup its primary key is matched against (e.g. ``{"ClientType": "client_id"}``)."""
    appointment_date_field: str | None = None
    """The slot start's path (``appointment__start_time``) for date searches; None: no date search."""
    provider_zone_field: str = "provider__time_zone"
    """The provider's time zone's path, for dates in the provider's zone."""

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        term = search_term.strip()
        if term and self.global_id_lookups and not term.isdigit() and " " not in term:
            try:
                type_name, pk = parse_global_id(term)
            except InvalidGlobalId:
                pass
            else:
                lookup = self.global_id_lookups.get(type_name)
                if lookup is not None:
                    return queryset.filter(**{lookup: pk}), False
        day = _as_date(term)
        if day is not None and self.appointment_date_field is not None:
            return queryset.filter(on_local_date(day, self.appointment_date_field, self.provider_zone_field)), False
        results, duplicates = super().get_search_results(request, queryset, search_term)  # type: ignore[misc]
        if term.isdigit() and len(term) < 19:
            results = results | queryset.filter(pk=int(term))
        return results, duplicates
