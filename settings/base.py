"""Settings shared by every environment; per-environment modules override a few of them.

Everything that differs between deployments comes from environment variables (12-factor):
``DATABASE_URL``, ``DJANGO_SECRET_KEY``, ``DJANGO_ALLOWED_HOSTS``, ``DJANGO_CSRF_TRUSTED_ORIGINS``,
``DJANGO_LOG_LEVEL``.
"""

import os
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext

# Make Django's classes subscriptable at run time, as django-stubs types them (admin.ModelAdmin[Provider]).
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent


def env_list(name: str, default: str = "") -> list[str]:
    """Return a comma-separated environment variable as a list of non-empty, stripped strings."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_filters",
    "graphene_django",
    "reservation",
    "api",
]

MIDDLEWARE = [
    # /metrics for Prometheus, before the host check (api/http/metrics.py).
    "api.http.metrics.MetricsEndpointMiddleware",
    # Then: request id, SQL count, the request's JSON log line and metrics (api/http/observability.py).
    "api.http.observability.RequestObservationMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "settings.urls"
WSGI_APPLICATION = "settings.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def database_from_url(url: str) -> dict[str, Any]:
    """Build a ``DATABASES['default']`` entry from a database URL.

    SQLite (the zero-set-up default) gets ``BEGIN IMMEDIATE`` transactions so that a transaction which reads
    and then writes takes the write lock up front instead of failing with "database is locked" under
    concurrent requests, plus WAL for concurrent readers. PostgreSQL (psycopg 3) keeps connections open for
    a minute and checks them before reuse.
    """
    config: dict[str, Any] = dict(dj_database_url.parse(url))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    else:
        behind_pgbouncer = os.environ.get("DATABASE_POOLER", "") == "pgbouncer"
        # Directly to PostgreSQL, a thread keeps its connection for a minute, checked before reuse. Through
        # PgBouncer, each request opens its own (a local login, about a millisecond): PgBouncer does the pooling,
        # and a request never first waits on a health check of a connection to a server that froze.
        config["CONN_MAX_AGE"] = int(os.environ.get("DATABASE_CONN_MAX_AGE", "0" if behind_pgbouncer else "60"))
        config["CONN_HEALTH_CHECKS"] = not behind_pgbouncer
        config["OPTIONS"] = postgresql_options()
        if behind_pgbouncer:
            # PgBouncer in transaction mode hands each transaction to any server connection: a server-side cursor
            # (a named cursor outside a transaction) would be lost. Django already turns psycopg's prepared
            # statements off (prepare_threshold=None), which transaction pooling needs as well.
            config["DISABLE_SERVER_SIDE_CURSORS"] = True
    return config


def postgresql_options() -> dict[str, Any]:
    """libpq connection options that bound every wait on PostgreSQL, so that an outage fails fast, and turn JIT off.

    - ``connect_timeout`` (``DATABASE_CONNECT_TIMEOUT`` seconds, default 3): a server that does not answer the
      connection (down, frozen, unreachable) fails the request after this long instead of libpq's 130 s.
    - ``statement_timeout`` and ``lock_timeout`` (``DATABASE_STATEMENT_TIMEOUT_MS``, default 3000, and
      ``DATABASE_LOCK_TIMEOUT_MS``, default 2000; 0 turns one off): enforced by the server, they end a runaway
      query or a wait for a row lock. Requests take milliseconds, so these only fire when something is wrong.
    - ``jit=off``: PostgreSQL JIT-compiles a statement whose estimated cost passes ``jit_above_cost``, which costs
      100-300 ms of CPU (seconds on a busy machine) before the first row; our statements read a handful of rows
      by index and gain nothing from it, but one planned from stale or misleading table statistics would pay it.
    - These three are sent as the ``options`` startup parameter, except through PgBouncer
      (``DATABASE_POOLER=pgbouncer``), which refuses it: there PgBouncer's ``connect_query`` sets the same values on
      every server connection (devops/pgbouncer), and its ``query_timeout`` also ends a query that a frozen server
      never answers.
    - TCP keepalives and ``tcp_user_timeout``: a peer that vanished from the network (no RST) is noticed
      within about 10 s instead of the kernel's 15 minutes.
    Each failure raises OperationalError, which the edge turns into a JSON 503 (`api.http.errors`).
    """
    statement_ms = int(os.environ.get("DATABASE_STATEMENT_TIMEOUT_MS", "3000"))
    lock_ms = int(os.environ.get("DATABASE_LOCK_TIMEOUT_MS", "2000"))
    options: dict[str, Any] = {
        "connect_timeout": int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "3")),
        "keepalives": 1,
        "keepalives_idle": 5,
        "keepalives_interval": 2,
        "keepalives_count": 3,
        "tcp_user_timeout": 10_000,
    }
    if os.environ.get("DATABASE_POOLER", "") != "pgbouncer":
        options["options"] = f"-c statement_timeout={statement_ms} -c lock_timeout={lock_ms} -c jit=off"
    return options


DATABASES = {
    "default": database_from_url(os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")),
}
# Streaming replicas (PostgreSQL hot standbys of DATABASE_URL's primary), comma-separated URLs: aliases replica1,
# replica2 ... Queries read from one unless their caller wrote in the last DATABASE_READ_YOUR_WRITES_SECONDS; every
# write and every mutation uses the primary (api/core/replicas.py, api/http/replica_reads.py). Under DATABASE_POOLER
# =pgbouncer each URL is a PgBouncer in front of its server, with the same settings as the primary's. In tests a
# replica mirrors the test database.
for _index, _url in enumerate(env_list("DATABASE_REPLICA_URLS"), start=1):
    DATABASES[f"replica{_index}"] = {**database_from_url(_url), "TEST": {"MIRROR": "default"}}
DATABASE_ROUTERS = ["api.core.replicas.ReplicaRouter"]
DATABASE_READ_YOUR_WRITES_SECONDS = int(os.environ.get("DATABASE_READ_YOUR_WRITES_SECONDS", "5"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# Stored and computed in UTC; the API always answers with explicit offsets.
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static"

GRAPHENE: dict[str, Any] = {
    "SCHEMA": "api.schema.schema",
    # A page holds at most this many nodes, whatever `first` asks for.
    "RELAY_CONNECTION_MAX_LIMIT": 100,
    "RELAY_CONNECTION_ENFORCE_FIRST_OR_LAST": False,
}

# --- Scheduling rules: each defined once, read through reservation.rules ----------------------------------
# Length of one appointment slot, in minutes. Availability ranges are split into slots of this length and
# their start and end must be aligned to it.
RESERVATION_SLOT_MINUTES = int(os.environ.get("RESERVATION_SLOT_MINUTES", "15"))
# How long an unconfirmed reservation (a hold) keeps its slot, in minutes.
RESERVATION_HOLD_MINUTES = int(os.environ.get("RESERVATION_HOLD_MINUTES", "30"))
# Minimum advance notice, in hours, between making a reservation and the start of its slot.
RESERVATION_MIN_NOTICE_HOURS = int(os.environ.get("RESERVATION_MIN_NOTICE_HOURS", "24"))
# Longest availability range one appointmentBulkCreate call may submit, in days.
RESERVATION_MAX_RANGE_DAYS = int(os.environ.get("RESERVATION_MAX_RANGE_DAYS", "31"))
# How far ahead the weekly schedule is turned into slots, in local calendar days from today (today included).
# The horizon moves forward lazily, when availability is read; there is no background job.
RESERVATION_SCHEDULE_HORIZON_DAYS = int(os.environ.get("RESERVATION_SCHEDULE_HORIZON_DAYS", "28"))
# Most unconfirmed, unexpired reservations (holds) one client may have at once: stops one client from
# blocking a provider's calendar with holds.
RESERVATION_MAX_ACTIVE_HOLDS = int(os.environ.get("RESERVATION_MAX_ACTIVE_HOLDS", "3"))
# The join link of a confirmed video visit (issue 13): {room} becomes a fresh unguessable name
# (secrets.token_urlsafe, 128 bits) for each booking. A Jitsi-style base URL, for example.
VIDEO_VISIT_URL_TEMPLATE = os.environ.get("VIDEO_VISIT_URL_TEMPLATE", "https://meet.example.org/{room}")
# How long a mutation's idempotency key holds, in hours (see api/core/idempotency.py): a retry with the same key
# within this time gets the first request's result; after it, the key counts as new.
IDEMPOTENCY_KEY_TTL_HOURS = int(os.environ.get("IDEMPOTENCY_KEY_TTL_HOURS", "24"))

# --- Logs: one JSON object a line on stderr, for the container runtime to collect ---------------------------
# python-json-logger formats every record; `extra` fields become keys. Each request is one line on the
# `api.request` logger (api/http/observability.py lists its fields). DJANGO_LOG_FORMAT=plain for a terminal.
LOG_FORMAT = os.environ.get("DJANGO_LOG_FORMAT", "json")
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "json_ensure_ascii": False,
        },
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain" if LOG_FORMAT == "plain" else "json"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # The request line above replaces Django's own "Not Found: /path" and "Internal Server Error: /path"
        # lines, which carry raw paths (a calendar feed's secret token); errors are logged with their id.
        "django.request": {"level": "CRITICAL"},
        # django-axes logs usernames and addresses at INFO; failures and lock-outs are counted in the metrics.
        "axes": {"level": "WARNING"},
    },
}
# --- end logs -------------------------------------------------------------------------------------------------

# --- GraphQL edge: limits, introspection, persisted queries (see api/http/views.py) -------------------------------
# Each limit is several times what the example operations (examples/*.graphql) need; tests/security checks that
# every example passes. The largest example is 1.3 KB and 129 tokens; GraphiQL's introspection query 1.6 KB, 183.
# Longest query document, in bytes of UTF-8: a longer one is refused (HTTP 413, QUERY_TOO_LARGE) before parsing.
GRAPHQL_MAX_QUERY_BYTES = int(os.environ.get("GRAPHQL_MAX_QUERY_BYTES", "10000"))
# Most tokens (names, punctuation, values and comments) the parser reads before refusing the document (QUERY_TOO_LARGE).
GRAPHQL_MAX_TOKENS = int(os.environ.get("GRAPHQL_MAX_TOKENS", "2000"))
# Deepest nesting of lists and objects in the request's JSON (the body, and the variables however they are sent).
# The body is level 1 and its variables level 2; the deepest example input (weeklyScheduleSet's ranges) reaches 5.
# Python's JSON parser recurses, so without a bound a 2 KB body of 1,000 nested lists was a RecursionError.
GRAPHQL_MAX_JSON_DEPTH = int(os.environ.get("GRAPHQL_MAX_JSON_DEPTH", "32"))
# Deepest nesting of fields, in levels: `{ providers { edges { node { id } } } }` is 4. Examples reach 9.
GRAPHQL_MAX_DEPTH = int(os.environ.get("GRAPHQL_MAX_DEPTH", "12"))
# Most field selections per operation, fragments expanded and aliases included. Examples reach 54; GraphiQL's
# introspection query 229.
GRAPHQL_MAX_SELECTIONS = int(os.environ.get("GRAPHQL_MAX_SELECTIONS", "300"))
# Most aliased fields per operation, fragments expanded. Examples use none.
GRAPHQL_MAX_ALIASES = int(os.environ.get("GRAPHQL_MAX_ALIASES", "30"))
# Highest cost per operation, in points: a field costs 1, a connection multiplies the cost of its selection by its
# page size (`first`/`last`, 100 when not given). 08_clients costs 2,171 as written (first: 10) and 21,701 with
# first: 100, the largest page; two levels of 100-node pages of a few fields pass, three levels (1,000,000+) do not.
GRAPHQL_MAX_COST = int(os.environ.get("GRAPHQL_MAX_COST", "50000"))
# The same ceiling for anonymous callers (no bearer token): a fifth. A booking page (100 slots with their provider)
# costs 901, the examples anonymous callers may send at most 8,101 at their largest pages; the costliest read of
# issue 7 (appointments(first: 100) { provider { availableAppointments(first: 100) } }, ~40,000, 440 ms, 857 KB)
# is refused. Signed-in callers may send it.
GRAPHQL_MAX_COST_ANONYMOUS = int(os.environ.get("GRAPHQL_MAX_COST_ANONYMOUS", "10000"))
# The page of a nested connection (a provider's availableAppointments, a client's reservations ...) when `first` is
# not given: what the server returns and what the cost model counts. The root lists default to 100.
GRAPHQL_NESTED_PAGE_SIZE = int(os.environ.get("GRAPHQL_NESTED_PAGE_SIZE", "20"))
# Read budget: the cost points that one address may spend on queries per GRAPHQL_READ_BUDGET_SECONDS, counted in the
# "ratelimit" cache (Redis in production), as GitHub and Shopify budget their GraphQL APIs. Past it, queries get HTTP
# 429 RATE_LIMITED with Retry-After (api/http/read_budget.py). 300,000 a minute is ~300 booking pages or 6 of the
# costliest signed-in operations: a clinic's network of about ten busy people. At ~11 us of CPU a point (issue 7:
# 40,000 points, 440 ms) one address can take at most ~3 % of a 2-core host; saturating it takes ~36 addresses.
GRAPHQL_READ_BUDGET_POINTS = int(os.environ.get("GRAPHQL_READ_BUDGET_POINTS", "300000"))
GRAPHQL_READ_BUDGET_SECONDS = int(os.environ.get("GRAPHQL_READ_BUDGET_SECONDS", "60"))
# Whether `__schema` and `__type` may be queried (`__typename` always may). Off in production.
GRAPHQL_INTROSPECTION = True
# Whether "Did you mean ...?" is removed from error messages, so typos cannot probe the schema. On in production.
GRAPHQL_HIDE_SUGGESTIONS = False
# The trusted documents by SHA-256 hash, written by `manage.py build_persisted_queries`.
GRAPHQL_PERSISTED_QUERIES_MANIFEST = Path(
    os.environ.get("GRAPHQL_PERSISTED_QUERIES_MANIFEST", BASE_DIR / "api" / "http" / "persisted_queries.json")
)
# More directories of *.graphql documents for the manifest (a front end's operations), comma-separated, relative
# to the project's root; examples/ is always included.
GRAPHQL_TRUSTED_DOCUMENTS_DIRS = env_list("GRAPHQL_TRUSTED_DOCUMENTS_DIRS")
# Whether only the manifest's documents run (sent in full or by hash); any other is PERSISTED_QUERY_NOT_FOUND.
GRAPHQL_PERSISTED_QUERIES_ONLY = os.environ.get("GRAPHQL_PERSISTED_QUERIES_ONLY", "0") == "1"
# --- end GraphQL edge -----------------------------------------------------------------------------------------

# --- Identity: tokens, OpenID Connect, login lock-out, rate limits (see api/auth/) ---------------------------
# Bearer tokens are HS256 JWTs signed with this key (a separate secret from SECRET_KEY in production).
JWT_SIGNING_KEY = os.environ.get("JWT_SIGNING_KEY", "")
JWT_ISSUER = os.environ.get("JWT_ISSUER", "reservation-service")
JWT_AUDIENCE = os.environ.get("JWT_AUDIENCE", "reservation-api")
# Access tokens are short-lived (minutes); refresh tokens rotate on every use (days).
JWT_ACCESS_TOKEN_MINUTES = int(os.environ.get("JWT_ACCESS_TOKEN_MINUTES", "5"))
JWT_REFRESH_TOKEN_DAYS = int(os.environ.get("JWT_REFRESH_TOKEN_DAYS", "14"))
# A refresh token presented again within this many seconds of its rotation gets the same new pair (a retry after a
# timeout, two tabs at once) instead of revoking its session as a copied token. 30 s: nginx's and gunicorn's request
# timeout, so a retry of a request that timed out still falls inside it. 0 turns the window off.
JWT_REFRESH_REUSE_GRACE_SECONDS = int(os.environ.get("JWT_REFRESH_REUSE_GRACE_SECONDS", "30"))

# Tokens of an external OpenID Connect identity provider (RS256), accepted when OIDC_ISSUER is set. Keys come
# from OIDC_JWKS_FILE (a JWKS JSON file) or OIDC_JWKS_URL; `sub` maps to a user through ExternalIdentity.
OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "")
OIDC_AUDIENCE = os.environ.get("OIDC_AUDIENCE", "")
OIDC_JWKS_FILE = os.environ.get("OIDC_JWKS_FILE", "")
OIDC_JWKS_URL = os.environ.get("OIDC_JWKS_URL", "")
OIDC_ALGORITHMS = ["RS256"]

AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses logins while an account or address is locked out.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend behind the bounds on password checks (api/auth/password_checks.py).
    "api.auth.backends.BoundedModelBackend",
]
# Password checks (PBKDF2, ~0.6 s of CPU each) running at once per process, and per host among the processes sharing
# PASSWORD_CHECK_LOCK_DIR (flock; empty: no host-wide bound, as in tests); a login past either is RATE_LIMITED at
# once. 0 per host means half the CPUs (at least 1): hashing never takes more than half the host, whatever the attack.
PASSWORD_CHECKS_PER_PROCESS = int(os.environ.get("PASSWORD_CHECKS_PER_PROCESS", "1"))
PASSWORD_CHECKS_PER_HOST = int(os.environ.get("PASSWORD_CHECKS_PER_HOST", "0"))
PASSWORD_CHECK_LOCK_DIR = os.environ.get("PASSWORD_CHECK_LOCK_DIR", "")
INSTALLED_APPS = [*INSTALLED_APPS, "axes", "django_ratelimit"]
MIDDLEWARE = [*MIDDLEWARE, "api.auth.middleware.BearerTokenMiddleware", "axes.middleware.AxesMiddleware"]
# Lock a username out for 15 minutes after 5 failed logins from the same address.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Rate limits (django-ratelimit), counted in the "ratelimit" cache: Redis when REDIS_URL is set, as production
# requires, so that every app server shares the counters; its counters are atomic (api/http/counters.py). Rates are
# "count/period" (s, m, h, d).
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES: dict[str, Any] = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": (
        {"BACKEND": "api.http.counters.RedisCounterCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "ratelimit"}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ratelimit"}
    ),
}
RATELIMIT_USE_CACHE = "ratelimit"
# Read-your-writes marks (api/http/replica_reads.py): shared by every app server through Redis, like the counters.
CACHES["recent_writes"] = (
    {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "recent-writes"}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "recent-writes"}
)
# The proxies whose X-Real-IP / X-Forwarded-For name the caller (addresses or networks, comma-separated in
# DJANGO_TRUSTED_PROXIES); from any other peer the address is the socket's, whatever the headers say
# (api/auth/client_address.py). None here: run directly, the peer is the client. Production trusts loopback.
TRUSTED_PROXIES = env_list("DJANGO_TRUSTED_PROXIES")
# django-axes counts failed logins per the same address as the rate limits.
AXES_CLIENT_IP_CALLABLE = "api.auth.client_address.client_address"
RATELIMIT_LOGIN_PER_IP = os.environ.get("RATELIMIT_LOGIN_PER_IP", "30/m")
RATELIMIT_LOGIN_PER_USERNAME = os.environ.get("RATELIMIT_LOGIN_PER_USERNAME", "10/m")
# Failed logins per address, whatever the usernames (axes counts per username): past it, no more password checks.
RATELIMIT_LOGIN_FAILURES_PER_IP = os.environ.get("RATELIMIT_LOGIN_FAILURES_PER_IP", "20/15m")
RATELIMIT_RESERVATION_PER_USER = os.environ.get("RATELIMIT_RESERVATION_PER_USER", "30/m")
RATELIMIT_RESERVATION_PER_IP = os.environ.get("RATELIMIT_RESERVATION_PER_IP", "300/m")
RATELIMIT_SIGNUP_PER_IP = os.environ.get("RATELIMIT_SIGNUP_PER_IP", "20/h")
# --- end identity ---------------------------------------------------------------------------------------------

# --- Outages: JSON 503s on /graphql (api/http/errors.py) -----------------------------------------------------
# Last, so that its process_exception sees the view's exceptions first.
MIDDLEWARE = [*MIDDLEWARE, "api.http.errors.EdgeErrorMiddleware"]
# Redis (rate limits) must fail fast too: a second to connect, a second per command.
if REDIS_URL:
    CACHES["ratelimit"]["OPTIONS"] = {"socket_connect_timeout": 1, "socket_timeout": 1}
    CACHES["recent_writes"]["OPTIONS"] = {"socket_connect_timeout": 1, "socket_timeout": 1}
# --- end outages ----------------------------------------------------------------------------------------------
