"""Django app configuration for the GraphQL API."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The `api` app: GraphQL schema and view (no models)."""

    name = "api"
    verbose_name = "GraphQL API"

    def ready(self) -> None:
        """Count domain outcomes for Prometheus (`api.http.metrics`); connect the identity receivers."""
        from api.auth import signals  # noqa: F401 - a password change revokes sessions; failed logins count
        from api.http.metrics import connect_signals

        connect_signals()
