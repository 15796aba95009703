"""WSGI entry point for gunicorn: ``gunicorn settings.wsgi:application``.

Loading this module also loads what the first request would otherwise load (`load_request_code`). Under
devops/gunicorn.conf.py (``preload_app``) that happens once, in gunicorn's master, before it forks the workers.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.production")

application = get_wsgi_application()


def load_request_code() -> None:
    """Import the URLconf with every view, and build the GraphQL schema (graphene-django's ``SCHEMA`` setting).

    Django and graphene-django do both lazily, on the first request that needs them: about 100 ms of a new
    worker's first GraphQL request, measured on 2 cores. Opens no database or Redis connection: a worker
    forked from a process that holds one would share its socket.
    """
    from django.urls import get_resolver
    from graphene_django.settings import graphene_settings

    get_resolver().url_patterns  # noqa: B018 - the property imports settings.urls
    graphene_settings.SCHEMA  # noqa: B018 - the setting imports api.schema


load_request_code()
