"""Password checks cannot take the CPU, whatever the addresses and usernames an attacker uses.

Every login runs a full password hash (PBKDF2, ~0.6 s of CPU here), unknown usernames included (Django hashes once
for them so that timing says nothing). Three bounds:

- at most ``PASSWORD_CHECKS_PER_PROCESS`` (1) checks run at once in a process; a login arriving while they are busy
  is answered RATE_LIMITED at once, without hashing;
- at most ``RATELIMIT_LOGIN_FAILURES_PER_IP`` (20 per 15 minutes) failed logins per address, whatever the
  usernames: past it, the address's logins are RATE_LIMITED without hashing (django-axes alone counted per
  username, so varying usernames never locked anything);
- both hold for every path through Django's ``authenticate``: tokenCreate and the admin's login form.

Timing stays equal: a known username with a wrong password, an unknown username, an account without a usable
password and a disabled account each cost exactly one hash; a throttled attempt costs none, known or not.
"""

import os
import subprocess
import sys
import threading
from typing import Any

import pytest
from django.contrib.auth import hashers
from django.contrib.auth.models import User
from django.test import Client as HttpClient
from django.test import override_settings

from api.auth import password_checks
from tests.auth import PASSWORD, TOKEN_CREATE, ok_body, payload_codes, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def user(db: None) -> User:
    return User.objects.create_user("lena", password=PASSWORD)


@pytest.fixture
def hashes(monkeypatch) -> list[str]:
    """Every password hash computed (``make_password`` or a check), by the hasher's algorithm."""
    computed: list[str] = []
    hasher = hashers.get_hasher()
    original = type(hasher).encode

    def counting_encode(self: Any, password: str, salt: str, *args: Any, **kwargs: Any) -> str:
        computed.append(self.algorithm)
        return original(self, password, salt, *args, **kwargs)

    monkeypatch.setattr(type(hasher), "encode", counting_encode)
    return computed


def attempt(client: HttpClient, username: str, password: str = "wrong-password", **extra: Any) -> list[str]:  # noqa: S107
    body = ok_body(post(client, TOKEN_CREATE, {"username": username, "password": password}, **extra))
    return payload_codes(body, "tokenCreate")


# --- equal work for known and unknown usernames -----------------------------------------------------------------------


def test_every_kind_of_failed_login_costs_exactly_one_hash(client, user, hashes, frozen):
    User.objects.create_user("no-password")  # an unusable password, as staff-created accounts have
    User.objects.create_user("gone", password=PASSWORD, is_active=False)
    hashes.clear()

    for username in ("lena", "nobody-by-this-name", "no-password", "gone"):
        before = len(hashes)
        assert attempt(client, username) == ["INVALID_CREDENTIALS"], username
        assert len(hashes) - before == 1, username


def test_a_successful_login_costs_one_hash(client, user, hashes, frozen):
    hashes.clear()

    assert attempt(client, "lena", PASSWORD) == []
    assert len(hashes) == 1


# --- failed logins per address, whatever the usernames ---------------------------------------------------------------


@override_settings(RATELIMIT_LOGIN_FAILURES_PER_IP="5/15m", RATELIMIT_LOGIN_PER_IP="1000/m")
def test_failures_with_varying_usernames_soon_stop_costing_hashes(client, user, hashes, frozen):
    hashes.clear()

    answers = [attempt(client, f"guess-{index}") for index in range(12)]

    assert answers == [["INVALID_CREDENTIALS"]] * 5 + [["RATE_LIMITED"]] * 7
    assert len(hashes) == 5
    # Known and unknown usernames alike: no hash, the same answer.
    assert attempt(client, "lena", PASSWORD) == ["RATE_LIMITED"]
    assert len(hashes) == 5


@override_settings(RATELIMIT_LOGIN_FAILURES_PER_IP="5/15m", RATELIMIT_LOGIN_PER_IP="1000/m")
def test_the_failure_budget_is_per_address_and_lasts_its_window(client, user, frozen):
    for index in range(5):
        attempt(client, f"guess-{index}", REMOTE_ADDR="198.51.100.1")

    assert attempt(client, "lena", PASSWORD, REMOTE_ADDR="198.51.100.1") == ["RATE_LIMITED"]
    assert attempt(client, "lena", PASSWORD, REMOTE_ADDR="198.51.100.2") == []
    frozen.tick(15 * 60)
    assert attempt(client, "lena", PASSWORD, REMOTE_ADDR="198.51.100.1") == []


@override_settings(RATELIMIT_LOGIN_FAILURES_PER_IP="5/15m", RATELIMIT_LOGIN_PER_IP="1000/m")
def test_successful_logins_do_not_count_against_the_address(client, user, frozen):
    for _ in range(10):
        assert attempt(client, "lena", PASSWORD) == []


