#!/usr/bin/env bash
# run.sh - real Vault clients, unmodified, against custos-server on a free
# loopback port: hvac (Debian python3-hvac, with /usr/bin/python3).
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${CUSTOS_SERVER:?set CUSTOS_SERVER to the custos-server binary}"
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
status=0
VAULT_ADDR="http://127.0.0.1:$port" /usr/bin/python3 "$here/hvac_test.py" || status=1
kill -TERM "$pid"
wait "$pid" || { echo "custos-server exited with $?"; status=1; }
[ "$status" = 0 ] || sed 's/^/  server: /' "$dir/server.log" | tail -20
rm -rf "$dir"
exit "$status"
