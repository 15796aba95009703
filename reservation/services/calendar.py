"""Calendar feeds: each user's secret feed token.

A feed is a `CalendarFeed` row: one per user, holding a random token (``secrets.token_urlsafe(32)``, 256 bits)
that is the only credential of the feed's URL. `calendar_feed_create` makes it once; `calendar_feed_rotate`
replaces the token, so that the old URL stops working at once. The feed's calendar is `reservation.feeds`.
"""

import secrets
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from reservation.models import CalendarFeed

TOKEN_BYTES = 32  # secrets.token_urlsafe(32): 43 characters, within reservation.selectors.FEED_TOKEN_MAX_LENGTH


def new_token() -> str:
    """A fresh feed secret: 32 random bytes, URL-safe base64 (43 characters)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def calendar_feed_create(user: AbstractBaseUser, now: datetime | None = None) -> CalendarFeed:
    """The feed of ``user``, created with a new token if they have none yet (then it is returned as it is)."""
    feed, _ = CalendarFeed.objects.get_or_create(
        user_id=user.pk, defaults={"token": new_token(), "created_at": now or timezone.now()}
    )
    return feed


def calendar_feed_rotate(user: AbstractBaseUser, now: datetime | None = None) -> CalendarFeed:
    """Give ``user``'s feed a new token (creating the feed if they have none): the old URL stops working."""
    token = new_token()
    feed, _ = CalendarFeed.objects.update_or_create(
        user_id=user.pk,
        defaults={"token": token},
        create_defaults={"token": token, "created_at": now or timezone.now()},
    )
    return feed
