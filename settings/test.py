"""Test runs: the same as production in behaviour, with a fixed key and fast password hashing."""

from .base import *  # noqa: F403

SECRET_KEY = "django-insecure-test-only-key"  # noqa: S105 - tests only
JWT_SIGNING_KEY = "test-only-jwt-signing-key-0123456789abcdef"
# Rate-limit counters are per process in tests unless REDIS_URL is set; tests/security uses real Redis.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]
GRAPHIQL = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
