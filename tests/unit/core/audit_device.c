/* audit_device.c - a server's file audit device when writes fail (the disk
 * full, simulated by RLIMIT_FSIZE with SIGXFSZ ignored): what could not be
 * written is written later, in order, and the file's chain verifies once
 * space is back. */
#include "core/audit_device.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "util/base64.h"

#include "testutil.h"

static const unsigned char chain_key[32] = "a chain key of thirty-two bytes";
static char dir[64];

static void file_limit(rlim_t n)
{
	struct rlimit r = {n, RLIM_INFINITY};
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &r), 0);
}

static cst_audit_device *device(const char *path)
{
	char salt[64];
	unsigned char raw[32];
	memset(raw, 7, sizeof(raw));
	cst_b64_encode(salt, raw, sizeof(raw), CST_B64_STD);
	json_t *rec = json_pack("{s:s, s:s, s:s, s:{s:s}}", "type", "file", "uuid", "u1", "salt", salt,
	                        "options", "file_path", path);
	cst_audit_device *d = NULL;
	assert_int_equal(cst_audit_device_new(&d, "file/", rec, chain_key, 1, "test"), CST_OK);
	json_decref(rec);
	return d;
}

static int entry(cst_audit_device *d, const char *type, int wait)
{
	cst_abuf b;
	cst_abuf_init(&b);
	char text[96];
	snprintf(text, sizeof(text), "{\"time\":\"2026-01-01T00:00:00Z\",\"type\":\"%s\"", type);
	cst_abuf_put(&b, text, strlen(text));
	int rc = cst_audit_device_write(d, &b, wait);
	cst_abuf_release(&b);
	return rc;
}

/* The file's chain: OK and how many entries (chain lines included). */
static uint64_t verified_entries(const char *path)
{
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	char *buf = malloc((size_t)st.st_size + 1);
	assert_non_null(buf);
	assert_int_equal(read(fd, buf, (size_t)st.st_size), st.st_size);
	close(fd);
	cst_mac_key *k = NULL;
	assert_int_equal(cst_mac_key_new(&k, chain_key, sizeof(chain_key)), CST_OK);
	cst_audit_report r;
	assert_int_equal(cst_audit_verify_buf(&r, k, buf, (size_t)st.st_size, NULL), CST_OK);
	if (!r.ok)
		fail_msg("%s: line %llu: %s", path, (unsigned long long)r.bad_line, r.reason);
	cst_mac_key_free(k);
	free(buf);
	return r.entries;
}

static int setup(void **state)
{
	(void)state;
	signal(SIGXFSZ, SIG_IGN); /* a write past the limit fails with EFBIG instead */
	snprintf(dir, sizeof(dir), "/tmp/custos-audit-device-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The chain line of a new file cannot be written: no entry goes into the
 * file before one is, so the next entry opens the file again. */
static void test_chain_line_first(void **state)
{
	(void)state;
	char path[128];
	snprintf(path, sizeof(path), "%s/start.log", dir);
	cst_audit_device *d = device(path);
	file_limit(0);
	assert_int_not_equal(cst_audit_device_start(d, NULL, "start"), CST_OK);
	assert_int_equal(entry(d, "request", 1), CST_EIO); /* refused: nothing recorded it */
	file_limit(RLIM_INFINITY);
	assert_int_equal(entry(d, "request", 1), CST_OK);
	assert_int_equal(entry(d, "response", 1), CST_OK);
	cst_audit_device_unref(d);
	assert_int_equal(verified_entries(path), 3); /* the chain line and both entries */
}

/* A response left pending when a flush cannot write it is kept, and goes
 * out, in order, with the next entry once there is room. */
static void test_pending_kept(void **state)
{
	(void)state;
	char path[128];
	snprintf(path, sizeof(path), "%s/pending.log", dir);
	cst_audit_device *d = device(path);
	assert_int_equal(cst_audit_device_start(d, NULL, "start"), CST_OK);
	atomic_store(&d->inflight, 1); /* another writer is out: the response waits for it */
	assert_int_equal(entry(d, "response", 0), CST_OK);
	atomic_store(&d->inflight, 0);
	assert_true(atomic_load(&d->pending_len) > 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	file_limit((rlim_t)st.st_size); /* full */
	pthread_mutex_lock(&d->lock);
	assert_int_not_equal(cst_audit_device_quiesce(d), CST_OK);
	pthread_mutex_unlock(&d->lock);
	assert_true(atomic_load(&d->pending_len) > 0);
	file_limit(RLIM_INFINITY);
	assert_int_equal(entry(d, "request", 1), CST_OK);
	cst_audit_device_unref(d);
	assert_int_equal(verified_entries(path), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain_line_first),
		cmocka_unit_test(test_pending_kept),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
