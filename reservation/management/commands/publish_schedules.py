"""``manage.py publish_schedules``: move every weekly schedule's horizon forward to today + 27 days. Run it daily.

Reads never publish (a GET writes nothing), so the horizon of each provider's schedule moves forward only when
the schedule or an override is written, or when this command runs. It publishes, for every provider who is due
(their horizon ends before their local today + 27 days), the dates that entered the horizon since, each
provider in a transaction of its own. Running it twice, or at any hour, is harmless: a provider who is not due
costs nothing, and the whole run is one query when nobody is. If it does not run, see docs/scheduling.md, "Weekly
schedule and date overrides".
"""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from reservation.services.publishing import schedule_top_up


class Command(BaseCommand):
    """Publish the dates that entered the weekly schedules' horizon since the last run."""

    help = (
        "Publish the weekly schedules' new dates: top up every due provider's horizon to today + 27 days "
        "(RESERVATION_SCHEDULE_HORIZON_DAYS). Run it daily; running it more often is harmless."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        done = schedule_top_up(now)
        for provider_id, changes in sorted(done.items()):
            if options["verbosity"] >= 2:
                self.stdout.write(
                    f"provider {provider_id}: {changes.added} slot(s) added, {changes.withdrawn} withdrawn, "
                    f"{len(changes.kept)} kept"
                )
        added = sum(changes.added for changes in done.values())
        self.stdout.write(f"Published the schedules of {len(done)} provider(s) due at {now:%Y-%m-%d %H:%M} UTC: ")
        self.stdout.write(f"{added} slot(s) added.")
