"""The alert rules load (`promtool check rules`), fire when they should and only then (`promtool test rules`
devops/prometheus/alerts.test.yml), Prometheus' configuration loads, and every metric the rules and the Grafana
dashboard use exists: the app's are in a real scrape of /metrics, the exporters' are the ones they publish."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from tests.services import missing

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / "devops/prometheus"
DASHBOARD = json.loads((ROOT / "devops/grafana/dashboards/reservation.json").read_text())
EXPORTERS = {
    "up",
    "node_cpu_seconds_total",
    "node_filesystem_avail_bytes",
    "node_filesystem_size_bytes",
    "pg_stat_database_numbackends",
    "pg_settings_max_connections",
}
ALERTS = {
    "InstanceDown",
    "RedisDown",
    "DatabaseDown",
    "InternalErrorRate",
    "HTTP5xxRate",
    "AvailableAppointmentsSlow",
    "ReservationCreateSlow",
    "DiskAlmostFull",
    "CPUSaturated",
    "DatabaseConnectionsNearLimit",
}


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("promtool") is None:
        missing("promtool (Debian's prometheus package)")
    return subprocess.run(["promtool", *args], cwd=PROMETHEUS, capture_output=True, text=True, timeout=120, check=False)


def test_the_rules_load():
    result = promtool("check", "rules", "alerts.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(ALERTS)} rules found" in result.stdout


def test_the_rules_fire_when_they_should_and_only_then():
    result = promtool("test", "rules", "alerts.test.yml")
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout
    tested = set(re.findall(r"alertname: (\w+)", (PROMETHEUS / "alerts.test.yml").read_text()))
    assert tested == ALERTS


def test_the_prometheus_configuration_loads():
    result = promtool("check", "config", "prometheus.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def metric_names(expression: str) -> set[str]:
    names = set(re.findall(r"\b([a-z_][a-z0-9_]*)\s*(?:\{|\[)", expression)) | set(
        re.findall(r"\b(reservation_[a-z0-9_]+|node_[a-z0-9_]+|pg_[a-z0-9_]+)\b", expression)
    )
    return {name for name in names if not name.startswith(("rate", "sum", "histogram", "avg", "min", "max"))}


def base_name(name: str) -> str:
    return re.sub(r"_(bucket|count|sum)$", "", name)


@pytest.mark.django_db
def test_every_metric_used_exists(client):
    client.post("/graphql", '{"query": "{ __typename }"}', content_type="application/json")
    scraped = client.get("/metrics").content.decode()
    exposed = {line.split("{")[0].split(" ")[0] for line in scraped.splitlines() if line and not line.startswith("#")}
    # Labelled counters that nothing has counted yet have no sample: their declared names count too.
    declared = {family.name for family in REGISTRY.collect()}
    exposed_bases = {base_name(name) for name in exposed} | exposed | declared | {f"{name}_total" for name in declared}
    expressions = [
        rule for rule in re.findall(r"expr: (.+?)(?:\n\s+for:)", (PROMETHEUS / "alerts.yml").read_text(), re.S)
    ]
    expressions += [target["expr"] for panel in DASHBOARD["panels"] for target in panel["targets"]]
    for expression in expressions:
        for name in metric_names(expression):
            assert name in EXPORTERS or base_name(name) in exposed_bases, f"{name} (in {expression}) is not exported"


def test_the_dashboard_shows_what_the_alerts_watch():
    titles = " ".join(panel["title"] for panel in DASHBOARD["panels"]).lower()
    for subject in ("latency", "p99", "internal error", "5xx", "disk", "cpu", "connections", "holds", "slot", "logins"):
        assert subject in titles or subject.upper() in " ".join(
            target["expr"] for panel in DASHBOARD["panels"] for target in panel["targets"]
        ), subject
    assert all(panel["datasource"]["uid"] == "prometheus" for panel in DASHBOARD["panels"])
    provisioning = (ROOT / "devops/grafana/provisioning/datasources/prometheus.yml").read_text()
    assert "uid: prometheus" in provisioning
    assert "url: http://prometheus:9090" in provisioning
