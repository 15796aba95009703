"""Receivers of the identity block: a saved password change revokes the user's sessions; a failed login counts.

A saved password change revokes the user's refresh tokens, so that the admin's list of sessions shows it.

The tokens are refused anyway, whichever way the password hash changed (`api.auth.tokens.credentials_digest`); this
only brings the rows up to date when the change went through ``set_password`` and ``save`` (the admin's forms, a
password reset, ``manage.py changepassword``, a shell). A password rewritten by SQL leaves the rows as they are, and
their tokens refused all the same.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from api.auth.password_checks import count_failure
from api.auth.tokens import revoke_sessions_of


@receiver(post_save, sender=get_user_model(), dispatch_uid="api.auth.signals.revoke_sessions_on_password_change")
def revoke_sessions_on_password_change(sender: Any, instance: Any, created: bool, **_kwargs: Any) -> None:
    """After ``set_password`` + ``save`` of an existing user, revoke every refresh token of theirs."""
    # AbstractBaseUser.save keeps the new raw password in _password until after post_save: set_password was called.
    if not created and getattr(instance, "_password", None) is not None:
        revoke_sessions_of(instance.pk)


@receiver(user_login_failed, dispatch_uid="api.auth.signals.count_failed_login")
def count_failed_login(sender: Any, credentials: Any, request: Any = None, **_kwargs: Any) -> None:
    """Count a failed login (any username, known or not) against the caller's address (`password_checks`)."""
    if request is not None:
        count_failure(request)
