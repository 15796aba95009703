"""The login side, from a person's user page: their sessions, revoking them, logging out everywhere, a password
reset that ends every session, unlocking a django-axes lockout, rotating a leaked calendar feed URL."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User

from api.auth.tokens import InvalidToken, decode, issue_tokens, rotate
from reservation.models import CalendarFeed, RefreshToken
from reservation.services.calendar import calendar_feed_create

from .conftest import shown

pytestmark = pytest.mark.django_db

USERS = "/admin/auth/user/"


@pytest.fixture
def ada(clinic) -> User:
    return User.objects.get(username="ada")


def test_a_users_page_shows_their_live_sessions_and_where_to_revoke_them(support, ada):
    issue_tokens(ada)
    issue_tokens(ada)

    page = support.get(f"{USERS}{ada.pk}/change/").content.decode()
    listing = support.get(USERS, {"q": "ada@example.org"})

    assert "2 live session(s)" in page
    assert f"/admin/reservation/refreshtoken/?user__id__exact={ada.pk}&amp;live=yes" in page
    assert [(row.pk, row.live_sessions) for row in listing.context["cl"].result_list] == [(ada.pk, 2)]


def test_revoking_one_session_ends_only_that_login(support, ada):
    first, second = issue_tokens(ada), issue_tokens(ada)
    jti = decode(first.refresh_token, "refresh")["jti"]

    support.post("/admin/reservation/refreshtoken/", {"action": "revoke", "_selected_action": [jti]}, follow=True)

    with pytest.raises(InvalidToken):
        rotate(first.refresh_token)
    assert rotate(second.refresh_token).access_token


def test_log_out_everywhere(support, ada):
    pair = issue_tokens(ada)

    response = support.post(USERS, {"action": "log_out_everywhere", "_selected_action": [ada.pk]}, follow=True)

    assert shown(response) == [(25, "ada: logged out everywhere.")]
    with pytest.raises(InvalidToken):
        rotate(pair.refresh_token)


def test_a_password_reset_ends_every_session(support, ada):
    pair = issue_tokens(ada)

    response = support.post(
        f"{USERS}{ada.pk}/password/",
        {"password1": "a-new-password-for-2031", "password2": "a-new-password-for-2031", "usable_password": "true"},
        follow=True,
    )

    assert (25, "ada: every session ended.") in shown(response)
    ada.refresh_from_db()
    assert ada.check_password("a-new-password-for-2031")
    assert not RefreshToken.objects.filter(user=ada, revoked_at__isnull=True).exists()
    with pytest.raises(InvalidToken):
        rotate(pair.refresh_token)


def test_unlock_a_login_locked_out_by_axes(support, ada):
    AccessAttempt.objects.create(
        username="ada",
        ip_address="203.0.113.9",
        user_agent="phone",
        get_data="",
        post_data="",
        http_accept="*/*",
        path_info="/graphql",
        failures_since_start=5,
    )
    page = support.get(f"{USERS}{ada.pk}/change/").content.decode()
    assert "locked out after 5 failed logins" in page

    response = support.post(USERS, {"action": "unlock", "_selected_action": [ada.pk]}, follow=True)

    assert shown(response) == [(25, "ada: unlocked.")]
    assert not AccessAttempt.objects.filter(username="ada").exists()
    again = support.post(USERS, {"action": "unlock", "_selected_action": [ada.pk]}, follow=True)
    assert shown(again) == [(20, "ada: was not locked out.")]


def test_rotate_a_leaked_calendar_feed_url(support, ada, client):
    old = calendar_feed_create(ada).token
    assert client.get(f"/calendar/{old}.ics").status_code == 200

    response = support.post(USERS, {"action": "rotate_calendar_feed", "_selected_action": [ada.pk]}, follow=True)

    new = CalendarFeed.objects.get(user=ada).token
    assert new != old
    assert shown(response) == [(25, "ada: new calendar feed URL; the old one answers 404.")]
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get(f"/calendar/{new}.ics").status_code == 200
    feeds = support.get("/admin/reservation/calendarfeed/").content.decode()
    assert new not in feeds  # the token is the credential: only its first characters are shown
    assert f"/calendar/{new[:4]}" in feeds


def test_users_cannot_be_bulk_deleted(support, ada):
    listing = support.get(USERS)

    assert "delete_selected" not in dict(listing.context["action_form"].fields["action"].choices)
