"""Identity records behind bearer tokens: refresh tokens, per-user revocation, external (OIDC) subjects."""

import uuid

from django.conf import settings
from django.db import models


class RefreshToken(models.Model):
    """One issued refresh token (the JWT carries this row's ``id`` as its ``jti``).

    Refresh tokens rotate: using one marks it ``used_at`` and issues its successor (``replaced_by``) in the same
    ``family``. Presenting a used token again means it was copied, so the whole family is revoked, except within a
    short grace window, when it gets its successor's pair again (a retry, or two tabs at once: api/auth/tokens.py).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="refresh_tokens")
    family = models.UUIDField(default=uuid.uuid4, db_index=True, help_text="Rotation chain this token belongs to.")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True, help_text="When it was exchanged for its successor.")
    revoked_at = models.DateTimeField(null=True, blank=True)
    replaced_by = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replaces",
        help_text="The token its rotation issued (the same session's next token).",
    )

    class Meta:
        indexes = [models.Index(fields=["user", "revoked_at"], name="refresh_token_user_idx")]

    def __str__(self) -> str:
        return f"Refresh token {self.id} of user {self.user_id}"


class TokenRevocation(models.Model):
    """Log-out-everywhere marker: every token of ``user`` issued before ``revoked_before`` is refused."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="token_revocation"
    )
    revoked_before = models.DateTimeField()

    def __str__(self) -> str:
        return f"Tokens of user {self.user_id} before {self.revoked_before:%Y-%m-%d %H:%M:%S}"


class ExternalIdentity(models.Model):
    """Maps an OpenID Connect subject (``iss`` + ``sub`` of the identity provider's token) to a user."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_identities")
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)

    class Meta:
        verbose_name_plural = "external identities"
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="external_identity_unique_subject")]

    def __str__(self) -> str:
        return f"{self.issuer} {self.subject}"
