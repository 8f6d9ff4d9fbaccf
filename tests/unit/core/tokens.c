/* tokens.c - tests of src/core/tokens.c on an in-memory vault: creation
 * rules, the parent tree, use counts, bound CIDRs, renewal caps, the
 * expiry sweep, and that only keyed hashes reach storage. */
#include "core/tokens.h"

#include <pthread.h>
#include <stdatomic.h>

#include "core/error.h"
#include "core/vault.h"
#include "storage/storage.h"
#include "util/timefmt.h"

#include "testutil.h"

static cst_vault *vault;

static int setup(void **state)
{
	(void)state;
	vault = test_memory_vault();
	return vault ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	cst_vault_close(vault);
	return 0;
}

/* Creates a token from a JSON body under parent (NULL: privileged orphan);
 * returns the client token (caller frees). */
static char *create(const cst_caller *parent, const char *body_text, int expect)
{
	json_t *body = json_loads(body_text, 0, NULL), *auth = NULL, *warnings = NULL;
	assert_non_null(body);
	cst_token_params p = {body, parent, parent == NULL || parent->root, parent == NULL,
	                      "auth/token/create", NULL, NULL};
	int rc = cst_token_create(&auth, &warnings, vault, &p);
	if (rc != expect)
		fail_msg("create %s: rc %d, want %d (%s)", body_text, rc, expect, cst_errmsg());
	char *t = rc == CST_OK ? strdup(json_string_value(json_object_get(auth, "client_token"))) : NULL;
	json_decref(auth);
	json_decref(warnings);
	json_decref(body);
	return t;
}

static int auth(cst_caller *out, const char *token, const char *addr)
{
	return cst_token_authenticate(out, vault, token, addr, 0);
}

/* Policy names are trimmed and lower-cased as Vault does, and refused
 * when no policy could have them: a name holding a newline or a comma
 * must not pose as a list of policies. */
static void test_policy_names(void **state)
{
	(void)state;
	free(create(NULL, "{\"policies\":[\"a\\nb\"]}", CST_EINVAL));
	free(create(NULL, "{\"policies\":[\"a,b:c\"]}", CST_EINVAL));
	free(create(NULL, "{\"policies\":[\"\"]}", CST_EINVAL));
	char *t = create(NULL, "{\"policies\":[\" Team-ML \", \"ops\"]}", CST_OK);
	cst_caller c;
	assert_int_equal(auth(&c, t, NULL), CST_OK);
	json_t *pol = json_object_get(c.entry, "policies");
	assert_int_equal(json_array_size(pol), 3);
	assert_string_equal(json_string_value(json_array_get(pol, 0)), "default");
	assert_string_equal(json_string_value(json_array_get(pol, 1)), "ops");
	assert_string_equal(json_string_value(json_array_get(pol, 2)), "team-ml");
	cst_caller_release(&c);
	free(t);
}

static void test_tree_revocation(void **state)
{
	(void)state;
	json_t *root_auth = NULL;
	assert_int_equal(cst_vault_root_token(&root_auth, vault, "root-id"), CST_OK);
	cst_caller root, parent;
	assert_int_equal(auth(&root, "root-id", NULL), CST_OK);
	assert_true(root.root);
	char *p = create(&root, "{\"policies\":[\"a\",\"b\"]}", CST_OK);
	assert_int_equal(auth(&parent, p, NULL), CST_OK);
	char *child = create(&parent, "{\"policies\":[\"a\"]}", CST_OK);
	cst_caller c;
	assert_int_equal(auth(&c, child, NULL), CST_OK);
	char *grandchild = create(&c, "{}", CST_OK);
	/* A child's policies must be a subset of its parent's. */
	free(create(&parent, "{\"policies\":[\"zzz\"]}", CST_EINVAL));
	/* Only privileged callers make orphans or periodic tokens. */
	free(create(&parent, "{\"no_parent\":true}", CST_EINVAL));
	free(create(&parent, "{\"period\":\"1h\"}", CST_EINVAL));
	char *orphan = create(&root, "{\"no_parent\":true}", CST_OK);
	assert_int_equal(cst_token_revoke(vault, parent.hash, 0), CST_OK);
	cst_caller x;
	assert_int_equal(auth(&x, p, NULL), CST_EPERM);
	assert_int_equal(auth(&x, child, NULL), CST_EPERM);
	assert_int_equal(auth(&x, grandchild, NULL), CST_EPERM);
	assert_int_equal(auth(&x, orphan, NULL), CST_OK);
	cst_caller_release(&x);
	/* Revoking again is fine. */
	assert_int_equal(cst_token_revoke(vault, parent.hash, 0), CST_OK);
	cst_caller_release(&c);
	cst_caller_release(&parent);
	cst_caller_release(&root);
	json_decref(root_auth);
	free(p);
	free(child);
	free(grandchild);
	free(orphan);
}

