"""The role world of ``tests/auth/conftest.py``, for test_authorization.py."""

from tests.auth.conftest import call_as, world  # noqa: F401 - fixtures
