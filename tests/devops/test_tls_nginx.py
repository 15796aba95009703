"""nginx's TLS termination, run for real: devops/nginx/nginx.conf in front of a tiny upstream, on loopback.

The config is copied with only what ties it to the compose network replaced (the upstream `app:8000`, the
listen ports, the certificate paths, the static and ACME directories); each replaced string must be present,
so changing one of them in nginx.conf fails here loudly instead of testing something else. The certificate is
made by devops/nginx/make-dev-cert.sh. Skipped when nginx (Debian's apt package) or openssl is missing.
"""

import http.client
import os
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.services import missing

ROOT = Path(__file__).resolve().parents[2]
NGINX_CONF = ROOT / "devops/nginx/nginx.conf"
MAKE_DEV_CERT = ROOT / "devops/nginx/make-dev-cert.sh"
NGINX = shutil.which("nginx")
OPENSSL = shutil.which("openssl")
TIMEOUT = 5  # seconds for any one connection or request
START_TIMEOUT = 10  # seconds for nginx to listen
STOP_TIMEOUT = 10  # seconds between SIGTERM and SIGKILL

HSTS = "max-age=31536000; includeSubDomains"
SECURITY_HEADERS = (
    "Strict-Transport-Security",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
    "Content-Security-Policy",
    "Permissions-Policy",
)


@pytest.fixture(autouse=True, scope="module")
def _needs_nginx_and_openssl() -> None:
    """Skip without nginx or openssl on a developer's machine; fail under CI (`tests.services.missing`)."""
    if NGINX is None:
        missing("nginx (CI installs it from apt)")
    if OPENSSL is None:
        missing("openssl")


# --- The upstream: records what nginx forwarded -------------------------------------------------------------


@dataclass
class Seen:
    path: str
    headers: list[tuple[str, str]]

    def values(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key.lower() == name.lower()]


@dataclass
class Upstream:
    server: ThreadingHTTPServer
    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def port(self) -> int:
        port: int = self.server.server_address[1]
        return port

    def requests_to(self, path: str) -> list[Seen]:
        with self.lock:
            return [seen for seen in self.seen if seen.path == path]


def start_upstream() -> Upstream:
    """A threaded HTTP/1.1 server on a free loopback port, standing in for gunicorn.

    It answers 200 "upstream ok" to every GET and POST. Under /own-headers/ it sends its own HSTS and
    X-Frame-Options, as Django's SecurityMiddleware does.
    """
    upstream: Upstream

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # nginx keeps upstream connections alive

        def do_GET(self) -> None:
            self.answer()

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.answer()

        def answer(self) -> None:
            with upstream.lock:
                upstream.seen.append(Seen(self.path, list(self.headers.items())))
            body = b"upstream ok"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            if self.path.startswith("/own-headers/"):
                self.send_header("Strict-Transport-Security", "max-age=600")
                self.send_header("X-Frame-Options", "SAMEORIGIN")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    upstream = Upstream(server)
    threading.Thread(target=server.serve_forever, name="upstream", daemon=True).start()
    return upstream


