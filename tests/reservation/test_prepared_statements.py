"""`reservation.models.prepared.select_by_pk` reads what the ORM reads, and locks what ``select_for_update`` locks."""

import threading
from datetime import timedelta

import pytest
from django.db import OperationalError, connection, transaction
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from reservation.models import Appointment, Client, Provider
from reservation.models.prepared import select_by_pk
from reservation.services.locks import lock_client, lock_slots
from tests.factories import make_client, make_provider, make_slot
from tests.rows import columns


@pytest.mark.django_db
def test_rows_are_read_as_the_orm_reads_them():
    provider = make_provider(username="grace", time_zone="America/New_York")
    slot = make_slot(provider, timezone.now().replace(microsecond=123456) + timedelta(days=3))
    Appointment.objects.filter(pk=slot.pk).update(withdrawn_at=timezone.now())
    client = make_client(username="ada")
    for model, pk in ((Appointment, slot.pk), (Provider, provider.pk), (Client, client.pk)):
        expected = model.objects.get(pk=pk)
        with transaction.atomic():
            for for_update in (False, True):
                loaded = select_by_pk(model, pk, for_update=for_update)
                assert loaded is not None
                assert type(loaded) is model
                assert columns(loaded) == columns(expected)
                assert not loaded._state.adding
                assert loaded._state.db == "default"
                assert not loaded.get_deferred_fields()


@pytest.mark.django_db
def test_a_missing_row_is_none_and_a_bad_key_is_refused_as_the_orm_refuses_it():
    assert select_by_pk(Client, 987654) is None
    with pytest.raises(ValueError, match="expected a number"):
        select_by_pk(Client, "abc")
    with pytest.raises(ValueError, match="expected a number"):
        Client.objects.filter(pk="abc").first()


@pytest.mark.postgresql  # SQLite has no row locks: Django lets select_for_update through there, and so do we
@pytest.mark.django_db(transaction=True)
def test_a_lock_outside_a_transaction_is_refused_as_select_for_update_refuses_it():
    client = make_client()
    with pytest.raises(TransactionManagementError):
        select_by_pk(Client, client.pk, for_update=True)
    with pytest.raises(TransactionManagementError):
        list(Client.objects.select_for_update().filter(pk=client.pk))


@pytest.mark.django_db
def test_the_lock_helpers_of_one_row_answer_as_before():
    provider = make_provider()
    offered = make_slot(provider, timezone.now() + timedelta(days=3))
    withdrawn = make_slot(provider, timezone.now() + timedelta(days=3, minutes=15))
    Appointment.objects.filter(pk=withdrawn.pk).update(withdrawn_at=timezone.now())
    client = make_client()
    with transaction.atomic():
        assert list(lock_slots([offered.pk])) == [offered.pk]
        assert list(lock_slots([withdrawn.pk])) == [withdrawn.pk]
        assert lock_slots([withdrawn.pk], offered_only=True) == {}
        assert lock_slots([987654]) == {}
        assert lock_client(client.pk).pk == client.pk


def locked_elsewhere(table: str, pk: int) -> bool:
    """Whether another connection finds row ``pk`` of ``table`` locked (FOR UPDATE NOWAIT fails)."""
    found: list[bool] = []

    def other() -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"SELECT id FROM {table} WHERE id = %s FOR UPDATE NOWAIT", [pk])  # noqa: S608
            found.append(False)
        except OperationalError:
            found.append(True)
        finally:
            connection.close()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join(30)
    return found == [True]


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_for_update_locks_the_row_until_the_transaction_ends():
    client = make_client()
    slot = make_slot(make_provider(), timezone.now() + timedelta(days=3))
    assert not locked_elsewhere("reservation_client", client.pk)
    with transaction.atomic():
        select_by_pk(Client, client.pk, for_update=True)
        select_by_pk(Appointment, slot.pk)  # a plain read locks nothing
        assert locked_elsewhere("reservation_client", client.pk)
        assert not locked_elsewhere("reservation_appointment", slot.pk)
    assert not locked_elsewhere("reservation_client", client.pk)
