"""Gunicorn configuration of the reservation service.

Used by the production image (``gunicorn --config /app/devops/gunicorn.conf.py
settings.wsgi:application``) and by anything that wants the same server
behaviour outside a container, e.g. ``GUNICORN_BIND=127.0.0.1:8001 gunicorn -c
devops/gunicorn.conf.py settings.wsgi:application`` from the repository root.

Every knob that differs between machines is read from the environment; the
defaults suit the container behind the nginx service of compose.yml.
"""

import gc
import multiprocessing
import os
from typing import Any


def _env_int(name: str, default: int) -> int:
    """Integer from the environment; an unset or empty variable means default."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        message = f"gunicorn.conf.py: {name} must be an integer, got {raw!r}"
        raise SystemExit(message) from None


def _cpu_count() -> int:
    """CPUs this process may run on (honours a cpuset, e.g. `--cpuset-cpus`)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not available on every platform (e.g. macOS)
        return multiprocessing.cpu_count()


# --- Socket -----------------------------------------------------------------

# Loopback unless told otherwise: gunicorn is never meant to be reached
# directly, and Django believes X-Real-IP only from TRUSTED_PROXIES (loopback by
# default). compose.yml sets GUNICORN_BIND=0.0.0.0:8000 for the app container,
# whose port only the compose network reaches (nginx), and trusts that network.
bind: list[str] = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]

# --- Workers ----------------------------------------------------------------

# The classic (2 x CPUs) + 1 processes. Each Django request waits on PostgreSQL
# part of the time, so every process also runs 2 threads (gthread): a thread
# runs while the other waits. More threads share one GIL: with 4, 50
# reservations at once took 310-320 ms at p99 on 2 cores, with 2, 270-275 ms
# (docs/performance.md, 21), and reads kept their throughput. Every thread may
# hold its own DB connection, so workers x threads must stay below
# PostgreSQL's max_connections.
workers: int = _env_int("GUNICORN_WORKERS", 2 * _cpu_count() + 1)
worker_class: str = "gthread"
threads: int = _env_int("GUNICORN_THREADS", 2)
# Connections a worker takes at once: requests in progress and queued for its threads, plus idle kept-alive ones
# (at most this minus threads; past that, responses say "Connection: close"). gunicorn's default, 1000, let the
# first worker to wake accept a whole burst: 50 reservations at once went 29 to 50 to one process, which runs
# Python on one core (its GIL) while the others idled, and p99 was ~340 ms. Twice the threads leaves the rest in
# the kernel's queue for the next worker with room: 8 to 18 each, p99 ~265 ms (docs/performance.md). nginx's
# keepalive pool (16 per nginx worker) may hold more than the 2 idle ones each worker keeps (10 per app server on 2
# CPUs): gunicorn answers those past its limit with "Connection: close", which nginx honours, so none is reused.
worker_connections: int = _env_int("GUNICORN_WORKER_CONNECTIONS", 2 * threads)

# Load the application (Django, the URLconf and the GraphQL schema: settings/wsgi.py) once, in the master, and fork
# the workers from it. A worker then starts in milliseconds with nothing left to import, where loading its own cost
# about a second of CPU: on 2 cores, a worker recycled (below) during a burst took that second from the requests in
# flight. Nothing opens a database or Redis connection while loading (tests/devops/test_preload.py), so no socket is
# shared across the fork. New code needs new processes (a restart, as devops/rolling-restart.sh does), not SIGHUP.
preload_app: bool = True

# Recycle a worker after this many requests (with jitter so that they do not
# all restart at once): bounds the effect of slow memory growth.
max_requests: int = _env_int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter: int = _env_int("GUNICORN_MAX_REQUESTS_JITTER", 100)

# Worker heartbeat files: on tmpfs when there is one. Docker's /tmp is on the
# overlay filesystem, where the heartbeat's frequent writes can block a worker
# long enough for it to be reported as timed out.
_SHM = "/dev/shm"  # noqa: S108 - gunicorn's own recommendation for containers, not a temp file
worker_tmp_dir: str | None = _SHM if os.path.isdir(_SHM) else None

