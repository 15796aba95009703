"""URL routes: the GraphQL endpoint, the Django admin, a health check, and silk in development."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from api.http.calendar import calendar_feed
from api.http.health import healthz, readyz
from api.http.views import GraphQLView

urlpatterns = [
    # Token-authenticated API clients (curl, Postman, mobile) send no CSRF token; no cookie session acts here.
    path("graphql", csrf_exempt(GraphQLView.as_view(graphiql=settings.GRAPHIQL))),
    path("graphql/", csrf_exempt(GraphQLView.as_view(graphiql=settings.GRAPHIQL))),
    path("admin/", admin.site.urls),
    path("healthz", healthz),
    path("readyz", readyz),
    # iCalendar feeds: the secret token in the URL is the credential (calendar apps send no bearer token).
    path("calendar/<str:token>.ics", calendar_feed, name="calendar-feed"),
]

# Unexpected errors: JSON with an error id on /graphql, 503 for an outage of the database or Redis.
handler500 = "api.http.errors.server_error"

if "silk" in settings.INSTALLED_APPS:
    urlpatterns.append(path("silk/", include("silk.urls", namespace="silk")))
