"""The login side of a person: sessions (refresh tokens), log out everywhere, password reset, django-axes lockouts,
calendar feeds, and OpenID Connect identities.

A session is one refresh-token rotation family (`RefreshToken.family`); revoking it ends that login, and "log
out everywhere" (`api.auth.tokens.revoke_all`) also refuses every access token issued so far. A password reset
here ends every session as well: the tokens carry a digest of the password hash, and the reset revokes them.
"""

from typing import Any

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from api.auth.tokens import revoke_all, revoke_sessions_of
from reservation.admin.display import admin_link, changelist_url, utc_text
from reservation.admin.search import SupportSearchMixin
from reservation.models import CalendarFeed, ExternalIdentity, RefreshToken
from reservation.services.calendar import calendar_feed_rotate


def live_sessions(user_id: int) -> QuerySet[RefreshToken]:
    """The user's sessions that can still be used: unrevoked, unexpired, not yet rotated (one per login)."""
    return RefreshToken.objects.filter(
        user_id=user_id, revoked_at__isnull=True, used_at__isnull=True, expires_at__gt=timezone.now()
    ).order_by("-created_at")


def lockouts_of(username: str) -> list[AccessAttempt]:
    """django-axes' records of failed logins for ``username`` that lock it out now (at the failure limit)."""
    limit = int(getattr(settings, "AXES_FAILURE_LIMIT", 5))
    return list(AccessAttempt.objects.filter(username=username, failures_since_start__gte=limit))


admin.site.unregister(User)


