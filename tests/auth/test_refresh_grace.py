"""The same refresh token presented twice at once (a retry after a timeout, two tabs) keeps the session alive.

Less than ``JWT_REFRESH_REUSE_GRACE_SECONDS`` (30 s) after its rotation, a refresh token presented again gets the very
pair its rotation issued, as long as that pair's refresh token has not been used or revoked itself. Any other reuse
still revokes the whole family: after the window, or once the successor was used (the copy and the original have
diverged), or once the session was ended.
"""

import threading
from datetime import timedelta
from typing import Any

import jwt
import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client as HttpClient
from django.test import override_settings

from reservation.models import RefreshToken
from tests.auth import PASSWORD, TOKEN_REVOKE, login, ok_body, post, refresh, viewer_username

pytestmark = pytest.mark.django_db

GRACE = timedelta(seconds=30)


@pytest.fixture
def user(db: None) -> User:
    return User.objects.create_user("tess", password=PASSWORD)


def codes(result: dict[str, Any]) -> list[str]:
    return [error["code"] for error in result["errors"]]


def family_of(refresh_token: str) -> Any:
    jti = jwt.decode(refresh_token, options={"verify_signature": False})["jti"]
    return RefreshToken.objects.get(pk=jti).family


def pair(result: dict[str, Any]) -> tuple[str, str, str, str]:
    return (
        result["accessToken"],
        result["accessTokenExpiresAt"],
        result["refreshToken"],
        result["refreshTokenExpiresAt"],
    )


def test_the_same_refresh_token_twice_within_the_window_gets_the_same_pair(client, user, frozen):
    first = login(client, "tess")
    winner = refresh(client, first["refreshToken"])
    frozen.tick(timedelta(seconds=5))

    retry = refresh(client, first["refreshToken"])

    assert codes(retry) == []
    assert pair(retry) == pair(winner)
    assert viewer_username(client, retry["accessToken"]) == "tess"
    assert refresh(client, retry["refreshToken"])["errors"] == []
    assert RefreshToken.objects.filter(family=family_of(first["refreshToken"])).count() == 3
    assert not RefreshToken.objects.filter(revoked_at__isnull=False).exists()


def test_the_window_ends_at_30_seconds(client, user, frozen):
    first = login(client, "tess")
    winner = refresh(client, first["refreshToken"])
    frozen.tick(GRACE - timedelta(seconds=1))
    assert pair(refresh(client, first["refreshToken"])) == pair(winner)

    frozen.tick(timedelta(seconds=1))
    late = refresh(client, first["refreshToken"])

    assert codes(late) == ["INVALID_TOKEN"]
    assert late["accessToken"] is None
    # Reuse after the window is a copied token: the whole family is revoked, the winner's pair included.
    assert codes(refresh(client, winner["refreshToken"])) == ["INVALID_TOKEN"]
    assert not RefreshToken.objects.filter(family=family_of(first["refreshToken"]), revoked_at__isnull=True).exists()


@override_settings(JWT_REFRESH_REUSE_GRACE_SECONDS=0)
def test_the_window_comes_from_settings(client, user, frozen):
    first = login(client, "tess")
    refresh(client, first["refreshToken"])

    assert codes(refresh(client, first["refreshToken"])) == ["INVALID_TOKEN"]


def test_reuse_once_the_successor_was_used_revokes_the_family_even_within_the_window(client, user, frozen):
    first = login(client, "tess")
    second = refresh(client, first["refreshToken"])
    third = refresh(client, second["refreshToken"])

    assert codes(refresh(client, first["refreshToken"])) == ["INVALID_TOKEN"]
    assert codes(refresh(client, third["refreshToken"])) == ["INVALID_TOKEN"]


def test_reuse_after_logging_out_gets_nothing(client, user, frozen):
    first = login(client, "tess")
    second = refresh(client, first["refreshToken"])
    revoked = ok_body(post(client, TOKEN_REVOKE, {"refreshToken": second["refreshToken"]}))
    assert revoked["data"]["tokenRevoke"]["revoked"] is True

    assert codes(refresh(client, first["refreshToken"])) == ["INVALID_TOKEN"]


def test_reuse_after_a_log_out_everywhere_gets_nothing(client, user, frozen):
    first = login(client, "tess")
    second = refresh(client, first["refreshToken"])
    frozen.tick(timedelta(seconds=2))
    everywhere = ok_body(post(client, TOKEN_REVOKE, {"everywhere": True}, token=second["accessToken"]))
    assert everywhere["data"]["tokenRevoke"]["revoked"] is True

    assert codes(refresh(client, first["refreshToken"])) == ["INVALID_TOKEN"]


def test_a_deactivated_user_gets_nothing_from_the_window(client, user, frozen):
    first = login(client, "tess")
    refresh(client, first["refreshToken"])
    user.is_active = False
    user.save()

    assert codes(refresh(client, first["refreshToken"])) == ["INVALID_TOKEN"]


# --- real concurrency -------------------------------------------------------------------------------------------------

TABS = 8


def refresh_in_tabs(refresh_token: str, tabs: int) -> list[dict[str, Any]]:
    """The tokenRefresh payloads of ``tabs`` threads presenting ``refresh_token`` at the same instant."""
    barrier = threading.Barrier(tabs)
    results: list[dict[str, Any]] = []
    failures: list[BaseException] = []

    def tab() -> None:
        try:
            http = HttpClient()
            barrier.wait(timeout=10)
            results.append(refresh(http, refresh_token))
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=tab) for _ in range(tabs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    return results


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_refreshes_of_one_token_all_get_the_same_pair_on_postgresql(user):
    for _round in range(5):
        first = login(HttpClient(), "tess")

        results = refresh_in_tabs(first["refreshToken"], TABS)

        assert len(results) == TABS
        assert [codes(result) for result in results] == [[]] * TABS, results
        assert len({pair(result) for result in results}) == 1
        family = family_of(first["refreshToken"])
        assert RefreshToken.objects.filter(family=family).count() == 2
        assert not RefreshToken.objects.filter(family=family, revoked_at__isnull=False).exists()
        assert viewer_username(HttpClient(), results[0]["accessToken"]) == "tess"
        assert refresh(HttpClient(), results[0]["refreshToken"])["errors"] == []
