#!/usr/bin/env bash
# Make, from Debian's packages, local stand-ins for the registry images that devops/*/Dockerfile start FROM,
# for machines that can pull no registry image (CI, and the development machines):
#
#   localhost/debian-minbase:bookworm       debootstrap's minbase of Debian 12, plus passwd and ca-certificates:
#                                           a stand-in for debian:bookworm-slim (devops/nginx, devops/pgbouncer)
#   localhost/python:3.11-slim-bookworm     that, plus Python 3.11 laid out as the registry's python image
#                                           (devops/ci/python-slim.Containerfile): devops/Dockerfile's PYTHON_IMAGE
#
# Nothing is cached between runs: the root filesystem is made anew in a temporary directory (about 90 s).
# Needs root, debootstrap, podman and buildah (.ci/run installs them). Environment: DEBIAN_MIRROR.
set -euo pipefail
cd "$(dirname "$0")/../.."

MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
WORK="$(mktemp -d /tmp/reservation-rootfs.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

echo "base-images: debootstrap bookworm (minbase) from $MIRROR"
start=$(date +%s)
debootstrap --variant=minbase --include=passwd,ca-certificates \
  bookworm "$WORK/rootfs" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 || { tail -30 "$WORK/debootstrap.log"; exit 1; }
# What the registry's slim images leave out as well: apt's package lists and caches.
rm -rf "$WORK/rootfs/var/lib/apt/lists/"* "$WORK/rootfs/var/cache/apt/"*.bin
tar -C "$WORK/rootfs" -c . | podman import --quiet - localhost/debian-minbase:bookworm >/dev/null
echo "base-images: localhost/debian-minbase:bookworm in $(( $(date +%s) - start )) s"

buildah bud --quiet --isolation chroot -f devops/ci/python-slim.Containerfile \
  --build-arg BASE_IMAGE=localhost/debian-minbase:bookworm -t localhost/python:3.11-slim-bookworm devops/ci >/dev/null
echo "base-images: localhost/python:3.11-slim-bookworm in $(( $(date +%s) - start )) s"
