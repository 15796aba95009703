"""Django admin for visit types (issue 13): define them, say who offers them with which daily cap, and see
each visit booked of a type with its time and video link. Kept apart from `reservation.admin`, imported by
the app's ``ready()``.

Lengths are whole 15-minute slots (the model stores slot counts); the notice cannot go below 24 hours (a
check constraint and the form's validation say so). Visits themselves are made through the API, where the
scheduling rules run; here they are read-only.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from reservation import rules
from reservation.models import MINIMUM_NOTICE_FLOOR_HOURS, Reservation, VisitType, VisitTypeOffer


class VisitTypeOfferInline(admin.TabularInline[VisitTypeOffer, VisitType]):
    """Who offers the type, and their daily cap (per provider-local day; empty: no cap)."""

    model = VisitTypeOffer
    extra = 1
    autocomplete_fields = ("provider",)


class VisitInline(admin.TabularInline[Reservation, VisitType]):
    """The visits of the type, newest first: when, whose, and the video link of confirmed video visits."""

    model = Reservation
    fk_name = "visit_type"
    extra = 0
    can_delete = False
    max_num = 0
    verbose_name = "visit"
    fields = (
        "starts_at",
        "ends_at",
        "covers_from",
        "covers_until",
        "provider",
        "client",
        "confirmed_at",
        "ended_at",
        "video_url",
    )
    readonly_fields = fields
    ordering = ("-starts_at",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Reservation]:
        return super().get_queryset(request).select_related("provider", "client")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class VisitTypeForm(forms.ModelForm[VisitType]):
    """The notice floor said in the form, before the database's check constraint would refuse it."""

    class Meta:
        model = VisitType
        fields = (
            "name",
            "description",
            "duration_slots",
            "buffer_before_slots",
            "buffer_after_slots",
            "minimum_notice_hours",
            "booking_window_days",
            "is_video",
        )

    def clean_minimum_notice_hours(self) -> int:
        hours: int = self.cleaned_data["minimum_notice_hours"]
        floor = max(MINIMUM_NOTICE_FLOOR_HOURS, int(rules.minimum_notice().total_seconds() // 3600))
        if hours < floor:
            raise forms.ValidationError(f"At least {floor} hours: no visit type lowers the global notice.")
        return hours

    def clean_duration_slots(self) -> int:
        slots: int = self.cleaned_data["duration_slots"]
        if slots < 1:
            raise forms.ValidationError("At least one 15-minute slot.")
        return slots


@admin.register(VisitType)
class VisitTypeAdmin(admin.ModelAdmin[VisitType]):
    """Visit types with their offers inline; searchable by name."""

    form = VisitTypeForm
    list_display = ("name", "duration_minutes", "buffers", "minimum_notice_hours", "booking_window_days", "is_video")
    list_filter = ("is_video",)
    search_fields = ("name",)
    ordering = ("name",)
    inlines = (VisitTypeOfferInline, VisitInline)

    @admin.display(description="duration (min)")
    def duration_minutes(self, visit_type: VisitType) -> int:
        return visit_type.duration_slots * int(rules.slot_duration().total_seconds() // 60)

    @admin.display(description="buffers before / after (min)")
    def buffers(self, visit_type: VisitType) -> str:
        minutes = int(rules.slot_duration().total_seconds() // 60)
        return f"{visit_type.buffer_before_slots * minutes} / {visit_type.buffer_after_slots * minutes}"
