#!/bin/sh
# Container entrypoint of the reservation service.
#
#   1. waits (a bounded number of times) until the database accepts connections,
#   2. applies migrations (unless RUN_MIGRATIONS=0), with no statement timeout (a migration may rewrite a
#      table) but a lock timeout, so that it never queues behind live traffic for long,
#   3. loads the demo data when SEED_DEMO_DATA=1 (seed_demo is idempotent),
#   4. copies the collected static files into STATIC_EXPORT_DIR when set (the
#      volume that nginx serves /static/ from),
#   5. empties PROMETHEUS_MULTIPROC_DIR (gunicorn workers' metric files of an earlier run would be summed in),
#   6. exec's the command (gunicorn by default), which becomes PID 1 and so
#      receives the SIGTERM of `docker stop` directly.
#
# Environment (all optional):
#   DB_WAIT_ATTEMPTS   connection attempts before giving up     (default 30)
#   DB_WAIT_INTERVAL   seconds between attempts                 (default 2)
#   RUN_MIGRATIONS     0 skips migrate, e.g. on extra replicas  (default 1)
#   SEED_DEMO_DATA     1 runs `manage.py seed_demo`             (default 0)
#   STATIC_EXPORT_DIR  directory to copy STATIC_ROOT into       (default unset)
set -eu

# Run from the project root (where manage.py is), wherever we are started from.
cd "$(dirname "$0")/.."

log() {
    echo "entrypoint: $*" >&2
}

DB_WAIT_ATTEMPTS="${DB_WAIT_ATTEMPTS:-30}"
DB_WAIT_INTERVAL="${DB_WAIT_INTERVAL:-2}"

# Exit status 0: connected; 3: the database refused or is unreachable (worth
# retrying); anything else: a configuration error (bad settings module, missing
# DJANGO_SECRET_KEY, ...) that no amount of waiting fixes.
# PGCONNECT_TIMEOUT bounds each attempt when the host drops packets instead of
# refusing the connection (psycopg 3 reads it as libpq does; its own default
# is 130s).
db_ready() {
    PGCONNECT_TIMEOUT="${PGCONNECT_TIMEOUT:-5}" python -c '
import sys

import django

django.setup()

from django.db import connections
from django.db.utils import OperationalError

try:
    connections["default"].ensure_connection()
except OperationalError as exc:
    print(f"entrypoint: database not ready: {exc}".rstrip(), file=sys.stderr)
    sys.exit(3)
'
}

wait_for_db() {
    attempt=1
    while :; do
        status=0
        db_ready || status=$?
        case "$status" in
            0)
                log "database is ready"
                return 0
                ;;
            3) ;;
            *)
                log "database check failed with status $status (configuration error?), not retrying"
                exit "$status"
                ;;
        esac
        if [ "$attempt" -ge "$DB_WAIT_ATTEMPTS" ]; then
            log "database still unavailable after $attempt attempts, giving up"
            exit 1
        fi
        log "waiting for the database (attempt $attempt/$DB_WAIT_ATTEMPTS), retrying in ${DB_WAIT_INTERVAL}s"
        attempt=$((attempt + 1))
        sleep "$DB_WAIT_INTERVAL"
    done
}

wait_for_db

if [ "${RUN_MIGRATIONS:-1}" = "1" ]; then
    log "applying migrations"
    DATABASE_STATEMENT_TIMEOUT_MS=0 DATABASE_LOCK_TIMEOUT_MS="${MIGRATE_LOCK_TIMEOUT_MS:-10000}" \
        python manage.py migrate --noinput
else
    log "RUN_MIGRATIONS=${RUN_MIGRATIONS}, skipping migrations"
fi

if [ "${SEED_DEMO_DATA:-0}" = "1" ]; then
    log "loading demo data (SEED_DEMO_DATA=1)"
    python manage.py seed_demo
fi

# A named volume is seeded from the image only when it is first created, so a
# rebuilt image would otherwise keep serving the old assets. Copying on every
# start overwrites changed files; files that disappeared are left in place,
# which is harmless and keeps old pages working during a redeploy.
if [ -n "${STATIC_EXPORT_DIR:-}" ]; then
    log "exporting static files to $STATIC_EXPORT_DIR"
    cp -R static/. "$STATIC_EXPORT_DIR/"
fi

if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
    mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
    find "$PROMETHEUS_MULTIPROC_DIR" -mindepth 1 -delete
fi

exec "$@"
