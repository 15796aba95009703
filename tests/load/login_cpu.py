"""Load probe of issue 7's defect 1: anonymous reads while failed logins run, on a real gunicorn.

Run under the suite lock (it loads both cores), against a PostgreSQL database it may wipe::

    flock /tmp/suite.lock .venv/bin/python -m tests.load.login_cpu \\
        --database-url postgres://postgres@127.0.0.1:5432/issue7_load --redis-url redis://127.0.0.1:6381/12 \\
        [--code-dir DIR]   # another checkout of the project, e.g. main before the fix (default: this one)

It migrates the database, loads the demo data, starts gunicorn with the production settings and the real password
hasher (PBKDF2) on loopback, and measures anonymous ``availableAppointments(first: 20)`` (sequential requests):
first alone for ``--baseline-seconds``, then while ``--logins`` failed logins with ever new usernames are sent
from ``--addresses`` addresses (``X-Real-IP`` from loopback, as nginx sends it) by ``--concurrency`` threads.
Prints p50/p95 of each phase and how the logins were answered. Bounded: every request times out after 30 s.
"""

import argparse
import json
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

from tests.live_server import production_environment, running_gunicorn

READ = "{ availableAppointments(first: 20) { edges { node { id timeSlot provider { id firstName lastName } } } } }"
LOGIN = 'mutation($u: String!) { tokenCreate(input: {username: $u, password: "wrong-password-1"}) { errors { code } } }'


def post(url: str, query: str, variables: dict[str, Any] | None = None, address: str | None = None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if address:
        headers["X-Real-IP"] = address
    request = urllib.request.Request(
        url + "/graphql", json.dumps({"query": query, "variables": variables or {}}).encode(), headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, None


def percentiles(samples: list[float]) -> str:
    if len(samples) < 2:
        return f"n={len(samples)}"
    cuts = statistics.quantiles(samples, n=100)
    return (
        f"n={len(samples)} p50={cuts[49] * 1000:.0f} ms p95={cuts[94] * 1000:.0f} ms max={max(samples) * 1000:.0f} ms"
    )


def read_for(url: str, stop: threading.Event, samples: list[float]) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        status, body = post(url, READ)
        if status != 200 or "errors" in body:
            raise RuntimeError(f"availableAppointments failed: {status} {body}")
        samples.append(time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--code-dir", type=Path, default=Path(__file__).resolve().parents[2])
    parser.add_argument("--logins", type=int, default=60)
    parser.add_argument("--addresses", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--baseline-seconds", type=float, default=10)
    arguments = parser.parse_args()

    env = production_environment(arguments.database_url, arguments.redis_url, "load-probe-signing-key-0123456789abcdef")
    subprocess.run(["redis-cli", "-u", arguments.redis_url, "flushdb"], check=True, capture_output=True, timeout=10)
    for command in (["flush", "--noinput"], ["migrate", "--noinput"], ["seed_demo"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=arguments.code_dir,
            env=env,
            check=True,
            capture_output=True,
            timeout=300,
        )
    with running_gunicorn(env, workers=5, threads=4, code_dir=arguments.code_dir) as server:
        for _ in range(20):  # warm every worker
            post(server.url, READ)
        baseline: list[float] = []
        stop = threading.Event()
        reader = threading.Thread(target=read_for, args=(server.url, stop, baseline))
        reader.start()
        time.sleep(arguments.baseline_seconds)
        stop.set()
        reader.join()

        under_attack: list[float] = []
        answers: Counter[str] = Counter()
        stop = threading.Event()
        reader = threading.Thread(target=read_for, args=(server.url, stop, under_attack))
        pending = list(range(arguments.logins))
        lock = threading.Lock()

        def attacker() -> None:
            while True:
                with lock:
                    if not pending:
                        return
                    index = pending.pop()
                address = f"198.51.100.{index % arguments.addresses + 1}"
                status, body = post(server.url, LOGIN, {"u": f"guess-{index}-{time.time_ns()}"}, address)
                codes = [
                    error["code"] for error in (body or {}).get("data", {}).get("tokenCreate", {}).get("errors", [])
                ]
                with lock:
                    answers[f"{status} {','.join(codes) or 'ok'}"] += 1

        attackers = [threading.Thread(target=attacker) for _ in range(arguments.concurrency)]
        reader.start()
        started = time.perf_counter()
        for thread in attackers:
            thread.start()
        for thread in attackers:
            thread.join(timeout=300)
        attack_seconds = time.perf_counter() - started
        stop.set()
        reader.join()

    print(f"code: {arguments.code_dir}")
    print(f"baseline ({arguments.baseline_seconds:.0f} s): {percentiles(baseline)}")
    print(
        f"during {arguments.logins} failed logins from {arguments.addresses} addresses ({attack_seconds:.1f} s): "
        f"{percentiles(under_attack)}"
    )
    print(f"login answers: {dict(answers)}")


if __name__ == "__main__":
    main()
