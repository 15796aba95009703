"""The benchmark's baseline: what a Django developer would write by hand for the same two reads and the same hold,
without GraphQL.

The read view parses the same JSON body, reads the same rows (the same filter, order and page as
``availableAppointments``) with ``.values()`` and answers them with ``JsonResponse``; the hold view runs the same
transaction as ``reservationCreate``. They are served only under
``settings.benchmark`` (`api.benchmark.urls`), by the same gunicorn, middleware and database as the API.
"""

import json
from datetime import datetime

from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from reservation import rules
from reservation.models import Appointment, Client, EventKind, Reservation, ReservationEvent

PAGE = 100
FIELDS = ("id", "start_time", "end_time", "provider_id", "provider__first_name", "provider__last_name")


@csrf_exempt
@require_POST
def available_slots(request: HttpRequest) -> JsonResponse:
    """Available slots, by start time: ``{"provider": id, "from": iso, "to": iso}``, each optional; 100 at most."""
    arguments = json.loads(request.body or b"{}")
    slots = Appointment.objects.available(timezone.now())
    if arguments.get("provider") is not None:
        slots = slots.filter(provider_id=int(arguments["provider"]))
    if arguments.get("from"):
        slots = slots.filter(start_time__gte=datetime.fromisoformat(arguments["from"]))
    if arguments.get("to"):
        slots = slots.filter(start_time__lt=datetime.fromisoformat(arguments["to"]))
    rows = list(slots.order_by("start_time", "id").values(*FIELDS)[:PAGE])
    return JsonResponse({"slots": rows})


@csrf_exempt
@require_POST
def reserve_slot(request: HttpRequest) -> JsonResponse:
    """A hold written by hand: ``{"client": id, "slot": id}``; ``{"reservation": id}``, or HTTP 409 when the slot is
    withdrawn, inside the notice or taken.

    The same transaction as ``reservationCreate`` without GraphQL, the token, the rate limits or the other rules:
    the slot's and the client's row locks, the live-reservation check, the reservation (under its exclusion
    constraint) and its ``held`` event.
    """
    arguments = json.loads(request.body or b"{}")
    with transaction.atomic():
        slot = Appointment.objects.select_for_update().filter(pk=int(arguments["slot"]), withdrawn_at=None).first()
        client = Client.objects.select_for_update().get(pk=int(arguments["client"]))
        now = timezone.now()
        if (
            slot is None
            or slot.start_time < now + rules.minimum_notice()
            or Reservation.objects.live(now).filter(appointment=slot).exists()
        ):
            return JsonResponse({"error": "SLOT_UNAVAILABLE"}, status=409)
        try:
            with transaction.atomic():
                hold = Reservation.objects.create(
                    appointment=slot, client=client, created_at=now, expires_at=now + rules.hold_duration()
                )
        except IntegrityError:
            return JsonResponse({"error": "SLOT_UNAVAILABLE"}, status=409)
        ReservationEvent.objects.create(reservation=hold, kind=EventKind.HELD, at=now)
    return JsonResponse({"reservation": hold.pk})
