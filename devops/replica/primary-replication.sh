#!/bin/sh
# Run by the postgres image when it creates the primary's data directory (/docker-entrypoint-initdb.d): lets the
# replicas of compose's `replicas` profile stream WAL, with the same password login as the app. For a primary
# created before, run the two commands once by hand: `docker compose exec db sh /docker-entrypoint-initdb.d/...`.
set -eu
echo "host replication ${POSTGRES_USER:-reservation} all scram-sha-256" >> "$PGDATA/pg_hba.conf"
psql -v ON_ERROR_STOP=1 -U "${POSTGRES_USER:-reservation}" -d postgres -c "select pg_reload_conf()" >/dev/null