static void test_orphan_children(void **state)
{
	(void)state;
	cst_caller root, parent, x;
	assert_int_equal(auth(&root, "root-id", NULL), CST_OK);
	char *p = create(&root, "{}", CST_OK);
	assert_int_equal(auth(&parent, p, NULL), CST_OK);
	char *child = create(&parent, "{}", CST_OK);
	assert_int_equal(cst_token_revoke(vault, parent.hash, 1), CST_OK); /* revoke-orphan */
	assert_int_equal(auth(&x, p, NULL), CST_EPERM);
	assert_int_equal(auth(&x, child, NULL), CST_OK);
	assert_true(json_is_true(json_object_get(x.entry, "orphan")));
	cst_caller_release(&x);
	cst_caller_release(&parent);
	cst_caller_release(&root);
	free(p);
	free(child);
}

static void test_num_uses_and_cidrs(void **state)
{
	(void)state;
	cst_caller x;
	char *t = create(NULL, "{\"num_uses\":2}", CST_OK);
	/* A thread that must not wait takes no use: it hears CST_EWOULDBLOCK. */
	assert_int_equal(cst_token_authenticate(&x, vault, t, NULL, 1), CST_EWOULDBLOCK);
	assert_int_equal(cst_token_authenticate(&x, vault, t, NULL, 1), CST_EWOULDBLOCK);
	/* Authenticating takes no use (a request refused by policy or by the
	 * audit must not spend one); cst_token_use does. */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(auth(&x, t, NULL), CST_OK);
		cst_caller_release(&x);
	}
	assert_int_equal(auth(&x, t, NULL), CST_OK);
	assert_int_equal(cst_token_use(vault, &x), CST_OK);
	cst_caller_release(&x);
	assert_int_equal(auth(&x, t, NULL), CST_OK);
	assert_int_equal(cst_token_use(vault, &x), CST_OK); /* the last use revokes it */
	assert_int_equal(cst_token_use(vault, &x), CST_EPERM); /* a caller that held it still */
	cst_caller_release(&x);
	assert_int_equal(auth(&x, t, NULL), CST_EPERM);
	free(t);
	t = create(NULL, "{\"bound_cidrs\":[\"10.0.0.0/8\",\"::1/128\"]}", CST_OK);
	assert_int_equal(auth(&x, t, "10.1.2.3"), CST_OK);
	cst_caller_release(&x);
	assert_int_equal(auth(&x, t, "::1"), CST_OK);
	cst_caller_release(&x);
	assert_int_equal(auth(&x, t, "192.168.1.1"), CST_EPERM);
	assert_int_equal(auth(&x, t, NULL), CST_EPERM);
	free(t);
	free(create(NULL, "{\"bound_cidrs\":[\"10.0.0.0/33\"]}", CST_EINVAL));
	free(create(NULL, "{\"ttl\":\"soon\"}", CST_EINVAL));
	free(create(NULL, "{\"type\":\"batch\"}", CST_EINVAL));
	assert_int_equal(auth(&x, "", NULL), CST_EPERM);
	assert_int_equal(auth(&x, "cst.unknown", NULL), CST_EPERM);
}

/* Requests racing for the uses of one token: each use is taken once. */
static const char *race_token;
static atomic_int race_wins;
static pthread_barrier_t race_start;

static void *use_once(void *arg)
{
	(void)arg;
	cst_caller c;
	pthread_barrier_wait(&race_start);
	if (auth(&c, race_token, NULL) == CST_OK) {
		if (cst_token_use(vault, &c) == CST_OK)
			atomic_fetch_add(&race_wins, 1);
		cst_caller_release(&c);
	}
	cst_error_clear();
	return NULL;
}

static void race_uses(int uses)
{
	enum { THREADS = 16 };
	char body[32];
	snprintf(body, sizeof(body), "{\"num_uses\":%d}", uses);
	char *t = create(NULL, body, CST_OK);
	cst_caller warm; /* the entry in the token cache, as on a busy server */
	assert_int_equal(auth(&warm, t, NULL), CST_OK);
	cst_caller_release(&warm);
	race_token = t;
	atomic_store(&race_wins, 0);
	pthread_t th[THREADS];
	pthread_barrier_init(&race_start, NULL, THREADS);
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, use_once, NULL), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&race_start);
	assert_int_equal(atomic_load(&race_wins), uses);
	assert_int_equal(auth(&warm, t, NULL), CST_EPERM);
	free(t);
}

static void test_num_uses_race(void **state)
{
	(void)state;
	for (int round = 0; round < 5; round++) {
		race_uses(1);
		race_uses(3);
	}
}

/* A renewal racing a revoke never writes the revoked token back. */
static char race_hash[CST_TOKEN_HASH_LEN + 1];

