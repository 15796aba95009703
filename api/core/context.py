"""The GraphQL context of one request: the caller, the clock and the DataLoaders, shared by every resolver.

`api.http.views.GraphQLView` makes one `RequestContext` per request and passes it to graphql-core as the
context value, so resolvers read ``info.context`` (through `context_of`) instead of attributes set on the
``HttpRequest``. Nothing in it is shared between requests, or between gunicorn's threads.
"""

from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, cast

from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest
from django.utils import timezone
from graphene import ResolveInfo

from api.core.loaders.dataloader import Loaders
from reservation.actors import Actor


@dataclass(eq=False)
class RequestContext:
    """What the resolvers of one request share.

    - ``request``: the HTTP request (for its user, address, host and the rate limits' counters);
    - ``now``: the request's instant (aware, UTC), read once, so that every field of a response (availability,
      expiry, state) is judged at the same instant;
    - ``loaders``: the request's DataLoaders;
    - ``viewer``: the caller, from the bearer token's user (set by `api.auth.middleware`), built on first use;
    - ``memo``: values read once per request whatever the number of fields asking (a nested argument's row).
    """

    request: HttpRequest
    now: datetime = field(default_factory=timezone.now)
    loaders: Loaders = field(default_factory=Loaders)
    memo: dict[Hashable, Any] = field(default_factory=dict)

    @cached_property
    def viewer(self) -> Actor:
        """The caller of this request (anonymous without a bearer token)."""
        return Actor.of(getattr(self.request, "user", None))


def signed_in_user(info: ResolveInfo) -> AbstractBaseUser:
    """The request's user, once `api.auth.permissions.require_authenticated` has passed."""
    return cast(AbstractBaseUser, context_of(info).request.user)


def context_of(info: ResolveInfo) -> RequestContext:
    """The request's `RequestContext` (graphql-core's context value)."""
    context: RequestContext = info.context
    return context
