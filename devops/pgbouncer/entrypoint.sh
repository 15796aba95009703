#!/bin/sh
# Write PgBouncer's configuration from the environment, then run it in the foreground (PID 1, so that `docker
# stop`'s SIGTERM reaches it; SIGINT is its "safe shutdown", waiting for transactions to finish).
#
#   POSTGRES_PASSWORD     required: the password of POSTGRES_USER, for the app's login and PgBouncer's own
#   POSTGRES_HOST/PORT    PostgreSQL (default db:5432)            POSTGRES_USER/POSTGRES_DB  (default reservation)
#   PGBOUNCER_PORT        where it listens (default 6432)
#   PGBOUNCER_AUTH_TYPE   how app servers log in to PgBouncer (default md5): each request opens a connection
#                        (CONN_MAX_AGE=0 through PgBouncer), and PgBouncer, single-threaded, would spend about
#                        2 ms of CPU on every scram-sha-256 login; it logs in to PostgreSQL with scram-sha-256
#                        (PostgreSQL 16's default), from the password in its userlist.
#   PGBOUNCER_RUN_DIR     where its configuration is written (default /etc/pgbouncer/run)
#   PGBOUNCER_POOL_SIZE   server connections to PostgreSQL (default 20)
#   PGBOUNCER_MAX_CLIENT_CONN  client connections accepted, from every app thread (default 400)
#   DATABASE_STATEMENT_TIMEOUT_MS / DATABASE_LOCK_TIMEOUT_MS  set on every server connection (3000 / 2000),
#                        with jit = off (settings/base.py's postgresql_options says why)
#   PGBOUNCER_QUERY_TIMEOUT  seconds after which PgBouncer cancels a query PostgreSQL does not answer, even a
#                        frozen one (default 4: above statement_timeout, so it only fires when the server hangs)
#
# `--check-config`: write the configuration and check that PgBouncer loads it, then exit (CI, devops/ci).
set -eu

: "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}"
host="${POSTGRES_HOST:-db}"
port="${POSTGRES_PORT:-5432}"
user="${POSTGRES_USER:-reservation}"
db="${POSTGRES_DB:-reservation}"
dir="${PGBOUNCER_RUN_DIR:-/etc/pgbouncer/run}"

umask 077
printf '"%s" "%s"\n' "$user" "$POSTGRES_PASSWORD" > "$dir/userlist.txt"
cat > "$dir/pgbouncer.ini" <<INI
[databases]
$db = host=$host port=$port dbname=$db user=$user connect_query='SET statement_timeout = ${DATABASE_STATEMENT_TIMEOUT_MS:-3000}; SET lock_timeout = ${DATABASE_LOCK_TIMEOUT_MS:-2000}; SET jit = off'

[pgbouncer]
listen_addr = 0.0.0.0
listen_port = ${PGBOUNCER_PORT:-6432}
unix_socket_dir =
auth_type = ${PGBOUNCER_AUTH_TYPE:-md5}
auth_file = $dir/userlist.txt
pool_mode = transaction
default_pool_size = ${PGBOUNCER_POOL_SIZE:-20}
min_pool_size = 2
reserve_pool_size = 0
max_client_conn = ${PGBOUNCER_MAX_CLIENT_CONN:-400}
max_db_connections = ${PGBOUNCER_POOL_SIZE:-20}
server_connect_timeout = 3
server_login_retry = 1
query_timeout = ${PGBOUNCER_QUERY_TIMEOUT:-4}
query_wait_timeout = 3
client_login_timeout = 10
server_idle_timeout = 300
server_check_delay = 10
ignore_startup_parameters = extra_float_digits
admin_users = $user
stats_users = $user
log_connections = 0
log_disconnections = 0
INI

if [ "${1:-}" = "--check-config" ]; then
    # A configuration PgBouncer refuses makes it exit at once; one it loads keeps it running.
    pgbouncer "$dir/pgbouncer.ini" &
    pid=$!
    sleep 1
    if kill -0 "$pid" 2>/dev/null; then
        kill -INT "$pid"
        wait "$pid" || true
        echo "pgbouncer-entrypoint: configuration loads"
        exit 0
    fi
    wait "$pid" || status=$?
    echo "pgbouncer-entrypoint: PgBouncer refused its configuration (status ${status:-1})" >&2
    exit 1
fi

exec pgbouncer "$dir/pgbouncer.ini"
