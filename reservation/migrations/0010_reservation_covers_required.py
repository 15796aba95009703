"""The covered times are required, and on PostgreSQL the database refuses overlapping visits of one provider.

The exclusion constraint ``reservation_no_overlapping_covers`` forbids two reservations of the same provider
whose covered times (``[covers_from, covers_until)``, a visit with its buffers) overlap while both are live
(the live interval of migration 0005: ``[created_at, ended_at | expires_at while unconfirmed | ∞)``). It holds
whatever the visits' lengths: a 45-minute intake and a 30-minute follow-up sharing one slot cannot both be
live. Migration 0005's per-slot constraint stays: it is the same rule for single slots. SQLite has no range
types; there the services' row locks and ``BEGIN IMMEDIATE`` transactions serialize writers.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

CONSTRAINT = "reservation_no_overlapping_covers"
LIVE_INTERVAL = (
    "tstzrange(created_at, CASE WHEN ended_at IS NOT NULL THEN ended_at "
    "WHEN confirmed_at IS NULL THEN expires_at END, '[)')"
)
CREATE = (
    f"ALTER TABLE reservation_reservation ADD CONSTRAINT {CONSTRAINT} EXCLUDE USING gist ("
    "provider_id WITH =, tstzrange(covers_from, covers_until, '[)') WITH &&, "
    f"{LIVE_INTERVAL} WITH &&);"
)
DROP = f"ALTER TABLE reservation_reservation DROP CONSTRAINT IF EXISTS {CONSTRAINT};"


def create_constraint(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Add the exclusion constraint when the database is PostgreSQL."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_constraint(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Remove the exclusion constraint when the database is PostgreSQL."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("reservation", "0009_reservation_covers_backfill")]

    operations = [
        migrations.AlterField(
            model_name="reservation",
            name="provider",
            field=models.ForeignKey(
                help_text="Whose slots it covers (the slot's).",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="reservation.provider",
            ),
        ),
        *(
            migrations.AlterField(model_name="reservation", name=name, field=models.DateTimeField(help_text=text))
            for name, text in (
                ("starts_at", "Start of the visit (UTC): its first slot's start."),
                ("ends_at", "End of the visit (UTC), exclusive, buffers excluded."),
                ("covers_from", "Start of the time it occupies, buffer before included (UTC)."),
                ("covers_until", "End of the time it occupies, buffer after included (UTC)."),
            )
        ),
        migrations.RunPython(create_constraint, drop_constraint, elidable=False),
    ]
