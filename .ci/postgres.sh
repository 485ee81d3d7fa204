# Sourced by .ci/run: a throwaway PostgreSQL on 127.0.0.1 for the storage tests, from Debian's packages.
# Exports PNET_CDS_TEST_POSTGRES_URL and stops the server when the calling shell exits. As root (CI) a
# failure here fails the run; as another user it only warns, and the PostgreSQL tests skip with a reason.

pnet_pg_fail() {
    if [ "$(id -u)" = 0 ]; then echo "postgres: $*" >&2; exit 1; fi
    echo "postgres: $* (not root: the PostgreSQL storage tests will skip)" >&2
    return 1
}

pnet_pg_bin() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

pnet_pg_start() {
    if [ -z "$(pnet_pg_bin)" ] || [ ! -x "$(pnet_pg_bin)/initdb" ]; then
        [ "$(id -u)" = 0 ] || { pnet_pg_fail "PostgreSQL is not installed"; return 1; }
        echo "postgres: installing Debian's postgresql package" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >/dev/null && apt-get install -y -qq postgresql >/dev/null \
            || { pnet_pg_fail "apt-get install postgresql failed"; return 1; }
    fi
    local bin run_as port
    bin="$(pnet_pg_bin)"
    PNET_PG_DIR="$(mktemp -d /tmp/pnet-cds-pg.XXXXXX)"
    if [ "$(id -u)" = 0 ]; then
        chown postgres: "$PNET_PG_DIR"
        run_as=(runuser -u postgres --)
    else
        run_as=()
    fi
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    "${run_as[@]}" "$bin/initdb" -D "$PNET_PG_DIR/data" -U postgres -A trust --no-sync >"$PNET_PG_DIR/initdb.log" 2>&1 \
        || { cat "$PNET_PG_DIR/initdb.log" >&2; pnet_pg_fail "initdb failed"; return 1; }
    "${run_as[@]}" "$bin/pg_ctl" -D "$PNET_PG_DIR/data" -l "$PNET_PG_DIR/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $PNET_PG_DIR -c fsync=off" start >/dev/null \
        || { cat "$PNET_PG_DIR/server.log" >&2; pnet_pg_fail "pg_ctl start failed"; return 1; }
    PNET_PG_STOP=("${run_as[@]}" "$bin/pg_ctl" -D "$PNET_PG_DIR/data" -m fast stop)
    trap 'pnet_pg_stop' EXIT
    "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres pnet_cds_test \
        || { pnet_pg_fail "createdb failed"; return 1; }
    export PNET_CDS_TEST_POSTGRES_URL="postgresql://postgres@127.0.0.1:$port/pnet_cds_test"
    echo "postgres: $("$bin/postgres" --version) on 127.0.0.1:$port (PNET_CDS_TEST_POSTGRES_URL)" >&2
}

pnet_pg_stop() {
    "${PNET_PG_STOP[@]}" >/dev/null 2>&1 || true
    rm -rf "$PNET_PG_DIR"
}

pnet_pg_start || true
