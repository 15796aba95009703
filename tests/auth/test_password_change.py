"""Changing a password ends every session of the user, however it is changed, as "log out everywhere" does.

Every token we issue carries a digest of the user's password hash (``sah``), as Django's session carries its
``get_session_auth_hash``: once the hash changes, the old access tokens are refused and the old refresh tokens no
longer rotate, whether the password was changed in the admin, by a password reset, in a shell or by SQL. Refresh
tokens are also marked revoked when the password is saved, so that the admin's list of sessions says so.
"""

import io
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client as HttpClient

from reservation.models import RefreshToken
from tests.auth import PASSWORD, TOKEN_REFRESH, VIEWER, assert_invalid_token, login, ok_body, post, refresh

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "an-entirely-new-passphrase-2031"


@pytest.fixture
def user(db: None) -> User:
    return User.objects.create_user("tess", password=PASSWORD)


def sessions(client: HttpClient, count: int = 2) -> list[dict[str, Any]]:
    """``count`` logins of tess (two devices), the second rotated once so that a successor exists too."""
    logins = [login(client, "tess") for _ in range(count)]
    logins[-1] = refresh(client, logins[-1]["refreshToken"])
    return logins


def assert_ended(client: HttpClient, session: dict[str, Any]) -> None:
    assert_invalid_token(post(client, VIEWER, token=session["accessToken"]))
    result = refresh(client, session["refreshToken"])
    assert [error["code"] for error in result["errors"]] == ["INVALID_TOKEN"], result
    assert result["accessToken"] is None


def assert_new_password_logs_in(client: HttpClient) -> None:
    fresh = login(client, "tess", NEW_PASSWORD)
    assert fresh["errors"] == []
    assert ok_body(post(client, VIEWER, token=fresh["accessToken"]))["data"]["viewer"]["username"] == "tess"
    assert refresh(client, fresh["refreshToken"])["errors"] == []


def change_in_the_admin(user: User, staff_user: User) -> None:
    admin = HttpClient()
    admin.force_login(staff_user)
    response = admin.post(
        f"/admin/auth/user/{user.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content[:2000]


def change_by_reset(user: User, staff_user: User) -> None:
    form = SetPasswordForm(user, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert form.is_valid(), form.errors
    form.save()


def change_in_a_shell(user: User, staff_user: User) -> None:
    account = User.objects.get(pk=user.pk)
    account.set_password(NEW_PASSWORD)
    account.save()


def change_by_sql(user: User, staff_user: User) -> None:
    User.objects.filter(pk=user.pk).update(password=make_password(NEW_PASSWORD))


def change_with_the_management_command(user: User, staff_user: User) -> None:
    with mock.patch("getpass.getpass", return_value=NEW_PASSWORD):
        call_command("changepassword", "tess", stdout=io.StringIO())


CHANGES = {
    "admin-form": change_in_the_admin,
    "password-reset": change_by_reset,
    "shell-set-password": change_in_a_shell,
    "sql-update": change_by_sql,
    "manage-changepassword": change_with_the_management_command,
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_changing_the_password_ends_every_session(client, user, staff_user, frozen, change):
    before = sessions(client)

    change(user, staff_user)

    for session in before:
        assert_ended(client, session)
    assert_new_password_logs_in(client)


@pytest.mark.parametrize("change", [change_in_the_admin, change_by_reset, change_in_a_shell], ids=lambda f: f.__name__)
def test_the_sessions_are_marked_revoked_for_the_admin(client, user, staff_user, frozen, change):
    sessions(client)
    assert RefreshToken.objects.filter(user=user, revoked_at__isnull=True).exists()

    change(user, staff_user)

    assert not RefreshToken.objects.filter(user=user, revoked_at__isnull=True).exists()


def test_a_refresh_token_spent_before_the_change_does_not_hand_out_a_working_pair_after_it(client, user, frozen):
    first = login(client, "tess")
    change_in_a_shell(user, user)
    frozen.tick(timedelta(seconds=1))  # within the refresh grace window: the replayed pair must be refused too

    assert_ended(client, first)


def test_other_changes_to_the_user_keep_the_sessions(client, user, frozen):
    session = login(client, "tess")

    user.first_name = "Tess"
    user.email = "tess@example.com"
    user.save()
    login(client, "tess")  # updates last_login

    assert ok_body(post(client, VIEWER, token=session["accessToken"]))["data"]["viewer"]["username"] == "tess"
    assert refresh(client, session["refreshToken"])["errors"] == []


def test_staff_changing_their_own_password_in_the_admin_ends_their_api_sessions(client, staff_user, frozen):
    api_session = login(client, "staff", "staff-password-2030")
    admin = HttpClient()
    admin.force_login(staff_user)

    response = admin.post(
        "/admin/password_change/",
        {"old_password": "staff-password-2030", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302, response.content[:2000]
    assert_invalid_token(post(client, VIEWER, token=api_session["accessToken"]))
    result = ok_body(post(client, TOKEN_REFRESH, {"refreshToken": api_session["refreshToken"]}))
    assert [error["code"] for error in result["data"]["tokenRefresh"]["errors"]] == ["INVALID_TOKEN"]
    # The admin keeps its own session (Django's update_session_auth_hash).
    assert admin.get("/admin/").status_code == 200


def test_a_token_without_the_password_binding_is_refused(client, user, frozen):
    import jwt
    from django.conf import settings

    claims = jwt.decode(login(client, "tess")["accessToken"], options={"verify_signature": False})
    del claims["sah"]

    assert_invalid_token(post(client, VIEWER, token=jwt.encode(claims, settings.JWT_SIGNING_KEY, algorithm="HS256")))
