# t0204 - custos check of a db_dsn against a real PostgreSQL: a throwaway
# cluster (initdb, scram-sha-256) on a free loopback port, run as an
# unprivileged user, stopped by PID. A good password is ok, a wrong one is
# rejected (exit 4), a closed port unreachable; sslmode=disable to a host
# that is not loopback is refused.
. "$(dirname "$0")/lib.sh"
t_setup
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
	echo "checks=0 fails=0 (skipped: PostgreSQL server binaries not installed; scripts/install-deps.sh installs them)"
	exit 0
fi
t_init
PGDIR=$(mktemp -d /tmp/custos-pg.XXXXXX)
AS=""
if [ "$(id -u)" = 0 ]; then
	chown postgres "$PGDIR"
	AS="runuser -u postgres --"
fi
PW=pg-test-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$PW" >"$PGDIR/pw" && chmod 644 "$PGDIR/pw"
PORT=$(t_free_port)
$AS "$PGBIN/initdb" -D "$PGDIR/data" -U custos --pwfile="$PGDIR/pw" --auth-host=scram-sha-256 \
	--auth-local=trust >"$PGDIR/initdb.log" 2>&1 || fail "initdb: $(tail -3 "$PGDIR/initdb.log")"
$AS "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/pg.log" -w -t 30 \
	-o "-p $PORT -k $PGDIR -c listen_addresses=127.0.0.1" start >/dev/null 2>&1 ||
	fail "pg_ctl start: $(tail -3 "$PGDIR/pg.log" 2>/dev/null)"
PG_PID=$(head -n 1 "$PGDIR/data/postmaster.pid" 2>/dev/null)

printf '%s' "postgres://custos:$PW@127.0.0.1:$PORT/postgres" | custos put db/good --type db_dsn dsn=- >/dev/null
printf '%s' "postgres://custos:wrong-password@127.0.0.1:$PORT/postgres" | custos put db/bad --type db_dsn dsn=- >/dev/null
printf '%s' "postgresql://custos:$PW@127.0.0.1:1/postgres" | custos put db/down --type db_dsn dsn=- >/dev/null
printf '%s' "postgres://custos:$PW@db.example.com:5432/app?sslmode=disable" | custos put db/clear --type db_dsn dsn=- >/dev/null
printf '%s' "mysql://u:p@127.0.0.1/app" | custos put db/mysql --type db_dsn dsn=- >/dev/null

expect_status 0 custos check db/good
expect_in "$OUT" "ok"
expect_in "$OUT" "postgres://custos@127.0.0.1:$PORT/postgres" "endpoint without the password"
expect_not_in "$OUT$ERR" "$PW" "check output"
expect_status 4 custos check db/bad --json
expect_in "$OUT" '"status": "rejected"'
expect_in "$OUT" "password authentication failed"
expect_status 1 custos check db/down
expect_in "$OUT" "unreachable"
expect_status 1 custos check db/clear
expect_in "$OUT" "sslmode=disable"
expect_not_in "$OUT" "$PW"
expect_status 1 custos check db/mysql
expect_in "$OUT" "only postgres://"

if [ -n "$PG_PID" ]; then
	kill -TERM "$PG_PID" 2>/dev/null
	for _ in $(seq 1 100); do kill -0 "$PG_PID" 2>/dev/null || break; sleep 0.1; done
fi
rm -rf "$PGDIR"
t_done
