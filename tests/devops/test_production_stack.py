"""The production stack's files, checked without Docker: nginx's config with `nginx -t`, compose's wiring."""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed (CI installs it from apt)")
def test_nginx_config_is_valid(tmp_path):
    # nginx -t resolves upstream host names: point `app` at loopback, change nothing else.
    config = (ROOT / "devops/nginx/nginx.conf").read_text()
    assert "server app:8000;" in config
    (tmp_path / "nginx.conf").write_text(config.replace("server app:8000;", "server 127.0.0.1:8000;"))
    result = subprocess.run(
        ["nginx", "-t", "-c", str(tmp_path / "nginx.conf"), "-g", f"pid {tmp_path}/nginx.pid;"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_compose_wires_postgres_gunicorn_and_nginx():
    compose = yaml.safe_load((ROOT / "compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "app", "nginx"}
    app = services["app"]
    assert app["build"]["dockerfile"] == "devops/Dockerfile"
    assert app["environment"]["DJANGO_SETTINGS_MODULE"] == "settings.production"
    assert app["environment"]["DATABASE_URL"].startswith("postgres://")
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["nginx"]["ports"] == ["80:80"]


def test_dockerfile_installs_from_the_lock_and_runs_gunicorn():
    dockerfile = (ROOT / "devops/Dockerfile").read_text()
    assert "Pipfile.lock" in dockerfile
    assert "--require-hashes" in dockerfile
    assert "gunicorn" in dockerfile
    assert (ROOT / "devops/entrypoint.sh").stat().st_mode & 0o111, "entrypoint must be executable"
