"""Idempotency keys through /graphql: replay, refusal of a reused key, per-caller scope, expiry, what is stored.

The clock is frozen at `tests.factories.NOW`; ``performed`` counts how often each mutation really ran.
"""

import json
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import override_settings
from freezegun.api import FrozenDateTimeFactory
from graphql import GraphQLError

from api.core.mutation import DomainMutation
from api.mutation.appointment import AppointmentBulkCreate
from api.mutation.client import ClientCreate
from api.mutation.provider import ProviderCreate
from api.mutation.reservation import ReservationConfirm, ReservationCreate
from reservation.errors import DomainError, ErrorCode
from reservation.models import Appointment, Client, IdempotencyRecord, Provider, Reservation, ReservationEvent
from reservation.services import idempotency as storage
from tests.factories import NOW, PASSWORD, gid, make_client, make_provider, make_reservation, make_slot
from tests.graphql import KEYED_APPOINTMENT_BULK_CREATE as APPOINTMENT_BULK_CREATE
from tests.graphql import KEYED_CLIENT_CREATE as CLIENT_CREATE
from tests.graphql import KEYED_PROVIDER_CREATE as PROVIDER_CREATE
from tests.graphql import KEYED_RESERVATION_CONFIRM as RESERVATION_CONFIRM
from tests.graphql import KEYED_RESERVATION_CREATE as RESERVATION_CREATE
from tests.graphql import codes, payload, post