@admin.register(User)
class SupportUserAdmin(SupportSearchMixin, UserAdmin[User]):
    """Users (every person's login, and staff): sessions, lockout, calendar feed; log out, unlock, rotate."""

    list_display = ("id", "username", "first_name", "last_name", "email", "is_active", "is_staff", "sessions")
    list_display_links = ("id", "username")
    search_fields = ("username", "first_name", "last_name", "email")
    search_help_text = "A username, name, email or user number."
    show_full_result_count = False
    actions = ["log_out_everywhere", "unlock", "rotate_calendar_feed"]
    readonly_fields = ("login_side",)
    fieldsets = (*UserAdmin.fieldsets, ("Sessions, lockout and calendar feed", {"fields": ("login_side",)}))  # type: ignore[misc]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        now = timezone.now()
        live = Q(refresh_tokens__revoked_at__isnull=True, refresh_tokens__used_at__isnull=True)
        live &= Q(refresh_tokens__expires_at__gt=now)
        users: QuerySet[User] = super().get_queryset(request)
        return users.annotate(live_sessions=Count("refresh_tokens", filter=live))

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # a person's login is deactivated, not deleted
        return actions

    @admin.display(description="sessions", ordering="live_sessions")
    def sessions(self, user: User) -> int:
        return int(user.live_sessions)  # type: ignore[attr-defined]

    @admin.display(description="login side")
    def login_side(self, user: User) -> SafeString | str:
        """The user's live sessions, lockout and calendar feed, with where to act on each."""
        if user.pk is None:
            return "-"
        sessions = list(live_sessions(user.pk))
        rows = format_html_join(
            "",
            "<li>since {} (expires {})</li>",
            ((utc_text(row.created_at), utc_text(row.expires_at)) for row in sessions),
        )
        locked = lockouts_of(user.username)
        feed = CalendarFeed.objects.filter(user=user).first()
        return format_html(
            '<div class="login-side"><p><strong>{} live session(s)</strong> <a href="{}">see and revoke them</a>; '
            'or choose "Log out everywhere" in the users list.</p><ul>{}</ul>'
            "<p><strong>Lockout:</strong> {}</p><p><strong>Calendar feed:</strong> {}</p>"
            '<p><strong>Password:</strong> reset it with the form linked under "Password" above: that ends every '
            "session.</p></div>",
            len(sessions),
            changelist_url(RefreshToken, user__id__exact=user.pk, live="yes"),
            rows,
            (
                f'locked out after {locked[0].failures_since_start} failed logins; choose "Unlock" in the users list.'
                if locked
                else "not locked out."
            ),
            (
                format_html("{} ({})", admin_link(feed, f"created {utc_text(feed.created_at)}"), "rotate it there")
                if feed is not None
                else "none."
            ),
        )

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        """Django's password reset form. The new password hash already refuses every token issued before (they
        carry its digest); the refresh tokens are also marked revoked, so the sessions list shows them ended."""
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = self.get_object(request, id)
            if user is not None:
                revoke_sessions_of(user.pk)
                self.message_user(request, f"{user.username}: every session ended.", messages.SUCCESS)
        return response

    @admin.action(description="Log out everywhere (revoke every session and access token)", permissions=["change"])
    def log_out_everywhere(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            revoke_all(user)
            self.message_user(request, f"{user.username}: logged out everywhere.", messages.SUCCESS)

    @admin.action(description="Unlock (clear django-axes' failed logins)", permissions=["change"])
    def unlock(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            cleared = axes_reset(username=user.username)
            text = "unlocked" if cleared else "was not locked out"
            self.message_user(request, f"{user.username}: {text}.", messages.SUCCESS if cleared else messages.INFO)

    @admin.action(description="Rotate calendar feed URL (the old URL stops working)", permissions=["change"])
    def rotate_calendar_feed(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            calendar_feed_rotate(user)
            self.message_user(
                request, f"{user.username}: new calendar feed URL; the old one answers 404.", messages.SUCCESS
            )


class LiveSessionFilter(admin.SimpleListFilter):
    """Sessions that can still be used (unrevoked, unexpired, not rotated) or not."""

    title = "usable"
    parameter_name = "live"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Usable"), ("no", "Ended")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[RefreshToken]) -> QuerySet[RefreshToken]:
        live = Q(revoked_at__isnull=True, used_at__isnull=True, expires_at__gt=timezone.now())
        if self.value() == "yes":
            return queryset.filter(live)
        if self.value() == "no":
            return queryset.exclude(live)
        return queryset


@admin.register(RefreshToken)
class RefreshTokenAdmin(admin.ModelAdmin[RefreshToken]):
    """Issued refresh tokens (sessions); staff can revoke them, never create or edit them."""

    list_display = ("id", "user", "family", "created_at", "expires_at", "used_at", "revoked_at")
    list_filter = (LiveSessionFilter, "revoked_at")
    list_select_related = ("user",)
    search_fields = ("user__username", "user__email")
    readonly_fields = list_display
    actions = ["revoke"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: RefreshToken | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: RefreshToken | None = None) -> bool:
        return False

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("auth.change_user")

    @admin.action(description="Revoke the selected sessions", permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[RefreshToken]) -> None:
        """Revoke every token of the selected tokens' sessions (rotation families)."""
        families = queryset.values_list("family", flat=True)
        count = RefreshToken.objects.filter(family__in=families, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        self.message_user(request, f"Revoked {count} refresh token(s).", messages.SUCCESS)


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin[CalendarFeed]):
    """Calendar feeds: whose, since when; rotate a leaked URL (the old one answers 404 at once) or delete it."""

    list_display = ("user", "created_at", "token_hint")
    list_select_related = ("user",)
    search_fields = ("user__username", "user__email")
    readonly_fields = ("user", "created_at", "token_hint")
    fields = readonly_fields
    actions = ["rotate"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: CalendarFeed | None = None) -> bool:
        return obj is None and super().has_change_permission(request)

    @admin.display(description="URL")
    def token_hint(self, feed: CalendarFeed) -> str:
        """The URL's first characters only: the token is the feed's credential."""
        return f"/calendar/{feed.token[:4]}….ics"

    @admin.action(description="Rotate the selected feeds' URLs (the old URLs stop working)", permissions=["change"])
    def rotate(self, request: HttpRequest, queryset: QuerySet[CalendarFeed]) -> None:
        for feed in queryset:
            calendar_feed_rotate(feed.user)
            self.message_user(
                request, f"{feed.user.username}: new feed URL; the old one answers 404.", messages.SUCCESS
            )


@admin.register(ExternalIdentity)
class ExternalIdentityAdmin(admin.ModelAdmin[ExternalIdentity]):
    """Links between an OpenID Connect subject (issuer + sub) and a user; staff create them here."""

    list_display = ("user", "issuer", "subject")
    list_select_related = ("user",)
    search_fields = ("user__username", "subject")
    autocomplete_fields = ("user",)


__all__ = ["SupportUserAdmin", "format_html"]
