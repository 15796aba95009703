#!/usr/bin/env python3
"""Book an appointment through a running service, as its users would, with the examples' own operations.

    python3 devops/ci/book_through.py http://127.0.0.1:8000 STAFF_USERNAME STAFF_PASSWORD

Checks, in order: ``/healthz`` and ``/readyz`` answer 200; staff log in (``tokenCreate``), register a provider
and a client with their logins; the provider logs in and publishes an hour of availability two days ahead
(``appointmentBulkCreate``); the client logs in, reserves the first slot (``reservationCreate``) and confirms it
(``reservationConfirm``); ``/metrics`` then counts the hold and the confirmation. Any other answer exits 1 with
what was received. The standard library only: it runs on a bare CI machine against the image (devops/ci).
"""

import json
import re
import sys
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def fail(message: str) -> None:
    print(f"book_through: FAILED: {message}", file=sys.stderr)
    raise SystemExit(1)


def http(base: str, path: str, body: dict[str, Any] | None = None, token: str | None = None) -> tuple[int, bytes]:
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(base + path, data=data, headers=headers)  # noqa: S310 - loopback URL
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback URL
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def operation(base: str, example: str, variables: dict[str, Any], token: str | None = None) -> dict[str, Any]:
    """Run examples/<example>.graphql and return its root field's payload; exit on any error."""
    query = (EXAMPLES / f"{example}.graphql").read_text()
    status, raw = http(base, "/graphql", {"query": query, "variables": variables}, token)
    if status != 200:
        fail(f"{example}: HTTP {status}: {raw[:500]!r}")
    body = json.loads(raw)
    if body.get("errors"):
        fail(f"{example}: {body['errors']}")
    (payload,) = body["data"].values()
    if payload.get("errors"):
        fail(f"{example}: {payload['errors']}")
    print(f"book_through: {example} ok")
    return dict(payload)


def login(base: str, username: str, password: str) -> str:
    return str(operation(base, "00_tokenCreate", {"username": username, "password": password})["accessToken"])


def main() -> None:
    base, staff_username, staff_password = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
    for path in ("/healthz", "/readyz"):
        status, raw = http(base, path)
        if status != 200:
            fail(f"{path}: HTTP {status}: {raw[:300]!r}")
        print(f"book_through: {path} {status} {raw.decode()[:120]}")

    staff = login(base, staff_username, staff_password)
    provider = operation(
        base,
        "01_providerCreate",
        {"firstName": "Ada", "lastName": "Lovelace", "username": "ada.ci", "password": "provider-ci-2030"},
        staff,
    )["provider"]
    operation(
        base,
        "02_clientCreate",
        {"firstName": "Grace", "lastName": "Hopper", "username": "grace.ci", "password": "client-ci-2030"},
        staff,
    )

    start = (datetime.now(UTC) + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    slots = operation(
        base,
        "03_appointmentBulkCreate",
        {
            "providerId": provider["id"],
            "startTime": start.isoformat(),
            "endTime": (start + timedelta(hours=1)).isoformat(),
            "first": 10,
        },
        login(base, "ada.ci", "provider-ci-2030"),
    )["appointments"]["edges"]
    if len(slots) != 4:
        fail(f"appointmentBulkCreate made {len(slots)} slots, not 4")

    client = login(base, "grace.ci", "client-ci-2030")
    hold = operation(base, "05_reservationCreate", {"appointmentId": slots[0]["node"]["id"]}, client)["reservation"]
    confirmed = operation(base, "06_reservationConfirm", {"reservationId": hold["id"]}, client)["reservation"]
    if confirmed["state"] != "CONFIRMED" or not confirmed["confirmed"]:
        fail(f"reservationConfirm answered {confirmed}")

    status, raw = http(base, "/metrics")
    if status != 200:
        fail(f"/metrics: HTTP {status}")
    text = raw.decode()
    for sample in ('reservation_events_total{kind="held"}', 'reservation_events_total{kind="confirmed"}'):
        match = re.search(re.escape(sample) + r" ([0-9.e+]+)", text)
        if not match or float(match.group(1)) < 1:
            fail(f"/metrics has no {sample} >= 1")
    print(f"book_through: booked {confirmed['appointment']['timeSlot']}: {confirmed['state']}; /metrics counted it")


if __name__ == "__main__":
    main()
