"""Local development: DEBUG, GraphiQL, and django-silk profiling of every request's SQL at /silk/."""

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, MIDDLEWARE, SECRET_KEY

DEBUG = True
SECRET_KEY = SECRET_KEY or "django-insecure-development-only-key"
GRAPHIQL = True

INSTALLED_APPS = [*INSTALLED_APPS, "silk"]
MIDDLEWARE = [*MIDDLEWARE, "silk.middleware.SilkyMiddleware"]
SILKY_PYTHON_PROFILER = False
