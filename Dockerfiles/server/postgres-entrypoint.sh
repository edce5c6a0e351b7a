#!/bin/sh
# First start: a cluster in the (empty) volume, a login role and a database that it owns, the
# role's password from the Compose secret POSTGRES_PASSWORD_FILE. Every start: PostgreSQL in the
# foreground, listening on POSTGRES_LISTEN (all interfaces of the stack's own network by default).
set -eu
: "${POSTGRES_USER:=umt}" "${POSTGRES_DB:=umt}" "${POSTGRES_LISTEN:=*}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    password_file="${POSTGRES_PASSWORD_FILE:?POSTGRES_PASSWORD_FILE must name the password secret}"
    password="$(cat "$password_file")"
    [ -n "$password" ] || { echo "the database password secret $password_file is empty" >&2; exit 78; }
    initdb -D "$PGDATA" -U postgres --auth-local=peer --auth-host=reject --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    # The superuser only through the container's own socket; the stack's role by password.
    printf 'local all postgres peer\nhost %s %s all scram-sha-256\n' "$POSTGRES_DB" "$POSTGRES_USER" > "$PGDATA/pg_hba.conf"
    quoted="$(printf '%s' "$password" | sed "s/'/''/g")"
    printf "CREATE ROLE \"%s\" LOGIN PASSWORD '%s';\n" "$POSTGRES_USER" "$quoted" \
        | postgres --single -D "$PGDATA" -c password_encryption=scram-sha-256 postgres >/dev/null
    printf 'CREATE DATABASE "%s" OWNER "%s";\n' "$POSTGRES_DB" "$POSTGRES_USER" \
        | postgres --single -D "$PGDATA" postgres >/dev/null
    echo "made a new PostgreSQL cluster with database $POSTGRES_DB owned by $POSTGRES_USER"
fi
exec postgres -D "$PGDATA" -p "$PGPORT" -k /tmp -c listen_addresses="$POSTGRES_LISTEN" -c jit=off
