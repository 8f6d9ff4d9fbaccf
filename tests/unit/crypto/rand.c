/* rand.c - the random sources (src/crypto/rand.c): the public pool hands
 * out each byte once, refills across its 1 KiB boundary, refuses large
 * draws, and a forked child never gets the bytes its parent will. */
#include "testutil.h"

#include <sys/wait.h>
#include <unistd.h>

#include "crypto/rand.h"

static void test_public_draws_differ(void **state)
{
	(void)state;
	/* 200 draws of 12 bytes cross the pool's refill at least twice. */
	unsigned char seen[200][12];
	for (int i = 0; i < 200; i++) {
		assert_int_equal(cst_rand_public(seen[i], 12), 0);
		for (int j = 0; j < i; j++)
			assert_memory_not_equal(seen[i], seen[j], 12);
	}
	unsigned char big[65];
	assert_int_not_equal(cst_rand_public(big, sizeof(big)), 0);
}

/* The child's next draw must not be the parent's next draw. */
static void test_public_pool_not_shared_after_fork(void **state)
{
	(void)state;
	unsigned char warm[12], parent[12], child[12];
	assert_int_equal(cst_rand_public(warm, sizeof(warm)), 0); /* the pool is filled */
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		unsigned char c[12];
		int ok = cst_rand_public(c, sizeof(c)) == 0 && write(fds[1], c, sizeof(c)) == 12;
		_exit(ok ? 0 : 1);
	}
	assert_int_equal(cst_rand_public(parent, sizeof(parent)), 0);
	assert_int_equal(read(fds[0], child, sizeof(child)), 12);
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_memory_not_equal(parent, child, sizeof(child));
	close(fds[0]);
	close(fds[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_public_draws_differ),
		cmocka_unit_test(test_public_pool_not_shared_after_fork),
	};
	return cmocka_run_group_tests_name("random", tests, NULL, NULL);
}
