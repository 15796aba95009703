"""Image build steps only (``collectstatic`` in devops/Dockerfile): production's apps and static files, no secret.

settings.production refuses to import without its runtime secrets (``DJANGO_SECRET_KEY``, ``JWT_SIGNING_KEY``,
``REDIS_URL``), and a build must never need them: they would end up in the image's layers or build logs. This
module has the same apps, finders and ``STATIC_ROOT`` as production (tests/devops/test_image_build.py compares
them) and a placeholder key that signs nothing: collectstatic opens no database connection and signs nothing.
Never served: the image runs settings.production.
"""

from .base import *  # noqa: F403

SECRET_KEY = "build-only-placeholder-that-signs-nothing"  # noqa: S105 - not a secret: only collectstatic runs
JWT_SIGNING_KEY = ""
