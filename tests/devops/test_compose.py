"""compose.yml is safe as written: no demo data or default secret in the production stack, health checks on every
long-running service, the app after a healthy database, two or more app replicas behind nginx, PgBouncer, the
daily schedule top-up, and the demo and monitoring profiles. Read as compose reads it (YAML, with `${...}`
interpolation); the images themselves are built and run by .ci/run (devops/ci/image-smoke.sh).
"""

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_TEXT = (ROOT / "compose.yml").read_text()
COMPOSE = yaml.safe_load(COMPOSE_TEXT)
SERVICES: dict[str, Any] = COMPOSE["services"]
PRODUCTION = {name: service for name, service in SERVICES.items() if not service.get("profiles")}
SECRETS = {"DJANGO_SECRET_KEY", "JWT_SIGNING_KEY", "POSTGRES_PASSWORD", "GRAFANA_ADMIN_PASSWORD"}
_VARIABLE = re.compile(r"\$\{(\w+)(?:(:?[-?])([^}]*))?\}")


def interpolate(text: str, env: dict[str, str]) -> tuple[str, set[str]]:
    """compose's `${VAR}`, `${VAR:-default}` and `${VAR:?message}`; returns the text and the required vars missing."""
    missing: set[str] = set()

    def value(match: re.Match[str]) -> str:
        name, operator, argument = match.group(1), match.group(2), match.group(3) or ""
        if env.get(name):
            return env[name]
        if operator in (":?", "?"):
            missing.add(name)
            return ""
        return argument if operator in (":-", "-") else ""

    return _VARIABLE.sub(value, text.replace("$$", "\0")).replace("\0", "$"), missing


def commands(service: dict[str, Any]) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else str(command)


def test_the_services():
    assert set(SERVICES) == {
        "db",
        "pgbouncer",
        "redis",
        "migrate",
        "app",
        "scheduler",
        "nginx",
        "demo-data",
        "db-replica",
        "pgbouncer-replica",
        "prometheus",
        "grafana",
        "node-exporter",
        "postgres-exporter",
    }
    assert set(PRODUCTION) == {"db", "pgbouncer", "redis", "migrate", "app", "scheduler", "nginx"}


def test_the_production_stack_loads_no_demo_data():
    for name, service in PRODUCTION.items():
        environment = service.get("environment", {})
        assert environment.get("SEED_DEMO_DATA", "0") == "0", name
        assert "seed_demo" not in commands(service), name
        assert "createsuperuser" not in commands(service), name
    demo = SERVICES["demo-data"]
    assert demo["profiles"] == ["demo"]
    assert commands(demo) == "python manage.py seed_demo"
    assert "LOCAL USE ONLY" in COMPOSE_TEXT


def test_every_secret_is_required_with_no_default():
    used = {match.group(1) for match in _VARIABLE.finditer(COMPOSE_TEXT)}
    assert used >= SECRETS
    for match in _VARIABLE.finditer(COMPOSE_TEXT):
        name, operator = match.group(1), match.group(2)
        if name in SECRETS or re.search(r"SECRET|PASSWORD|KEY|TOKEN", name):
            assert operator == ":?", f"${{{name}}} must be ${{{name}:?message}}"
            assert "make-env.sh" in match.group(3)
    # No literal secret either: every password, key and secret in an environment comes from a variable.
    for name, service in SERVICES.items():
        for key, value in (service.get("environment") or {}).items():
            if re.search(r"SECRET|PASSWORD|SIGNING_KEY", key) or ("://" in str(value) and "@" in str(value)):
                assert "${" in str(value), f"{name}.{key} is written out in compose.yml"


def test_compose_refuses_to_start_without_the_secrets_and_starts_with_make_env():
    _, missing = interpolate(COMPOSE_TEXT, {})
    assert missing == SECRETS

    made = subprocess.run(["sh", str(ROOT / "devops/make-env.sh")], capture_output=True, text=True, check=True)
    env = dict(line.split("=", 1) for line in made.stdout.splitlines() if line and not line.startswith("#"))
    assert set(env) >= SECRETS
    assert all(len(env[name]) >= 40 for name in SECRETS)
    text, missing = interpolate(COMPOSE_TEXT, env)
    assert missing == set()
    app = yaml.safe_load(text)["services"]["app"]
    assert app["environment"]["DATABASE_URL"] == (
        f"postgres://reservation:{env['POSTGRES_PASSWORD']}@pgbouncer:6432/reservation"
    )
    assert int(app["deploy"]["replicas"]) == 2


def test_every_long_running_service_has_a_health_check():
    for name, service in SERVICES.items():
        if service.get("restart") == "no":  # one-shot jobs: waited for with service_completed_successfully
            continue
        assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"
    assert "/readyz" in " ".join(SERVICES["app"]["healthcheck"]["test"])
    assert "/readyz" in " ".join(SERVICES["nginx"]["healthcheck"]["test"])


