# t0003 - KV v2 version semantics through the CLI: history, rollback,
# soft delete, undelete, destroy, check-and-set and metadata settings.
. "$(dirname "$0")/lib.sh"
t_setup
t_init

for i in 1 2 3; do echo "value-$i" | custos put app/x v=- >/dev/null; done
expect_status 0 custos history app/x
expect_in "$OUT" "3        "
expect_in "$OUT" "live *"
expect_status 0 custos get app/x --version 2 -f v && expect_eq "$OUT" value-2

# rollback writes a new version with the old data.
expect_status 0 custos rollback app/x --version 1 && expect_in "$OUT" "version 4 (copy of version 1)"
expect_status 0 custos get app/x -f v && expect_eq "$OUT" value-1
expect_status 2 custos rollback app/x
expect_status 3 custos rollback app/x --version 99

# check-and-set: a mismatch is a conflict (6) and stores nothing.
expect_status 6 sh -c "echo v5 | '$CUSTOS_BIN' put app/x --cas 3 v=-" && expect_in "$ERR" "check-and-set"
expect_status 0 sh -c "echo v5 | '$CUSTOS_BIN' put app/x --cas 4 v=-" && expect_in "$OUT" "version 5"
expect_status 6 sh -c "echo n | '$CUSTOS_BIN' put app/x --cas 0 v=-"
expect_status 0 sh -c "echo n | '$CUSTOS_BIN' put app/new --cas 0 v=-"

# soft delete of the latest, then of chosen versions; undelete restores.
expect_status 0 custos delete app/x
expect_status 3 custos get app/x && expect_in "$ERR" "deleted"
expect_status 0 custos get app/x --version 4 -f v && expect_eq "$OUT" value-1
expect_status 0 custos delete app/x --versions 3,4
expect_status 3 custos get app/x --version 3
expect_status 0 custos undelete app/x --versions 3,5
expect_status 0 custos get app/x -f v && expect_eq "$OUT" v5
expect_status 0 custos get app/x --version 3 -f v && expect_eq "$OUT" value-3
expect_status 2 custos undelete app/x
expect_status 2 custos delete app/x --versions 1,x

# destroy erases for good; undelete cannot bring it back.
expect_status 0 custos destroy app/x --versions 2
expect_status 3 custos get app/x --version 2 && expect_in "$ERR" "destroyed"
expect_status 0 custos undelete app/x --versions 2
expect_status 3 custos get app/x --version 2
expect_status 0 custos history app/x && expect_in "$OUT" "destroyed"
expect_status 2 custos destroy app/x

# max_versions trims the oldest versions on the next write.
expect_status 0 custos meta app/x --max-versions 2
echo v6 | custos put app/x v=- >/dev/null
expect_status 0 custos history app/x
expect_eq "$(printf '%s\n' "$OUT" | tail -n +2 | wc -l)" 2 "versions kept"
expect_status 3 custos get app/x --version 4

# cas_required makes --cas mandatory.
expect_status 0 custos meta app/x --cas-required
expect_status 2 custos put app/x v=1 && expect_in "$ERR" "check-and-set parameter required"
expect_status 0 custos meta app/x --cas-required=false
expect_status 0 custos put app/x v=1

# delete_version_after: a version deleted by time is unreadable.
expect_status 0 custos meta app/t --delete-after 1s
echo short | custos put app/t v=- >/dev/null
sleep 2
expect_status 3 custos get app/t
expect_status 2 custos meta app/t --delete-after soon

# custom metadata: set, show, unset; secret-looking keys refused.
expect_status 0 custos meta app/x --set owner=team-ml --set ticket=SEC-1
expect_status 0 custos meta app/x && expect_in "$OUT" "owner = team-ml"
expect_status 0 custos meta app/x --unset ticket
expect_status 0 custos meta app/x && expect_not_in "$OUT" "ticket"
for k in password api_key dbPassword DBPassword APIToken SSHKey SECRET token private-key; do
	expect_status 2 custos meta app/x --set "$k=v" && expect_in "$ERR" "looks like it holds a secret"
done
expect_status 0 custos meta app/x --set author=me --set keyboard=us

# destroy --all removes the secret with its history.
expect_status 0 custos destroy app/x --all
expect_status 3 custos history app/x
expect_status 3 custos get app/x
t_done
