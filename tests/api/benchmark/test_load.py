"""The benchmark's burst client (`api.benchmark.load.at_once`): every request answered, each on its own connection,
its latency timed from the common start; Content-Length and chunked answers both read whole."""

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from api.benchmark.load import HostCpu, Request, at_once

DELAY_SECONDS = 0.2


class EchoHandler(BaseHTTPRequestHandler):
    """Answers a POST with its JSON body and a few headers echoed; ``/slow`` after `DELAY_SECONDS`, ``/chunked`` in
    chunks (HTTP/1.1)."""

    protocol_version = "HTTP/1.1"
    peers: set[tuple[str, int]] = set()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.peers.add(self.client_address)
        if self.path == "/slow":
            time.sleep(DELAY_SECONDS)
        answer = json.dumps(
            {"got": json.loads(body), "token": self.headers["Authorization"], "close": self.headers["Connection"]}
        ).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        if self.path == "/chunked":
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for start in range(0, len(answer), 7):
                part = answer[start : start + 7]
                self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


class EchoServer(ThreadingHTTPServer):
    request_queue_size = 64  # every connection of a burst waits in the backlog (the default 5 drops SYNs: 1 s retries)


@pytest.fixture
def port() -> Iterator[int]:
    server = EchoServer(("127.0.0.1", 0), EchoHandler)
    EchoHandler.peers = set()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("path", ["/fast", "/chunked", "/slow"])
def test_every_request_is_answered_whole_on_a_connection_of_its_own(port: int, path: str) -> None:
    requests = [Request(path, {"n": index}, {"Authorization": f"Bearer t{index}"}) for index in range(20)]
    answers: list[tuple[int, dict[str, object]]] = []

    timings = at_once(port, requests, lambda status, body: answers.append((status, json.loads(body))))

    assert sorted(answer["got"]["n"] for _, answer in answers) == list(range(20))  # type: ignore[index]
    assert {status for status, _ in answers} == {201}
    assert all(answer["token"] == f"Bearer t{answer['got']['n']}" for _, answer in answers)  # type: ignore[index]
    assert {answer["close"] for _, answer in answers} == {"close"}
    assert len(EchoHandler.peers) == 20
    assert len(timings) == 20
    assert all(timing > 0 for timing in timings)
    if path == "/slow":  # answered in parallel, each timed from the common start
        assert min(timings) >= DELAY_SECONDS * 1000
        assert max(timings) < 20 * DELAY_SECONDS * 1000 / 2


def test_a_refused_check_is_raised(port: int) -> None:
    def check(status: int, body: bytes) -> None:
        raise RuntimeError(f"HTTP {status}")

    with pytest.raises(RuntimeError, match="HTTP 201"):
        at_once(port, [Request("/fast", {})], check)


def test_the_share_the_host_took_is_read_from_proc_stat(tmp_path) -> None:
    stat = tmp_path / "stat"
    stat.write_text("cpu  100 0 50 800 10 0 5 35 7 0\nintr 1\n")  # 1000 ticks, 35 stolen (guest's 7 is in user's)
    earlier = HostCpu.now(str(stat))
    stat.write_text("cpu  300 0 100 1400 10 0 5 185 9 0\n")  # 1000 more, 150 of them stolen
    later = HostCpu.now(str(stat))
    assert (earlier.total, earlier.stolen) == (1000, 35)
    assert later.stolen_since(earlier) == pytest.approx(0.15)
    assert HostCpu.now(str(tmp_path / "missing")).stolen_since(HostCpu(0, 0)) is None
