"""Django app configuration for the scheduling domain."""

from django.apps import AppConfig


class ReservationConfig(AppConfig):
    """The `reservation` app: models, migrations, admin and domain logic."""

    name = "reservation"
    verbose_name = "Reservations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Register the visit types' admin, which lives beside `reservation.admin` (issue 13)."""
        from reservation import admin_visit_types  # noqa: F401 - registers with the admin site
