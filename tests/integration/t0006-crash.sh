# t0006 - crash safety: custos put is killed with SIGKILL at random points
# during a loop of writes; afterwards PRAGMA integrity_check passes and
# every write that was acknowledged (custos exited 0) is readable.
. "$(dirname "$0")/lib.sh"
t_setup
t_local_only
custos init >/dev/null
# Shared keys keep every version, so no acknowledged version is trimmed.
for s in 0 1; do
	custos meta "crash/shared$s" --max-versions 1000 >/dev/null
done
: >"$T_DIR/acked"
rounds=${CRASH_ROUNDS:-60}
for i in $(seq 1 "$rounds"); do
	# A burst of writes in the background, killed after 0-30 ms. Odd
	# writes create a new secret, even ones add a version to a shared
	# one. A write is logged only once custos exited 0.
	# The burst runs in its own process group (setsid) so one kill
	# reaches every custos it started, even one still being exec'd.
	setsid bash -c '
		for j in 1 2 3 4 5 6 7 8; do
			n="$1-$j"
			if [ $((j % 2)) = 1 ]; then key="crash/u/$n"; else key="crash/shared$((j / 2 % 2))"; fi
			if echo "value-$n" | "$CUSTOS_BIN" put "$key" v=- >/dev/null 2>&1; then
				echo "$key $n" >>"$2"
			fi
		done' burst "$i" "$T_DIR/acked" 2>/dev/null &
	burst=$!
	sleep "0.0$((RANDOM % 30))"
	kill -KILL -- "-$burst" 2>/dev/null
	wait "$burst" 2>/dev/null
	# A group leader killed early may leave nothing to wait for; make sure
	# no member of the group is still running before the next round.
	while pgrep -g "$burst" >/dev/null 2>&1; do sleep 0.01; done
done
expect_eq "$(sqlite3 -cmd '.timeout 5000' "$VAULT" 'PRAGMA integrity_check')" ok "integrity_check"
T_CHECKS=$((T_CHECKS + 1))
[ -s "$T_DIR/acked" ] || fail "no write was acknowledged in $rounds rounds"

# Every version of the shared secrets opens; collect their values.
: >"$T_DIR/shared-values"
for s in 0 1; do
	cur=$(custos meta "crash/shared$s" --format json |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["current_version"])')
	for v in $(seq 1 "$cur"); do
		if val=$(custos get "crash/shared$s" --version "$v" -f v); then
			echo "crash/shared$s $val" >>"$T_DIR/shared-values"
		else
			fail "version $v of crash/shared$s does not open"
		fi
	done
done
# Every acknowledged write is there with its value.
while read -r key n; do
	T_CHECKS=$((T_CHECKS + 1))
	case "$key" in
	crash/u/*)
		[ "$(custos get "$key" -f v 2>/dev/null)" = "value-$n" ] ||
			fail "acknowledged write $key = value-$n is lost" ;;
	*)
		grep -qx "$key value-$n" "$T_DIR/shared-values" ||
			fail "acknowledged version value-$n of $key is lost" ;;
	esac
done <"$T_DIR/acked"
echo "acknowledged writes: $(wc -l <"$T_DIR/acked") of $((rounds * 8)) started"
t_done
