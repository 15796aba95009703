"""Builders of test data, and readers of what the tests check in the database; times are aware UTC datetimes.

The one place for them (operation documents and their helpers are in `tests.graphql`, fixtures in
``tests/conftest.py``): people with or without a login, slots, reservations in any state, and the two worlds
several test modules share, the lifecycle's `Cast` and the calendar feeds' `CalendarSchedule`.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from graphql_relay import to_global_id

from reservation import rules
from reservation.models import Appointment, Client, Provider, Reservation, ReservationState, VisitType
from reservation.services.schedules import WeeklyRange

# The frozen "now" of most tests: Monday 2030-01-07 09:00 UTC.
NOW = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
SLOT = timedelta(minutes=15)
DAY = timedelta(days=1)
NEW_YORK = "America/New_York"
SYDNEY = "Australia/Sydney"
# The password of every login made here: Django's validators accept it (clientCreate checks it).
PASSWORD = "correct-horse-battery-2030"

PersonT = TypeVar("PersonT", Provider, Client)

MORNINGS = [WeeklyRange(day, time(9), time(12)) for day in range(5)]
"""A weekly schedule: Monday to Friday, 09:00-12:00 local time."""


def gid(type_name: str, pk: int) -> str:
    """The relay global ID of ``type_name`` (e.g. "ProviderType") with primary key ``pk``."""
    return to_global_id(type_name, str(pk))


def provider_id(provider: Provider) -> str:
    """The provider's global ID."""
    return gid("ProviderType", provider.pk)


# --- people ---------------------------------------------------------------------------------------------------


def make_user(username: str, first_name: str = "", last_name: str = "", **flags: Any) -> User:
    """A user who signs in with `PASSWORD` (``flags``: is_staff, is_superuser, is_active)."""
    return User.objects.create_user(username, password=PASSWORD, first_name=first_name, last_name=last_name, **flags)


def _person(model: type[PersonT], first_name: str, last_name: str, username: str | None, **fields: Any) -> PersonT:
    user = make_user(username, first_name, last_name) if username is not None else None
    return model.objects.create(user=user, first_name=first_name, last_name=last_name, **fields)


def make_provider(
    first_name: str = "Grace", last_name: str = "Hopper", *, username: str | None = None, time_zone: str = "UTC"
) -> Provider:
    """A provider in ``time_zone``, with a login named ``username`` if given."""
    return _person(Provider, first_name, last_name, username, time_zone=time_zone)


def provider_in(
    zone: str, first_name: str = "Grace", last_name: str = "Hopper", username: str | None = None
) -> Provider:
    """A provider whose schedule is in ``zone`` (`make_provider` with the zone first)."""
    return make_provider(first_name, last_name, username=username, time_zone=zone)


def make_client(first_name: str = "Ada", last_name: str = "Lovelace", *, username: str | None = None) -> Client:
    """A client, with a login named ``username`` if given."""
    return _person(Client, first_name, last_name, username)


# --- slots and reservations -----------------------------------------------------------------------------------


def make_slot(provider: Provider, start_time: datetime) -> Appointment:
    return Appointment.objects.create(
        provider=provider, start_time=start_time, end_time=start_time + rules.slot_duration()
    )


def make_reservation(
    client: Client,
    appointment: Appointment,
    created_at: datetime,
    confirmed: bool = False,
    *,
    ended_at: datetime | None = None,
    end_reason: ReservationState | None = None,
) -> Reservation:
    """A reservation made at ``created_at`` (confirmed a minute later if ``confirmed``), ended at ``ended_at``
    for ``end_reason`` if given, bypassing the rules."""
    return Reservation.objects.create(
        client=client,
        appointment=appointment,
        created_at=created_at,
        expires_at=created_at + rules.hold_duration(),
        confirmed_at=created_at + timedelta(minutes=1) if confirmed else None,
        ended_at=ended_at,
        end_reason=end_reason.value if end_reason else "",
    )


# --- reading rows back ----------------------------------------------------------------------------------------


def refreshed(provider: Provider) -> Provider:
    """``provider`` as the database has it now."""
    provider.refresh_from_db()
    return provider


def local(zone: str, day: date, hour: int, minute: int = 0, fold: int = 0) -> datetime:
    """The instant (UTC) of local wall-clock ``hour:minute`` on ``day`` in ``zone`` (``fold=1``: second occurrence)."""
    wall = datetime.combine(day, time(hour, minute)).replace(tzinfo=ZoneInfo(zone), fold=fold)
    return wall.astimezone(UTC)


def starts(provider: Provider, **filters: Any) -> list[datetime]:
    """Start times of the provider's slots (withdrawn ones too unless filtered), in order."""
    return list(
        Appointment.objects.filter(provider=provider, **filters)
        .order_by("start_time")
        .values_list("start_time", flat=True)
    )


def on_local_date(provider: Provider, day: date, zone: str | None = None) -> list[datetime]:
    """Start times of the provider's offered (not withdrawn) slots starting on local ``day`` in their zone."""
    tz = ZoneInfo(zone or provider.time_zone)
    return [start for start in starts(provider, withdrawn_at__isnull=True) if start.astimezone(tz).date() == day]


