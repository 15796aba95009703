#!/bin/sh
# Restart every app server of the compose stack one at a time, with no failed request:
#
#   devops/rolling-restart.sh            restart each replica (new configuration, new secrets, a stuck worker)
#   devops/rolling-restart.sh --recreate replace each replica by one from the current image (a deployment:
#                                        `docker compose build app` or pull first)
#
# For each replica in turn: nginx stops sending it requests (its upstream file lists the replicas by address,
# this one `down`, and `nginx -s reload` lets the old nginx workers finish what they were doing), DRAIN_SECONDS
# later the replica is restarted (gunicorn finishes its requests on SIGTERM) or replaced, and once its /readyz
# says ready (compose's health check: healthy) nginx gets it back. The other replicas serve meanwhile.
# tests/devops/test_rolling_restart.py does the same with two gunicorns behind Debian's nginx under load and
# counts the failed requests: 0.
#
# Environment: COMPOSE (default "docker compose"), DRAIN_SECONDS (5), READY_TIMEOUT (180 seconds).
set -eu

COMPOSE="${COMPOSE:-docker compose}"
DRAIN_SECONDS="${DRAIN_SECONDS:-5}"
READY_TIMEOUT="${READY_TIMEOUT:-180}"
UPSTREAM=/etc/nginx/upstream.d/app-servers.conf
SERVER_OPTIONS="max_fails=1 fail_timeout=5s"
recreate=0
[ "${1:-}" = "--recreate" ] && recreate=1

log() { echo "rolling-restart: $*" >&2; }

address() { docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$1"; }

# Write nginx's list of app servers (stdin) and reload nginx; a list nginx refuses is rolled back.
nginx_servers() {
    $COMPOSE exec -T nginx sh -c "cp $UPSTREAM $UPSTREAM.previous && cat > $UPSTREAM && \
        { nginx -t -q || { cp $UPSTREAM.previous $UPSTREAM; exit 1; }; } && nginx -s reload"
}

# Every replica by address, the one named in $1 marked down.
servers_without() {
    for id in $($COMPOSE ps -q app); do
        if [ "$id" = "$1" ]; then
            echo "server $(address "$id"):8000 $SERVER_OPTIONS down;"
        else
            echo "server $(address "$id"):8000 $SERVER_OPTIONS;"
        fi
    done
}

wait_healthy() {
    waited=0
    until [ "$(docker inspect -f '{{.State.Health.Status}}' "$1" 2>/dev/null)" = "healthy" ]; do
        if [ "$waited" -ge "$READY_TIMEOUT" ]; then
            log "$1 is not ready after ${READY_TIMEOUT}s: stopping here (the others keep serving)"
            exit 1
        fi
        sleep 2
        waited=$((waited + 2))
    done
}

replicas="$($COMPOSE ps -q app)"
count=$(echo "$replicas" | wc -w)
[ "$count" -ge 2 ] || { log "only $count app replica(s): a restart would drop requests (scale to 2 first)"; exit 1; }
trap 'log "restoring nginx'"'"'s server list"; echo "server app:8000 $SERVER_OPTIONS;" | nginx_servers' EXIT

for id in $replicas; do
    log "draining $id ($(address "$id"))"
    servers_without "$id" | nginx_servers
    sleep "$DRAIN_SECONDS"
    if [ "$recreate" = 1 ]; then
        docker stop --time 35 "$id" >/dev/null
        docker rm "$id" >/dev/null
        # compose starts one replica from the current image to get back to $count.
        $COMPOSE up -d --no-deps --no-recreate --scale app="$count" app
        new=""
        for candidate in $($COMPOSE ps -q app); do
            echo "$replicas" | grep -q "$candidate" || new="$candidate"
        done
        [ -n "$new" ] || { log "compose started no new replica"; exit 1; }
        replicas="$(echo "$replicas" | sed "s/$id/$new/")"
        id="$new"
    else
        docker restart --time 35 "$id" >/dev/null
    fi
    wait_healthy "$id"
    log "$id is ready: back in nginx"
    servers_without "" | nginx_servers
done
log "done: $count replicas restarted one at a time"
