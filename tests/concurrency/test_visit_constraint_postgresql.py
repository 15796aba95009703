"""Migration 0010's exclusion constraint: no two live reservations of one provider cover overlapping time.

Rows are written with `Reservation.objects.create`, bypassing the services, to show the database refuses them.
"""

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from reservation import rules
from reservation.models import Reservation
from tests.factories import NOW, SLOT, make_client, make_provider, make_slots

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db]

CONSTRAINT = "reservation_no_overlapping_covers"
START = NOW + timedelta(days=2)


def visit(client, slot, covers: int, created_at=NOW, **fields) -> Reservation:
    """A reservation starting at ``slot`` covering ``covers`` slots, bypassing the rules."""
    return Reservation.objects.create(
        client=client,
        appointment=slot,
        created_at=created_at,
        expires_at=created_at + rules.hold_duration(),
        starts_at=slot.start_time,
        ends_at=slot.start_time + covers * SLOT,
        covers_from=slot.start_time,
        covers_until=slot.start_time + covers * SLOT,
        **fields,
    )


def test_constraint_is_installed():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = %s", [CONSTRAINT])
        (definition,) = cursor.fetchone()
    assert definition.startswith("EXCLUDE USING gist (provider_id WITH =, tstzrange(covers_from, covers_until"), (
        definition
    )


def test_a_visit_overlapping_another_live_one_of_the_provider_is_refused_whatever_the_start_slot():
    provider = make_provider()
    slots = make_slots(provider, START, 4)
    visit(make_client(), slots[0], covers=3)  # 45 minutes
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        visit(make_client("Bob"), slots[2], covers=2)  # 30 minutes from :30, a different start slot
    assert getattr(getattr(excinfo.value.__cause__, "diag", None), "constraint_name", None) == CONSTRAINT
    visit(make_client("Carol"), slots[3], covers=1)  # touching, not overlapping: allowed


def test_ended_or_expired_visits_and_other_providers_do_not_conflict():
    provider, other = make_provider(), make_provider("Alan", "Turing")
    slots, others = make_slots(provider, START, 3), make_slots(other, START, 3)
    first = visit(make_client(), slots[0], covers=3)
    visit(make_client("Bob"), others[0], covers=3)  # another provider
    first.ended_at, first.end_reason = NOW + timedelta(minutes=5), "released"
    first.save()
    visit(make_client("Carol"), slots[1], covers=2, created_at=NOW + timedelta(minutes=5))
    visit(make_client("Dan"), slots[0], covers=1, created_at=NOW + timedelta(minutes=40))  # Carol's hold expired