def assert_contiguous_without_overlap(slots: list[datetime]) -> None:
    """Slots are distinct, 15 minutes apart (no overlap), and on the UTC 15-minute grid."""
    assert len(set(slots)) == len(slots)
    for earlier, later in pairwise(slots):
        assert later - earlier >= SLOT, (earlier, later)
    for start in slots:
        assert start.astimezone(UTC).minute % 15 == 0, start
        assert start.second == start.microsecond == 0, start


# --- the lifecycle's cast -------------------------------------------------------------------------------------

SLOT_DAY = NOW + 2 * DAY  # Wednesday 2030-01-09 09:00 UTC: 48 hours ahead of NOW


@dataclass
class Cast:
    """The people of the lifecycle tests, each with a login: the provider (user ``provider``), whose slots the
    tests reserve, another provider (``other-provider``), the client (``client``), who reserves and acts, another
    client (``other-client``), and a staff user. Slots start two days after `NOW` unless a test says otherwise,
    so every rule passes at NOW."""

    provider: Provider
    other_provider: Provider
    client: Client
    other_client: Client
    staff: User

    @classmethod
    def make(cls, staff: User) -> "Cast":
        return cls(
            provider=make_provider("Grace", "Hopper", username="provider"),
            other_provider=make_provider("Alan", "Turing", username="other-provider"),
            client=make_client("Ada", "Lovelace", username="client"),
            other_client=make_client("Edsger", "Dijkstra", username="other-client"),
            staff=staff,
        )

    def slot(self, offset: timedelta = timedelta(0), provider: Provider | None = None) -> Appointment:
        """A slot of ``provider`` (the cast's provider by default) starting ``offset`` after `SLOT_DAY`."""
        return make_slot(provider or self.provider, SLOT_DAY + offset)

    def slot_at(self, start: datetime, provider: Provider | None = None) -> Appointment:
        return make_slot(provider or self.provider, start)

    def next_slots(self, count: int, provider: Provider | None = None) -> list[Appointment]:
        """``count`` consecutive slots from `SLOT_DAY`."""
        return [self.slot(index * rules.slot_duration(), provider) for index in range(count)]

    @property
    def provider_user(self) -> User:
        assert self.provider.user is not None
        return self.provider.user

    @property
    def other_provider_user(self) -> User:
        assert self.other_provider.user is not None
        return self.other_provider.user

    @property
    def client_user(self) -> User:
        assert self.client.user is not None
        return self.client.user

    @property
    def other_client_user(self) -> User:
        assert self.other_client.user is not None
        return self.other_client.user


# --- the calendar feeds' schedule -----------------------------------------------------------------------------


