"""examples/README.md is right when followed top to bottom (issue 11).

Every shell block of the walkthrough runs in order, in one bash session, against `make run` on a fresh
database (the ``dev_server`` fixture), exactly as a reader pastes them (only the server's address differs).
Each block must exit without error, and where the README shows the JSON a block prints, the response must
match it: the same keys, lists of the same length, and the same values, except those that differ on every run
(IDs, tokens, cursors, URLs, and times relative to now; the walkthrough's own slot times, in 2030, must match).
"""

import json
import re
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "examples" / "README.md"
BLOCK = re.compile(r"```(sh|json)\n(.*?)```", re.S)
# Values that differ on every run: IDs, tokens, cursors, URLs, and times that depend on the clock.
VOLATILE_KEYS = {"id", "accessToken", "refreshToken", "cursor", "startCursor", "endCursor", "url", "username"}
GLOBAL_ID = re.compile(r"^[A-Za-z0-9+/]+=*$")
# Dates and times that depend on the day the walkthrough runs (the walkthrough's own slots are in 2030).
NOW_TIME = re.compile(r"^202\d-\d\d-\d\d")
# Counts that depend on the day: the slots a weekly schedule adds between today and its horizon.
VOLATILE_PATHS = {".data.weeklyScheduleSet.changes.added"}
SKIPPED = ("make run", "python3 examples/build_postman_collection.py")


def blocks() -> list[tuple[int, str, str | None]]:
    """(line, shell block, the JSON block shown after it or None), for every shell block a reader runs."""
    text = README.read_text(encoding="utf-8")
    found: list[tuple[int, str, str | None]] = []
    for match in BLOCK.finditer(text):
        kind, body = match.group(1), match.group(2)
        line = text[: match.start()].count("\n") + 1
        if kind == "sh" and not body.startswith(SKIPPED):
            found.append((line, body, None))
        elif kind == "json" and found and found[-1][2] is None and found[-1][0] < line:
            found[-1] = (found[-1][0], found[-1][1], body)
    return found


def documents(output: str) -> list[Any]:
    """The JSON documents a block printed (json.tool output, one after another), ignoring other lines."""
    decoder = json.JSONDecoder()
    found, index = [], 0
    while (start := output.find("{", index)) != -1:
        try:
            value, index = decoder.raw_decode(output, start)
        except ValueError:
            index = start + 1
            continue
        found.append(value)
    return found


ELLIPSIS = re.compile(r"^(\s*)\.\.\. (.*)$")
MORE = re.compile(r"^@@more (\d+)?")


def shown_documents(block: str) -> list[Any]:
    """The JSON the README shows, where a line "... 10 more slots" stands for list items left out."""
    lines = block.splitlines()
    for index, line in enumerate(lines):
        match = ELLIPSIS.match(line)
        if match:
            count = re.match(r"(\d+) more", match.group(2))
            following = next((later.strip() for later in lines[index + 1 :] if later.strip()), "]")
            comma = "" if following.startswith("]") else ","
            lines[index] = f'{match.group(1)}"@@more {count.group(1) if count else ""}"{comma}'
    return documents("\n".join(lines))


def differences(shown: Any, actual: Any, path: str = "") -> list[str]:
    """Where ``actual`` does not match what the README shows (volatile values compared by type only)."""
    if isinstance(shown, dict) and isinstance(actual, dict):
        if shown.keys() != actual.keys():
            return [f"{path}: keys {sorted(shown)} shown, {sorted(actual)} returned"]
        return [
            difference
            for key in shown
            if key not in VOLATILE_KEYS and not key.endswith("Token") and f"{path}.{key}" not in VOLATILE_PATHS
            for difference in differences(shown[key], actual[key], f"{path}.{key}")
        ]
    if isinstance(shown, list) and isinstance(actual, list):
        marks = [index for index, item in enumerate(shown) if isinstance(item, str) and MORE.match(item)]
        if len(marks) > 1:  # items left out in several places: only the count can be checked
            shown_count = len(shown) - len(marks)
            return [] if len(actual) >= shown_count else [f"{path}: {shown_count}+ items shown, {len(actual)} returned"]
        if marks:  # "... N more": the items before it open the list, those after it end it
            (mark,) = marks
            left_out = shown[mark].removeprefix("@@more ")
            head, tail = shown[:mark], shown[mark + 1 :]
            expected = len(head) + len(tail) + int(left_out) if left_out else None
            if (expected is not None and len(actual) != expected) or len(actual) < len(head) + len(tail):
                return [
                    f"{path}: {len(head) + len(tail)} items and {left_out or 'some'} more shown, {len(actual)} returned"
                ]
            shown, actual = head + tail, actual[: len(head)] + (actual[len(actual) - len(tail) :] if tail else [])
        if len(shown) != len(actual):
            return [f"{path}: {len(shown)} items shown, {len(actual)} returned"]
        return [
            difference
            for index, (expected_item, item) in enumerate(zip(shown, actual, strict=True))
            for difference in differences(expected_item, item, f"{path}.{index}")
        ]
    if isinstance(shown, str) and isinstance(actual, str):
        volatile = NOW_TIME.match(shown) or (GLOBAL_ID.match(shown) and len(shown) >= 12) or "..." in shown
        return [] if volatile or shown == actual else [f"{path}: {shown!r} shown, {actual!r} returned"]
    return [] if shown == actual else [f"{path}: {shown!r} shown, {actual!r} returned"]


def test_the_walkthrough_runs_top_to_bottom_as_written(dev_server):
    url, _ = dev_server
    steps = blocks()
    script = ["set -uo pipefail"]
    for line, body, _ in steps:
        script += [body.replace("http://127.0.0.1:8000", url), f'echo "@@END {line} $?@@"']
    result = subprocess.run(
        ["bash", "-c", "\n".join(script)], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )

    problems: list[str] = []
    rest = result.stdout
    for line, _, shown in steps:
        output, marker, rest = rest.partition(f"@@END {line} ")
        assert marker, f"the block at line {line} did not finish: {result.stderr[-2000:]}"
        status, _, rest = rest.partition("@@\n")
        if status != "0":
            problems.append(f"line {line}: exit status {status}")
        if shown is not None:
            expected, returned = shown_documents(shown), documents(output)
            if len(returned) < len(expected):
                problems.append(
                    f"line {line}: printed {len(returned)} JSON documents, the README shows {len(expected)}"
                )
                continue
            for document, answer in zip(expected, returned[len(returned) - len(expected) :], strict=True):
                problems += [f"line {line}: {d}" for d in differences(document, answer)]
    assert not problems, "\n".join(problems) + "\n" + result.stderr[-2000:]
