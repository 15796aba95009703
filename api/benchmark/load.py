"""HTTP load for the benchmark: timed requests over kept-alive connections, from threads, on loopback only."""

import http.client
import json
import selectors
import socket
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast


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


@dataclass(frozen=True)
class HostCpu:
    """The machine's CPU time so far, from /proc/stat (Linux): all of it, and what a hypervisor took ("steal": time
    this virtual machine wanted to run and its host ran something else). In clock ticks; zeros where unreadable."""

    total: int
    stolen: int

    @classmethod
    def now(cls, source: str = "/proc/stat") -> "HostCpu":
        try:
            with open(source) as stat:
                fields = [int(value) for value in stat.readline().split()[1:]]
        except (OSError, ValueError):
            return cls(0, 0)
        # user nice system idle iowait irq softirq steal [guest guest_nice, already counted in user and nice]
        return cls(sum(fields[:8]), fields[7] if len(fields) > 7 else 0)

    def stolen_since(self, earlier: "HostCpu") -> float | None:
        """The share of the CPU time between ``earlier`` and this reading that the host took; None if unknown."""
        total = self.total - earlier.total
        return (self.stolen - earlier.stolen) / total if total > 0 else None


AT_ONCE_TIMEOUT_SECONDS = 60


def at_once(port: int, requests: list[Request], check: Callable[[int, bytes], None]) -> list[float]:
    """Send every request at the same moment, each on a new connection of its own; their latencies in ms, from that
    moment until the whole response is read. ``check(status, body)`` each answer.

    One thread drives every connection (non-blocking sockets and a selector): fifty client threads on the same two
    cores as the server spent CPU the server then lacked and, waiting for the GIL to read their clocks, added their
    own delays to what they measured. Each request says ``Connection: close``, so an answer ends when the server
    closes.
    """
    selector = selectors.DefaultSelector()
    payloads = [_http_bytes(port, request) for request in requests]
    sent = [0] * len(requests)
    received: list[list[bytes]] = [[] for _ in requests]
    timings: list[float] = [0.0] * len(requests)
    began = time.perf_counter()
    for index in range(len(requests)):
        client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        client.setblocking(False)
        client.connect_ex(("127.0.0.1", port))  # in progress: writable once connected
        selector.register(client, selectors.EVENT_WRITE, index)
    pending = len(requests)
    deadline = began + AT_ONCE_TIMEOUT_SECONDS
    try:
        while pending:
            ready = selector.select(timeout=max(0.0, deadline - time.perf_counter()))
            if not ready:
                raise RuntimeError(f"{pending} of {len(requests)} unanswered after {AT_ONCE_TIMEOUT_SECONDS} s")
            for key, _ in ready:
                client, index = cast(socket.socket, key.fileobj), cast(int, key.data)
                if sent[index] < len(payloads[index]):
                    sent[index] += client.send(payloads[index][sent[index] :])
                    if sent[index] == len(payloads[index]):
                        selector.modify(client, selectors.EVENT_READ, index)
                    continue
                chunk = client.recv(65536)
                if chunk:
                    received[index].append(chunk)
                    continue
                timings[index] = (time.perf_counter() - began) * 1000
                selector.unregister(client)
                client.close()
                pending -= 1
    finally:
        for key in list(selector.get_map().values()):
            cast(socket.socket, key.fileobj).close()
        selector.close()
    for answer in received:
        status, body = _parse_response(b"".join(answer))
        check(status, body)
    return timings


def _http_bytes(port: int, request: Request) -> bytes:
    """``request`` as an HTTP/1.1 POST with a JSON body that asks the server to close the connection after it."""
    body = json.dumps(request.body).encode()
    headers = {
        "Host": f"127.0.0.1:{port}",
        "Content-Type": "application/json",
        "Content-Length": str(len(body)),
        "Connection": "close",
        **request.headers,
    }
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return f"POST {request.path} HTTP/1.1\r\n{head}\r\n".encode("latin-1") + body


def _parse_response(raw: bytes) -> tuple[int, bytes]:
    """The status and body of a whole HTTP/1.1 response read until the server closed (Content-Length or chunked)."""
    head, separator, body = raw.partition(b"\r\n\r\n")
    if not separator:
        raise RuntimeError(f"no HTTP response: {raw[:200]!r}")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(b":") for line in lines[1:])}
    if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        body = _unchunked(body)
    return status, body


def _unchunked(body: bytes) -> bytes:
    parts: list[bytes] = []
    while True:
        size_line, _, rest = body.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            return b"".join(parts)
        parts.append(rest[:size])
        body = rest[size + 2 :]
