"""``manage.py publish_schedules``: the daily top-up of every weekly schedule's horizon (reads never publish)."""

from datetime import UTC, date, datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from freezegun.api import FrozenDateTimeFactory

from reservation.services.schedules import weekly_schedule_set
from tests.factories import MORNINGS, NEW_YORK, on_local_date, provider_in, refreshed

pytestmark = pytest.mark.django_db


def publish(*args: str) -> str:
    out = StringIO()
    call_command("publish_schedules", *args, stdout=out)
    return out.getvalue()


def test_it_publishes_the_dates_that_entered_the_horizon_and_says_so(frozen: FrozenDateTimeFactory) -> None:
    provider = provider_in("UTC")
    weekly_schedule_set(provider_id=provider.pk, ranges=MORNINGS)
    frozen.move_to(datetime(2030, 1, 10, 9, tzinfo=UTC))  # three days later: the horizon should reach 2030-02-06

    output = publish()

    assert refreshed(provider).schedule_published_until == date(2030, 2, 6)
    assert len(on_local_date(provider, date(2030, 2, 6))) == 12  # Wednesday 09:00-12:00
    assert "1 provider(s)" in output
    assert "36 slot(s) added" in output  # Monday 4, Tuesday 5 and Wednesday 6 February


def test_running_it_again_or_early_does_nothing_in_one_query(frozen: FrozenDateTimeFactory) -> None:
    provider = provider_in(NEW_YORK)
    weekly_schedule_set(provider_id=provider.pk, ranges=MORNINGS)
    published = refreshed(provider).schedule_published_until

    with CaptureQueriesContext(connection) as queries:
        output = publish()

    assert len(queries) == 1
    assert "0 provider(s)" in output
    assert refreshed(provider).schedule_published_until == published


def test_a_provider_without_a_schedule_is_never_due(frozen: FrozenDateTimeFactory) -> None:
    provider = provider_in("UTC")
    frozen.move_to(datetime(2030, 2, 7, 9, tzinfo=UTC))

    assert "0 provider(s)" in publish()
    assert refreshed(provider).schedule_published_until is None


def test_verbose_output_names_each_provider(frozen: FrozenDateTimeFactory) -> None:
    provider = provider_in("UTC")
    weekly_schedule_set(provider_id=provider.pk, ranges=MORNINGS)
    frozen.move_to(datetime(2030, 1, 8, 9, tzinfo=UTC))

    output = publish("--verbosity", "2")

    assert f"provider {provider.pk}: 12 slot(s) added, 0 withdrawn, 0 kept" in output


def test_weeks_without_it_are_caught_up_in_one_run(frozen: FrozenDateTimeFactory) -> None:
    """If it does not run, the horizon stays where it was (the furthest bookable date stops moving); the next
    run publishes every date from there to today + 27 days."""
    provider = provider_in("UTC")
    weekly_schedule_set(provider_id=provider.pk, ranges=MORNINGS)
    frozen.move_to(datetime(2030, 2, 4, 9, tzinfo=UTC))  # four weeks later, not one run since
    assert on_local_date(provider, date(2030, 2, 4)) == []  # the published schedule has run out

    publish()

    assert refreshed(provider).schedule_published_until == date(2030, 3, 3)
    assert len(on_local_date(provider, date(2030, 2, 4))) == 12
    assert len(on_local_date(provider, date(2030, 3, 1))) == 12
