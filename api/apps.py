"""Django app configuration for the GraphQL API."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The `api` app: GraphQL schema and view (no models)."""

    name = "api"
    verbose_name = "GraphQL API"

    def ready(self) -> None:
        from api.auth import signals  # noqa: F401 - connects the password-change receiver
