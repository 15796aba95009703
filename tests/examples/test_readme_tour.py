"""README.md's 2-minute tour works as written (issue 11): its shell blocks, pasted in order into one bash session
against `make run` on a fresh database, sign up a client, reserve the first open slot and confirm it."""

import json
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"


def tour_blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    tour = text[text.index("## A 2-minute tour") : text.index("## Where to read on")]
    return [re.sub(r"^   ", "", block, flags=re.M) for block in re.findall(r"```sh\n(.*?)```", tour, re.S)]


def test_the_readme_starts_with_the_two_commands():
    first_block = re.search(r"```sh\n(.*?)```", README.read_text(encoding="utf-8"), re.S)

    assert first_block is not None
    assert [line.split()[:2] for line in first_block.group(1).splitlines()] == [["make", "run"], ["make", "test"]]


def test_the_tour_books_an_appointment(dev_server):
    url, _ = dev_server
    script = "set -euo pipefail\n" + "\n".join(tour_blocks()).replace("http://127.0.0.1:8000", url)

    result = subprocess.run(["bash", "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)

    assert result.returncode == 0, result.stderr
    signup, confirmation = (json.loads(line) for line in result.stdout.replace("}{", "}\n{").splitlines())
    assert signup["data"]["clientCreate"]["errors"] == []
    assert confirmation["data"]["reservationConfirm"]["reservation"]["state"] == "CONFIRMED"
