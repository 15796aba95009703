"""Client: a patient who reserves appointment slots."""

from django.conf import settings
from django.db import models

from .loading import LoadedWithoutInit


class Client(LoadedWithoutInit, models.Model):
    """A patient who reserves and confirms appointment slots."""

    # The login this client acts with. Nullable only for records imported without one: such a client
    # cannot sign in, and staff act for it.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="client"
    )
    first_name = models.CharField(max_length=150)
    last_name = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # The orders of the clients list (api.core.sorting.CLIENT_ORDER), each ending with the id.
        indexes = [
            models.Index(fields=["last_name", "first_name", "id"], name="client_name_idx"),
            models.Index(fields=["created_at", "id"], name="client_created_id_idx"),
        ]

    def __str__(self) -> str:
        """The name and, to tell namesakes apart, the username ("#<id>" without a login); select the user."""
        who = self.user.username if self.user_id is not None and self.user is not None else f"#{self.pk}"
        return f"{self.first_name} {self.last_name} ({who})"
