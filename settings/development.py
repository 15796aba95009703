"""Local development: DEBUG, GraphiQL, and django-silk profiling of every request's SQL at /silk/."""

from django.http import HttpRequest

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, JWT_SIGNING_KEY, MIDDLEWARE, REDIS_URL, SECRET_KEY

DEBUG = True
SECRET_KEY = SECRET_KEY or "django-insecure-development-only-key"
JWT_SIGNING_KEY = JWT_SIGNING_KEY or "development-only-jwt-signing-key-0123456789abcdef"
# Without REDIS_URL the rate-limit counters live in this process only: fine for one local server.
SILENCED_SYSTEM_CHECKS = [] if REDIS_URL else ["django_ratelimit.E003", "django_ratelimit.W001"]
GRAPHIQL = True

# --- django-silk: each request's SQL at /silk/, for staff only, never storing a secret -------------------------
INSTALLED_APPS = [*INSTALLED_APPS, "silk"]
# silk reads a copy of each /graphql request and response with passwords and tokens masked, whatever the
# variables are called (api/http/silk_redaction.py); the view and the client see the real ones.
MIDDLEWARE = [
    *MIDDLEWARE,
    "api.http.silk_redaction.SilkRedactionMiddleware",
    "silk.middleware.SilkyMiddleware",
    "api.http.silk_redaction.SilkRestoreMiddleware",
]
SILKY_PYTHON_PROFILER = False
# /silk/ asks for a login (the admin's) and then for a staff user (silk's default permission: user.is_staff).
SILKY_AUTHENTICATION = True
SILKY_AUTHORISATION = True
SILKY_PERMISSIONS = lambda user: user.is_staff  # noqa: E731 - silk's setting is a callable
# silk's own masking on top: form fields (the admin's login form) and JSON values or keys that mention these
# words, and the cookies (the session cookie is a staff login too).
SILKY_SENSITIVE_KEYS = {"password", "passwd", "secret", "token", "authorization"}
SILKY_HIDE_COOKIES = True
# silk's login page is the admin's.
LOGIN_URL = "/admin/login/"


def _silk_records(request: HttpRequest) -> bool:
    """Not recorded: calendar feeds (the secret token is the URL), health checks, metrics and static files."""
    return not request.path_info.startswith(("/calendar/", "/static/", "/healthz", "/readyz", "/metrics"))


SILKY_INTERCEPT_FUNC = _silk_records
# --- end silk -------------------------------------------------------------------------------------------------
