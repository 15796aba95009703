"""Production: behind nginx, secrets from the environment, no GraphiQL, no silk."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_list

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
GRAPHIQL = False

# nginx terminates the client connection and says which scheme the client used.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
USE_X_FORWARDED_HOST = True
SESSION_COOKIE_SECURE = os.environ.get("DJANGO_SECURE_COOKIES", "1") == "1"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- HTTPS and security headers (manage.py check --deploy) ---------------------------------------------------
# nginx (devops/nginx/nginx.conf) terminates TLS, redirects port 80 to HTTPS and sends the same headers on the
# responses it makes itself; these make Django enforce them too, whatever is in front of it.
# Redirect plain-HTTP requests to HTTPS. /healthz and /readyz are exempt: compose's health checks call gunicorn directly
# over HTTP inside the network. DJANGO_SECURE_SSL_REDIRECT=0 only for running without TLS in front (e.g. a
# local gunicorn on loopback).
SECURE_SSL_REDIRECT = os.environ.get("DJANGO_SECURE_SSL_REDIRECT", "1") == "1"
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# HSTS for one year, subdomains included: the same value as nginx's header. Not preloaded: the preload list
# covers the whole registrable domain and every subdomain, which this service cannot vouch for, and leaving
# it takes months; `preload` in the header is the consent to be listed, so it is a domain owner's decision
# (then set SECURE_HSTS_PRELOAD = True, add `; preload` in nginx.conf and drop the silenced check below).
SECURE_HSTS_SECONDS = 31_536_000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = False
# check --deploy asks for preload (security.W021); declined on purpose, above. Other blocks extend this list.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
# SESSION_COOKIE_SECURE and CSRF_COOKIE_SECURE come from DJANGO_SECURE_COOKIES, above.
SESSION_COOKIE_HTTPONLY = True
# No production page reads the CSRF cookie from JavaScript: the admin sends the token from its forms, /graphql
# is CSRF-exempt (token-authenticated) and GraphiQL, which reads the cookie, is off in production.
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# same-origin keeps window.opener for the admin's own "add another" pop-ups (same origin).
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# --- end HTTPS ------------------------------------------------------------------------------------------------

# --- GraphQL edge ---------------------------------------------------------------------------------------------
# No schema introspection (`__typename` still works) unless GRAPHQL_INTROSPECTION=1, and no "Did you mean ...?".
GRAPHQL_INTROSPECTION = os.environ.get("GRAPHQL_INTROSPECTION", "0") == "1"
GRAPHQL_HIDE_SUGGESTIONS = True
# Trusted documents only with GRAPHQL_PERSISTED_QUERIES_ONLY=1. Off by default so that ad-hoc queries (Postman,
# curl) keep working; the README's walkthrough sends the examples' exact text, which is in the manifest anyway.
GRAPHQL_PERSISTED_QUERIES_ONLY = os.environ.get("GRAPHQL_PERSISTED_QUERIES_ONLY", "0") == "1"
# --- end GraphQL edge -----------------------------------------------------------------------------------------

# --- Identity -------------------------------------------------------------------------------------------------
JWT_SIGNING_KEY = os.environ["JWT_SIGNING_KEY"]
# nginx passes the client's address as X-Real-IP (it overwrites what the client sent). It is believed only from
# these peers: loopback by default (nginx beside gunicorn, which binds 127.0.0.1 by default). compose.yml, where
# nginx is another container, sets its private network; list a load balancer's addresses here too.
TRUSTED_PROXIES = env_list("DJANGO_TRUSTED_PROXIES", "127.0.0.1,::1")
# Password checks are bounded per host, among every gunicorn worker of the machine (or container): tmpfs lock files.
PASSWORD_CHECK_LOCK_DIR = os.environ.get("PASSWORD_CHECK_LOCK_DIR", "/dev/shm" if os.path.isdir("/dev/shm") else "/tmp")  # noqa: S108
# Rate limits must be shared by every app server: Redis is required.
if not os.environ.get("REDIS_URL"):
    raise ImproperlyConfigured("REDIS_URL is required in production: rate limits are counted in Redis.")
# django-ratelimit's list of "supported" caches predates Django's own RedisCache; ours (api/http/counters.py)
# increments atomically on the server: the warning does not apply.
SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "django_ratelimit.W001"]
# --- end identity ---------------------------------------------------------------------------------------------
