"""Django app configuration for the scheduling domain."""

from django.apps import AppConfig


class ReservationConfig(AppConfig):
    """The `reservation` app: models, migrations, admin and domain logic."""

    name = "reservation"
    verbose_name = "Reservations"
    default_auto_field = "django.db.models.BigAutoField"
