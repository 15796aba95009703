"""Support staff at work in a real browser (Debian's Chromium, Playwright) against a live server on loopback:
log in; find a client by username and by a pasted global ID; open a held slot and read who holds it until when;
cancel a booking with a reason and see the slot offered again in ``availableAppointments``; try to delete a
reservation and be refused; reschedule a booking, choosing another provider with the autocomplete; filter the
reservations by a client chosen by typing.

Each step's page is saved as a screenshot under ``test-artifacts/admin/`` (git-ignored; `tests.browser`). The
clock is the real one: the live server runs in another thread, and the browser's session must be valid now.
"""

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from reservation import rules
from reservation.grid import is_on_grid
from reservation.models import Appointment, Reservation
from reservation.services.reservations import reservation_confirm, reservation_create
from tests.browser import artifacts, chromium
from tests.factories import NEW_YORK, gid, make_client, make_provider, make_slot

PASSWORD = "support-browser-2030"


def next_grid_instant() -> Any:
    """The first slot boundary two days from now."""
    instant = (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    while not is_on_grid(instant):
        instant += timedelta(minutes=1)
    return instant


@pytest.fixture
def clinic(transactional_db: None) -> dict[str, Any]:
    User.objects.create_superuser("support", email="support@example.org", password=PASSWORD)
    grace = make_provider("Grace", "Hopper", username="grace", time_zone=NEW_YORK)
    alan = make_provider("Alan", "Turing", username="alan", time_zone="Europe/London")
    ada = make_client("Ada", "Lovelace", username="ada")
    make_client("Ada", "Lovelace", username="ada-other")
    start = next_grid_instant()
    slots = [make_slot(grace, start + index * rules.slot_duration()) for index in range(6)]
    elsewhere = make_slot(alan, start + timedelta(hours=3))
    held = reservation_create(client_id=ada.pk, appointment_id=slots[0].pk)
    booked = reservation_create(client_id=ada.pk, appointment_id=slots[1].pk)
    reservation_confirm(reservation_id=booked.pk)
    moving = reservation_create(client_id=ada.pk, appointment_id=slots[2].pk)
    reservation_confirm(reservation_id=moving.pk)
    return {"ada": ada, "grace": grace, "held": held, "booked": booked, "moving": moving, "elsewhere": elsewhere}


def test_support_staff_do_their_tasks_in_a_browser(live_server, clinic):
    origin = live_server.url
    shots = artifacts("admin")
    errors: list[str] = []

    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("pageerror", lambda error: errors.append(str(error)))

        def shot(name: str) -> None:
            page.screenshot(path=str(shots / f"{name}.png"), full_page=True)

        # Log in as support.
        page.goto(f"{origin}/admin/")
        page.fill("#id_username", "support")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.get_by_text("Site administration").wait_for()
        shot("01-logged-in")

        # Find a client by username, then by a global ID pasted from a front end's error report.
        page.goto(f"{origin}/admin/reservation/client/")
        page.fill("#searchbar", "ada-other")
        page.press("#searchbar", "Enter")
        page.wait_for_load_state()
        rows = page.locator("#result_list tbody tr")
        assert rows.count() == 1
        assert "ada-other" in rows.first.inner_text()
        shot("02-client-by-username")
        page.fill("#searchbar", gid("ClientType", clinic["ada"].pk))
        page.press("#searchbar", "Enter")
        page.wait_for_load_state()
        assert rows.count() == 1
        assert "ada\t" in rows.first.inner_text() + "\t"
        shot("03-client-by-global-id")

        # Open the held slot from the slot list filtered by state, and read who holds it until when.
        page.goto(f"{origin}/admin/reservation/appointment/?state=held")
        page.locator("#result_list tbody tr th a").first.click()
        state = page.locator(".field-state_now .readonly").inner_text()
        assert state.startswith("held by Ada Lovelace (ada) until ")
        assert "EST" in state or "EDT" in state
        assert "UTC" in state
        shot("04-held-slot")

        # Cancel a booking with a reason; the slot is offered again in availableAppointments.
        booked: Reservation = clinic["booked"]
        page.goto(f"{origin}/admin/reservation/reservation/{booked.pk}/change/")
        assert page.locator("input[name=_save]").count() == 0  # a read-only page: no Save button
        page.get_by_role("link", name="Cancel…").click()
        page.fill("textarea[name=reason]", "Dr Hopper is ill; we will call you.")
        shot("05-cancel-form")
        page.get_by_role("button", name="Cancel").click()
        page.locator(".messagelist .success").wait_for()
        assert "cancelled." in page.locator(".messagelist").inner_text()
        assert "Dr Hopper is ill; we will call you." in page.locator("#events-group").inner_text()
        shot("06-cancelled")
        answer = page.request.post(
            f"{origin}/graphql",
            data={"query": "{ availableAppointments(first: 100) { edges { node { id } } } }"},
            headers={"Content-Type": "application/json"},
        ).json()
        offered = {edge["node"]["id"] for edge in answer["data"]["availableAppointments"]["edges"]}
        assert gid("AppointmentType", booked.appointment_id) in offered

        # Try to delete a reservation: there is no way, and the URL is refused.
        page.goto(f"{origin}/admin/reservation/reservation/")
        options = page.locator("select[name=action] option").all_inner_texts()
        assert not any("Delete" in option for option in options)
        refused = page.goto(f"{origin}/admin/reservation/reservation/{booked.pk}/delete/")
        assert refused is not None
        assert refused.status == 403
        shot("07-delete-refused")

        # Reschedule a booking to another provider's slot, chosen with the autocomplete.
        moving: Reservation = clinic["moving"]
        page.goto(f"{origin}/admin/reservation/reservation/{moving.pk}/change/")
        page.get_by_role("link", name="Reschedule…").click()
        page.locator("input[name=appointment]").first.wait_for()
        assert page.locator("input[name=appointment]").count() == 4  # Grace's free slots: 1 (cancelled above), 3, 4, 5
        page.locator(".select2-selection").click()
        page.keyboard.type("alan")
        page.locator(".select2-results__option", has_text="Alan Turing (alan)").click()
        page.get_by_role("button", name="Show this provider's slots").click()
        page.wait_for_url("**provider=*")
        assert page.locator("input[name=appointment]").count() == 1
        shot("08-reschedule-form")
        page.locator("input[name=appointment]").first.check()
        page.get_by_role("button", name="Reschedule").click()
        page.locator(".messagelist .success").wait_for()
        assert "moved to Alan Turing" in page.locator(".messagelist").inner_text()
        shot("09-rescheduled")

        # Filter the reservations by client, chosen by typing (the autocomplete filter tells the namesakes apart).
        page.goto(f"{origin}/admin/reservation/reservation/")
        page.locator("#filter-client + .select2 .select2-selection").click()
        page.keyboard.type("lovelace")
        page.locator(".select2-results__option", has_text="Ada Lovelace (ada-other)").wait_for()
        page.locator(".select2-results__option", has_text="Ada Lovelace (ada)").first.click()
        page.wait_for_url(f"**/reservation/?client={clinic['ada'].pk}")
        assert page.locator("#result_list tbody tr").count() == 4  # held, cancelled, rescheduled, and the new booking
        shot("10-filtered-by-client")

    moving.refresh_from_db()
    assert moving.rescheduled_to is not None
    assert moving.rescheduled_to.appointment_id == clinic["elsewhere"].pk
    assert Appointment.objects.filter(pk=booked.appointment_id).exists()
    assert errors == []
