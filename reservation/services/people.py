"""Creating providers and clients, each with the Django user they sign in as."""

import uuid
from datetime import datetime
from typing import TypeVar

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from reservation.errors import DomainError, ErrorCode
from reservation.models import Client, Provider
from reservation.services.time_zones import checked_zone_name
from reservation.services.transactions import atomic

NAME_MAX_LENGTH = 150
PersonT = TypeVar("PersonT", Provider, Client)


def _clean_name(value: str, field: str) -> str:
    """Strip a first or last name; raise `DomainError(INVALID)` if it is empty or too long."""
    cleaned = value.strip()
    if not cleaned:
        raise DomainError(ErrorCode.INVALID, "This field may not be blank.", field=field)
    if len(cleaned) > NAME_MAX_LENGTH:
        raise DomainError(ErrorCode.INVALID, f"At most {NAME_MAX_LENGTH} characters.", field=field)
    return cleaned


def _user_create(*, username: str | None, password: str | None, first_name: str, last_name: str) -> User:
    """Create the login of a new provider or client.

    Without ``username`` one is generated; without ``password`` the account cannot sign in until staff set
    one (in the admin). Raises `DomainError` with INVALID, USERNAME_TAKEN or WEAK_PASSWORD.
    """
    user_model = get_user_model()
    username = (username or "").strip() or f"user-{uuid.uuid4().hex[:12]}"
    user = user_model(username=username, first_name=first_name, last_name=last_name)
    try:
        user_model.username_validator(username)
    except ValidationError as error:
        raise DomainError(ErrorCode.INVALID, " ".join(error.messages), "username") from error
    if password is None:
        user.set_unusable_password()
    else:
        try:
            password_validation.validate_password(password, user)
        except ValidationError as error:
            raise DomainError(ErrorCode.WEAK_PASSWORD, " ".join(error.messages), "password") from error
        user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:
        raise DomainError(ErrorCode.USERNAME_TAKEN, "This username is taken.", "username") from error
    return user


def _person_create(
    model: type[PersonT],
    *,
    first_name: str,
    last_name: str,
    username: str | None,
    password: str | None,
    **fields: object,
) -> PersonT:
    """Create a ``model`` row (provider or client, with ``fields``) and its user in one transaction."""
    first, last = _clean_name(first_name, "first_name"), _clean_name(last_name, "last_name")
    with atomic():
        user = _user_create(username=username, password=password, first_name=first, last_name=last)
        return model.objects.create(user=user, first_name=first, last_name=last, **fields)


def provider_create(
    *,
    first_name: str,
    last_name: str,
    username: str | None = None,
    password: str | None = None,
    time_zone: str | None = None,
    now: datetime | None = None,
) -> Provider:
    """Create a provider and their user, in ``time_zone`` (an IANA name; default UTC), in one transaction.

    The zone is checked first, as `reservation.services.time_zones.provider_time_zone_set` checks it. Raises
    `DomainError` (UNKNOWN_TIME_ZONE, NOT_ALIGNED, INVALID, USERNAME_TAKEN, WEAK_PASSWORD), having written
    nothing.
    """
    zone = {} if time_zone is None else {"time_zone": checked_zone_name(time_zone, now or timezone.now())}
    return _person_create(
        Provider, first_name=first_name, last_name=last_name, username=username, password=password, **zone
    )


def client_create(
    *, first_name: str, last_name: str, username: str | None = None, password: str | None = None
) -> Client:
    """Create a client and their user. Raises `DomainError` (INVALID, USERNAME_TAKEN, WEAK_PASSWORD)."""
    return _person_create(Client, first_name=first_name, last_name=last_name, username=username, password=password)


def login_set_active(user_id: int, *, active: bool) -> bool:
    """Deactivate (or reactivate) a person's login instead of deleting them: their reservations and history stay,
    and an inactive user can neither log in nor use a token nor a calendar feed. Returns whether it changed.

    The caller also ends the person's sessions when deactivating (the admin does, with ``api.auth.tokens``).
    """
    changed = get_user_model().objects.filter(pk=user_id).exclude(is_active=active).update(is_active=active)
    return bool(changed)
