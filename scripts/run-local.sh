#!/bin/sh
# run-local.sh - `make run`: starts custos on its embedded default. Creates
# the default vault (and master key file) on first use, shows its status,
# then serves it with the dev server on 127.0.0.1:8200 (plain HTTP,
# unsealed, a root token printed) until Ctrl-C. CUSTOS_VAULT,
# CUSTOS_KEY_FILE and CUSTOS_LISTEN (HOST:PORT) are honoured.
set -eu
bin="$(dirname "$0")/../build/custos"
status=0
"$bin" status >/dev/null 2>&1 || status=$?
if [ "$status" = 3 ]; then
	"$bin" init
elif [ "$status" != 0 ]; then
	"$bin" status # shows why it cannot open the vault
	exit "$status"
fi
"$bin" status
vault=$("$bin" status --format json | sed -n 's/.*"path": *"\([^"]*\)".*/\1/p')
listen=${CUSTOS_LISTEN:-127.0.0.1:8200}
cat <<TXT

Serving this vault over Vault's HTTP API on $listen until Ctrl-C. While the
server runs it holds the vault file; in another shell, talk to it over HTTP:
  export CUSTOS_ADDR=http://$listen CUSTOS_TOKEN=<the root token below>
  echo "\$OPENAI_API_KEY" | build/custos put openai/prod --type openai api_key=-
  build/custos get openai/prod
After Ctrl-C the same commands work on the file directly (unset CUSTOS_ADDR).
\`make install\` puts custos on your PATH.

TXT
exec "$bin" server --dev --vault "$vault" --dev-listen-address "$listen"
