#!/usr/bin/env bash
# run.sh - real Vault clients, unmodified, against custos-server: each client
# test gets its own fresh, uninitialised server on a free loopback port.
#   hvac 0.11.2        Debian python3-hvac, with /usr/bin/python3
#   node-vault 0.12.0  npm, pinned in package.json / package-lock.json
#   hashi-vault-js 0.5.1  npm, likewise
# The npm packages come from scripts/install-deps.sh (npm ci here); this
# script installs nothing. `run.sh hvac node-vault` runs only those clients.
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${CUSTOS_SERVER:?set CUSTOS_SERVER to the custos-server binary}"

dir="" pid="" port=""
start_server() {
	dir=$(mktemp -d /tmp/custos-compat.XXXXXX)
	port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	cat >"$dir/custos.hcl" <<HCL
storage "sqlite" { path = "$dir/vault.db" }
listener "tcp" {
  address = "127.0.0.1:$port"
  tls_disable = true
}
HCL
	"$CUSTOS_SERVER" --config "$dir/custos.hcl" >"$dir/server.log" 2>&1 &
	pid=$!
	for _ in $(seq 1 100); do
		/usr/bin/python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),0.2)" 2>/dev/null && break
		sleep 0.05
	done
}

# stop_server STATUS: stops the server; shows its log when anything failed.
stop_server() {
	local st=$1
	kill -TERM "$pid"
	wait "$pid" || { echo "custos-server exited with $?"; st=1; }
	[ "$st" = 0 ] || sed 's/^/  server: /' "$dir/server.log" | tail -20
	rm -rf "$dir"
	return "$st"
}

run_client() { # NAME COMMAND...
	local name=$1 st=0
	shift
	start_server
	VAULT_ADDR="http://127.0.0.1:$port" "$@" || st=1
	stop_server "$st" || st=1
	if [ "$st" = 0 ]; then pass=$((pass + 1)); else failed=$((failed + 1)); names+=("$name"); fi
}

node_ready() {
	if ! command -v node >/dev/null 2>&1 || [ ! -d "$here/node_modules/node-vault" ] ||
		[ ! -d "$here/node_modules/hashi-vault-js" ]; then
		echo "FAIL: node or tests/compat/node_modules missing: run scripts/install-deps.sh"
		return 1
	fi
}

pass=0 failed=0 names=()
clients=("$@")
[ ${#clients[@]} -eq 0 ] && clients=(hvac node-vault hashi-vault-js)
for c in "${clients[@]}"; do
	case "$c" in
	hvac) run_client hvac /usr/bin/python3 "$here/hvac_test.py" ;;
	node-vault | hashi-vault-js)
		if node_ready; then
			run_client "$c" node "$here/$(echo "$c" | tr - _)_test.js"
		else
			failed=$((failed + 1)) names+=("$c")
		fi
		;;
	*) echo "run.sh: unknown client $c" >&2; exit 2 ;;
	esac
done
echo "compat: $pass passed, $failed failed"
[ "$failed" -eq 0 ] || { echo "failed: ${names[*]}"; exit 1; }
