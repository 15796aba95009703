"""Django app configuration for the GraphQL API."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The `api` app: GraphQL schema and view (no models)."""

    name = "api"
    verbose_name = "GraphQL API"
