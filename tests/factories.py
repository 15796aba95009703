"""Small builders for test data; times are aware UTC datetimes."""

from datetime import UTC, datetime, timedelta

from graphql_relay import to_global_id

from reservation import rules
from reservation.models import Appointment, Client, Provider, Reservation

# The frozen "now" of most tests: Monday 2030-01-07 09:00 UTC.
NOW = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)


def gid(type_name: str, pk: int) -> str:
    """The relay global ID of ``type_name`` (e.g. "ProviderType") with primary key ``pk``."""
    return to_global_id(type_name, str(pk))


def make_provider(first_name: str = "Grace", last_name: str = "Hopper") -> Provider:
    return Provider.objects.create(first_name=first_name, last_name=last_name)


def make_client(first_name: str = "Ada", last_name: str = "Lovelace") -> Client:
    return Client.objects.create(first_name=first_name, last_name=last_name)


def make_slot(provider: Provider, start_time: datetime) -> Appointment:
    return Appointment.objects.create(
        provider=provider, start_time=start_time, end_time=start_time + rules.slot_duration()
    )


def make_reservation(
    client: Client,
    appointment: Appointment,
    created_at: datetime,
    confirmed: bool = False,
) -> Reservation:
    """A reservation made at ``created_at`` (confirmed a minute later if ``confirmed``), bypassing the rules."""
    return Reservation.objects.create(
        client=client,
        appointment=appointment,
        created_at=created_at,
        expires_at=created_at + rules.hold_duration(),
        confirmed_at=created_at + timedelta(minutes=1) if confirmed else None,
    )
