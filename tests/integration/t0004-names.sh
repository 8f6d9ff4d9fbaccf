# t0004 - the name grammar: bad names are usage errors (2) everywhere.
. "$(dirname "$0")/lib.sh"
t_setup
t_init
long=$(head -c 513 /dev/zero | tr '\0' a)
ok512=$(head -c 512 /dev/zero | tr '\0' b)
for bad in "" "/a" "a/" "a//b" "." ".." "a/./b" "a/../b" "a b" 'a\b' "é" "$long" 'a$b' "a#b"; do
	expect_status 2 custos put "$bad" v=1 && expect_one_line "$ERR"
	expect_status 2 custos get "$bad"
done
expect_status 0 custos put "$ok512" v=1
expect_status 0 custos put "A.b-c_d/E9" v=1
expect_status 0 custos get "A.b-c_d/E9" -f v && expect_eq "$OUT" 1
expect_status 2 custos list "/x"
t_done
