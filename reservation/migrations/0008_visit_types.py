"""Visit types (issue 13): a visit of whole 15-minute slots with buffers, notice, booking window, video flag and
the providers who offer it (with a daily cap each); a reservation gains its provider, visit type, the visit's
times and the time it covers with its buffers, and a video link. Nullable here, filled by 0009, required by 0010."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reservation", "0007_one_default_order_and_derived_expiries"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="VisitType",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "name",
                    models.CharField(
                        help_text="Shown to clients, e.g. 'Intake (45 min)'.", max_length=100, unique=True
                    ),
                ),
                ("description", models.CharField(blank=True, max_length=500)),
                (
                    "duration_slots",
                    models.PositiveSmallIntegerField(
                        help_text="Length of the visit in 15-minute slots (3 = 45 minutes)."
                    ),
                ),
                (
                    "buffer_before_slots",
                    models.PositiveSmallIntegerField(
                        default=0, help_text="Free slots kept before the visit (preparation), in 15-minute slots."
                    ),
                ),
                (
                    "buffer_after_slots",
                    models.PositiveSmallIntegerField(
                        default=0, help_text="Free slots kept after the visit (notes), in 15-minute slots."
                    ),
                ),
                (
                    "minimum_notice_hours",
                    models.PositiveIntegerField(
                        default=24, help_text="Least time between booking and the visit's start, in hours (24 or more)."
                    ),
                ),
                (
                    "booking_window_days",
                    models.PositiveIntegerField(
                        default=60,
                        help_text="How many days ahead a visit may start, counted from the moment of booking.",
                    ),
                ),
                (
                    "is_video",
                    models.BooleanField(
                        default=False, help_text="A telehealth visit: confirming it gives a video link."
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "ordering": ("name",),
            },
        ),
        migrations.CreateModel(
            name="VisitTypeOffer",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "daily_cap",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        help_text="Most live visits of this type the provider takes per local day (their time zone); empty: no cap.",
                        null=True,
                    ),
                ),
            ],
        ),
        migrations.AddField(
            model_name="reservation",
            name="covers_from",
            field=models.DateTimeField(
                help_text="Start of the time it occupies, buffer before included (UTC).", null=True
            ),
        ),
        migrations.AddField(
            model_name="reservation",
            name="covers_until",
            field=models.DateTimeField(
                help_text="End of the time it occupies, buffer after included (UTC).", null=True
            ),
        ),
        migrations.AddField(
            model_name="reservation",
            name="ends_at",
            field=models.DateTimeField(help_text="End of the visit (UTC), exclusive, buffers excluded.", null=True),
        ),
        migrations.AddField(
            model_name="reservation",
            name="provider",
            field=models.ForeignKey(
                help_text="Whose slots it covers (the slot's).",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="reservation.provider",
            ),
        ),
        migrations.AddField(
            model_name="reservation",
            name="starts_at",
            field=models.DateTimeField(help_text="Start of the visit (UTC): its first slot's start.", null=True),
        ),
        migrations.AddField(
            model_name="reservation",
            name="video_url",
            field=models.CharField(
                blank=True,
                help_text="The video visit's join link, given on confirmation; cleared when cancelled or moved.",
                max_length=300,
            ),
        ),
        migrations.AddField(
            model_name="reservation",
            name="visit_type",
            field=models.ForeignKey(
                blank=True,
                help_text="The visit booked; empty for a single 15-minute slot.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="reservations",
                to="reservation.visittype",
            ),
        ),
        migrations.AddIndex(
            model_name="reservation",
            index=models.Index(fields=["provider", "covers_from"], name="reservation_provider_cover_idx"),
        ),
        migrations.AddConstraint(
            model_name="reservation",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("covers_from__lte", models.F("starts_at")),
                    ("starts_at__lt", models.F("ends_at")),
                    ("ends_at__lte", models.F("covers_until")),
                ),
                name="reservation_visit_within_cover",
            ),
        ),
        migrations.AddConstraint(
            model_name="reservation",
            constraint=models.UniqueConstraint(
                condition=models.Q(("video_url", ""), _negated=True),
                fields=("video_url",),
                name="reservation_unique_video_url",
            ),
        ),
        migrations.AddField(
            model_name="visittypeoffer",
            name="provider",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="visit_type_offers", to="reservation.provider"
            ),
        ),
        migrations.AddField(
            model_name="visittypeoffer",
            name="visit_type",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="offers", to="reservation.visittype"
            ),
        ),
        migrations.AddField(
            model_name="visittype",
            name="providers",
            field=models.ManyToManyField(
                blank=True, related_name="visit_types", through="reservation.VisitTypeOffer", to="reservation.provider"
            ),
        ),
        migrations.AddConstraint(
            model_name="visittypeoffer",
            constraint=models.UniqueConstraint(fields=("visit_type", "provider"), name="visit_type_offer_unique"),
        ),
        migrations.AddConstraint(
            model_name="visittypeoffer",
            constraint=models.CheckConstraint(
                condition=models.Q(("daily_cap__isnull", True), ("daily_cap__gte", 1), _connector="OR"),
                name="visit_type_offer_cap_positive",
            ),
        ),
        migrations.AddConstraint(
            model_name="visittype",
            constraint=models.CheckConstraint(
                condition=models.Q(("duration_slots__gte", 1)), name="visit_type_at_least_one_slot"
            ),
        ),
        migrations.AddConstraint(
            model_name="visittype",
            constraint=models.CheckConstraint(
                condition=models.Q(("minimum_notice_hours__gte", 24)), name="visit_type_notice_floor"
            ),
        ),
        migrations.AddConstraint(
            model_name="visittype",
            constraint=models.CheckConstraint(
                condition=models.Q(("booking_window_days__gte", 1)), name="visit_type_window_at_least_a_day"
            ),
        ),
        migrations.AddConstraint(
            model_name="visittype",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("duration_slots__lte", 96), ("buffer_before_slots__lte", 96), ("buffer_after_slots__lte", 96)
                ),
                name="visit_type_at_most_a_day",
            ),
        ),
    ]
