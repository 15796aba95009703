"""django-silk (development settings) is for staff only and never stores a password or a token.

The development server runs for real (`manage.py runserver` under settings.development, on a SQLite file of its
own); logins send their passwords in variables of any name, in the document itself and inside an input object;
the bearer token, the refresh token and the tokens of the answers must appear nowhere in silk's tables, while an
ordinary query stays readable there. /silk/ sends an anonymous visitor to the login page and refuses (403) a user
who is not staff.
"""

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.devops.stack import free_port, wait_port

ROOT = Path(__file__).resolve().parents[2]
STAFF = ("silk-staff", "Staff-Silk-Password-2030")
PLAIN = ("silk-plain", "Plain-Silk-Password-2030")
LOGIN_BY_VARIABLE = (
    "mutation SignIn($who: String!, $p: String!) { tokenCreate(input: {username: $who, password: $p}) "
    "{ accessToken refreshToken errors { code } } }"
)
LOGIN_INLINE = (
    'mutation { tokenCreate(input: {username: "%s", password: "%s"}) { accessToken refreshToken errors { code } } }'
)
LOGIN_BY_INPUT = "mutation($in: TokenCreateInput!) { tokenCreate(input: $in) { accessToken refreshToken } }"
REFRESH = "mutation($r: String!) { tokenRefresh(input: {refreshToken: $r}) { accessToken refreshToken } }"
ORDINARY = "query Ordinary { providers(first: 2) { edges { node { id firstName } } } }"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def call(
    url: str, data: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """Status, headers (Set-Cookie: every cookie, joined) and body; redirects are not followed."""
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with OPENER.open(request, timeout=30) as response:
            status, message, body = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, message, body = error.code, error.headers, error.read()
    found = dict(message)
    found["Set-Cookie"] = "; ".join(message.get_all("Set-Cookie") or [])
    return status, found, body


def graphql(base: str, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    status, _, body = call(
        base + "/graphql", json.dumps({"query": query, "variables": variables or {}}).encode(), headers
    )
    assert status == 200, body
    return json.loads(body)


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args, *(["--no-imports"] if args[0] == "shell" else [])],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    return result.stdout


@pytest.fixture(scope="module")
def development_server(tmp_path_factory) -> Iterator[tuple[str, dict[str, str]]]:
    base = tmp_path_factory.mktemp("silk")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "settings.development",
        "DATABASE_URL": f"sqlite:///{base / 'db.sqlite3'}",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("REDIS_URL", None)
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(
        env,
        "shell",
        "-c",
        "from django.contrib.auth.models import User; "
        f"User.objects.create_user({STAFF[0]!r}, password={STAFF[1]!r}, is_staff=True); "
        f"User.objects.create_user({PLAIN[0]!r}, password={PLAIN[1]!r})",
    )
    port = free_port()
    log = open(base / "runserver.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_port(port, process)
        yield f"http://127.0.0.1:{port}", env
    finally:
        process.terminate()
        process.wait(15)
        log.close()


def found(match: re.Match[str] | None) -> str:
    assert match is not None
    return match.group(1)


def staff_session(base: str) -> str:
    """Log in through the admin's login form (silk's login page) and return the session cookie."""
    status, headers, page = call(base + "/admin/login/?next=/silk/")
    assert status == 200
    csrf_cookie = found(re.search(r"csrftoken=([^;]+)", headers["Set-Cookie"]))
    token = found(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.decode()))
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": STAFF[0], "password": STAFF[1], "next": "/silk/"}
    ).encode()
    status, headers, _ = call(
        base + "/admin/login/?next=/silk/",
        form,
        {"Cookie": f"csrftoken={csrf_cookie}", "Content-Type": "application/x-www-form-urlencoded", "Referer": base},
    )
    assert status == 302, "staff login failed"
    return found(re.search(r"sessionid=([^;]+)", headers["Set-Cookie"]))


def plain_session(env: dict[str, str]) -> str:
    """A logged-in session of the non-staff user (the admin's login form would refuse them)."""
    return (
        manage(
            env,
            "shell",
            "-c",
            "from django.conf import settings; from django.contrib.auth.models import User;"
            " from django.contrib.sessions.backends.db import SessionStore; "
            f"u = User.objects.get(username={PLAIN[0]!r}); s = SessionStore(); s['_auth_user_id'] = str(u.pk); "
            "s['_auth_user_backend'] = settings.AUTHENTICATION_BACKENDS[-1]; "
            "s['_auth_user_hash'] = u.get_session_auth_hash(); s.create(); print('session=' + s.session_key)",
        )
        .split("session=")[1]
        .strip()
    )


def test_silk_is_for_staff_only(development_server):
    base, env = development_server

    anonymous, headers, _ = call(base + "/silk/")
    plain, _, _ = call(base + "/silk/", headers={"Cookie": f"sessionid={plain_session(env)}"})
    staff, _, page = call(base + "/silk/", headers={"Cookie": f"sessionid={staff_session(base)}"})

    assert anonymous == 302
    assert headers["Location"].startswith("/admin/login/")
    assert plain == 403  # logged in, not staff: refused
    assert staff == 200
    assert b"silk" in page.lower()


def test_silk_stores_no_password_and_no_token(development_server):
    base, env = development_server
    by_variable = graphql(base, LOGIN_BY_VARIABLE, {"who": STAFF[0], "p": STAFF[1]})["data"]["tokenCreate"]
    inline = graphql(base, LOGIN_INLINE % PLAIN)["data"]["tokenCreate"]
    by_input = graphql(base, LOGIN_BY_INPUT, {"in": {"username": PLAIN[0], "password": PLAIN[1]}})["data"]
    refreshed = graphql(base, REFRESH, {"r": by_variable["refreshToken"]})["data"]["tokenRefresh"]
    viewer = graphql(base, "{ viewer { username } }", token=inline["accessToken"])
    assert viewer["data"]["viewer"]["username"] == PLAIN[0]
    graphql(base, ORDINARY, token=by_variable["accessToken"])
    time.sleep(0.5)

    stored = manage(
        env,
        "shell",
        "-c",
        "import base64; from silk.models import Request, Response, SQLQuery; "
        "print('\\n'.join([r.body + ' ' + (r.raw_body or '') + ' ' + r.encoded_headers + ' ' + r.query_params"
        " for r in Request.objects.all()] + [r.body + ' ' + base64.b64decode(r.raw_body or '').decode()"
        " + ' ' + r.encoded_headers for r in Response.objects.all()] + [q.query for q in SQLQuery.objects.all()]))",
    )
    secrets = {
        "staff password": STAFF[1],
        "client password": PLAIN[1],
        "access token": by_variable["accessToken"],
        "refresh token": by_variable["refreshToken"],
        "inline login's access token": inline["accessToken"],
        "inline login's refresh token": inline["refreshToken"],
        "input login's refresh token": by_input["tokenCreate"]["refreshToken"],
        "refreshed access token": refreshed["accessToken"],
        "refreshed refresh token": refreshed["refreshToken"],
    }
    assert "tokenCreate" in stored or "********" in stored
    for what, secret in secrets.items():
        assert secret not in stored, f"silk stored the {what}"
    assert "Bearer " not in stored
    # Still useful: an ordinary query is recorded as it was sent, with its answer.
    assert "providers(first: 2)" in stored
