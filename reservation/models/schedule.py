"""A provider's weekly schedule and its date overrides, in the provider's local time."""

from django.db import models
from django.db.models import F, Q


class WeeklyScheduleRange(models.Model):
    """One working range on a weekday, in local wall-clock time (``Provider.time_zone``); several per day."""

    provider = models.ForeignKey("Provider", on_delete=models.CASCADE, related_name="weekly_schedule")
    weekday = models.PositiveSmallIntegerField(help_text="0 = Monday ... 6 = Sunday.")
    start_time = models.TimeField(help_text="Local start of the range.")
    end_time = models.TimeField(help_text="Local end of the range, exclusive; after start_time (no overnight ranges).")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="weekly_range_weekday_0_to_6"),
            models.CheckConstraint(condition=Q(end_time__gt=F("start_time")), name="weekly_range_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.provider_id} day {self.weekday} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class DateOverride(models.Model):
    """A date on which the weekly schedule does not apply: a day off (no ranges) or different hours (ranges)."""

    provider = models.ForeignKey("Provider", on_delete=models.CASCADE, related_name="date_overrides")
    date = models.DateField(help_text="Local calendar date in the provider's time zone.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "date"], name="date_override_unique_date")]

    def __str__(self) -> str:
        return f"{self.provider_id} {self.date:%Y-%m-%d}"


class DateOverrideRange(models.Model):
    """One working range of a date override, in local wall-clock time."""

    override = models.ForeignKey(DateOverride, on_delete=models.CASCADE, related_name="ranges")
    start_time = models.TimeField()
    end_time = models.TimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(end_time__gt=F("start_time")), name="override_range_ends_after_start")
        ]

    def __str__(self) -> str:
        return f"{self.override} {self.start_time:%H:%M}-{self.end_time:%H:%M}"
