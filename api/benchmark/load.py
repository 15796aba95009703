"""HTTP load for the benchmark: timed requests over kept-alive connections, from threads, on loopback only."""

import http.client
import json
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Request:
    """One request to send: path, JSON body and headers."""

    path: str
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class Connection:
    """A kept-alive HTTP/1.1 connection to the app server at 127.0.0.1:``port``."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def send(self, request: Request, request_id: str | None = None) -> tuple[float, int, bytes]:
        """Send ``request``; return its latency in ms (until the whole body is read), its status and body."""
        headers = {"Content-Type": "application/json", **request.headers}
        if request_id is not None:
            headers["X-Request-ID"] = request_id
        payload = json.dumps(request.body)
        began = time.perf_counter()
        try:
            self._connection.request("POST", request.path, payload, headers)
            response = self._connection.getresponse()
            body = response.read()
        except (http.client.HTTPException, OSError):
            # The worker closed the kept-alive connection (gunicorn recycles workers): once more, on a new one.
            self._connection.close()
            self._connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            began = time.perf_counter()
            self._connection.request("POST", request.path, payload, headers)
            response = self._connection.getresponse()
            body = response.read()
        return (time.perf_counter() - began) * 1000, response.status, body

    def close(self) -> None:
        self._connection.close()


@dataclass(frozen=True)
class Percentiles:
    """p50, p95 and p99 of a set of latencies, in ms."""

    p50: float
    p95: float
    p99: float

    @classmethod
    def of(cls, timings: list[float]) -> "Percentiles":
        cuts = statistics.quantiles(timings, n=100, method="inclusive")
        return cls(cuts[49], cuts[94], cuts[98])


def interleaved(port: int, sides: dict[str, Request], count: int, tag: str) -> dict[str, list[float]]:
    """Latencies of ``count`` requests of each side, sent one at a time and alternating side by side (the order of
    the pair flips every round), so that both meet the same moments of a noisy machine. Request ids are
    ``{tag}-{side}-{n}``, for the server's log lines."""
    connection = Connection(port)
    names = list(sides)
    timings: dict[str, list[float]] = {name: [] for name in names}
    try:
        for round_ in range(count):
            for name in names if round_ % 2 == 0 else reversed(names):
                elapsed, status, body = connection.send(sides[name], f"{tag}-{name}-{round_}")
                if status != 200:
                    raise RuntimeError(f"{name}: HTTP {status}: {body[:300]!r}")
                timings[name].append(elapsed)
    finally:
        connection.close()
    return timings


def throughput(port: int, request: Request, concurrency: int, seconds: float) -> tuple[float, int]:
    """Requests per second answered 200 when ``concurrency`` clients, each sending the next request when the last is
    answered, run for ``seconds``; and how many were answered otherwise (a 503 when a query hit its timeout)."""
    done = [0] * concurrency
    failed = [0] * concurrency
    stop = time.monotonic() + seconds

    def client(index: int) -> None:
        connection = Connection(port)
        try:
            while time.monotonic() < stop:
                _, status, _ = connection.send(request)
                if status == 200:
                    done[index] += 1
                else:
                    failed[index] += 1
        finally:
            connection.close()

    began = time.monotonic()
    threads = [threading.Thread(target=client, args=(index,)) for index in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.monotonic() - began), sum(failed)


def at_once(port: int, requests: list[Request], check: Callable[[int, bytes], None]) -> list[float]:
    """Send every request at the same moment, each from its own client thread and connection; their latencies."""
    barrier = threading.Barrier(len(requests))
    timings: list[float] = [0.0] * len(requests)
    errors: list[BaseException] = []

    def client(index: int) -> None:
        connection = Connection(port)
        try:
            barrier.wait()
            elapsed, status, body = connection.send(requests[index])
            check(status, body)
            timings[index] = elapsed
        except BaseException as error:  # noqa: BLE001 - reported by the caller
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(index,)) for index in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"{len(errors)} of {len(requests)} requests failed: {errors[0]}")
    return timings