# --- nginx ----------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def make_cert(directory: Path) -> tuple[Path, Path]:
    """tls.crt and tls.key for localhost, made by the script compose users run."""
    result = subprocess.run(
        ["sh", str(MAKE_DEV_CERT), str(directory)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return directory / "tls.crt", directory / "tls.key"


@dataclass
class Layout:
    """Where the test copy of nginx.conf points instead of the container's paths and ports."""

    base: Path
    upstream_port: int
    http_port: int
    https_port: int

    @property
    def cert(self) -> Path:
        return self.base / "certs" / "tls.crt"

    @property
    def key(self) -> Path:
        return self.base / "certs" / "tls.key"

    @property
    def static(self) -> Path:
        return self.base / "static"

    @property
    def acme(self) -> Path:
        return self.base / "acme"

    @property
    def conf(self) -> Path:
        return self.base / "nginx.conf"


def render_config(layout: Layout) -> str:
    """nginx.conf with the container-specific strings replaced; each must occur exactly once."""
    temp = layout.base / "temp"
    temp_paths = "".join(
        f"\n    {name}_temp_path {temp / name};" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    replacements = {
        "include /etc/nginx/upstream.d/app-servers.conf;": f"server 127.0.0.1:{layout.upstream_port};",
        "user www-data;": "",
        "listen 80 default_server;": f"listen 127.0.0.1:{layout.http_port} default_server;",
        "listen 443 ssl http2 default_server;": f"listen 127.0.0.1:{layout.https_port} ssl http2 default_server;",
        "ssl_certificate /etc/nginx/certs/tls.crt;": f"ssl_certificate {layout.cert};",
        "ssl_certificate_key /etc/nginx/certs/tls.key;": f"ssl_certificate_key {layout.key};",
        "alias /srv/static/;": f"alias {layout.static}/;",
        "root /var/www/acme;": f"root {layout.acme};",
        # Debian's compiled-in temp paths are under /var/lib/nginx: keep them in the test directory.
        "\nhttp {": "\nhttp {" + temp_paths,
    }
    config = NGINX_CONF.read_text()
    for old, new in replacements.items():
        assert config.count(old) == 1, f"nginx.conf no longer has exactly one {old.strip()!r}: update this test"
        config = config.replace(old, new)
    return config


def prepare(base: Path) -> Layout:
    layout = Layout(base=base, upstream_port=free_port(), http_port=free_port(), https_port=free_port())
    make_cert(layout.cert.parent)
    (layout.static / "admin").mkdir(parents=True)
    (layout.static / "admin" / "base.css").write_text("body { color: black; }\n")
    challenge = layout.acme / ".well-known" / "acme-challenge"
    challenge.mkdir(parents=True)
    (challenge / "token-123").write_text("token-123.thumbprint")
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (base / "temp" / name).mkdir(parents=True)
    (base / "prefix").mkdir()
    return layout


def nginx_command(layout: Layout, *, test: bool = False) -> list[str]:
    """nginx in the foreground with its pid and logs in the test directory (nginx takes only one -g)."""
    assert NGINX is not None
    directives = f"daemon off; pid {layout.base / 'nginx.pid'}; error_log {layout.base / 'error.log'} info;"
    if os.geteuid() == 0:
        # Workers would otherwise run as Debian's www-data, which cannot read the test directory.
        directives += " user root;"
    return [
        NGINX,
        *(["-t"] if test else []),
        "-p",
        f"{layout.base / 'prefix'}/",
        "-e",
        str(layout.base / "startup.log"),
        "-c",
        str(layout.conf),
        "-g",
        directives,
    ]


def nginx_t(layout: Layout) -> subprocess.CompletedProcess[str]:
    return subprocess.run(nginx_command(layout, test=True), capture_output=True, text=True, timeout=30, check=False)


@dataclass
class Stack:
    layout: Layout
    upstream: Upstream
    log: Path


def wait_listening(process: subprocess.Popen[bytes], layout: Layout, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"nginx exited with {process.returncode}:\n{log.read_text(errors='replace')[-4000:]}")
        try:
            for port in (layout.http_port, layout.https_port):
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            time.sleep(0.05)
            continue
        return
    pytest.fail(f"nginx did not listen within {START_TIMEOUT}s:\n{log.read_text(errors='replace')[-4000:]}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (nginx's fast shutdown), then SIGKILL to its own process group: the master and its workers."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(STOP_TIMEOUT)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """nginx with the project's config, listening on two loopback ports, in front of `start_upstream()`."""
    upstream = start_upstream()
    try:
        layout = prepare(tmp_path_factory.mktemp("nginx-tls"))
        layout.upstream_port = upstream.port
        layout.conf.write_text(render_config(layout))
        checked = nginx_t(layout)
        assert checked.returncode == 0, checked.stderr
        log = layout.base / "nginx.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                nginx_command(layout),
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            wait_listening(process, layout, log)
            yield Stack(layout, upstream, log)
        finally:
            stop(process)
    finally:
        upstream.server.shutdown()
        upstream.server.server_close()


# --- Clients ----------------------------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def only(self, name: str) -> str:
        """The value of a header that must occur exactly once."""
        values = self.headers.get_all(name) or []
        assert len(values) == 1, f"{name}: {values}"
        return values[0]


def tls_context(cert: Path) -> ssl.SSLContext:
    """A client context that trusts the self-signed certificate (and checks it names 127.0.0.1)."""
    return ssl.create_default_context(cafile=str(cert))


def request(
    connection: http.client.HTTPConnection,
    path: str,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Answer:
    try:
        connection.request(method, path, body=body, headers={"Host": "example.org", **(headers or {})})
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        connection.close()


def http_get(stack: Stack, path: str) -> Answer:
    return request(http.client.HTTPConnection("127.0.0.1", stack.layout.http_port, timeout=TIMEOUT), path)


def https_request(
    stack: Stack,
    path: str,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Answer:
    connection = http.client.HTTPSConnection(
        "127.0.0.1", stack.layout.https_port, timeout=TIMEOUT, context=tls_context(stack.layout.cert)
    )
    return request(connection, path, method, body, headers)


def handshake(stack: Stack, context: ssl.SSLContext, session: ssl.SSLSession | None = None) -> ssl.SSLSocket:
    """A TLS connection to nginx (the caller closes it); raises ssl.SSLError when the handshake fails."""
    raw = socket.create_connection(("127.0.0.1", stack.layout.https_port), timeout=TIMEOUT)
    try:
        return context.wrap_socket(raw, server_hostname="127.0.0.1", session=session)
    except BaseException:
        raw.close()
        raise


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex}"


# --- Tests ------------------------------------------------------------------------------------------------------


def test_make_dev_cert_writes_a_private_key_and_a_localhost_certificate(tmp_path):
    cert, key = make_cert(tmp_path / "certs")

    assert key.stat().st_mode & 0o777 == 0o600
    text = subprocess.run(
        [str(OPENSSL), "x509", "-in", str(cert), "-noout", "-text"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    assert "DNS:localhost" in text
    assert "IP Address:127.0.0.1" in text
    # A second run leaves an existing certificate alone.
    before = cert.read_bytes(), key.read_bytes()
    make_cert(tmp_path / "certs")
    assert (cert.read_bytes(), key.read_bytes()) == before


def test_tls_config_passes_nginx_t(tmp_path):
    layout = prepare(tmp_path)
    layout.conf.write_text(render_config(layout))

    result = nginx_t(layout)

    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_plain_http_is_redirected_to_https_without_reaching_the_app(stack):
    path = unique("/graphql?probe=")

    answer = http_get(stack, path)

    assert answer.status == 301
    assert answer.only("Location") == f"https://example.org{path}"
    # HSTS means nothing over plain HTTP and must not be sent there (RFC 6797, 7.2).
    assert answer.headers.get_all("Strict-Transport-Security") is None
    assert stack.upstream.requests_to(path) == []


def test_acme_challenge_is_answered_over_plain_http(stack):
    answer = http_get(stack, "/.well-known/acme-challenge/token-123")

    assert answer.status == 200
    assert answer.body == b"token-123.thumbprint"


def test_https_reaches_the_app_with_the_security_headers(stack):
    path = unique("/graphql?probe=")

    # A client cannot make the app believe in a scheme: nginx overwrites X-Forwarded-Proto.
    answer = https_request(stack, path, headers={"X-Forwarded-Proto": "http"})

    assert answer.status == 200
    assert answer.body == b"upstream ok"
    assert answer.only("Strict-Transport-Security") == HSTS
    assert "max-age=31536000" in answer.only("Strict-Transport-Security")
    assert answer.only("X-Content-Type-Options") == "nosniff"
    assert answer.only("X-Frame-Options") == "DENY"
    assert answer.only("Referrer-Policy") == "same-origin"
    csp = answer.only("Content-Security-Policy")
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "camera=()" in answer.only("Permissions-Policy")
    [seen] = stack.upstream.requests_to(path)
    assert seen.values("X-Forwarded-Proto") == ["https"]
    assert seen.values("Host") == ["example.org"]
    assert seen.values("X-Forwarded-For") == ["127.0.0.1"]


def test_headers_the_app_sends_are_not_doubled(stack):
    answer = https_request(stack, unique("/own-headers/"))

    assert answer.status == 200
    # The app's own values win and appear once; nginx still adds the headers the app did not send.
    assert answer.only("Strict-Transport-Security") == "max-age=600"
    assert answer.only("X-Frame-Options") == "SAMEORIGIN"
    assert answer.only("X-Content-Type-Options") == "nosniff"
    assert answer.only("Content-Security-Policy").startswith("default-src 'self'")


def test_static_files_over_https_carry_the_security_headers(stack):
    answer = https_request(stack, "/static/admin/base.css")

    assert answer.status == 200
    assert answer.body == b"body { color: black; }\n"
    assert answer.only("Cache-Control") == "max-age=3600"
    for name in SECURITY_HEADERS:
        answer.only(name)
    assert answer.only("Strict-Transport-Security") == HSTS


def test_responses_made_by_nginx_carry_hsts_too(stack):
    # Over client_max_body_size (64k): nginx answers 413 itself, before the app.
    answer = https_request(stack, unique("/graphql?big="), method="POST", body=b"x" * 100_000)

    assert answer.status == 413
    assert answer.only("Strict-Transport-Security") == HSTS
    assert answer.only("X-Content-Type-Options") == "nosniff"


def test_http2_is_offered(stack):
    context = tls_context(stack.layout.cert)
    context.set_alpn_protocols(["h2", "http/1.1"])

    with handshake(stack, context) as tls:
        assert tls.selected_alpn_protocol() == "h2"


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3])
def test_tls_1_2_and_1_3_are_accepted(stack, version):
    context = tls_context(stack.layout.cert)
    context.minimum_version = context.maximum_version = version

    with handshake(stack, context) as tls:
        assert tls.version() == version.name.replace("_", ".")
        if version == ssl.TLSVersion.TLSv1_2:
            # Forward secrecy and an AEAD cipher only.
            cipher = tls.cipher()
            assert cipher is not None
            assert cipher[0].startswith("ECDHE-")
            assert "GCM" in cipher[0] or "CHACHA20" in cipher[0]


def test_tls_below_1_2_is_refused(stack):
    context = tls_context(stack.layout.cert)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # exactly what this test is about
            context.minimum_version = ssl.TLSVersion.TLSv1
            context.maximum_version = ssl.TLSVersion.TLSv1_1
        # OpenSSL 3 allows TLS 1.0/1.1 only at security level 0.
        context.set_ciphers("ALL:@SECLEVEL=0")
    except (ValueError, ssl.SSLError) as error:
        pytest.skip(f"this OpenSSL cannot build a TLS 1.1 client: {error}")

    with pytest.raises((ssl.SSLError, ConnectionError)) as refused:
        handshake(stack, context).close()

    reason = getattr(refused.value, "reason", None)
    if reason == "NO_PROTOCOLS_AVAILABLE":
        pytest.skip("this OpenSSL would not send a TLS 1.0/1.1 ClientHello")
    # The server's answer: a protocol_version alert (or, from some builds, a dropped connection).
    assert reason in {"TLSV1_ALERT_PROTOCOL_VERSION", None}, refused.value


def test_tls_1_2_cbc_ciphers_are_refused(stack):
    # Allowed by OpenSSL's defaults, left out of nginx.conf's ssl_ciphers.
    context = tls_context(stack.layout.cert)
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers("ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384")

    with pytest.raises(ssl.SSLError) as refused:
        handshake(stack, context).close()

    # nginx's handshake_failure alert: it shares no cipher with this client.
    assert refused.value.reason == "SSLV3_ALERT_HANDSHAKE_FAILURE", refused.value


def test_tls_sessions_are_resumed_from_the_cache(stack):
    # TLS 1.2 session ids are looked up in ssl_session_cache (tickets are off).
    context = tls_context(stack.layout.cert)
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    with handshake(stack, context) as first:
        session = first.session
        assert not first.session_reused
    assert session is not None

    with handshake(stack, context, session=session) as second:
        assert second.session_reused