static void *renew_loop(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&race_start);
	for (int i = 0; i < 200; i++) {
		json_t *a = NULL;
		if (cst_token_renew(&a, vault, race_hash, 3600) == CST_OK)
			json_decref(a);
		else
			cst_error_clear();
	}
	return NULL;
}

static void test_renew_revoke_race(void **state)
{
	(void)state;
	for (int round = 0; round < 20; round++) {
		char *t = create(NULL, "{\"ttl\":\"1h\"}", CST_OK);
		cst_caller c;
		assert_int_equal(auth(&c, t, NULL), CST_OK);
		memcpy(race_hash, c.hash, sizeof(race_hash));
		cst_caller_release(&c);
		pthread_t th;
		pthread_barrier_init(&race_start, NULL, 2);
		assert_int_equal(pthread_create(&th, NULL, renew_loop, NULL), 0);
		pthread_barrier_wait(&race_start);
		assert_int_equal(cst_token_revoke(vault, race_hash, 0), CST_OK);
		pthread_join(th, NULL);
		pthread_barrier_destroy(&race_start);
		json_t *e = NULL;
		assert_int_equal(cst_token_load(&e, vault, race_hash), CST_ENOTFOUND);
		assert_int_equal(auth(&c, t, NULL), CST_EPERM);
		cst_error_clear();
		free(t);
	}
}

static void test_renew(void **state)
{
	(void)state;
	cst_caller x;
	json_t *a = NULL;
	char *t = create(NULL, "{\"ttl\":\"1h\",\"explicit_max_ttl\":\"2h\"}", CST_OK);
	assert_int_equal(auth(&x, t, NULL), CST_OK);
	assert_int_equal(cst_token_renew(&a, vault, x.hash, 10 * 3600), CST_OK);
	/* Capped at explicit_max_ttl from creation. */
	assert_in_range(json_integer_value(json_object_get(a, "lease_duration")), 7000, 7200);
	json_decref(a);
	cst_caller_release(&x);
	free(t);
	t = create(NULL, "{\"renewable\":false}", CST_OK);
	assert_int_equal(auth(&x, t, NULL), CST_OK);
	assert_int_equal(cst_token_renew(&a, vault, x.hash, 60), CST_EINVAL);
	cst_caller_release(&x);
	free(t);
	assert_int_equal(auth(&x, "root-id", NULL), CST_OK); /* no TTL: nothing to renew */
	assert_int_equal(cst_token_renew(&a, vault, x.hash, 60), CST_EINVAL);
	cst_caller_release(&x);
}

static void test_sweep_and_storage(void **state)
{
	(void)state;
	char *t1 = create(NULL, "{\"ttl\":\"1h\"}", CST_OK);
	char *t2 = create(NULL, "{\"ttl\":\"2h\"}", CST_OK);
	uint64_t before = 0, after = 0, swept = 0;
	assert_int_equal(cst_token_count(vault, &before), CST_OK);
	int64_t now = cst_now_ns() / 1000000000;
	assert_int_equal(cst_token_sweep(vault, now + 5400, &swept), CST_OK);
	assert_true(swept >= 1);
	cst_caller x;
	assert_int_equal(auth(&x, t1, NULL), CST_EPERM);
	assert_int_equal(auth(&x, t2, NULL), CST_OK);
	cst_caller_release(&x);
	assert_int_equal(cst_token_count(vault, &after), CST_OK);
	assert_int_equal(after, before - swept);
	/* Only keyed hashes reach storage: no key holds a token string. */
	cst_storage_keys keys = {0};
	assert_int_equal(cst_storage_list(vault->st, "sys/token/", NULL, 100000, &keys), CST_OK);
	for (size_t i = 0; i < keys.count; i++) {
		assert_null(strstr(keys.keys[i], t2 + 4));
		assert_null(strstr(keys.keys[i], "root-id"));
	}
	cst_storage_keys_release(&keys);
	assert_int_equal(cst_token_sweep(vault, now + 100000, &swept), CST_OK);
	assert_int_equal(auth(&x, t2, NULL), CST_EPERM);
	assert_int_equal(auth(&x, "root-id", NULL), CST_OK); /* root never expires */
	cst_caller_release(&x);
	free(t1);
	free(t2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_names),
		cmocka_unit_test(test_tree_revocation),
		cmocka_unit_test(test_orphan_children),
		cmocka_unit_test(test_num_uses_and_cidrs),
		cmocka_unit_test(test_num_uses_race),
		cmocka_unit_test(test_renew_revoke_race),
		cmocka_unit_test(test_renew),
		cmocka_unit_test(test_sweep_and_storage),
	};
	return cmocka_run_group_tests_name("tokens", tests, setup, teardown);
}
