"""`manage.py check --deploy` under settings.production, and Django's HTTPS redirect and headers.

The checks run in a subprocess with DJANGO_SETTINGS_MODULE=settings.production and only the environment a
deployment provides (nothing inherited from the test run but PATH), so they see exactly what production sees.
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 120  # seconds for one manage.py run
HSTS = "max-age=31536000; includeSubDomains"

# The settings of settings/production.py's HTTPS block (and the proxy header before it).
SECURITY_SETTINGS = (
    "DEBUG",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_SSL_REDIRECT",
    "SECURE_REDIRECT_EXEMPT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "X_FRAME_OPTIONS",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "CSRF_COOKIE_HTTPONLY",
)


def production_env(tmp_path: Path, **overrides: str | None) -> dict[str, str]:
    """What a real deployment sets; an override of None removes the variable."""
    env: dict[str, str | None] = {
        "PATH": os.environ.get("PATH", os.defpath),
        "PYTHONDONTWRITEBYTECODE": "1",
        "DJANGO_SETTINGS_MODULE": "settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),  # 67 random characters
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_ALLOWED_HOSTS": "example.org",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://example.org",
        # Required by the identity settings of settings/production.py.
        "JWT_SIGNING_KEY": secrets.token_urlsafe(50),
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        **overrides,
    }
    return {name: value for name, value in env.items() if value is not None}


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)


def test_check_deploy_is_clean_in_a_production_environment(tmp_path):
    result = check_deploy(production_env(tmp_path))

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNING" not in output
    assert "security.W" not in output


@pytest.mark.parametrize(
    ("overrides", "codes"),
    [
        pytest.param({"DJANGO_SECRET_KEY": "too-short"}, ["security.W009"], id="short-secret-key"),
        pytest.param(
            {"DJANGO_SECRET_KEY": "django-insecure-" + secrets.token_urlsafe(50)},
            ["security.W009"],
            id="django-insecure-secret-key",
        ),
        pytest.param({"DJANGO_SECURE_COOKIES": "0"}, ["security.W012", "security.W016"], id="insecure-cookies"),
        pytest.param({"DJANGO_SECURE_SSL_REDIRECT": "0"}, ["security.W008"], id="no-ssl-redirect"),
        pytest.param({"DJANGO_ALLOWED_HOSTS": ""}, ["security.W020"], id="no-allowed-hosts"),
    ],
)
def test_check_deploy_flags_an_unsafe_environment(tmp_path, overrides, codes):
    result = check_deploy(production_env(tmp_path, **overrides))

    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    for code in codes:
        assert code in output


def test_check_deploy_would_flag_debug(tmp_path):
    # settings.production hard-codes DEBUG = False (no variable turns it on): prove the check would notice.
    (tmp_path / "debug_production.py").write_text("from settings.production import *  # noqa: F403\n\nDEBUG = True\n")
    env = production_env(tmp_path, DJANGO_SETTINGS_MODULE="debug_production", PYTHONPATH=f"{tmp_path}:{ROOT}")

    result = check_deploy(env)

    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = check_deploy(production_env(tmp_path, DJANGO_SECRET_KEY=None))

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def production_settings(tmp_path: Path, **overrides: str | None) -> dict[str, Any]:
    """The security settings as settings.production computes them, read in a subprocess."""
    script = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {SECURITY_SETTINGS!r}}}))"
    )
    result = run(["-c", script], production_env(tmp_path, **overrides))
    assert result.returncode == 0, result.stderr
    values: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    return values


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return production_settings(tmp_path_factory.mktemp("production"))


def test_production_security_settings(production):
    assert production == {
        "DEBUG": False,
        "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
        "SECURE_SSL_REDIRECT": True,
        "SECURE_REDIRECT_EXEMPT": [r"^healthz$", r"^readyz$"],
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": False,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "SECURE_REFERRER_POLICY": "same-origin",
        "SECURE_CROSS_ORIGIN_OPENER_POLICY": "same-origin",
        "X_FRAME_OPTIONS": "DENY",
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_HTTPONLY": True,
    }


def test_plain_http_switches_are_for_deployments_without_tls(tmp_path):
    values = production_settings(tmp_path, DJANGO_SECURE_SSL_REDIRECT="0", DJANGO_SECURE_COOKIES="0")

    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["CSRF_COOKIE_SECURE"] is False
    # Everything else stays as it is.
    assert values["SECURE_HSTS_SECONDS"] == 31_536_000


@pytest.fixture
def production_client(production, settings) -> Client:
    """The test client with production's security settings (the app's own middleware and URLs)."""
    for name, value in production.items():
        setattr(settings, name, value)
    return Client()


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_http_graphql_request_is_redirected_to_https(production_client, method):
    response = getattr(production_client, method)("/graphql?x=1")

    assert response.status_code == 301
    assert response["Location"] == "https://testserver/graphql?x=1"


@pytest.mark.django_db
def test_http_health_check_is_not_redirected(production_client):
    # The compose health check calls gunicorn over plain HTTP, without nginx in front.
    response = production_client.get("/healthz")

    assert response.status_code == 200
    assert response.content == b"ok"
    # HSTS is only sent over HTTPS.
    assert "Strict-Transport-Security" not in response


@pytest.mark.django_db
def test_request_forwarded_as_https_is_served_with_the_security_headers(production_client):
    response = production_client.get("/healthz", headers={"X-Forwarded-Proto": "https"})

    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == HSTS
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_graphql_forwarded_as_https_is_not_redirected(production_client):
    response = production_client.post(
        "/graphql",
        json.dumps({"query": "{ __typename }"}),
        content_type="application/json",
        headers={"X-Forwarded-Proto": "https"},
    )

    assert response.status_code != 301
    assert response["Strict-Transport-Security"] == HSTS
