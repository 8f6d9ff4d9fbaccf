#!/bin/sh
# run-local.sh - `make run`: starts custos on its embedded default. Creates
# the default vault (and master key file) on first use, then shows status
# and what to try next. CUSTOS_VAULT / CUSTOS_KEY_FILE are honoured.
set -eu
bin="$(dirname "$0")/../build/custos"
if ! "$bin" status >/dev/null 2>&1; then
	status=0
	"$bin" status >/dev/null 2>&1 || status=$?
	if [ "$status" = 3 ]; then
		"$bin" init
	else
		"$bin" status # shows why it cannot open the vault
		exit "$status"
	fi
fi
"$bin" status
cat <<'TXT'

custos is ready (build/custos; `make install` puts it on your PATH). Try:
  echo "$OPENAI_API_KEY" | build/custos put openai/prod --type openai api_key=-
  build/custos get openai/prod
  build/custos get openai/prod -f api_key
  build/custos list -r
  build/custos help
TXT
