"""Local development: DEBUG, GraphiQL, and django-silk profiling of every request's SQL at /silk/."""

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, JWT_SIGNING_KEY, MIDDLEWARE, REDIS_URL, SECRET_KEY

DEBUG = True
SECRET_KEY = SECRET_KEY or "django-insecure-development-only-key"
JWT_SIGNING_KEY = JWT_SIGNING_KEY or "development-only-jwt-signing-key-0123456789abcdef"
# Without REDIS_URL the rate-limit counters live in this process only: fine for one local server.
SILENCED_SYSTEM_CHECKS = [] if REDIS_URL else ["django_ratelimit.E003", "django_ratelimit.W001"]
GRAPHIQL = True

INSTALLED_APPS = [*INSTALLED_APPS, "silk"]
MIDDLEWARE = [*MIDDLEWARE, "silk.middleware.SilkyMiddleware"]
SILKY_PYTHON_PROFILER = False
