"""Test runs: the same as production in behaviour, with a fixed key and fast password hashing."""

from .base import *  # noqa: F403

SECRET_KEY = "django-insecure-test-only-key"  # noqa: S105 - tests only
GRAPHIQL = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
