"""Rate limits on login and reservation mutations, counted in a shared cache (Redis in production).

django-ratelimit does the counting (fixed windows in ``RATELIMIT_USE_CACHE``); this module names the limits
and turns "too many" into `DomainError(RATE_LIMITED)`, a typed payload error rather than a 403 or a 500.
"""

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import is_ratelimited

from api.auth.client_address import client_address
from reservation.errors import DomainError, ErrorCode

__all__ = ["client_address", "limit_login", "limit_reservation", "limit_signup"]


def _limit(request: HttpRequest, group: str, key: str, rate: str) -> None:
    if is_ratelimited(request, group=group, key=lambda _group, _request: key, rate=rate, increment=True):
        raise DomainError(ErrorCode.RATE_LIMITED, "Too many attempts; wait a minute and try again.")


def limit_login(request: HttpRequest, username: str) -> None:
    """Count a login attempt per address and per username (``RATELIMIT_LOGIN_PER_IP``/``_PER_USERNAME``)."""
    _limit(request, "login-ip", client_address(request), settings.RATELIMIT_LOGIN_PER_IP)
    _limit(request, "login-username", username.lower(), settings.RATELIMIT_LOGIN_PER_USERNAME)


def limit_signup(request: HttpRequest) -> None:
    """Count an anonymous sign-up (clientCreate) per address (``RATELIMIT_SIGNUP_PER_IP``)."""
    _limit(request, "signup-ip", client_address(request), settings.RATELIMIT_SIGNUP_PER_IP)


def limit_reservation(request: HttpRequest, user_id: int) -> None:
    """Count a reservation mutation per user and per address (``RATELIMIT_RESERVATION_PER_USER``/``_PER_IP``)."""
    _limit(request, "reservation-user", str(user_id), settings.RATELIMIT_RESERVATION_PER_USER)
    _limit(request, "reservation-ip", client_address(request), settings.RATELIMIT_RESERVATION_PER_IP)
