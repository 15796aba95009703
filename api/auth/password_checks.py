"""Bounds on the CPU that password checks take: per process, and per address for failed logins.

A password check is a full PBKDF2 hash (about 0.6 s of CPU on this hardware, by design), and Django runs one for
an unknown username too, so that timing does not tell which usernames exist. Without bounds, anyone could keep a
host's CPUs busy with failed logins from a few addresses and ever new usernames. `api.auth.backends` applies two
bounds before any hash is computed, on every path through ``authenticate`` (tokenCreate and the admin's login form):

- **Per process**: at most ``PASSWORD_CHECKS_PER_PROCESS`` (1) checks at once (`slot`). A login arriving while
  they are busy is refused at once, never queued: queued logins would hold the worker's threads, which reads need.
  So a host spends at most (gunicorn workers x this) CPUs on hashing, whatever the number of attackers.
- **Per address**: at most ``RATELIMIT_LOGIN_FAILURES_PER_IP`` (20 per 15 minutes) failed logins, whatever the
  usernames (`check_failure_budget`, counted by `count_failure` on Django's ``user_login_failed`` signal in the
  ``ratelimit`` cache, Redis in production). django-axes locks out a username per address; this caps an address
  that varies the usernames.

Both refusals raise `LoginThrottled`, a ``ValidationError``: the admin's form shows it, tokenCreate answers
RATE_LIMITED. A refused attempt computes no hash and counts as no failure (django-axes sees no attempt either), and
it is the same for known and unknown usernames, so timing stays equal.
"""

import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from functools import cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django_ratelimit.core import get_usage

from api.auth.client_address import client_address

BUSY_MESSAGE = "The service is busy checking other logins: try again in a few seconds."
TOO_MANY_FAILURES_MESSAGE = "Too many failed logins from your network: try again in 15 minutes."
FAILURES_GROUP = "login-failures-ip"


class LoginThrottled(ValidationError):
    """A login refused before its password was checked (code ``rate_limited``); the message is safe to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="rate_limited")


def capacity() -> int:
    """How many password checks may run at once in this process (``PASSWORD_CHECKS_PER_PROCESS``, at least 1)."""
    return max(1, int(settings.PASSWORD_CHECKS_PER_PROCESS))


@cache
def _semaphore(size: int) -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(size)


@contextmanager
def slot() -> Iterator[None]:
    """Hold one of the process's password-check slots; raise `LoginThrottled` at once if none is free."""
    semaphore = _semaphore(capacity())
    if not semaphore.acquire(blocking=False):
        raise LoginThrottled(BUSY_MESSAGE)
    try:
        yield
    finally:
        semaphore.release()


@contextmanager
def busy() -> Iterator[None]:
    """Hold every slot of the process, as concurrent logins would (for tests and drills)."""
    with ExitStack() as stack:
        for _ in range(capacity()):
            stack.enter_context(slot())
        yield


def _failure_usage(request: HttpRequest, increment: bool) -> dict[str, int] | None:
    usage: dict[str, int] | None = get_usage(
        request,
        group=FAILURES_GROUP,
        key=lambda _group, _request: client_address(request),
        rate=settings.RATELIMIT_LOGIN_FAILURES_PER_IP,
        increment=increment,
    )
    return usage


def check_failure_budget(request: HttpRequest) -> None:
    """Raise `LoginThrottled` if the caller's address already failed ``RATELIMIT_LOGIN_FAILURES_PER_IP`` logins."""
    usage = _failure_usage(request, increment=False)
    if usage is not None and (usage["limit"] == 0 or usage["count"] >= usage["limit"]):
        raise LoginThrottled(TOO_MANY_FAILURES_MESSAGE)


def count_failure(request: HttpRequest) -> None:
    """Count one failed login against the caller's address."""
    _failure_usage(request, increment=True)
