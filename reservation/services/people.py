"""Creating providers and clients."""

from reservation.errors import DomainError, ErrorCode
from reservation.models import Client, Provider

NAME_MAX_LENGTH = 150


def _clean_name(value: str, field: str) -> str:
    """Strip a first or last name; raise `DomainError(INVALID)` if it is empty or too long."""
    cleaned = value.strip()
    if not cleaned:
        raise DomainError(ErrorCode.INVALID, "This field may not be blank.", field=field)
    if len(cleaned) > NAME_MAX_LENGTH:
        raise DomainError(ErrorCode.INVALID, f"At most {NAME_MAX_LENGTH} characters.", field=field)
    return cleaned


def provider_create(*, first_name: str, last_name: str) -> Provider:
    """Create a provider. Raises `DomainError(INVALID)` for a blank or over-long name."""
    return Provider.objects.create(
        first_name=_clean_name(first_name, "firstName"), last_name=_clean_name(last_name, "lastName")
    )


def client_create(*, first_name: str, last_name: str) -> Client:
    """Create a client. Raises `DomainError(INVALID)` for a blank or over-long name."""
    return Client.objects.create(
        first_name=_clean_name(first_name, "firstName"), last_name=_clean_name(last_name, "lastName")
    )