@dataclass
class CalendarSchedule:
    """Two providers, two clients and reservations in every state, for the calendar feed tests (at `NOW`).

    - provider P (Grace Hopper, user ``provider-p``) and provider Q (Alan Turing, ``provider-q``);
    - client C (Ada Lovelace, ``client-c``) and client D (Edsger Dijkstra, ``client-d``).

    Reservations, by label (``who-what-where``); "listed" means the feed shows it:

    | label | slot (start) | state | listed |
    | --- | --- | --- | --- |
    | c-booked-p | P, in 2 days 09:00 | confirmed | CONFIRMED |
    | d-booked-p | P, in 2 days 09:15 | confirmed | CONFIRMED |
    | c-held-p | P, in 2 days 09:30 | held | no |
    | d-expired-p | P, in 2 days 09:45 | hold expired | no |
    | d-released-p | P, in 2 days 10:00 | hold released | no |
    | c-cancelled-p | P, in 3 days | cancelled 2 days ago | CANCELLED |
    | c-moved-from-p | P, in 4 days | rescheduled yesterday to c-moved-to-p | CANCELLED |
    | c-moved-to-p | P, in 5 days | confirmed (by the reschedule) | CONFIRMED |
    | d-cancelled-long-ago-p | P, in 6 days | cancelled 40 days ago | no |
    | d-past-p | P, 10 days ago | confirmed | CONFIRMED (within the 30 past days) |
    | d-too-old-p | P, 40 days ago | confirmed | no |
    | c-too-far-p | P, in 400 days | confirmed | no |
    | c-cancelled-past-p | P, 5 days ago | cancelled yesterday | no (the slot is over) |
    | c-booked-q | Q, in 2 days 11:00 | confirmed | CONFIRMED |
    | d-booked-q | Q, in 2 days 12:00 | confirmed | CONFIRMED |
    """

    users: dict[str, User]
    providers: dict[str, Provider]
    clients: dict[str, Client]
    reservations: dict[str, Reservation]

    # What each user's feed lists: labels of the table above.
    LISTED = {
        "P": {"c-booked-p", "d-booked-p", "c-cancelled-p", "c-moved-from-p", "c-moved-to-p", "d-past-p"},
        "Q": {"c-booked-q", "d-booked-q"},
        "C": {"c-booked-p", "c-cancelled-p", "c-moved-from-p", "c-moved-to-p", "c-booked-q"},
        "D": {"d-booked-p", "d-past-p", "d-booked-q"},
    }
    CANCELLED = {"c-cancelled-p", "c-moved-from-p"}

    @classmethod
    def make(cls) -> "CalendarSchedule":
        p = make_provider("Grace", "Hopper", username="provider-p")
        q = make_provider("Alan", "Turing", username="provider-q")
        c = make_client("Ada", "Lovelace", username="client-c")
        d = make_client("Edsger", "Dijkstra", username="client-d")
        in_2_days = NOW + 2 * DAY
        cancelled, rescheduled, released = (
            ReservationState.CANCELLED,
            ReservationState.RESCHEDULED,
            ReservationState.RELEASED,
        )
        reservations = {
            "c-booked-p": make_booking(c, p, in_2_days),
            "d-booked-p": make_booking(d, p, in_2_days + SLOT),
            "c-held-p": make_booking(c, p, in_2_days + 2 * SLOT, confirmed=False, made=NOW - timedelta(minutes=5)),
            "d-expired-p": make_booking(d, p, in_2_days + 3 * SLOT, confirmed=False, made=NOW - timedelta(hours=2)),
            "d-released-p": make_booking(
                d,
                p,
                in_2_days + 4 * SLOT,
                confirmed=False,
                made=NOW - timedelta(minutes=20),
                ended=NOW - timedelta(minutes=10),
                end_reason=released,
            ),
            "c-cancelled-p": make_booking(c, p, NOW + 3 * DAY, ended=NOW - 2 * DAY, end_reason=cancelled),
            "c-moved-to-p": make_booking(c, p, NOW + 5 * DAY, made=NOW - DAY),
            "c-moved-from-p": make_booking(c, p, NOW + 4 * DAY, ended=NOW - DAY, end_reason=rescheduled),
            "d-cancelled-long-ago-p": make_booking(d, p, NOW + 6 * DAY, ended=NOW - 40 * DAY, end_reason=cancelled),
            "d-past-p": make_booking(d, p, NOW - 10 * DAY, made=NOW - 12 * DAY),
            "d-too-old-p": make_booking(d, p, NOW - 40 * DAY, made=NOW - 42 * DAY),
            "c-too-far-p": make_booking(c, p, NOW + 400 * DAY),
            "c-cancelled-past-p": make_booking(
                c, p, NOW - 5 * DAY, made=NOW - 7 * DAY, ended=NOW - DAY, end_reason=cancelled
            ),
            "c-booked-q": make_booking(c, q, in_2_days + timedelta(hours=2)),
            "d-booked-q": make_booking(d, q, in_2_days + timedelta(hours=3)),
        }
        moved = reservations["c-moved-from-p"]
        moved.rescheduled_to = reservations["c-moved-to-p"]
        moved.save(update_fields=["rescheduled_to"])
        users = {"P": p.user, "Q": q.user, "C": c.user, "D": d.user}
        return cls(
            users={label: user for label, user in users.items() if user is not None},
            providers={"P": p, "Q": q},
            clients={"C": c, "D": d},
            reservations=reservations,
        )

    def uid(self, label: str) -> str:
        """The UID the feed gives reservation ``label``, as served to the test client (host ``testserver``)."""
        return f"reservation-{self.reservations[label].pk}@testserver"

    def label(self, uid: str) -> str:
        return next(label for label in self.reservations if self.uid(label) == uid)


def make_booking(
    client: Client,
    provider: Provider,
    start: datetime,
    *,
    confirmed: bool = True,
    made: datetime | None = None,
    ended: datetime | None = None,
    end_reason: ReservationState | None = None,
) -> Reservation:
    """A reservation of a new slot of ``provider`` at ``start``, made at ``made`` (a day before it ended, or
    2 days before now), confirmed a minute later unless ``confirmed`` is false, and ended if ``ended`` is given."""
    made = made or (ended - DAY if ended else NOW - 2 * DAY)
    slot = make_slot(provider, start)
    return make_reservation(client, slot, made, confirmed, ended_at=ended, end_reason=end_reason)


# --- visit types (issue 13) -----------------------------------------------------------------------------------


def make_visit_type(
    name: str = "Intake",
    *,
    slots: int = 3,
    before: int = 0,
    after: int = 0,
    notice_hours: int = 24,
    window_days: int = 60,
    video: bool = False,
    offered_by: tuple[Provider, ...] = (),
    daily_cap: int | None = None,
) -> VisitType:
    """A visit type of ``slots`` 15-minute slots with buffers, offered by ``offered_by`` (each with ``daily_cap``)."""
    from reservation.models import VisitTypeOffer

    visit_type = VisitType.objects.create(
        name=name,
        duration_slots=slots,
        buffer_before_slots=before,
        buffer_after_slots=after,
        minimum_notice_hours=notice_hours,
        booking_window_days=window_days,
        is_video=video,
    )
    for provider in offered_by:
        VisitTypeOffer.objects.create(visit_type=visit_type, provider=provider, daily_cap=daily_cap)
    return visit_type


def make_slots(provider: Provider, start: datetime, count: int) -> list[Appointment]:
    """``count`` consecutive slots of ``provider`` from ``start``."""
    return [make_slot(provider, start + index * SLOT) for index in range(count)]
