"""The URL routes of ``settings.benchmark``: every route of the service, and the raw baseline (`raw_views`)."""

from django.urls import path

from api.benchmark.raw_views import available_slots, reserve_slot
from settings.urls import handler500
from settings.urls import urlpatterns as service_urlpatterns

urlpatterns = [
    *service_urlpatterns,
    path("benchmark/raw/slots", available_slots),
    path("benchmark/raw/reserve", reserve_slot),
]

__all__ = ["handler500", "urlpatterns"]
