"""gunicorn loads the application once, in its master, and forks the workers from it (devops/gunicorn.conf.py,
``preload_app``): loading it must open no connection, which every worker would then share, and must leave nothing
for a worker's first request to import."""

import json
import os
import runpy
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "devops" / "gunicorn.conf.py"
# Ports nothing listens on: were loading to connect, it would fail, and the open socket would be counted.
NOWHERE = {"DATABASE_URL": "postgres://nobody@127.0.0.1:9/nowhere", "REDIS_URL": "redis://127.0.0.1:9/0"}
LOAD = """
import json, os, sys
import settings.wsgi
def target(fd):
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except FileNotFoundError:  # the descriptor listdir itself had open
        return ""
sockets = [fd for fd in os.listdir("/proc/self/fd") if target(fd).startswith("socket:")]
print(json.dumps({"sockets": len(sockets), "schema": "api.schema" in sys.modules,
                  "urls": "settings.urls" in sys.modules}))
"""


def load_application(**env: str) -> dict[str, object]:
    """What loading settings.wsgi under the production settings left behind, seen from inside that process."""
    result = subprocess.run(
        [sys.executable, "-c", LOAD],
        cwd=ROOT,
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "DJANGO_SETTINGS_MODULE": "settings.production",
            "DJANGO_SECRET_KEY": "preload-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            "JWT_SIGNING_KEY": "preload-test-signing-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            **NOWHERE,
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    loaded: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return loaded


def test_gunicorn_preloads_the_application():
    assert runpy.run_path(str(CONF))["preload_app"] is True


def test_loading_the_application_opens_no_connection_and_builds_the_schema():
    loaded = load_application()
    assert loaded == {"sockets": 0, "schema": True, "urls": True}


def test_access_lines_are_logged_only_when_asked_for(monkeypatch):
    # gunicorn logs access lines through logconfig_dict whatever `accesslog` says: the level is what turns them off.
    monkeypatch.delenv("GUNICORN_ACCESS_LOG", raising=False)
    config = runpy.run_path(str(CONF))
    assert config["accesslog"] is None
    assert config["logconfig_dict"]["loggers"]["gunicorn.access"]["level"] == "WARNING"

    monkeypatch.setenv("GUNICORN_ACCESS_LOG", "1")
    config = runpy.run_path(str(CONF))
    assert config["accesslog"] == "-"
    assert config["logconfig_dict"]["loggers"]["gunicorn.access"]["level"] == "INFO"
