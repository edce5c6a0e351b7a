#!/usr/bin/env bash
# Start a throwaway PostgreSQL for the test suite, from Debian's `postgresql` package, as root.
# Listens on 127.0.0.1 only; creates user `umt` (password `umt`, may create databases: each test
# makes its own) and database `umt`. Idempotent: a second call finds it running.
#
#   eval "$(tools/start-postgres.sh)"     # sets UMT_TEST_POSTGRES_URL in this shell
#
# Throwaway settings for speed: no fsync, no autovacuum (each test makes and drops its own database).
# Settings: UMT_PG_PORT (default 54329), UMT_PG_DATA (default /var/tmp/umt-postgres).
set -euo pipefail

PORT="${UMT_PG_PORT:-54329}"
DATA="${UMT_PG_DATA:-/var/tmp/umt-postgres}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
if [ -z "$BIN" ]; then
    echo "PostgreSQL is not installed: apt-get install -y postgresql" >&2
    exit 1
fi
as_postgres() { runuser -u postgres -- "$@"; }

if [ ! -s "$DATA/PG_VERSION" ]; then
    install -d -o postgres -g postgres -m 700 "$DATA"
    as_postgres "$BIN/initdb" -D "$DATA" -U postgres -A trust --no-sync >&2
    # Password authentication for TCP clients; the superuser only through the local socket.
    cat > "$DATA/pg_hba.conf" <<'HBA'
local all postgres trust
host  all all 127.0.0.1/32 scram-sha-256
HBA
fi
if ! as_postgres "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    as_postgres "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DATA -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c autovacuum=off" \
        start >&2
fi
psql_admin() { as_postgres "$BIN/psql" -h "$DATA" -p "$PORT" -U postgres -v ON_ERROR_STOP=1 -qtA "$@"; }
if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = 'umt'")" != "1" ]; then
    psql_admin -c "CREATE ROLE umt LOGIN CREATEDB PASSWORD 'umt'"
fi
if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = 'umt'")" != "1" ]; then
    psql_admin -c "CREATE DATABASE umt OWNER umt"
fi
echo "export UMT_TEST_POSTGRES_URL=postgresql://umt:umt@127.0.0.1:$PORT/umt"