# --- Timeouts ---------------------------------------------------------------

# A worker silent for this long is killed and restarted. The per-request limit
# seen by clients is nginx's proxy_read_timeout (30s as well).
timeout: int = _env_int("GUNICORN_TIMEOUT", 30)
# Time given to in-flight requests on SIGTERM (`docker stop` waits 10s by
# default before SIGKILL; compose's stop_grace_period can raise that).
graceful_timeout: int = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# nginx keeps idle upstream connections open for 60s (keepalive_timeout in
# nginx.conf). Keeping them a bit longer here means gunicorn never closes a
# connection nginx is about to reuse, which would fail that request with a 502.
keepalive: int = _env_int("GUNICORN_KEEPALIVE", 75)

# --- Proxy ------------------------------------------------------------------

# Peers trusted to set X-Forwarded-Proto (and so wsgi.url_scheme, which Django's
# request.is_secure() reads). nginx's address on the compose network is not
# known in advance, so the default trusts loopback and the private ranges that
# Docker networks use; the app port is never published outside that network.
forwarded_allow_ips: str = os.environ.get(
    "FORWARDED_ALLOW_IPS",
    "127.0.0.1,::1,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7",
)

# --- Logging ----------------------------------------------------------------

# The app logs one JSON line per request itself (api/http/observability.py: request id, operation, user id,
# status, duration, SQL count, error id), so gunicorn's access log is off unless GUNICORN_ACCESS_LOG=1.
# gunicorn's own messages (workers starting, timing out) are JSON lines on stderr as well. With a logconfig_dict
# gunicorn logs access lines whatever ``accesslog`` says, so "off" is also its access logger's level: above INFO.
_access_log = os.environ.get("GUNICORN_ACCESS_LOG", "0") == "1"
accesslog: str | None = "-" if _access_log else None
errorlog: str = "-"
loglevel: str = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The default format, prefixed with the original client address set by nginx
# (the socket peer %(h)s is nginx itself) and followed by the duration in ms.
access_log_format: str = '%({x-forwarded-for}i)s %(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
logconfig_dict: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "error_console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"},
        "console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"},
    },
    "loggers": {
        "gunicorn.error": {"level": loglevel.upper(), "handlers": ["error_console"], "propagate": False},
        "gunicorn.access": {
            "level": "INFO" if _access_log else "WARNING",
            "handlers": ["console"],
            "propagate": False,
        },
    },
}

# --- Control socket ---------------------------------------------------------

# Gunicorn >= 25.1 opens a control socket for `gunicornc` under
# $XDG_RUNTIME_DIR or $HOME/.gunicorn by default. The service user has no home
# directory, and several gunicorns on one machine (e.g. test runs) would share
# that path, so it is off unless GUNICORN_CONTROL_SOCKET names a path.
_control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "").strip()
if _control_socket:
    control_socket: str = _control_socket
else:
    control_socket_disable: bool = True


def pre_fork(server: Any, worker: Any) -> None:
    """In the master, just before it forks a worker: collect, then move every object the loaded application made
    out of the collector's view (gc.freeze), as Python's documentation advises before a fork.

    The worker inherits them frozen, so its collections never scan them: a full collection stops rescanning
    Django and the schema mid-request (measured with `manage.py benchmark`, 100-node availableAppointments: p95
    67 ms -> 15 ms), and a worker's start no longer collects the inherited heap itself, which cost 113 ms of CPU
    and wrote to every page it shares with the master (copy-on-write). After the first fork, little is left to
    collect.
    """
    gc.collect()
    gc.freeze()


def post_worker_init(worker: Any) -> None:
    """Freeze what the worker itself made while starting (the whole application, were ``preload_app`` off)."""
    gc.freeze()


def child_exit(server: Any, worker: Any) -> None:
    """A worker is gone: its live gauges (requests in progress, connections open) stop counting in /metrics
    (prometheus-client's multiprocess mode, PROMETHEUS_MULTIPROC_DIR)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
