"""Django admin for support staff, one module per concept (docs/support-staff.md says where to click):

- `reservations`: find a reservation, its state and history; confirm, release, cancel, reschedule;
- `slots`: a slot's state now and who holds it until when; withdraw free slots;
- `people`: providers and clients, their reservations, withdrawing a provider's slots, deactivation;
- `logins`: users' sessions, log out everywhere, password reset, django-axes unlock, calendar feeds;
- `schedules`: weekly hours and date overrides (read-only).

Every change goes through the domain services (`reservation.services`), the API's own, with the staff member
as the actor; nothing is deleted that carries history. `base`, `display` and `search` are what the pages share.
"""

from reservation.admin import logins, people, reservations, schedules, slots

__all__ = ["logins", "people", "reservations", "schedules", "slots"]
