"""The production stack's files, checked without Docker: compose's wiring and the Dockerfile.

nginx's configuration is run for real in tests/devops/test_tls_nginx.py.
"""

import gc
import runpy
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_compose_wires_postgres_gunicorn_and_nginx():
    compose = yaml.safe_load((ROOT / "compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "redis", "app", "nginx"}
    app = services["app"]
    assert app["build"]["dockerfile"] == "devops/Dockerfile"
    assert app["environment"]["DJANGO_SETTINGS_MODULE"] == "settings.production"
    assert app["environment"]["DATABASE_URL"].startswith("postgres://")
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    assert app["depends_on"]["redis"]["condition"] == "service_healthy"
    assert app["environment"]["REDIS_URL"].startswith("redis://redis:")
    assert "JWT_SIGNING_KEY" in app["environment"]
    assert services["nginx"]["ports"] == ["80:80", "443:443"]


def test_dockerfile_installs_from_the_lock_and_runs_gunicorn():
    dockerfile = (ROOT / "devops/Dockerfile").read_text()
    assert "Pipfile.lock" in dockerfile
    assert "--require-hashes" in dockerfile
    assert "gunicorn" in dockerfile
    assert (ROOT / "devops/entrypoint.sh").stat().st_mode & 0o111, "entrypoint must be executable"


def test_gunicorn_workers_freeze_the_loaded_app_out_of_the_garbage_collector():
    hook = runpy.run_path(str(ROOT / "devops/gunicorn.conf.py"))["post_worker_init"]
    assert callable(hook)
    try:
        hook(None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
