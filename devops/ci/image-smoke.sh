#!/usr/bin/env bash
# Build the app image from devops/Dockerfile with buildah, run it with podman against PostgreSQL and Redis on
# loopback (through the PgBouncer image, as compose runs it), let its entrypoint migrate, and book an appointment
# through it (devops/ci/book_through.py). The nginx image is built too, and its configuration checked in it
# (`nginx -t`). Any build or boot failure exits non-zero. Needs root, the base images of devops/ci/base-images.sh, PostgreSQL (trust auth for
# user postgres) and Redis on 127.0.0.1.
#
# Environment: PG_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres), REDIS_SERVER (127.0.0.1:6379),
# SMOKE_REDIS_DB (15). Prints the build time and the image's size.
set -euo pipefail
cd "$(dirname "$0")/../.."

APP_IMAGE=localhost/reservation-app:ci
NGINX_IMAGE=localhost/reservation-nginx:ci
PGBOUNCER_IMAGE=localhost/reservation-pgbouncer:ci
PG_HOST=127.0.0.1
PG_PORT=5432
REDIS_SERVER="${REDIS_SERVER:-127.0.0.1:6379}"
SMOKE_DB="image_smoke_$$"
CONTAINER="reservation-smoke-$$"
PODMAN=(podman --runtime runc --cgroup-manager=cgroupfs)

log() { echo "image-smoke: $*"; }

# pip inside the build reaches the package index only through the host's pip configuration: mount the files pip
# reads and every local path they name (certificates, file:// indexes, find-links, constraints), read-only.
pip_mounts() {
  local paths path
  paths="$(
    {
      python3 -m pip config debug 2>/dev/null | sed -n 's/^ *\(\/.*\), exists: True$/\1/p'
      python3 -m pip config list 2>/dev/null | grep -oE "(file://)?/[^' ]+" | sed 's#^file://##'
      env | sed -n 's/^PIP_[A-Z_]*=//p' | tr ' ' '\n' | grep -oE "^(file://)?/.+" | sed 's#^file://##'
    } | sort -u
  )"
  for path in $paths; do
    [ -e "$path" ] && printf -- '-v\n%s:%s:ro\n' "$path" "$path"
  done
  return 0
}
mapfile -t MOUNTS < <(pip_mounts)

