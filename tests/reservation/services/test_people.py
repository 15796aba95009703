"""`reservation.services.people`: a provider or client and their login, in one transaction.

(The names, usernames and passwords are checked through /graphql in tests/api/mutation/test_provider_and_client.py.)
"""

import pytest
from django.contrib.auth.models import User

from reservation.errors import DomainError, ErrorCode
from reservation.models import Provider
from reservation.services.people import client_create, provider_create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def test_a_provider_is_created_in_their_time_zone_with_a_login() -> None:
    provider = provider_create(first_name="Grace", last_name="Hopper", username="grace", time_zone="Asia/Kathmandu")

    assert (provider.time_zone, provider.user.username if provider.user else None) == ("Asia/Kathmandu", "grace")
    assert Provider.objects.get().time_zone == "Asia/Kathmandu"


@pytest.mark.parametrize(
    ("time_zone", "slot_minutes", "code"),
    [
        ("Atlantis/Capital", 15, ErrorCode.UNKNOWN_TIME_ZONE),
        ("Asia/Kolkata", 60, ErrorCode.NOT_ALIGNED),  # +05:30 is off an hour-long grid
    ],
)
def test_a_refused_time_zone_creates_neither_the_provider_nor_the_login(
    settings, time_zone: str, slot_minutes: int, code: ErrorCode
) -> None:
    settings.RESERVATION_SLOT_MINUTES = slot_minutes
    with pytest.raises(DomainError) as raised:
        provider_create(first_name="Grace", last_name="Hopper", username="grace", time_zone=time_zone)

    assert (raised.value.code, raised.value.field) == (code, "time_zone")
    assert not Provider.objects.exists()
    assert not User.objects.exists()


def test_a_refused_login_creates_no_person() -> None:
    client_create(first_name="Ada", last_name="Lovelace", username="ada")

    with pytest.raises(DomainError) as raised:
        provider_create(first_name="Grace", last_name="Hopper", username="ada")

    assert (raised.value.code, raised.value.field) == (ErrorCode.USERNAME_TAKEN, "username")
    assert not Provider.objects.exists()
