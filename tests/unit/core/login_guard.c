/* login_guard.c - tests of src/core/login_guard.c: Vault's user lockout
 * (threshold, duration, counter reset, a success clears), the per-address
 * throttle and its window, disabled lockout, and the bounded tables. */
#include "core/limits.h"
#include "core/login_guard.h"
#include "custos.h"

#include "testutil.h"

static const cst_lockout_cfg cfg = {3, 60, 100, 0};

static void test_lockout(void **state)
{
	(void)state;
	cst_login_guard *g = NULL;
	assert_int_equal(cst_login_guard_new(&g), CST_OK);
	int64_t t = 1000;
	assert_int_equal(cst_login_guard_check(g, "m/alice", "10.0.0.1", &cfg, t), CST_OK);
	cst_login_guard_failed(g, "m/alice", "10.0.0.1", &cfg, t);
	cst_login_guard_failed(g, "m/alice", "10.0.0.2", &cfg, t + 1);
	assert_int_equal(cst_login_guard_check(g, "m/alice", "10.0.0.1", &cfg, t + 1), CST_OK);
	cst_login_guard_failed(g, "m/alice", "10.0.0.3", &cfg, t + 2);
	/* Locked for 60 s from the third failure, from any address. */
	assert_int_equal(cst_login_guard_check(g, "m/alice", "10.9.9.9", &cfg, t + 2), CST_EPERM);
	assert_int_equal(cst_login_guard_check(g, "m/alice", NULL, &cfg, t + 61), CST_EPERM);
	assert_int_equal(cst_login_guard_check(g, "m/alice", NULL, &cfg, t + 62), CST_OK);
	/* Other users and other mounts are not locked. */
	assert_int_equal(cst_login_guard_check(g, "m/bob", NULL, &cfg, t + 2), CST_OK);
	assert_int_equal(cst_login_guard_check(g, "n/alice", NULL, &cfg, t + 2), CST_OK);
	/* After the lock, the count starts again: one failure does not lock. */
	cst_login_guard_failed(g, "m/alice", NULL, &cfg, t + 70);
	assert_int_equal(cst_login_guard_check(g, "m/alice", NULL, &cfg, t + 70), CST_OK);
	/* A quiet spell longer than the counter reset clears the count. */
	cst_login_guard_failed(g, "m/alice", NULL, &cfg, t + 71);
	cst_login_guard_failed(g, "m/alice", NULL, &cfg, t + 71 + 100);
	assert_int_equal(cst_login_guard_check(g, "m/alice", NULL, &cfg, t + 172), CST_OK);
	/* A success clears it too. */
	cst_login_guard_failed(g, "m/carol", NULL, &cfg, t);
	cst_login_guard_failed(g, "m/carol", NULL, &cfg, t);
	cst_login_guard_succeeded(g, "m/carol");
	cst_login_guard_failed(g, "m/carol", NULL, &cfg, t);
	assert_int_equal(cst_login_guard_check(g, "m/carol", NULL, &cfg, t), CST_OK);
	/* Disabled lockout never locks. */
	cst_lockout_cfg off = cfg;
	off.disabled = 1;
	for (int i = 0; i < 10; i++)
		cst_login_guard_failed(g, "m/dave", NULL, &off, t);
	assert_int_equal(cst_login_guard_check(g, "m/dave", NULL, &off, t), CST_OK);
	cst_login_guard_free(g);
}

static void test_address_throttle(void **state)
{
	(void)state;
	cst_login_guard *g = NULL;
	assert_int_equal(cst_login_guard_new(&g), CST_OK);
	int64_t t = 5000;
	char user[32];
	for (int i = 0; i < CST_LIMIT_LOGIN_ADDR_FAILURES; i++) {
		snprintf(user, sizeof(user), "m/u%d", i);
		cst_login_guard_failed(g, user, "192.0.2.1", &cfg, t + i % 10);
	}
	assert_int_equal(cst_login_guard_check(g, "m/new", "192.0.2.1", &cfg, t + 10), CST_OK);
	cst_login_guard_failed(g, "m/x", "192.0.2.1", &cfg, t + 10);
	assert_int_equal(cst_login_guard_check(g, "m/new", "192.0.2.1", &cfg, t + 10), CST_ELIMIT);
	assert_int_equal(cst_login_guard_check(g, NULL, "192.0.2.1", &cfg, t + 59), CST_ELIMIT);
	assert_int_equal(cst_login_guard_check(g, "m/new", "192.0.2.2", &cfg, t + 10), CST_OK);
	/* The window ends a minute after its first failure. */
	assert_int_equal(cst_login_guard_check(g, "m/new", "192.0.2.1", &cfg,
	                                       t + CST_LIMIT_LOGIN_ADDR_WINDOW), CST_OK);
	cst_login_guard_failed(g, "m/x", "192.0.2.1", &cfg, t + CST_LIMIT_LOGIN_ADDR_WINDOW);
	assert_int_equal(cst_login_guard_check(g, NULL, "192.0.2.1", &cfg,
	                                       t + CST_LIMIT_LOGIN_ADDR_WINDOW), CST_OK);
	cst_login_guard_free(g);
}

static void test_bounded(void **state)
{
	(void)state;
	cst_login_guard *g = NULL;
	assert_int_equal(cst_login_guard_new(&g), CST_OK);
	cst_lockout_cfg one = {1, 1000, 1000, 0};
	char user[32];
	/* A locked user survives a flood of other names filling the table. */
	cst_login_guard_failed(g, "m/target", NULL, &one, 10);
	for (int i = 0; i < CST_LIMIT_LOGIN_TRACKED + 10; i++) {
		snprintf(user, sizeof(user), "m/flood%d", i);
		cst_login_guard_failed(g, user, NULL, &cfg, 20);
	}
	assert_int_equal(cst_login_guard_check(g, "m/target", NULL, &one, 30), CST_EPERM);
	cst_login_guard_free(g);
	cst_login_guard_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lockout),
		cmocka_unit_test(test_address_throttle),
		cmocka_unit_test(test_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