cleanup() {
  "${PODMAN[@]}" rm -f "$CONTAINER" "$CONTAINER-pgbouncer" >/dev/null 2>&1 || true
  dropdb -h "$PG_HOST" -p "$PG_PORT" -U postgres --if-exists "$SMOKE_DB" >/dev/null 2>&1 || true
  # Nothing is kept for the next run: the images and the bases go (KEEP_IMAGES=1 keeps them, for a look).
  if [ "${KEEP_IMAGES:-0}" != "1" ]; then
    "${PODMAN[@]}" rmi -f "$APP_IMAGE" "$NGINX_IMAGE" "$PGBOUNCER_IMAGE" localhost/python:3.11-slim-bookworm \
      localhost/debian-minbase:bookworm >/dev/null 2>&1 || true
    "${PODMAN[@]}" image prune -f >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
random_secret() { python3 -c 'import secrets; print(secrets.token_urlsafe(48))'; }

# --- app image ------------------------------------------------------------------------------------------------
log "building $APP_IMAGE from devops/Dockerfile (PYTHON_IMAGE=localhost/python:3.11-slim-bookworm)"
start=$(date +%s)
buildah bud --quiet --isolation chroot "${MOUNTS[@]}" \
  --build-arg PYTHON_IMAGE=localhost/python:3.11-slim-bookworm \
  -f devops/Dockerfile -t "$APP_IMAGE" . >/dev/null
build_seconds=$(( $(date +%s) - start ))
size=$("${PODMAN[@]}" image inspect "$APP_IMAGE" --format '{{.Size}}')
log "built $APP_IMAGE in ${build_seconds} s, $(( size / 1000000 )) MB"

# The image must hold no secret and run as its service user.
user=$("${PODMAN[@]}" image inspect "$APP_IMAGE" --format '{{.Config.User}}')
[ "$user" = "10001:10001" ] || { log "image runs as '$user', not 10001:10001"; exit 1; }
if "${PODMAN[@]}" image inspect "$APP_IMAGE" --format '{{range .Config.Env}}{{println .}}{{end}}' \
    | grep -E '^(DJANGO_SECRET_KEY|JWT_SIGNING_KEY|DATABASE_URL|REDIS_URL)='; then
  log "the image's environment carries a runtime secret"; exit 1
fi

# --- nginx and PgBouncer images --------------------------------------------------------------------------------
log "building $NGINX_IMAGE from devops/nginx (BASE_IMAGE=localhost/debian-minbase:bookworm)"
buildah bud --quiet --isolation chroot --build-arg BASE_IMAGE=localhost/debian-minbase:bookworm \
  -t "$NGINX_IMAGE" devops/nginx >/dev/null
certs="$(mktemp -d)"
devops/nginx/make-dev-cert.sh "$certs" >/dev/null 2>&1
# `nginx -t` in the image, with its own configuration: the certificate mounted as compose mounts it, and the
# upstream name of the compose network pointed at loopback.
"${PODMAN[@]}" run --rm --network=host --add-host app:127.0.0.1 -v "$certs:/etc/nginx/certs:ro" \
  "$NGINX_IMAGE" nginx -t
rm -rf "$certs"

log "building $PGBOUNCER_IMAGE from devops/pgbouncer"
buildah bud --quiet --isolation chroot --build-arg BASE_IMAGE=localhost/debian-minbase:bookworm \
  -t "$PGBOUNCER_IMAGE" devops/pgbouncer >/dev/null

# --- the stack: PgBouncer in front of PostgreSQL, the app through it -------------------------------------------
createdb -h "$PG_HOST" -p "$PG_PORT" -U postgres "$SMOKE_DB"
bouncer_port=$(free_port)
db_password=$(random_secret)
log "running $PGBOUNCER_IMAGE on 127.0.0.1:$bouncer_port in front of database $SMOKE_DB"
"${PODMAN[@]}" run -d --name "$CONTAINER-pgbouncer" --network=host \
  -e POSTGRES_HOST="$PG_HOST" -e POSTGRES_PORT="$PG_PORT" -e POSTGRES_USER=postgres -e POSTGRES_DB="$SMOKE_DB" \
  -e POSTGRES_PASSWORD="$db_password" -e PGBOUNCER_PORT="$bouncer_port" -e PGBOUNCER_POOL_SIZE=4 \
  "$PGBOUNCER_IMAGE" >/dev/null
for _ in $(seq 1 30); do
  PGPASSWORD="$db_password" psql -h 127.0.0.1 -p "$bouncer_port" -U postgres -d "$SMOKE_DB" -Atc 'select 1' \
    >/dev/null 2>&1 && break
  sleep 0.5
done
timeout_seen=$(PGPASSWORD="$db_password" psql -h 127.0.0.1 -p "$bouncer_port" -U postgres -d "$SMOKE_DB" -Atc 'show statement_timeout')
[ "$timeout_seen" = "3s" ] || { log "statement_timeout through PgBouncer is '$timeout_seen', not 3s"; exit 1; }
jit_seen=$(PGPASSWORD="$db_password" psql -h 127.0.0.1 -p "$bouncer_port" -U postgres -d "$SMOKE_DB" -Atc 'show jit')
[ "$jit_seen" = "off" ] || { log "jit through PgBouncer is '$jit_seen', not off"; exit 1; }
log "PgBouncer answers; on its server connections statement_timeout is $timeout_seen, jit $jit_seen"

port=$(free_port)
staff_password=$(random_secret)
log "running $APP_IMAGE on 127.0.0.1:$port, through PgBouncer to database $SMOKE_DB, Redis $REDIS_SERVER"
"${PODMAN[@]}" run -d --name "$CONTAINER" --network=host \
  -e DATABASE_URL="postgres://postgres:$db_password@127.0.0.1:$bouncer_port/$SMOKE_DB" -e DATABASE_POOLER=pgbouncer \
  -e REDIS_URL="redis://$REDIS_SERVER/${SMOKE_REDIS_DB:-15}" \
  -e DJANGO_SECRET_KEY="$(random_secret)" \
  -e JWT_SIGNING_KEY="$(random_secret)" \
  -e DJANGO_ALLOWED_HOSTS=127.0.0.1 \
  -e DJANGO_SECURE_SSL_REDIRECT=0 -e DJANGO_SECURE_COOKIES=0 \
  -e GUNICORN_BIND="127.0.0.1:$port" -e GUNICORN_WORKERS=2 -e GUNICORN_THREADS=2 \
  "$APP_IMAGE" >/dev/null

ready=""
for _ in $(seq 1 120); do
  if [ "$("${PODMAN[@]}" inspect "$CONTAINER" --format '{{.State.Running}}' 2>/dev/null)" != "true" ]; then
    log "the container stopped while booting:"; "${PODMAN[@]}" logs "$CONTAINER" 2>&1 | tail -40; exit 1
  fi
  if python3 -c "import sys, urllib.request as u; u.urlopen('http://127.0.0.1:$port/readyz', timeout=2)" 2>/dev/null; then
    ready=1; break
  fi
  sleep 1
done
[ -n "$ready" ] || { log "not ready after 120 s:"; "${PODMAN[@]}" logs "$CONTAINER" 2>&1 | tail -40; exit 1; }
log "ready: the entrypoint migrated through PgBouncer and gunicorn answers /readyz"

"${PODMAN[@]}" exec -e DJANGO_SUPERUSER_PASSWORD="$staff_password" "$CONTAINER" \
  python manage.py createsuperuser --noinput --username ci-staff --email ci-staff@example.invalid >/dev/null
python3 devops/ci/book_through.py "http://127.0.0.1:$port" ci-staff "$staff_password"

# One JSON line per request, and none of them carries a password or a token.
logs="$("${PODMAN[@]}" logs "$CONTAINER" 2>&1)"
printf '%s\n' "$logs" | grep '"logger": "api.request"' | grep -q '"operation": "reservationConfirm"' \
  || { log "no JSON request line for reservationConfirm in the container's log"; printf '%s\n' "$logs" | tail -20; exit 1; }
for secret in "$staff_password" provider-ci-2030 client-ci-2030 "Bearer "; do
  if printf '%s\n' "$logs" | grep -qF -- "$secret"; then log "the container's log carries a secret"; exit 1; fi
done
log "request log: $(printf '%s\n' "$logs" | grep '"operation": "reservationConfirm"' | tail -1)"

log "ok: app image built in ${build_seconds} s ($(( size / 1000000 )) MB), booted through PgBouncer and booked through; nginx's configuration loads in its image"
