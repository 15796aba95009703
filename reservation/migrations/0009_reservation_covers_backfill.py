"""Every existing reservation is of one slot: its provider, visit times and covered times are the slot's."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps
from django.db.models import OuterRef, Subquery


def fill_from_slot(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """One UPDATE: provider, starts_at/covers_from and ends_at/covers_until from the reserved slot."""
    reservation = apps.get_model("reservation", "Reservation")
    appointment = apps.get_model("reservation", "Appointment")
    slot = appointment.objects.filter(pk=OuterRef("appointment_id"))
    reservation.objects.update(
        provider_id=Subquery(slot.values("provider_id")[:1]),
        starts_at=Subquery(slot.values("start_time")[:1]),
        covers_from=Subquery(slot.values("start_time")[:1]),
        ends_at=Subquery(slot.values("end_time")[:1]),
        covers_until=Subquery(slot.values("end_time")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [("reservation", "0008_visit_types")]

    operations = [migrations.RunPython(fill_from_slot, migrations.RunPython.noop, elidable=False)]
