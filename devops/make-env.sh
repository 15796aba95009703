#!/bin/sh
# Print a compose .env with a new random value for every secret compose.yml requires:
#
#   devops/make-env.sh > .env && chmod 600 .env
#
# Run it once per deployment and keep .env out of version control (.gitignore has it). Rotating
# DJANGO_SECRET_KEY logs staff out of the admin; rotating JWT_SIGNING_KEY signs every API client out (their
# tokens stop verifying); POSTGRES_PASSWORD is only read when the database is first created: to change it later,
# ALTER ROLE in PostgreSQL first. The values are URL-safe, so that they fit in DATABASE_URL as they are.
set -eu
secret() { python3 -c 'import secrets; print(secrets.token_urlsafe(48))'; }
cat <<ENV
# Made by devops/make-env.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ). Secrets: keep this file private (chmod 600).
DJANGO_SECRET_KEY=$(secret)
JWT_SIGNING_KEY=$(secret)
POSTGRES_PASSWORD=$(secret)
GRAFANA_ADMIN_PASSWORD=$(secret)
# Not secrets: the host name clients use, and how many app servers run behind nginx.
PUBLIC_HOSTNAME=localhost
APP_REPLICAS=2
ENV
