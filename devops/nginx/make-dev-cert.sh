#!/bin/sh
# Make a self-signed TLS certificate for local use of the compose stack.
#
#   devops/nginx/make-dev-cert.sh [DIR]
#
# Writes DIR/tls.crt and DIR/tls.key (default: devops/nginx/certs next to this
# script, which compose.yml mounts read-only at /etc/nginx/certs in the nginx
# container). The certificate is for localhost, 127.0.0.1 and ::1, valid for
# DAYS days (default 90), with an ECDSA P-256 key.
#
# Browsers warn about it: it is signed by nobody they trust. Never use it
# beyond your own machine; devops/README.md says how to mount a real one.
# An existing certificate is left alone unless FORCE=1.
set -eu

DIR="${1:-$(dirname "$0")/certs}"
DAYS="${DAYS:-90}"

if ! command -v openssl >/dev/null 2>&1; then
    echo "make-dev-cert: openssl is not installed" >&2
    exit 1
fi

if [ -e "$DIR/tls.crt" ] && [ "${FORCE:-0}" != "1" ]; then
    echo "make-dev-cert: $DIR/tls.crt exists, leaving it alone (FORCE=1 replaces it)" >&2
    exit 0
fi

mkdir -p "$DIR"

# The key is readable by its owner only, from the moment it is created.
umask 077
# openssl's output is shown only when it fails.
if ! output=$(openssl req -x509 -batch -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -sha256 -days "$DAYS" \
    -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" \
    -addext "extendedKeyUsage=serverAuth" \
    -keyout "$DIR/tls.key.tmp" -out "$DIR/tls.crt.tmp" 2>&1); then
    echo "$output" >&2
    rm -f "$DIR/tls.key.tmp" "$DIR/tls.crt.tmp"
    echo "make-dev-cert: openssl failed" >&2
    exit 1
fi
mv "$DIR/tls.key.tmp" "$DIR/tls.key"
chmod 0644 "$DIR/tls.crt.tmp"
mv "$DIR/tls.crt.tmp" "$DIR/tls.crt"

echo "make-dev-cert: wrote $DIR/tls.crt and $DIR/tls.key (self-signed, localhost, $DAYS days)" >&2
