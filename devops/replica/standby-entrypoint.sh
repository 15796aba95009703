#!/bin/sh
# A streaming replica (hot standby) of the primary PostgreSQL, for compose's `replicas` profile (and the tests,
# tests/devops/test_replicas.py, which run this very script). On its first start (an empty data directory) it
# clones the primary with pg_basebackup, which writes standby.signal and primary_conninfo; then it runs
# PostgreSQL, which replays the primary's WAL as it streams in and answers read-only queries.
#
#   PRIMARY_HOST / PRIMARY_PORT   the primary (default db:5432)
#   POSTGRES_USER                 a role with REPLICATION (compose's `reservation`, the image's superuser)
#   POSTGRES_PASSWORD             its password (required)
#   PGDATA                        the replica's data directory (default /var/lib/postgresql/data)
#   REPLICA_PORT / REPLICA_LISTEN_ADDRESSES   where it listens (default 5432 on every address)
#   arguments                     more server options, e.g. -c max_connections=100
#   PG_BINDIR                     where pg_basebackup and postgres are, if not on PATH
#
# The primary must accept replication connections from the replica: devops/replica/primary-replication.sh adds
# the pg_hba.conf line when the primary's data directory is created. Its defaults (wal_level=replica,
# max_wal_senders=10) already allow streaming.
set -eu

: "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}"
data="${PGDATA:-/var/lib/postgresql/data}"
bin="${PG_BINDIR:+$PG_BINDIR/}"

# PostgreSQL refuses to run as root: as the image's postgres user (su-exec on Alpine, runuser on Debian).
if [ "$(id -u)" != 0 ]; then
    as_postgres=""
elif command -v su-exec >/dev/null 2>&1; then
    as_postgres="su-exec postgres"
else
    as_postgres="runuser -u postgres --"
fi

if [ ! -s "$data/PG_VERSION" ]; then
    mkdir -p "$data"
    [ "$(id -u)" != 0 ] || chown postgres:postgres "$data"
    chmod 700 "$data"
    # The primary may still be starting: retry for a minute.
    tries=0
    until PGPASSWORD="$POSTGRES_PASSWORD" $as_postgres "${bin}pg_basebackup" \
        -h "${PRIMARY_HOST:-db}" -p "${PRIMARY_PORT:-5432}" -U "${POSTGRES_USER:-reservation}" -D "$data" \
        --wal-method=stream --write-recovery-conf --checkpoint=fast; do
        tries=$((tries + 1))
        [ "$tries" -lt 30 ] || { echo "standby-entrypoint: could not clone the primary" >&2; exit 1; }
        find "$data" -mindepth 1 -delete
        sleep 2
    done
fi

exec $as_postgres "${bin}postgres" -D "$data" -c hot_standby=on -c port="${REPLICA_PORT:-5432}" \
    -c listen_addresses="${REPLICA_LISTEN_ADDRESSES:-*}" "$@"
