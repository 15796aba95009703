"""PostgreSQL only: the database itself refuses two live reservations of one appointment slot.

Each reservation occupies its slot over ``[created_at, expires_at)`` while unconfirmed and over
``[created_at, ∞)`` once confirmed. An exclusion constraint forbids two reservations of the same slot whose
intervals overlap, so no code path (a bug, a raw SQL fix, the admin) can give one slot to two clients. This
is the last line of defence behind the row lock in `reservation.services.reservations`.

Django's ORM cannot declare this constraint portably (SQLite has no range types), so it is raw SQL applied
on PostgreSQL and skipped elsewhere; SQLite keeps the portable partial unique index on confirmed rows.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

CONSTRAINT = "reservation_no_overlapping_live_holds"

CREATE = f"""
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE reservation_reservation ADD CONSTRAINT {CONSTRAINT} EXCLUDE USING gist (
    appointment_id WITH =,
    tstzrange(created_at, CASE WHEN confirmed_at IS NULL THEN expires_at END, '[)') WITH &&
);
"""

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
    dependencies = [("reservation", "0001_initial")]

    operations = [migrations.RunPython(create_constraint, drop_constraint, elidable=False)]
