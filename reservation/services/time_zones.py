"""A provider's time zone: the zone their weekly schedule and local-time availability are read in."""

from datetime import datetime

from django.utils import timezone

from reservation.models import Provider
from reservation.services.locks import lock_provider
from reservation.services.publishing import publish_horizon
from reservation.services.transactions import atomic
from reservation.services.withdrawal import SlotChanges
from reservation.timezones import check_zone_fits_grid, get_zone


def checked_zone_name(time_zone: str, now: datetime) -> str:
    """The canonical name of ``time_zone`` once it is known to be usable for slots.

    Raises `DomainError` UNKNOWN_TIME_ZONE (not an IANA name) or NOT_ALIGNED (an offset that is not a whole
    number of slots, over the next year), on ``time_zone``.
    """
    zone = get_zone(time_zone)
    check_zone_fits_grid(zone, now)
    return zone.key


def provider_time_zone_set(
    *, provider_id: int, time_zone: str, now: datetime | None = None
) -> tuple[Provider, SlotChanges | None]:
    """Set the IANA time zone a provider's schedule is in; returns the provider and, if the provider has a
    schedule, what re-applying it in the new zone did to the slots (None otherwise, or if the zone is unchanged).

    Slots published as ranges (appointmentBulkCreate) are instants and do not move. Raises `DomainError`
    UNKNOWN_TIME_ZONE, NOT_ALIGNED (see `checked_zone_name`), NOT_FOUND.
    """
    now = now or timezone.now()
    name = checked_zone_name(time_zone, now)
    with atomic():
        provider = lock_provider(provider_id)
        if provider.time_zone == name:
            return provider, None
        provider.time_zone = name
        provider.save(update_fields=["time_zone"])
        if provider.schedule_published_until is None:
            return provider, None
        return provider, publish_horizon(provider, now)