KEY = "6f1c2a9e-3b7d-4c1e-9a55-2d0f8b7e4c11"
OTHER_KEY = "0b8e4f3a-9c2d-4e6f-8a1b-7d5c3e2f1a90"
REUSED = [("IDEMPOTENCY_KEY_REUSED", "idempotencyKey")]

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def performed(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How many times each mutation's `perform` ran."""
    calls: Counter[str] = Counter()

    def spy(mutation: type[DomainMutation]) -> None:
        original = mutation.perform.__func__  # type: ignore[attr-defined]

        def counted(cls: type[DomainMutation], /, info: Any, **data: Any) -> Any:
            calls[cls.__name__] += 1
            return original(cls, info, **data)

        monkeypatch.setattr(mutation, "perform", classmethod(counted))

    for mutation in (ReservationCreate, ReservationConfirm, AppointmentBulkCreate, ClientCreate, ProviderCreate):
        spy(mutation)
    return calls


@pytest.fixture
def ada(db: None) -> Client:
    return make_client(username="ada")


@pytest.fixture
def far_slot(provider: Provider) -> Appointment:
    """A slot three days after NOW: still reservable a day later."""
    return make_slot(provider, NOW + timedelta(days=3))


def reserve(client: Client, slot: Appointment, key: str | None = KEY, **variables: Any) -> dict[str, Any]:
    """reservationCreate of ``slot`` sent by ``client`` with idempotency key ``key``."""
    return post(
        RESERVATION_CREATE, {"appointmentId": gid("AppointmentType", slot.pk), "key": key, **variables}, client.user
    )


def reservation_of(body: dict[str, Any]) -> dict[str, Any] | None:
    reservation: dict[str, Any] | None = payload(body, "reservationCreate")["reservation"]
    return reservation


# --- a retry returns the first result and changes nothing ------------------------------------------------------


def test_reservation_create_retry_returns_the_first_result_and_creates_nothing(ada, slot, performed):
    first = reserve(ada, slot)
    events = ReservationEvent.objects.count()

    retry = reserve(ada, slot)

    assert retry == first
    assert reservation_of(first) is not None
    assert payload(first, "reservationCreate")["errors"] == []
    assert Reservation.objects.count() == 1
    assert ReservationEvent.objects.count() == events
    assert performed["ReservationCreate"] == 1
    record = IdempotencyRecord.objects.get()
    assert (record.scope, record.key, record.operation) == (f"user:{ada.user_id}", KEY, "reservationCreate")
    assert record.response == {
        "fields": {"reservation": {"model": "reservation.reservation", "pk": Reservation.objects.get().pk}},
        "errors": [],
    }


def test_appointment_bulk_create_retry_returns_the_same_slots_and_creates_none(graphql, provider, performed):
    start = NOW + timedelta(days=2)
    variables = {
        "providerId": gid("ProviderType", provider.pk),
        "startTime": start.isoformat(),
        "endTime": (start + timedelta(hours=1)).isoformat(),
        "key": KEY,
    }
    first = graphql(APPOINTMENT_BULK_CREATE, variables)
    retry = graphql(APPOINTMENT_BULK_CREATE, variables)

    assert retry == first
    edges = payload(first, "appointmentBulkCreate")["appointments"]["edges"]
    assert [edge["node"]["timeSlot"] for edge in edges] == [
        (start + timedelta(minutes=15 * index)).isoformat() for index in range(4)
    ]
    assert Appointment.objects.count() == 4
    assert performed["AppointmentBulkCreate"] == 1


def test_client_create_retry_by_staff_returns_the_same_client(graphql, staff_user, performed):
    variables = {"firstName": "Margaret", "lastName": "Hamilton", "username": "margaret", "key": KEY}
    users = User.objects.count()

    first = graphql(CLIENT_CREATE, variables)
    retry = graphql(CLIENT_CREATE, variables)

    assert retry == first
    assert payload(first, "clientCreate")["client"]["firstName"] == "Margaret"
    assert Client.objects.count() == 1
    assert User.objects.count() == users + 1
    assert performed["ClientCreate"] == 1
    assert IdempotencyRecord.objects.get().scope == f"user:{staff_user.pk}"


def test_reservation_confirm_retry_confirms_once(ada, slot, performed):
    held = make_reservation(ada, slot, created_at=NOW - timedelta(minutes=5))
    variables = {"reservationId": gid("ReservationType", held.pk), "key": KEY}

    first = post(RESERVATION_CONFIRM, variables, ada.user)
    confirmed_at = Reservation.objects.get().confirmed_at
    retry = post(RESERVATION_CONFIRM, variables, ada.user)

    assert retry == first
    assert payload(first, "reservationConfirm")["reservation"]["state"] == "CONFIRMED"
    assert Reservation.objects.get().confirmed_at == confirmed_at == NOW
    assert ReservationEvent.objects.filter(kind="confirmed").count() == 1
    assert performed["ReservationConfirm"] == 1


def test_a_retry_reads_the_objects_as_they_are_now(ada, slot, frozen: FrozenDateTimeFactory):
    first = reservation_of(reserve(ada, slot))
    assert first is not None
    assert first["state"] == "HELD"
    frozen.tick(timedelta(minutes=1))
    confirm = post(RESERVATION_CONFIRM, {"reservationId": first["id"]}, ada.user)
    assert payload(confirm, "reservationConfirm")["errors"] == []

    retry = reservation_of(reserve(ada, slot))

    assert retry is not None
    assert retry["id"] == first["id"]
    assert retry["state"] == "CONFIRMED"
    assert Reservation.objects.count() == 1


def test_a_retry_of_an_object_deleted_since_answers_null(graphql):
    first = graphql(PROVIDER_CREATE, {"firstName": "Grace", "lastName": "Hopper", "key": KEY})
    assert payload(first, "providerCreate")["provider"] is not None
    Provider.objects.all().delete()

    retry = graphql(PROVIDER_CREATE, {"firstName": "Grace", "lastName": "Hopper", "key": KEY})

    assert payload(retry, "providerCreate") == {"provider": None, "errors": []}
    assert Provider.objects.count() == 0


def test_client_mutation_id_is_no_part_of_the_request(ada, slot, performed):
    first = reserve(ada, slot, clientMutationId="first")
    retry = reserve(ada, slot, clientMutationId="second")

    assert payload(retry, "reservationCreate")["clientMutationId"] == "second"
    assert reservation_of(retry) == reservation_of(first)
    assert performed["ReservationCreate"] == 1


# --- the same key with another request -------------------------------------------------------------------------


def test_the_same_key_with_another_input_is_refused_and_changes_nothing(ada, provider, slot, performed):
    other_slot = make_slot(provider, slot.end_time)
    reserve(ada, slot)

    body = reserve(ada, other_slot)

    assert codes(body, "reservationCreate") == REUSED
    assert reservation_of(body) is None
    assert list(Reservation.objects.values_list("appointment_id", flat=True)) == [slot.pk]
    assert performed["ReservationCreate"] == 1
    # The first result is still the key's.
    assert reservation_of(reserve(ada, slot)) is not None


def test_the_same_key_for_another_operation_is_refused(ada, slot, performed):
    held = reservation_of(reserve(ada, slot))
    assert held is not None

    body = post(RESERVATION_CONFIRM, {"reservationId": held["id"], "key": KEY}, ada.user)

    assert codes(body, "reservationConfirm") == REUSED
    assert Reservation.objects.get().confirmed_at is None
    assert performed["ReservationConfirm"] == 0


# --- whose key ---------------------------------------------------------------------------------------------------


def test_keys_are_per_caller(ada, provider, slot):
    edsger = make_client("Edsger", "Dijkstra", username="edsger")
    other_slot = make_slot(provider, slot.end_time)

    mine = reservation_of(reserve(ada, slot))
    theirs = reservation_of(reserve(edsger, other_slot))

    assert mine is not None
    assert theirs is not None
    assert mine["id"] != theirs["id"]
    assert sorted(IdempotencyRecord.objects.values_list("scope", flat=True)) == sorted(
        [f"user:{ada.user_id}", f"user:{edsger.user_id}"]
    )


def test_anonymous_sign_ups_are_keyed_per_address(db, performed):
    variables = {"firstName": "Ada", "lastName": "Lovelace", "username": "ada", "password": PASSWORD, "key": KEY}

    first = post(CLIENT_CREATE, variables, None, REMOTE_ADDR="203.0.113.7")
    retry = post(CLIENT_CREATE, variables, None, REMOTE_ADDR="203.0.113.7")
    elsewhere = post(CLIENT_CREATE, variables, None, REMOTE_ADDR="198.51.100.9")

    assert retry == first
    assert payload(first, "clientCreate")["client"] is not None
    # The same key from another address is another key: the sign-up runs, and finds the username taken.
    assert codes(elsewhere, "clientCreate") == [("USERNAME_TAKEN", "username")]
    assert performed["ClientCreate"] == 2
    assert Client.objects.count() == 1
    records = {record.scope: record for record in IdempotencyRecord.objects.all()}
    assert records.keys() == {"anonymous:203.0.113.7", "anonymous:198.51.100.9"}
    # The stored records hold neither the password nor a plain hash of the input.
    for record in records.values():
        assert PASSWORD not in json.dumps(record.response)
        assert len(record.request_hash) == 64


# --- expiry ------------------------------------------------------------------------------------------------------


def test_a_key_is_replayed_until_it_expires_then_runs_again(ada, far_slot, frozen: FrozenDateTimeFactory, performed):
    first = reservation_of(reserve(ada, far_slot))
    assert first is not None

    frozen.tick(timedelta(hours=24) - timedelta(seconds=1))
    replayed = reservation_of(reserve(ada, far_slot))
    assert replayed == {**first, "state": "EXPIRED"}, "the first hold, as it is now"
    assert performed["ReservationCreate"] == 1

    frozen.tick(timedelta(seconds=1))  # exactly 24 hours: expired (the first hold ran out long ago)
    again = reservation_of(reserve(ada, far_slot))

    assert again is not None
    assert again["id"] != first["id"]
    assert performed["ReservationCreate"] == 2
    assert Reservation.objects.count() == 2
    record = IdempotencyRecord.objects.get()
    assert record.created_at == NOW + timedelta(hours=24)
    assert record.response["fields"]["reservation"]["pk"] == Reservation.objects.latest("pk").pk


def test_an_expired_key_may_come_with_another_input(ada, provider, far_slot, frozen: FrozenDateTimeFactory):
    reserve(ada, far_slot)
    frozen.tick(timedelta(hours=25))

    body = reserve(ada, make_slot(provider, far_slot.end_time))

    assert reservation_of(body) is not None
    assert IdempotencyRecord.objects.count() == 1


@override_settings(IDEMPOTENCY_KEY_TTL_HOURS=1)
def test_the_lifetime_is_a_setting(ada, far_slot, frozen: FrozenDateTimeFactory, performed):
    reserve(ada, far_slot)
    frozen.tick(timedelta(hours=1))

    reserve(ada, far_slot)

    assert performed["ReservationCreate"] == 2


def test_a_new_key_deletes_the_callers_expired_records_only(ada, provider, far_slot, frozen: FrozenDateTimeFactory):
    edsger = make_client("Edsger", "Dijkstra", username="edsger")
    reserve(ada, far_slot, key="old")
    reserve(edsger, make_slot(provider, far_slot.end_time), key="old")
    frozen.tick(timedelta(hours=25))

    reserve(ada, make_slot(provider, far_slot.start_time + timedelta(hours=2)), key="new")

    remaining = set(IdempotencyRecord.objects.values_list("scope", "key"))
    assert remaining == {(f"user:{ada.user_id}", "new"), (f"user:{edsger.user_id}", "old")}


# --- what is stored, and what is not -----------------------------------------------------------------------------


def test_a_domain_error_is_stored_and_replayed(ada, slot, frozen: FrozenDateTimeFactory, performed):
    make_reservation(make_client("Edsger", "Dijkstra"), slot, created_at=NOW - timedelta(minutes=10))

    refused = reserve(ada, slot)
    assert codes(refused, "reservationCreate") == [("SLOT_UNAVAILABLE", "appointmentId")]

    frozen.tick(timedelta(minutes=20))  # the other hold has run out: the slot is free again
    retry = reserve(ada, slot)

    assert retry == refused
    assert performed["ReservationCreate"] == 1
    assert Reservation.objects.count() == 1
    record = IdempotencyRecord.objects.get()
    assert record.response["fields"] == {"reservation": None}
    assert [error["code"] for error in record.response["errors"]] == ["SLOT_UNAVAILABLE"]
    # A new key is a new request.
    assert reservation_of(reserve(ada, slot, key=OTHER_KEY)) is not None


def test_a_domain_error_undoes_what_the_mutation_wrote_and_is_stored(graphql, monkeypatch: pytest.MonkeyPatch):
    def writes_then_refuses(cls: type[DomainMutation], /, info: Any, **data: Any) -> Any:
        make_provider("Half", "Done")
        raise DomainError(ErrorCode.INVALID, "Refused after writing.", "firstName")

    monkeypatch.setattr(ProviderCreate, "perform", classmethod(writes_then_refuses))

    body = graphql(PROVIDER_CREATE, {"firstName": "Grace", "lastName": "Hopper", "key": KEY})

    assert codes(body, "providerCreate") == [("INVALID", "firstName")]
    assert Provider.objects.count() == 0
    assert IdempotencyRecord.objects.get().response["errors"][0]["code"] == "INVALID"


def test_top_level_errors_are_not_stored(ada, slot):
    edsger = make_client("Edsger", "Dijkstra")

    anonymous = post(RESERVATION_CREATE, {"appointmentId": gid("AppointmentType", slot.pk), "key": KEY}, None)
    forbidden = reserve(ada, slot, clientId=gid("ClientType", edsger.pk))

    assert [error["extensions"]["code"] for error in anonymous["errors"]] == ["UNAUTHENTICATED"]
    assert [error["extensions"]["code"] for error in forbidden["errors"]] == ["FORBIDDEN"]
    assert not IdempotencyRecord.objects.exists()
    # So the key is still free, for the corrected request.
    assert reservation_of(reserve(ada, slot)) is not None


@override_settings(RATELIMIT_RESERVATION_PER_USER="1/m")
def test_rate_limited_is_not_stored(ada, provider, slot, frozen: FrozenDateTimeFactory, performed):
    reserve(ada, make_slot(provider, slot.end_time), key=None)

    limited = reserve(ada, slot)

    assert codes(limited, "reservationCreate") == [("RATE_LIMITED", None)]
    assert not IdempotencyRecord.objects.exists()
    frozen.tick(timedelta(minutes=1))
    assert reservation_of(reserve(ada, slot)) is not None
    assert performed["ReservationCreate"] == 3


def test_a_crash_before_commit_keeps_neither_the_change_nor_the_result(ada, slot, monkeypatch: pytest.MonkeyPatch):
    def crash(record: IdempotencyRecord, response: dict[str, Any]) -> None:
        raise RuntimeError("the process died while storing the result")

    with monkeypatch.context() as patch:
        patch.setattr(storage, "complete", crash)
        body = reserve(ada, slot)

    assert [error["extensions"]["code"] for error in body["errors"]] == ["INTERNAL_SERVER_ERROR"]
    assert not Reservation.objects.exists()
    assert not IdempotencyRecord.objects.exists()
    # The retry runs the mutation.
    assert reservation_of(reserve(ada, slot)) is not None
    assert Reservation.objects.count() == 1


def test_an_error_after_the_writes_rolls_them_back_and_stores_nothing(graphql, monkeypatch: pytest.MonkeyPatch):
    def writes_then_forbidden(cls: type[DomainMutation], /, info: Any, **data: Any) -> Any:
        make_provider("Half", "Done")
        raise GraphQLError("No.", extensions={"code": "FORBIDDEN"})

    monkeypatch.setattr(ProviderCreate, "perform", classmethod(writes_then_forbidden))

    body = graphql(PROVIDER_CREATE, {"firstName": "Grace", "lastName": "Hopper", "key": KEY})

    assert [error["extensions"]["code"] for error in body["errors"]] == ["FORBIDDEN"]
    assert not Provider.objects.exists()
    assert not IdempotencyRecord.objects.exists()


def test_without_a_key_nothing_is_stored(ada, slot, graphql):
    assert reservation_of(reserve(ada, slot, key=None)) is not None
    assert payload(graphql(PROVIDER_CREATE, {"firstName": "Grace", "lastName": "Hopper"}), "providerCreate")["provider"]

    assert not IdempotencyRecord.objects.exists()


# --- the key itself ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["", "   ", "k" * 256], ids=["empty", "blank", "256 characters"])
def test_an_invalid_key_is_refused(ada, slot, key: str, performed):
    body = reserve(ada, slot, key=key)

    assert codes(body, "reservationCreate") == [("INVALID", "idempotencyKey")]
    assert performed["ReservationCreate"] == 0
    assert not IdempotencyRecord.objects.exists()


def test_a_key_of_255_characters_is_accepted(ada, slot):
    assert reservation_of(reserve(ada, slot, key="k" * 255)) is not None
    assert IdempotencyRecord.objects.get().key == "k" * 255


def test_a_retry_after_a_secret_key_rotation_is_still_recognised(ada, slot, settings, performed):
    first = reserve(ada, slot)
    old_secret = settings.SECRET_KEY

    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-secret-key-" + "x" * 40, [old_secret]
    assert reserve(ada, slot) == first
    settings.SECRET_KEY_FALLBACKS = []
    assert codes(reserve(ada, slot), "reservationCreate") == REUSED
    assert performed["ReservationCreate"] == 1
