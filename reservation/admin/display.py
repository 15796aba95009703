"""How the admin writes times and people: in the provider's zone with its label, UTC beside and on hover.

Every time on a support page is an instant of a provider's schedule, so it is shown in that provider's IANA zone
("Tue 2 Dec 2030 09:00 EST"), with the UTC time beside it and the full ISO 8601 instant on hover. People are their
names and, to tell two Ada Lovelaces apart, their username (or their record number if they have no login).
"""

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from reservation.models import Client, Provider
from reservation.timezones import local_label, zone_or_utc

UTC_ZONE = ZoneInfo("UTC")


def zone_of(provider: Provider | None) -> ZoneInfo:
    """The provider's zone; UTC without a provider or for a zone this machine does not know."""
    return UTC_ZONE if provider is None else zone_or_utc(provider.time_zone)


def local_text(instant: datetime, zone: ZoneInfo) -> str:
    """``instant`` as a person reads it in ``zone``: "Tue 2 Dec 2030 09:00 EST"."""
    return local_label(instant, zone)


def utc_text(instant: datetime) -> str:
    """``instant`` in UTC: "2030-12-02 14:00 UTC"."""
    return f"{instant.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def time_html(instant: datetime | None, provider: Provider | None) -> SafeString | str:
    """``instant`` in the provider's zone, the UTC time beside it and the ISO instant on hover; "-" for None."""
    if instant is None:
        return "-"
    zone = zone_of(provider)
    iso = instant.astimezone(UTC).isoformat()
    if zone.key == "UTC":
        return format_html('<time datetime="{}" title="{}">{}</time>', iso, iso, local_text(instant, zone))
    return format_html(
        '<time datetime="{}" title="{} ({})">{}</time> <span class="utc-time">· {}</span>',
        iso,
        iso,
        zone.key,
        local_text(instant, zone),
        f"{instant.astimezone(UTC):%H:%M} UTC",
    )


def person_label(person: Provider | Client) -> str:
    """The person's name and, to tell namesakes apart, their username (``#id`` without a login).

    Reads ``person.user``: select it with the person.
    """
    return str(person)


def admin_link(obj: object, text: str | None = None) -> SafeString:
    """A link to ``obj``'s admin change page, labelled ``text`` (its ``str`` by default)."""
    meta = obj._meta  # type: ignore[attr-defined]
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])  # type: ignore[attr-defined]
    return format_html('<a href="{}">{}</a>', url, text if text is not None else str(obj))


def changelist_url(model: type, **query: object) -> str:
    """The admin changelist of ``model``, filtered by the ``query`` parameters."""
    from urllib.parse import urlencode

    meta = model._meta  # type: ignore[attr-defined]
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
    return f"{url}?{urlencode(query)}" if query else url


class ProviderListFilter(admin.RelatedFieldListFilter):
    """Filter by provider, each told apart by username, in one query (the default filter reads each one's user)."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        providers = Provider.objects.select_related("user").order_by("last_name", "first_name", "pk")
        return [(str(provider.pk), str(provider)) for provider in providers]
