"""The Postman collection runs twice in a row against a live server with no failure (issue 11).

As a front-end developer would: `make run`'s steps (migrate, seed_demo, runserver) on a SQLite database of its
own, then ``newman run examples/postman_collection.json`` twice, the second run on the database the first one
left. Both must report 0 failed requests and 0 failed assertions, and the demo data must be untouched: every
demo reservation and slot is as it was.

newman comes from npm (.ci/run installs it into .tools/newman); without it the test is skipped, or fails
under CI (`tests.services.missing`).
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.services import missing

ROOT = Path(__file__).resolve().parents[2]
COLLECTION = ROOT / "examples" / "postman_collection.json"
LOCAL_NEWMAN = ROOT / ".tools" / "newman" / "node_modules" / ".bin" / "newman"


@pytest.fixture
def newman_path() -> str:
    """newman from .tools/newman (as .ci/run installs it) or PATH."""
    found = str(LOCAL_NEWMAN) if LOCAL_NEWMAN.exists() else shutil.which("newman")
    if found is None:
        missing("newman (npm install --prefix .tools/newman newman)")
    return found


def demo_rows(env: dict[str, str], up_to: tuple[int, int] | None = None) -> tuple[list[list[str]], list[list[str]]]:
    """The reservations and slots (every one, or those with primary keys up to ``up_to``), as the database has
    them: to compare the demo data before and after the runs."""
    limits = up_to or (2**62, 2**62)
    script = (
        "import json; from reservation.models import Reservation, Appointment;"
        f"r = Reservation.objects.filter(pk__lte={limits[0]}).order_by('pk').values_list("
        "'pk', 'appointment_id', 'client_id', 'confirmed_at', 'ended_at', 'end_reason');"
        f"a = Appointment.objects.filter(pk__lte={limits[1]}).order_by('pk').values_list("
        "'pk', 'provider_id', 'start_time', 'withdrawn_at');"
        "print('ROWS ' + json.dumps([[list(map(str, row)) for row in r], [list(map(str, row)) for row in a]]))"
    )
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", script],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("ROWS ")]
    reservations, slots = json.loads(line.removeprefix("ROWS "))
    return reservations, slots


def run_collection(newman: str, url: str, report: Path) -> dict[str, int]:
    """One newman run; its totals (requests, assertions and their failures)."""
    result = subprocess.run(
        [
            newman,
            "run",
            str(COLLECTION),
            "--env-var",
            f"baseUrl={url}",
            "--reporters",
            "cli,json",
            "--reporter-json-export",
            str(report),
            "--disable-unicode",
            "--color",
            "off",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    stats = json.loads(report.read_text())["run"]["stats"]
    totals = {
        "requests": stats["requests"]["total"],
        "requests failed": stats["requests"]["failed"],
        "assertions": stats["assertions"]["total"],
        "assertions failed": stats["assertions"]["failed"],
    }
    print(f"newman {report.stem}: {totals}")
    assert result.returncode == 0, result.stdout[-6000:]
    return totals


def test_the_collection_runs_twice_without_a_failure_and_leaves_the_demo_data_alone(newman_path, dev_server, tmp_path):
    url, env = dev_server
    before = demo_rows(env)

    first = run_collection(newman_path, url, tmp_path / "run-1.json")
    second = run_collection(newman_path, url, tmp_path / "run-2.json")

    assert first == second
    assert first["requests failed"] == first["assertions failed"] == 0
    assert first["requests"] >= 30
    reservations, slots = before
    assert reservations
    assert slots
    up_to = (int(reservations[-1][0]), int(slots[-1][0]))
    assert demo_rows(env, up_to) == before, "the collection changed demo data"
