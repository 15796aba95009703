"""The benchmark's baseline: what a Django developer would write by hand for the same two reads, without GraphQL.

Each view parses the same JSON body, reads the same rows (the same filter, order and page as
``availableAppointments``) with ``.values()`` and answers them with ``JsonResponse``. They are served only under
``settings.benchmark`` (`api.benchmark.urls`), by the same gunicorn, middleware and database as the API.
"""

import json
from datetime import datetime

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from reservation.models import Appointment

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
