"""Bounds on the CPU that password checks take: per process, and per address for failed logins.

A password check is a full PBKDF2 hash (about 0.6 s of CPU on this hardware, by design), and Django runs one for
an unknown username too, so that timing does not tell which usernames exist. Without bounds, anyone could keep a
host's CPUs busy with failed logins from a few addresses and ever new usernames. `api.auth.backends` applies two
bounds before any hash is computed, on every path through ``authenticate`` (tokenCreate and the admin's login form):

- **Per process and per host**: at most ``PASSWORD_CHECKS_PER_PROCESS`` (1) checks at once in a process, and at
  most ``PASSWORD_CHECKS_PER_HOST`` (half the CPUs, at least 1) at once among all the processes of the host that
  share ``PASSWORD_CHECK_LOCK_DIR`` (production: /dev/shm; each check holds an flock on one of that many lock
  files, which the kernel releases if the process dies). A login arriving while they are busy is refused at once,
  never queued: queued logins would hold the workers' threads, which reads need. So hashing never takes more
  than half the host's CPUs, whatever the number of attackers.
- **Per address**: at most ``RATELIMIT_LOGIN_FAILURES_PER_IP`` (20 per 15 minutes) failed logins, whatever the
  usernames (`check_failure_budget`, counted by `count_failure` on Django's ``user_login_failed`` signal in the
  ``ratelimit`` cache, Redis in production). django-axes locks out a username per address; this caps an address
  that varies the usernames.

Both refusals raise `LoginThrottled`, a ``ValidationError``: the admin's form shows it, tokenCreate answers
RATE_LIMITED. A refused attempt computes no hash and counts as no failure (django-axes sees no attempt either), and
it is the same for known and unknown usernames, so timing stays equal.
"""

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from functools import cache
from pathlib import Path

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


def host_capacity() -> int:
    """How many password checks may run at once on the host (``PASSWORD_CHECKS_PER_HOST``; 0: half the CPUs)."""
    configured = int(settings.PASSWORD_CHECKS_PER_HOST)
    return configured if configured > 0 else max(1, len(os.sched_getaffinity(0)) // 2)


@contextmanager
def _host_slot() -> Iterator[None]:
    """Hold one of the host's lock files (when ``PASSWORD_CHECK_LOCK_DIR`` is set); raise if all are held."""
    directory = settings.PASSWORD_CHECK_LOCK_DIR
    if not directory:
        yield
        return
    for index in range(host_capacity()):
        descriptor = os.open(
            Path(directory) / f"reservation-password-check-{index}.lock", os.O_RDWR | os.O_CREAT, 0o600
        )
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            continue
        try:
            yield
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
            os.close(descriptor)
        return
    raise LoginThrottled(BUSY_MESSAGE)


@contextmanager
def slot() -> Iterator[None]:
    """Hold a password-check slot of the process and of the host; raise `LoginThrottled` at once if none is free."""
    semaphore = _semaphore(capacity())
    if not semaphore.acquire(blocking=False):
        raise LoginThrottled(BUSY_MESSAGE)
    try:
        with _host_slot():
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
