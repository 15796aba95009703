"""Providers' weekly hours and date overrides, read-only: they change through the API (weeklyScheduleSet,
dateOverrideSet), which publishes the slots."""

from django.contrib import admin
from django.http import HttpRequest

from reservation.admin.display import ProviderListFilter
from reservation.models import DateOverride, DateOverrideRange, WeeklyScheduleRange


@admin.register(WeeklyScheduleRange)
class WeeklyScheduleRangeAdmin(admin.ModelAdmin[WeeklyScheduleRange]):
    """Providers' weekly hours, read-only: set through the API (weeklyScheduleSet), which publishes the slots."""

    list_display = ("provider", "weekday", "start_time", "end_time")
    list_filter = ("weekday", ("provider", ProviderListFilter))
    list_select_related = ("provider__user",)
    ordering = ("provider_id", "weekday", "start_time")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: WeeklyScheduleRange | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: WeeklyScheduleRange | None = None) -> bool:
        return False


class DateOverrideRangeInline(admin.TabularInline[DateOverrideRange, DateOverride]):
    """The hours of a date override (none: a day off)."""

    model = DateOverrideRange
    fields = ("start_time", "end_time")
    readonly_fields = fields
    ordering = ("start_time",)
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: DateOverride | None = None) -> bool:
        return False


@admin.register(DateOverride)
class DateOverrideAdmin(admin.ModelAdmin[DateOverride]):
    """Providers' date overrides, read-only: set through the API (dateOverrideSet), which re-publishes the date."""

    list_display = ("provider", "date")
    list_filter = (("provider", ProviderListFilter),)
    list_select_related = ("provider__user",)
    ordering = ("provider_id", "date")
    date_hierarchy = "date"
    inlines = [DateOverrideRangeInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: DateOverride | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: DateOverride | None = None) -> bool:
        return False
