"""Django's password backend behind the bounds of `api.auth.password_checks`."""

from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.http import HttpRequest

from api.auth import password_checks


class BoundedModelBackend(ModelBackend):
    """``ModelBackend`` that refuses a login before hashing when the process or the address is over its bound.

    Raises `password_checks.LoginThrottled` (a ValidationError) instead of checking the password. Otherwise exactly
    Django's: one hash per attempt, an unknown username or an unusable password included.
    """

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if request is not None:
            password_checks.check_failure_budget(request)
        with password_checks.slot():
            return super().authenticate(request, username=username, password=password, **kwargs)

    async def aauthenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        # Django's async variant has its own body; route it through the same bounds.
        return await sync_to_async(self.authenticate)(request, username=username, password=password, **kwargs)
