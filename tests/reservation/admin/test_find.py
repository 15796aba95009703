"""Finding: clients, providers, slots and reservations by name, username, email, number or the API's global ID
(as pasted from a front end's error report), reservations by appointment date in the provider's zone; filters by
state, provider and date; drill-down by appointment date, not booking time."""

from datetime import timedelta

import pytest

from tests.factories import NOW, gid, make_reservation, make_slot

from .conftest import listed

pytestmark = pytest.mark.django_db

CLIENTS = "/admin/reservation/client/"
PROVIDERS = "/admin/reservation/provider/"
SLOTS = "/admin/reservation/appointment/"
RESERVATIONS = "/admin/reservation/reservation/"


@pytest.mark.parametrize("term", ["ada", "ada@example.org", "Lovelace ada", "ClientType"])
def test_a_client_is_found_by_username_email_name_and_global_id(support, clinic, term):
    if term == "ClientType":
        term = gid("ClientType", clinic.client.pk)

    found = listed(support.get(CLIENTS, {"q": term}))

    assert clinic.client.pk in found
    if term.startswith(("ada@", "Q2")):  # the email and the global ID are Ada's own
        assert found == [clinic.client.pk]


def test_a_client_is_found_by_number(support, clinic):
    assert listed(support.get(CLIENTS, {"q": str(clinic.namesake.pk)})) == [clinic.namesake.pk]


def test_namesakes_are_told_apart_by_username(support, clinic):
    page = support.get(CLIENTS, {"q": "Lovelace"}).content.decode()

    assert ">ada</td>" in page
    assert ">ada2</td>" in page
    assert str(clinic.client) == "Ada Lovelace (ada)"
    assert str(clinic.namesake) == "Ada Lovelace (ada2)"


def test_a_global_id_of_another_type_finds_nothing_rather_than_a_same_numbered_record(support, clinic):
    term = gid("ProviderType", clinic.client.pk)

    assert listed(support.get(CLIENTS, {"q": term})) == []


def test_a_provider_is_found_by_username_and_global_id(support, clinic):
    assert listed(support.get(PROVIDERS, {"q": "grace"})) == [clinic.provider.pk]
    assert listed(support.get(PROVIDERS, {"q": gid("ProviderType", clinic.provider.pk)})) == [clinic.provider.pk]


def test_a_slot_is_found_by_its_global_id_and_a_providers_by_theirs(support, clinic):
    slot = clinic.slots[3]

    assert listed(support.get(SLOTS, {"q": gid("AppointmentType", slot.pk)})) == [slot.pk]
    assert len(listed(support.get(SLOTS, {"q": gid("ProviderType", clinic.provider.pk)}))) == len(clinic.slots)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("ReservationType", "held"), ("ClientType", "ada"), ("AppointmentType", "booked-slot"), ("ProviderType", "all")],
)
def test_reservations_are_found_by_any_global_id_that_points_at_them(support, clinic, kind, expected):
    pk = {
        "ReservationType": clinic.held.pk,
        "ClientType": clinic.client.pk,
        "AppointmentType": clinic.booked.appointment_id,
        "ProviderType": clinic.provider.pk,
    }[kind]
    want = {
        "held": {clinic.held.pk},
        "ada": {clinic.held.pk, clinic.booked.pk},
        "booked-slot": {clinic.booked.pk},
        "all": {clinic.held.pk, clinic.booked.pk, clinic.expired.pk},
    }[expected]

    assert set(listed(support.get(RESERVATIONS, {"q": gid(kind, pk)}))) == want


def test_reservations_are_found_by_username_email_and_number(support, clinic):
    assert set(listed(support.get(RESERVATIONS, {"q": "ada2"}))) == {clinic.expired.pk}
    assert set(listed(support.get(RESERVATIONS, {"q": "ada@example.org"}))) == {clinic.held.pk, clinic.booked.pk}
    assert clinic.booked.pk in listed(support.get(RESERVATIONS, {"q": str(clinic.booked.pk)}))


def test_reservations_are_found_by_appointment_date_in_the_providers_zone(support, clinic):
    # The slots start Wed 9 Jan 2030 09:00 UTC, which is 04:00 in New York; one at 03:00 UTC is still the 8th there.
    late = make_slot(clinic.provider, NOW + timedelta(days=2) - timedelta(hours=6))
    evening = make_reservation(clinic.namesake, late, NOW - timedelta(minutes=1))

    on_ninth = set(listed(support.get(RESERVATIONS, {"q": "2030-01-09"})))
    on_eighth = set(listed(support.get(RESERVATIONS, {"q": "2030-01-08"})))

    assert on_ninth == {clinic.held.pk, clinic.booked.pk, clinic.expired.pk}
    assert on_eighth == {evening.pk}


def test_the_date_drill_down_is_by_appointment_time_not_booking_time(support, clinic):
    response = support.get(
        RESERVATIONS,
        {
            "appointment__start_time__year": "2030",
            "appointment__start_time__month": "1",
            "appointment__start_time__day": "9",
        },
    )
    booked_today = support.get(
        RESERVATIONS,
        {
            "appointment__start_time__year": "2030",
            "appointment__start_time__month": "1",
            "appointment__start_time__day": "7",
        },
    )

    assert set(listed(response)) == {clinic.held.pk, clinic.booked.pk, clinic.expired.pk}
    assert listed(booked_today) == []


@pytest.mark.parametrize(("state", "name"), [("held", "held"), ("confirmed", "booked"), ("expired", "expired")])
def test_reservations_filter_by_state_provider_and_when(support, clinic, state, name):
    response = support.get(RESERVATIONS, {"state": state, "provider": clinic.provider.pk, "when": "upcoming"})

    assert listed(response) == [getattr(clinic, name).pk]
    assert listed(support.get(RESERVATIONS, {"state": state, "when": "past"})) == []


def test_a_pasted_garbage_term_is_an_ordinary_search_not_an_error(support, clinic):
    for term in ["UmVzZXJ2YXRpb25UeXBlOjEy==", "!!!", "9" * 40, "2030-02-31"]:
        assert support.get(RESERVATIONS, {"q": term}).status_code == 200
        assert support.get(CLIENTS, {"q": term}).status_code == 200
