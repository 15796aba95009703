"""`reservation.models.loading.LoadedWithoutInit`: an instance read without ``__init__`` is the instance Django's own
loading builds, deferred columns and saving included, and a signal receiver it would skip fails the checks."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core import checks
from django.db import connection
from django.db.models import Model
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext

from reservation.models import Appointment, Client, Provider, Reservation
from reservation.models.loading import LoadedWithoutInit
from tests.factories import NOW, make_client, make_provider, make_reservation, make_slot

pytestmark = pytest.mark.django_db

LOADED_WITHOUT_INIT = (Appointment, Provider, Client, Reservation)


def _djangos_own(model: type[Model], db: str | None, field_names: Any, values: Any) -> Model:
    """The instance Django's ``Model.from_db`` (through ``__init__``) builds for the same row."""
    return Model.from_db.__func__(model, db, field_names, values)  # type: ignore[attr-defined,no-any-return]


def _fields(instance: Model) -> dict[str, Any]:
    return {name: value for name, value in instance.__dict__.items() if name != "_state"}


@pytest.fixture
def booked() -> Reservation:
    provider = make_provider("Grace", "Hopper")
    slot = make_slot(provider, NOW + timedelta(days=2))
    return make_reservation(make_client("Ada", "Lovelace"), slot, NOW)


def test_the_list_models_load_without_init() -> None:
    for model in LOADED_WITHOUT_INIT:
        assert issubclass(model, LoadedWithoutInit), model
        # Before Model in the bases, and not overridden: its from_db is the one that runs.
        assert model.__mro__.index(LoadedWithoutInit) < model.__mro__.index(Model), model
        assert not any("from_db" in vars(cls) for cls in model.__mro__[: model.__mro__.index(LoadedWithoutInit)])


@pytest.mark.usefixtures("booked")
@pytest.mark.parametrize("model", LOADED_WITHOUT_INIT)
def test_a_loaded_row_is_what_djangos_loading_builds(model: type[Model]) -> None:
    ours = model.objects.get()  # type: ignore[attr-defined]
    names = [field.attname for field in model._meta.concrete_fields]
    theirs = _djangos_own(model, "default", names, [ours.__dict__[name] for name in names])
    assert _fields(ours) == _fields(theirs)
    assert type(ours) is model
    assert (ours._state.adding, ours._state.db) == (theirs._state.adding, theirs._state.db) == (False, "default")
    assert ours == theirs
    assert ours.get_deferred_fields() == set()


def test_deferred_columns_stay_deferred_and_load_on_first_read(booked: Reservation) -> None:
    slot = Appointment.objects.defer("created_at", "end_time").get()
    names = [field.attname for field in Appointment._meta.concrete_fields if field.attname in slot.__dict__]
    theirs = _djangos_own(Appointment, "default", names, [slot.__dict__[name] for name in names])
    assert slot.get_deferred_fields() == theirs.get_deferred_fields() == {"created_at", "end_time"}
    with CaptureQueriesContext(connection) as queries:
        assert slot.end_time == booked.appointment.end_time
    assert len(queries) == 1
    assert slot.get_deferred_fields() == {"created_at"}


def test_related_rows_loaded_with_the_query_are_cached(booked: Reservation) -> None:
    slot = Appointment.objects.select_related("provider").get()
    with CaptureQueriesContext(connection) as queries:
        assert slot.provider.first_name == "Grace"
        assert Appointment.provider.is_cached(slot)
    assert len(queries) == 0


def test_a_loaded_row_saves_as_an_update_and_refreshes(booked: Reservation) -> None:
    provider = Provider.objects.get()
    provider.first_name = "Amazing Grace"
    with CaptureQueriesContext(connection) as queries:
        provider.save(update_fields=["first_name"])
    assert [query["sql"].split()[0] for query in queries] == ["UPDATE"]
    assert Provider.objects.count() == 1
    Provider.objects.update(last_name="Murray Hopper")
    provider.refresh_from_db()
    assert (provider.first_name, provider.last_name) == ("Amazing Grace", "Murray Hopper")


@pytest.fixture
def post_init_receiver() -> Iterator[None]:
    def receiver(**kwargs: Any) -> None:
        """A receiver that loading without ``__init__`` would skip."""

    post_init.connect(receiver, sender=Provider, weak=False)
    yield
    post_init.disconnect(receiver, sender=Provider)


def test_the_checks_pass_without_init_signal_receivers() -> None:
    for model in LOADED_WITHOUT_INIT:
        assert not [error for error in model.check() if error.id == "reservation.E001"]


@pytest.mark.usefixtures("post_init_receiver")
def test_a_post_init_receiver_fails_the_checks() -> None:
    errors = [error for error in checks.run_checks() if error.id == "reservation.E001"]
    assert [(error.obj, error.level) for error in errors] == [(Provider, checks.ERROR)]
    assert "post_init" in errors[0].msg
