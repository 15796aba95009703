"""Production: behind nginx, secrets from the environment, no GraphiQL, no silk."""

import os

from .base import *  # noqa: F403

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
GRAPHIQL = False

# nginx terminates the client connection and says which scheme the client used.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
USE_X_FORWARDED_HOST = True
SESSION_COOKIE_SECURE = os.environ.get("DJANGO_SECURE_COOKIES", "1") == "1"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- HTTPS and security headers (manage.py check --deploy) ---------------------------------------------------
# --- end HTTPS ------------------------------------------------------------------------------------------------

# --- GraphQL edge ---------------------------------------------------------------------------------------------
# --- end GraphQL edge -----------------------------------------------------------------------------------------

# --- Identity -------------------------------------------------------------------------------------------------
# --- end identity ---------------------------------------------------------------------------------------------
