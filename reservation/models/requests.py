"""Records that make retried requests safe and calendar feeds private."""

from django.conf import settings
from django.db import models


class IdempotencyRecord(models.Model):
    """The first result of a mutation sent with an idempotency key, replayed for retries with the same key.

    ``scope`` is whose key it is (``user:<id>``, or ``anonymous`` for sign-ups); ``request_hash`` is the
    SHA-256 of the operation and its input, so the same key with a different input can be refused.
    """

    scope = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    operation = models.CharField(max_length=64)
    request_hash = models.CharField(max_length=64)
    response = models.JSONField(help_text="The payload's result: object type and id, and errors.")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotency_unique_key")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"


class CalendarFeed(models.Model):
    """A user's secret iCalendar feed URL token; rotating it revokes the old URL."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Calendar feed of user {self.user_id}"
