"""What the image's build needs: no runtime secret. collectstatic runs under settings.build, which has production's
apps and static files and no secret; gunicorn's hooks. CI builds the image itself (devops/ci/image-smoke.sh)."""

import gc
import json
import os
import runpy
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "devops/Dockerfile").read_text()
BARE = {"PATH": "/usr/bin:/bin"}
COMPARED = ["INSTALLED_APPS", "STATIC_URL", "STATIC_ROOT", "STATICFILES_FINDERS", "STORAGES", "TEMPLATES"]
DUMP = (
    "import json, django; django.setup(); from django.conf import settings as s;"
    " print(json.dumps({n: str(getattr(s, n)) for n in %r}))"
)


def run(module: str, code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**BARE, "DJANGO_SETTINGS_MODULE": module, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_collectstatic_needs_no_runtime_secret(tmp_path):
    # The reproduction, under the build's settings: no JWT key, no Redis, no secret key, no database.
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--dry-run"],
        cwd=ROOT,
        env={**BARE, "DJANGO_SETTINGS_MODULE": "settings.build"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "static files copied" in result.stdout


def test_the_build_settings_collect_what_production_serves():
    production = run(
        "settings.production",
        DUMP % COMPARED,
        DJANGO_SECRET_KEY="x" * 50,
        JWT_SIGNING_KEY="y" * 50,
        REDIS_URL="redis://127.0.0.1:1/0",
        DATABASE_URL="postgres://u:p@127.0.0.1:1/d",
    )
    build = run("settings.build", DUMP % COMPARED)
    assert production.returncode == 0, production.stderr
    assert build.returncode == 0, build.stderr
    assert json.loads(build.stdout) == json.loads(production.stdout)


def test_production_still_refuses_to_start_without_its_secrets():
    result = run("settings.production", "import django; django.setup()", DJANGO_SECRET_KEY="x" * 50)
    assert result.returncode != 0
    assert "JWT_SIGNING_KEY" in result.stderr


def test_the_dockerfile_builds_with_the_build_settings_and_bakes_in_no_secret():
    assert "DJANGO_SETTINGS_MODULE=settings.build python manage.py collectstatic --noinput" in DOCKERFILE
    for secret in ("DJANGO_SECRET_KEY=", "JWT_SIGNING_KEY=", "DATABASE_URL=", "REDIS_URL="):
        assert secret not in DOCKERFILE
    assert "DJANGO_SETTINGS_MODULE=settings.production" in DOCKERFILE
    assert "--require-hashes" in DOCKERFILE
    assert "USER 10001:10001" in DOCKERFILE
    assert os.access(ROOT / "devops/entrypoint.sh", os.X_OK)


def test_ci_builds_and_boots_the_images():
    ci = (ROOT / ".ci/run").read_text()
    assert "devops/ci/base-images.sh" in ci
    assert "devops/ci/image-smoke.sh" in ci
    smoke = (ROOT / "devops/ci/image-smoke.sh").read_text()
    for step in ("buildah bud", "podman", "book_through.py", "devops/nginx", "devops/pgbouncer", "nginx -t"):
        assert step in smoke


def test_gunicorn_freezes_the_loaded_app_out_of_the_garbage_collector_before_each_fork_and_in_the_worker():
    config = runpy.run_path(str(ROOT / "devops/gunicorn.conf.py"))
    for hook, arguments in ((config["pre_fork"], (None, None)), (config["post_worker_init"], (None,))):
        gc.unfreeze()
        try:
            hook(*arguments)
            assert gc.get_freeze_count() > 0
        finally:
            gc.unfreeze()


def test_a_dead_worker_stops_counting_in_the_live_gauges(tmp_path, monkeypatch):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    (tmp_path / "gauge_livesum_4242.db").write_bytes(b"")
    config = runpy.run_path(str(ROOT / "devops/gunicorn.conf.py"))

    config["child_exit"](None, type("Worker", (), {"pid": 4242})())

    assert not (tmp_path / "gauge_livesum_4242.db").exists()
    assert config["accesslog"] is None  # one JSON line per request comes from the app itself


def test_a_worker_takes_at_most_twice_its_threads_connections_so_a_burst_is_spread_over_the_workers(monkeypatch):
    """gunicorn's default (1000) let one gthread worker accept a whole burst and run it on one core (its GIL)."""
    monkeypatch.setenv("GUNICORN_THREADS", "3")
    config = runpy.run_path(str(ROOT / "devops/gunicorn.conf.py"))
    assert (config["threads"], config["worker_connections"]) == (3, 6)
    # Room for kept-alive connections (nginx's pool) beside the threads' own.
    assert config["worker_connections"] - config["threads"] > 0

    monkeypatch.setenv("GUNICORN_WORKER_CONNECTIONS", "40")
    assert runpy.run_path(str(ROOT / "devops/gunicorn.conf.py"))["worker_connections"] == 40
