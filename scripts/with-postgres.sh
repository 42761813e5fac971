#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL 15 cluster, then delete the cluster.
#
#   scripts/with-postgres.sh .venv/bin/pytest -q
#
# The cluster lives in a fresh directory under /tmp, listens only on a Unix socket inside that
# directory (no TCP port to collide with another run or a system PostgreSQL) and is stopped and
# removed whatever happens to the command. DATABASE_URL points the application at it; the role owns
# the database and may create databases, which pytest-django needs for its test database.
#
# The server runs without fsync: a crash would only lose data that is thrown away anyway, and
# tests run much faster. Set ARRAIGO_PG_DURABLE=1 to keep PostgreSQL's defaults (benchmarks do).
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 COMMAND [ARG...]" >&2
    exit 2
fi

PG_BIN=${ARRAIGO_PG_BIN:-/usr/lib/postgresql/15/bin}
if [ ! -x "$PG_BIN/initdb" ]; then
    echo "PostgreSQL 15 not found in $PG_BIN (apt-get install postgresql, or set ARRAIGO_PG_BIN)" >&2
    exit 1
fi

# PostgreSQL refuses to run as root: as root, run the server as the postgres user that the Debian
# package creates; otherwise as whoever calls this script.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

PG_DIR=$(mktemp -d /tmp/arraigo-pg-XXXXXX)
cleanup() {
    status=$?
    trap - EXIT INT TERM
    if [ -f "$PG_DIR/data/postmaster.pid" ]; then
        as_owner "$PG_BIN/pg_ctl" stop -D "$PG_DIR/data" -m immediate -s >/dev/null 2>&1 || true
    fi
    rm -rf "$PG_DIR"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ "$(id -u)" -eq 0 ]; then chown postgres: "$PG_DIR"; fi
chmod 700 "$PG_DIR"   # only the owner (and root) can reach the socket, so trust auth is safe here

# -c options go to the server command line; the durable defaults only matter outside tests.
server_options="-c listen_addresses='' -c unix_socket_directories='$PG_DIR'"
if [ "${ARRAIGO_PG_DURABLE:-0}" != 1 ]; then
    server_options+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
fi

as_owner "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust --encoding=UTF8 \
    --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; exit 1; }
as_owner "$PG_BIN/pg_ctl" start -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -s \
    -o "$server_options" || { cat "$PG_DIR/server.log" >&2; exit 1; }

as_owner "$PG_BIN/psql" -h "$PG_DIR" -U postgres -d postgres -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE ROLE arraigo LOGIN PASSWORD 'arraigo' CREATEDB;
CREATE DATABASE arraigo OWNER arraigo;
SQL

# The socket directory goes in the host part, percent-encoded, as dj-database-url expects.
export DATABASE_URL="postgres://arraigo:arraigo@${PG_DIR//\//%2F}/arraigo"
echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') running in $PG_DIR"

# Not exec: the trap above must still run when the command ends.
"$@"