@override_settings(RATELIMIT_LOGIN_FAILURES_PER_IP="3/15m")
def test_the_admin_login_form_counts_and_obeys_the_same_budget(user, hashes, frozen):
    admin = HttpClient()
    for index in range(3):
        admin.post("/admin/login/", {"username": f"guess-{index}", "password": "x"})
    computed = len(hashes)

    response = admin.post("/admin/login/", {"username": "lena", "password": PASSWORD})

    assert response.status_code == 200  # the form again, with its error: not a 500, not logged in
    assert b"Too many" in response.content
    assert len(hashes) == computed
    assert attempt(HttpClient(), "lena", PASSWORD) == ["RATE_LIMITED"]


def test_the_failure_budget_defaults_to_20_per_15_minutes(settings):
    assert settings.RATELIMIT_LOGIN_FAILURES_PER_IP == "20/15m"


# --- concurrent password checks per process --------------------------------------------------------------------------


def test_a_login_while_the_process_is_busy_checking_passwords_is_rate_limited_without_hashing(client, user, hashes):
    with password_checks.busy():  # every slot taken, as by a concurrent login
        hashes.clear()
        assert attempt(client, "lena", PASSWORD) == ["RATE_LIMITED"]
        assert attempt(client, "nobody") == ["RATE_LIMITED"]
        assert hashes == []

    assert attempt(client, "lena", PASSWORD) == []


def test_a_busy_refusal_is_no_failure_for_the_budget_or_for_axes(client, user, frozen):
    with override_settings(RATELIMIT_LOGIN_FAILURES_PER_IP="2/15m", AXES_FAILURE_LIMIT=2):
        with password_checks.busy():
            for _ in range(5):
                assert attempt(client, "lena") == ["RATE_LIMITED"]

        assert attempt(client, "lena", PASSWORD) == []


@override_settings(PASSWORD_CHECKS_PER_PROCESS=2)
def test_the_number_of_concurrent_checks_comes_from_settings(client, user):
    assert password_checks.capacity() == 2


@pytest.mark.django_db(transaction=True)
def test_threads_racing_to_log_in_never_hash_more_than_the_bound_at_once(user, monkeypatch):
    """Real threads: the hasher holds each check for a while; the number inside it never passes the bound."""
    inside = 0
    most = 0
    lock = threading.Lock()
    hasher = hashers.get_hasher()
    original = type(hasher).encode

    def slow_encode(self: Any, password: str, salt: str, *args: Any, **kwargs: Any) -> str:
        nonlocal inside, most
        with lock:
            inside += 1
            most = max(most, inside)
        threading.Event().wait(0.05)
        with lock:
            inside -= 1
        return original(self, password, salt, *args, **kwargs)

    monkeypatch.setattr(type(hasher), "encode", slow_encode)
    barrier = threading.Barrier(8)
    answers: list[list[str]] = []

    def log_in() -> None:
        barrier.wait(timeout=10)
        answers.append(attempt(HttpClient(), "lena", PASSWORD))

    threads = [threading.Thread(target=log_in) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert most == password_checks.capacity() == 1
    assert len(answers) == 8
    assert [] in answers
    assert {tuple(answer) for answer in answers} <= {(), ("RATE_LIMITED",)}


# --- concurrent password checks per host (every process sharing the lock directory) ----------------------------------


def test_the_host_wide_bound_holds_across_processes(client, user, tmp_path, hashes):
    """Another process holding every host slot (an flock per slot) makes this one refuse without hashing."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCKS, str(tmp_path), "2"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        with override_settings(PASSWORD_CHECK_LOCK_DIR=str(tmp_path), PASSWORD_CHECKS_PER_HOST=2):
            hashes.clear()
            assert attempt(client, "lena", PASSWORD) == ["RATE_LIMITED"]
            assert hashes == []
    finally:
        holder.kill()
        holder.wait(10)
    with override_settings(PASSWORD_CHECK_LOCK_DIR=str(tmp_path), PASSWORD_CHECKS_PER_HOST=2):
        assert attempt(client, "lena", PASSWORD) == []  # the kernel released the dead holder's locks


def test_one_free_host_slot_is_enough(client, user, tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCKS, str(tmp_path), "1"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        with override_settings(PASSWORD_CHECK_LOCK_DIR=str(tmp_path), PASSWORD_CHECKS_PER_HOST=2):
            assert attempt(client, "lena", PASSWORD) == []
    finally:
        holder.kill()
        holder.wait(10)


def test_the_host_bound_defaults_to_half_the_cpus_and_production_turns_it_on(settings):
    assert settings.PASSWORD_CHECKS_PER_HOST == 0
    assert password_checks.host_capacity() == max(1, len(os.sched_getaffinity(0)) // 2)


HOLD_LOCKS = """
import fcntl, os, sys, time
directory, count = sys.argv[1], int(sys.argv[2])
held = []
for index in range(count):
    descriptor = os.open(os.path.join(directory, f"reservation-password-check-{index}.lock"), os.O_RDWR | os.O_CREAT)
    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    held.append(descriptor)
print("held", flush=True)
time.sleep(60)
"""
