"""`manage.py benchmark`'s app servers: production, plus the raw baseline views (api/benchmark/urls.py)."""

from .production import *  # noqa: F403

ROOT_URLCONF = "api.benchmark.urls"
