"""Who acts: the user behind a change, with the roles the scheduling rules care about.

Services that apply role-dependent rules (a client may cancel only a booking, a provider must say why) or
record who made a change take an `Actor`. The API builds one from the bearer token's user (as the viewer of
the request), the admin from the staff user, and a script uses `SYSTEM`.
"""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    """A user id (None for no user: anonymous, or the system), the staff flag and the provider and client
    profile ids (None without that profile)."""

    user_id: int | None
    is_staff: bool
    provider_id: int | None
    client_id: int | None

    @property
    def is_authenticated(self) -> bool:
        """Whether a signed-in user acts (not an anonymous caller, not the system)."""
        return self.user_id is not None

    @classmethod
    def of(cls, user: Any) -> "Actor":
        """The actor of a Django user (an anonymous user gives `ANONYMOUS`).

        Reads ``user.provider`` and ``user.client``: select them with the user to spare two queries.
        """
        if user is None or not user.is_authenticated:
            return ANONYMOUS
        provider = getattr(user, "provider", None)
        client = getattr(user, "client", None)
        return cls(
            user_id=user.pk,
            is_staff=bool(user.is_staff),
            provider_id=provider.pk if provider is not None else None,
            client_id=client.pk if client is not None else None,
        )


ANONYMOUS = Actor(user_id=None, is_staff=False, provider_id=None, client_id=None)
"""A caller who is not signed in."""

SYSTEM = Actor(user_id=None, is_staff=True, provider_id=None, client_id=None)
"""A script or the service itself: may do what staff may, and is recorded as no one."""