def test_the_app_waits_for_a_migrated_healthy_database():
    app = SERVICES["app"]["depends_on"]
    assert app["migrate"]["condition"] == "service_completed_successfully"
    assert app["pgbouncer"]["condition"] == "service_healthy"
    assert app["redis"]["condition"] == "service_healthy"
    assert SERVICES["pgbouncer"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert SERVICES["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert SERVICES["nginx"]["depends_on"]["app"]["condition"] == "service_healthy"


def test_two_or_more_app_replicas_behind_nginx_through_pgbouncer():
    app = SERVICES["app"]
    text, _ = interpolate(COMPOSE_TEXT, {name: "x" for name in SECRETS})
    resolved = yaml.safe_load(text)["services"]["app"]
    assert int(resolved["deploy"]["replicas"]) >= 2
    assert "container_name" not in app
    environment = resolved["environment"]
    assert environment["GUNICORN_BIND"] == "0.0.0.0:8000"
    assert environment["RUN_MIGRATIONS"] == "0"
    assert environment["DATABASE_POOLER"] == "pgbouncer"
    assert "@pgbouncer:6432/" in environment["DATABASE_URL"]
    assert environment["DATABASE_STATEMENT_TIMEOUT_MS"] == "3000"
    assert environment["DATABASE_CONNECT_TIMEOUT"] == "3"
    assert "expose" in app
    assert "ports" not in app
    servers = (ROOT / "devops/nginx/app-servers.conf").read_text()
    assert "server app:8000" in servers


def test_only_nginx_is_published_and_monitoring_only_on_loopback():
    for name, service in SERVICES.items():
        for port in service.get("ports", []):
            if name == "nginx":
                assert port in ("80:80", "443:443")
            else:
                assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} beyond loopback"


def test_migrations_run_once_straight_to_postgresql():
    migrate = SERVICES["migrate"]
    assert migrate["restart"] == "no"
    assert "RUN_MIGRATIONS" not in migrate["environment"]
    assert "@db:5432/" in migrate["environment"]["DATABASE_URL"]
    assert migrate["environment"]["STATIC_EXPORT_DIR"] == "/srv/static"


def test_the_schedule_horizon_is_topped_up_daily():
    scheduler = SERVICES["scheduler"]
    command = commands(scheduler)
    assert "python manage.py publish_schedules" in command
    assert "86400" in command
    assert scheduler["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "publish_schedules.ok" in " ".join(scheduler["healthcheck"]["test"])


@pytest.mark.parametrize("name", ["prometheus", "grafana", "node-exporter", "postgres-exporter"])
def test_the_monitoring_profile(name):
    assert SERVICES[name]["profiles"] == ["monitoring"]


def test_monitoring_is_wired_to_the_repository_files():
    prometheus = SERVICES["prometheus"]
    assert "./devops/prometheus:/etc/prometheus:ro" in prometheus["volumes"]
    config = yaml.safe_load((ROOT / "devops/prometheus/prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert jobs["app"]["dns_sd_configs"][0]["names"] == ["app"]
    assert jobs["node"]["static_configs"][0]["targets"] == ["node-exporter:9100"]
    assert jobs["postgres"]["static_configs"][0]["targets"] == ["postgres-exporter:9187"]
    grafana = SERVICES["grafana"]
    assert "./devops/grafana/provisioning:/etc/grafana/provisioning:ro" in grafana["volumes"]
    assert "./devops/grafana/dashboards:/var/lib/grafana/dashboards:ro" in grafana["volumes"]


def test_the_replicas_profile_streams_from_db_behind_a_pgbouncer_of_its_own():
    replica, bouncer = SERVICES["db-replica"], SERVICES["pgbouncer-replica"]
    assert replica["profiles"] == bouncer["profiles"] == ["replicas"]
    assert replica["environment"]["PRIMARY_HOST"] == "db"
    assert replica["depends_on"]["db"]["condition"] == "service_healthy"
    mounted = {volume.split(":")[0]: volume.split(":")[1] for volume in replica["volumes"]}
    assert mounted["./devops/replica/standby-entrypoint.sh"] == replica["entrypoint"][-1]
    assert (ROOT / "devops/replica/standby-entrypoint.sh").is_file()
    # The primary admits the replicas' replication logins from its first start on.
    assert (
        "./devops/replica/primary-replication.sh:/docker-entrypoint-initdb.d/20-replication.sh:ro"
        in (SERVICES["db"]["volumes"])
    )
    assert bouncer["environment"]["POSTGRES_HOST"] == "db-replica"
    assert bouncer["build"] == SERVICES["pgbouncer"]["build"]
    assert "pgdata-replica" in COMPOSE["volumes"]
    # Off unless configured: the app reads replicas only when DATABASE_REPLICA_URLS names them.
    text, _ = interpolate(COMPOSE_TEXT, {name: "x" for name in SECRETS})
    assert yaml.safe_load(text)["services"]["app"]["environment"]["DATABASE_REPLICA_URLS"] == ""
    url = "postgres://reservation:x@pgbouncer-replica:6432/reservation"
    text, _ = interpolate(COMPOSE_TEXT, {**{name: "x" for name in SECRETS}, "DATABASE_REPLICA_URLS": url})
    assert yaml.safe_load(text)["services"]["app"]["environment"]["DATABASE_REPLICA_URLS"] == url
