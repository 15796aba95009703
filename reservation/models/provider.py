"""Provider: a clinician who publishes availability."""

from django.conf import settings
from django.db import models

from .loading import LoadedWithoutInit


class Provider(LoadedWithoutInit, models.Model):
    """A clinician whose availability is split into appointment slots that clients reserve."""

    # The login this provider acts with. Nullable only for records imported without one: such a provider
    # cannot sign in, and staff act for it.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="provider"
    )
    first_name = models.CharField(max_length=150)
    last_name = models.CharField(max_length=150)
    time_zone = models.CharField(
        max_length=64, default="UTC", help_text="IANA time zone of the provider's schedule, e.g. Europe/Paris."
    )
    schedule_published_until = models.DateField(
        null=True, blank=True, help_text="Last local date whose slots the weekly schedule has been turned into."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # The orders of the providers list (api.core.sorting.PROVIDER_ORDER), each ending with the id.
        indexes = [
            models.Index(fields=["last_name", "first_name", "id"], name="provider_name_idx"),
            models.Index(fields=["created_at", "id"], name="provider_created_id_idx"),
        ]

    def __str__(self) -> str:
        """The name and, to tell namesakes apart, the username ("#<id>" without a login); select the user."""
        who = self.user.username if self.user_id is not None and self.user is not None else f"#{self.pk}"
        return f"{self.first_name} {self.last_name} ({who})"
