"""A partial index on the covered time of visits only: availability finds a single-slot reservation through its
slot, and looks among visits alone for one covering a slot it does not start at (reservation.models.appointment)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reservation", "0010_reservation_covers_required"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="reservation",
            index=models.Index(
                condition=models.Q(("visit_type__isnull", False)),
                fields=["provider", "covers_from"],
                name="reservation_visit_cover_idx",
            ),
        ),
    ]
