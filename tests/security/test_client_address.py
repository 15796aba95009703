"""The caller's address, which rate limits, read budgets and django-axes count per, cannot be spoofed.

``X-Real-IP`` and ``X-Forwarded-For`` are believed only from a peer listed in ``TRUSTED_PROXIES`` (production:
loopback, where nginx runs beside gunicorn; compose adds its private network); from anyone else the address is the
socket's peer, whatever the headers say. gunicorn binds to loopback unless ``GUNICORN_BIND`` says otherwise.
"""

import json
import os
import runpy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.http import HttpRequest
from django.test import RequestFactory, override_settings

from api.auth.client_address import client_address

ROOT = Path(__file__).resolve().parents[2]
ATTACKER = "203.0.113.9"
VICTIM = "198.51.100.7"


def request(peer: str, **headers: str) -> HttpRequest:
    meta: dict[str, Any] = {"REMOTE_ADDR": peer, **headers}
    return RequestFactory().get("/graphql", **meta)


@override_settings(TRUSTED_PROXIES=[])
@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_X_REAL_IP": VICTIM},
        {"HTTP_X_FORWARDED_FOR": VICTIM},
        {"HTTP_X_FORWARDED_FOR": f"{VICTIM}, {ATTACKER}"},
        {"HTTP_X_REAL_IP": VICTIM, "HTTP_X_FORWARDED_FOR": VICTIM},
    ],
)
def test_headers_from_an_untrusted_peer_are_ignored(headers):
    assert client_address(request(ATTACKER, **headers)) == ATTACKER


@override_settings(TRUSTED_PROXIES=["127.0.0.1", "::1"])
def test_a_trusted_proxy_names_the_client_in_x_real_ip():
    assert client_address(request("127.0.0.1", HTTP_X_REAL_IP=VICTIM)) == VICTIM
    assert client_address(request("::1", HTTP_X_REAL_IP="2001:db8::1")) == "2001:db8::1"


@override_settings(TRUSTED_PROXIES=["127.0.0.1", "10.0.0.0/8"])
def test_x_forwarded_for_is_read_from_the_right_up_to_the_first_untrusted_address():
    # The client may put anything at the left; each trusted proxy appended what it saw.
    chain = f"{ATTACKER}, {VICTIM}, 10.1.2.3"

    assert client_address(request("127.0.0.1", HTTP_X_FORWARDED_FOR=chain)) == VICTIM


@override_settings(TRUSTED_PROXIES=["127.0.0.1"])
@pytest.mark.parametrize(
    "headers",
    [{}, {"HTTP_X_REAL_IP": "not-an-address"}, {"HTTP_X_FORWARDED_FOR": "garbage"}, {"HTTP_X_REAL_IP": ""}],
)
def test_a_trusted_proxy_without_a_valid_client_address_counts_as_itself(headers):
    assert client_address(request("127.0.0.1", **headers)) == "127.0.0.1"


@override_settings(TRUSTED_PROXIES=["127.0.0.0/8", "::1"])
def test_a_peer_inside_a_trusted_network_is_trusted():
    assert client_address(request("127.0.0.5", HTTP_X_REAL_IP=VICTIM)) == VICTIM


PROBE = """
import json
import django
django.setup()
from django.test import RequestFactory
from axes.helpers import get_client_ip_address
from api.auth.client_address import client_address

spoofed = RequestFactory().get("/graphql", REMOTE_ADDR="{attacker}", HTTP_X_REAL_IP="{victim}",
                               HTTP_X_FORWARDED_FOR="{victim}")
proxied = RequestFactory().get("/graphql", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="{victim}")
print(json.dumps({{
    "spoofed": client_address(spoofed), "spoofed_axes": get_client_ip_address(spoofed),
    "proxied": client_address(proxied), "proxied_axes": get_client_ip_address(proxied),
}}))
"""


def production_addresses(**environment: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "GUNICORN_")) and key not in ("DATABASE_URL",)
    }
    env.update(
        DJANGO_SETTINGS_MODULE="settings.production",
        DJANGO_SECRET_KEY="test-only",
        JWT_SIGNING_KEY="test-only-signing-key-0123456789abcdef",
        REDIS_URL="redis://127.0.0.1:1/0",
        **environment,
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(attacker=ATTACKER, victim=VICTIM)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    addresses: dict[str, str] = json.loads(result.stdout.strip().splitlines()[-1])
    return addresses


def test_production_believes_x_real_ip_only_from_loopback_for_rate_limits_and_axes_alike():
    addresses = production_addresses()

    assert addresses == {"spoofed": ATTACKER, "spoofed_axes": ATTACKER, "proxied": VICTIM, "proxied_axes": VICTIM}


def test_production_trusts_the_proxies_it_is_told_to():
    addresses = production_addresses(DJANGO_TRUSTED_PROXIES="203.0.113.0/24")

    assert addresses["spoofed"] == VICTIM
    assert addresses["proxied"] == "127.0.0.1"


# --- gunicorn ---------------------------------------------------------------------------------------------------------


def gunicorn_settings(monkeypatch, **environment: str) -> dict[str, object]:
    monkeypatch.delenv("GUNICORN_BIND", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "devops" / "gunicorn.conf.py"))


def test_gunicorn_binds_to_loopback_by_default(monkeypatch):
    assert gunicorn_settings(monkeypatch)["bind"] == ["127.0.0.1:8000"]


def test_gunicorn_binds_where_it_is_told(monkeypatch):
    assert gunicorn_settings(monkeypatch, GUNICORN_BIND="0.0.0.0:8000")["bind"] == ["0.0.0.0:8000"]


def test_compose_binds_the_app_to_its_network_and_trusts_that_network_only():
    import yaml

    app = yaml.safe_load((ROOT / "compose.yml").read_text())["services"]["app"]

    assert app["environment"]["GUNICORN_BIND"] == "0.0.0.0:8000"
    trusted = app["environment"]["DJANGO_TRUSTED_PROXIES"].split(",")
    assert "0.0.0.0/0" not in trusted
    assert all(network.startswith(("10.", "172.16.", "192.168.", "127.", "::1", "fc00:")) for network in trusted)
    assert "ports" not in app  # reachable from the compose network only
