"""PostgreSQL only: a reservation stops occupying its slot when it is released, cancelled or rescheduled.

Migration 0002's exclusion constraint treated a reservation as live over ``[created_at, expires_at)`` while
unconfirmed and ``[created_at, ∞)`` once confirmed. Now that reservations can end early, the interval ends at
``ended_at`` when set, so the slot can be held again at once.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

CONSTRAINT = "reservation_no_overlapping_live_holds"

LIVE_INTERVAL_V2 = (
    "tstzrange(created_at, CASE WHEN ended_at IS NOT NULL THEN ended_at "
    "WHEN confirmed_at IS NULL THEN expires_at END, '[)')"
)
LIVE_INTERVAL_V1 = "tstzrange(created_at, CASE WHEN confirmed_at IS NULL THEN expires_at END, '[)')"


def _replace(schema_editor: BaseDatabaseSchemaEditor, interval: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE reservation_reservation DROP CONSTRAINT IF EXISTS {CONSTRAINT};")
    schema_editor.execute(
        f"ALTER TABLE reservation_reservation ADD CONSTRAINT {CONSTRAINT} "
        f"EXCLUDE USING gist (appointment_id WITH =, {interval} WITH &&);"
    )


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Live interval ends at ``ended_at``."""
    _replace(schema_editor, LIVE_INTERVAL_V2)


def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Back to migration 0002's interval."""
    _replace(schema_editor, LIVE_INTERVAL_V1)


class Migration(migrations.Migration):
    dependencies = [("reservation", "0004_scheduling")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
