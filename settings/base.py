"""Settings shared by every environment; per-environment modules override a few of them.

Everything that differs between deployments comes from environment variables (12-factor):
``DATABASE_URL``, ``DJANGO_SECRET_KEY``, ``DJANGO_ALLOWED_HOSTS``, ``DJANGO_CSRF_TRUSTED_ORIGINS``,
``DJANGO_LOG_LEVEL``.
"""

import os
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext

# Make Django's classes subscriptable at run time, as django-stubs types them (admin.ModelAdmin[Provider]).
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent


def env_list(name: str, default: str = "") -> list[str]:
    """Return a comma-separated environment variable as a list of non-empty, stripped strings."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_filters",
    "graphene_django",
    "reservation",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "settings.urls"
WSGI_APPLICATION = "settings.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def database_from_url(url: str) -> dict[str, Any]:
    """Build a ``DATABASES['default']`` entry from a database URL.

    SQLite (the zero-set-up default) gets ``BEGIN IMMEDIATE`` transactions so that a transaction which reads
    and then writes takes the write lock up front instead of failing with "database is locked" under
    concurrent requests, plus WAL for concurrent readers. PostgreSQL (psycopg 3) keeps connections open for
    a minute and checks them before reuse.
    """
    config: dict[str, Any] = dict(dj_database_url.parse(url))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    else:
        config["CONN_MAX_AGE"] = 60
        config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASES = {
    "default": database_from_url(os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")),
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# Stored and computed in UTC; the API always answers with explicit offsets.
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static"

GRAPHENE: dict[str, Any] = {
    "SCHEMA": "api.schema.schema",
    # A page holds at most this many nodes, whatever `first` asks for.
    "RELAY_CONNECTION_MAX_LIMIT": 100,
    "RELAY_CONNECTION_ENFORCE_FIRST_OR_LAST": False,
}

# --- Scheduling rules: each defined once, read through reservation.rules ----------------------------------
# Length of one appointment slot, in minutes. Availability ranges are split into slots of this length and
# their start and end must be aligned to it.
RESERVATION_SLOT_MINUTES = int(os.environ.get("RESERVATION_SLOT_MINUTES", "15"))
# How long an unconfirmed reservation (a hold) keeps its slot, in minutes.
RESERVATION_HOLD_MINUTES = int(os.environ.get("RESERVATION_HOLD_MINUTES", "30"))
# Minimum advance notice, in hours, between making a reservation and the start of its slot.
RESERVATION_MIN_NOTICE_HOURS = int(os.environ.get("RESERVATION_MIN_NOTICE_HOURS", "24"))
# Longest availability range one appointmentBulkCreate call may submit, in days.
RESERVATION_MAX_RANGE_DAYS = int(os.environ.get("RESERVATION_MAX_RANGE_DAYS", "31"))

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}

# --- GraphQL edge: limits, introspection, persisted queries (see api/views.py) -------------------------------
# --- end GraphQL edge -----------------------------------------------------------------------------------------

# --- Identity: tokens, OpenID Connect, login lock-out, rate limits (see api/auth/) ---------------------------
# --- end identity ---------------------------------------------------------------------------------------------
