/* kv_record.c - tests of the KV record copies in src/engines/kv.c: the
 * copy kv_load gives shares each version's entry with the record cache,
 * so changing the copy (a new version, a trimmed one, a deleted or
 * destroyed mark through kv_version_info_mut) must leave the shared
 * record, which other requests are reading, exactly as it was. */
#include "testutil.h"

#include "core/barrier.h"
#include "core/error.h"
#include "crypto/rand.h"
#include "engines/kv.h"
#include "storage/storage.h"

static cst_storage *st;
static cst_barrier barrier;
static cst_engine_ctx ctx = {.storage_prefix = "logical/test/", .rest = "app/key"};

static int setup(void **state)
{
	(void)state;
	unsigned char master[CST_KEY_LEN];
	if (cst_rand_bytes(master, sizeof(master)) != CST_OK ||
	    cst_storage_open(&st, "memory", NULL, CST_STORAGE_CREATE) != CST_OK ||
	    cst_barrier_create(&barrier, st, master, NULL, 0, NULL, 0) != CST_OK)
		return -1;
	cst_barrier_cache_records(&barrier); /* as the server runs: loads share records */
	ctx.barrier = &barrier;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cst_barrier_release(&barrier);
	cst_storage_close(st);
	return 0;
}

static json_t *entry(json_int_t created)
{
	return json_pack("{s:I, s:I, s:b}", "created", created, "deleted", (json_int_t)0,
	                 "destroyed", 0);
}

/* Stores metadata with versions 1 and 2 and returns its text. */
static char *store_two_versions(void)
{
	kv_record rec = {kv_new_meta(100), 0};
	json_t *versions = json_object_get(rec.meta, "versions");
	json_object_set_new(versions, "1", entry(100));
	json_object_set_new(versions, "2", entry(200));
	json_object_set_new(rec.meta, "current", json_integer(2));
	json_object_set_new(rec.meta, "oldest", json_integer(1));
	assert_int_equal(kv_save(&ctx, ctx.rest, &rec, NULL, 0), CST_OK);
	char *text = json_dumps(rec.meta, JSON_SORT_KEYS | JSON_COMPACT);
	kv_record_release(&rec);
	return text;
}

static void test_changes_to_a_copy_stay_in_the_copy(void **state)
{
	(void)state;
	char *before = store_two_versions();
	kv_record shared, own;
	assert_int_equal(kv_load_shared(&shared, &ctx, ctx.rest), CST_OK);
	assert_int_equal(kv_load(&own, &ctx, ctx.rest), CST_OK);
	assert_non_null(shared.meta);
	assert_ptr_not_equal(own.meta, shared.meta);

	/* What a write, a trim, a delete and a destroy do to the copy. */
	json_t *versions = json_object_get(own.meta, "versions");
	json_object_set_new(versions, "3", entry(300));
	json_object_del(versions, "1");
	json_object_set_new(own.meta, "current", json_integer(3));
	json_t *two = kv_version_info_mut(own.meta, 2);
	assert_non_null(two);
	json_object_set_new(two, "deleted", json_integer(250));
	json_object_set_new(two, "destroyed", json_true());
	assert_null(kv_version_info_mut(own.meta, 9)); /* no such version: nothing made */
	assert_null(kv_version_info(own.meta, 9));

	assert_int_equal(kv_int(kv_version_info(own.meta, 2), "deleted"), 250);
	assert_null(kv_version_info(own.meta, 1));
	char *after = json_dumps(shared.meta, JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(after, before);
	free(after);

	/* And a fresh shared load (the cache's record) is still the stored one. */
	kv_record again;
	assert_int_equal(kv_load_shared(&again, &ctx, ctx.rest), CST_OK);
	after = json_dumps(again.meta, JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(after, before);
	free(after);
	kv_record_release(&again);
	kv_record_release(&own);
	kv_record_release(&shared);
	free(before);
}

static void test_saved_copy_is_what_later_loads_see(void **state)
{
	(void)state;
	free(store_two_versions());
	kv_record own;
	assert_int_equal(kv_load(&own, &ctx, ctx.rest), CST_OK);
	json_object_set_new(kv_version_info_mut(own.meta, 1), "deleted", json_integer(150));
	assert_int_equal(kv_save(&ctx, ctx.rest, &own, NULL, 0), CST_OK);
	kv_record_release(&own);

	kv_record shared;
	assert_int_equal(kv_load_shared(&shared, &ctx, ctx.rest), CST_OK);
	assert_int_equal(kv_int(kv_version_info(shared.meta, 1), "deleted"), 150);
	assert_int_equal(kv_int(kv_version_info(shared.meta, 2), "deleted"), 0);
	kv_record_release(&shared);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_changes_to_a_copy_stay_in_the_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_saved_copy_is_what_later_loads_see, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
