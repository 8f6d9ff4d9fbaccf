/* aead.c - tests of src/crypto/aead.c (AES-256-GCM): the NIST CAVP
 * encrypt/decrypt known answers, the Wycheproof AES-GCM vectors, and
 * must-fail cases (flipped tag, ciphertext, AAD, key or nonce bits,
 * truncation, refused nonce and tag sizes). */
#include "testutil.h"
#include "vectors.h"

#include "crypto/aead.h"
#include "custos.h"

#define NIST_ENC "aes-256-gcm/nist_cavp_gcmEncryptExtIV256_iv96_tag128_subset.rsp"
#define NIST_DEC "aes-256-gcm/nist_cavp_gcmDecrypt256_iv96_tag128_subset.rsp"
#define WYCHE "aes-256-gcm/wycheproof_aes_gcm_256_test.json"

/* ---- NIST CAVP .rsp files ---------------------------------------------- */

enum { F_KEY, F_IV, F_PT, F_AAD, F_CT, F_TAG, F_NUM };
static const char *const field_names[F_NUM] = {"Key", "IV", "PT", "AAD", "CT", "Tag"};

/* One "Count = n" block; fields absent from the block have have[i] == 0. */
struct rsp_case {
	long count;
	struct bytes f[F_NUM];
	int have[F_NUM];
	int fail; /* a FAIL line: the tag must not verify */
};

struct rsp_tally {
	int cases, fails;
};

typedef void (*rsp_check_fn)(const struct rsp_case *c);

static void rsp_case_release(struct rsp_case *c)
{
	for (int i = 0; i < F_NUM; i++)
		bytes_free(&c->f[i]);
	memset(c, 0, sizeof(*c));
}

/* Parses one "Name = value" line into the current case. */
static void rsp_field(struct rsp_case *c, const char *name, const char *value)
{
	for (int i = 0; i < F_NUM; i++) {
		if (strcmp(name, field_names[i]) == 0) {
			if (c->have[i])
				fail_msg("rsp case %ld: %s given twice", c->count, name);
			c->f[i] = hex_decode(value);
			c->have[i] = 1;
			return;
		}
	}
	fail_msg("rsp case %ld: unknown field \"%s\"", c->count, name);
}

/* Runs check on every case of a CAVP response file. Headers ("# ...") and
 * section lines ("[PTlen = 0]") carry nothing a case needs. */
static void rsp_each(const char *name, rsp_check_fn check, struct rsp_tally *tally)
{
	FILE *f = fopen(fixture_path(name), "r");
	if (f == NULL)
		fail_msg("cannot open %s", fixture_path(name));
	char line[4096];
	struct rsp_case c;
	int open_case = 0;
	memset(&c, 0, sizeof(c));
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t n = strlen(line);
		if (n == sizeof(line) - 1)
			fail_msg("%s: line too long", name);
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
			line[--n] = '\0';
		if (n == 0 || line[0] == '#' || line[0] == '[')
			continue;
		if (strcmp(line, "FAIL") == 0) {
			c.fail = 1;
			continue;
		}
		/* "Name = value"; an empty value ("PT = ") lost its space above. */
		char *eq = strstr(line, " =");
		if (eq == NULL || (eq[2] != '\0' && eq[2] != ' '))
			fail_msg("%s: unexpected line \"%.40s\"", name, line);
		*eq = '\0';
		const char *value = eq[2] ? eq + 3 : "";
		if (strcmp(line, "Count") == 0) {
			if (open_case) {
				check(&c);
				tally->cases++;
				tally->fails += c.fail;
				rsp_case_release(&c);
			}
			c.count = strtol(value, NULL, 10);
			open_case = 1;
		} else if (!open_case) {
			fail_msg("%s: field \"%s\" before any Count", name, line);
		} else {
			rsp_field(&c, line, value);
		}
	}
	if (open_case) {
		check(&c);
		tally->cases++;
		tally->fails += c.fail;
	}
	rsp_case_release(&c);
	fclose(f);
}

static void rsp_require(const struct rsp_case *c, int field)
{
	if (!c->have[field])
		fail_msg("rsp case %ld: no %s", c->count, field_names[field]);
}

/* Checks the sizes every kept CAVP section has: 256-bit key, 96-bit IV,
 * 128-bit tag. */
static void rsp_require_common(const struct rsp_case *c)
{
	int need[] = {F_KEY, F_IV, F_AAD, F_CT, F_TAG};
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		rsp_require(c, need[i]);
	assert_int_equal(c->f[F_KEY].n, CST_AEAD_KEY_LEN);
	assert_int_equal(c->f[F_IV].n, CST_AEAD_NONCE_LEN);
	assert_int_equal(c->f[F_TAG].n, CST_AEAD_TAG_LEN);
}

static void check_encrypt(const struct rsp_case *c)
{
	rsp_require_common(c);
	rsp_require(c, F_PT);
	if (c->fail)
		fail_msg("encrypt case %ld has a FAIL line", c->count);
	const struct bytes *pt = &c->f[F_PT], *ct = &c->f[F_CT];
	assert_int_equal(pt->n, ct->n);
	unsigned char *out = malloc(ct->n + 1), tag[CST_AEAD_TAG_LEN];
	assert_non_null(out);
	int rc = cst_aead_seal(out, tag, c->f[F_KEY].p, c->f[F_IV].p, c->f[F_IV].n, c->f[F_AAD].p,
	                       c->f[F_AAD].n, pt->p, pt->n);
	expect_rc(rc, CST_OK, "seal", NIST_ENC, c->count);
	expect_bytes(out, ct, "ciphertext", NIST_ENC, c->count);
	expect_bytes(tag, &c->f[F_TAG], "tag", NIST_ENC, c->count);
	/* The same case read backwards must open. */
	memset(out, 0xa5, ct->n + 1);
	rc = cst_aead_open(out, c->f[F_KEY].p, c->f[F_IV].p, c->f[F_IV].n, c->f[F_AAD].p,
	                   c->f[F_AAD].n, ct->p, ct->n, c->f[F_TAG].p, c->f[F_TAG].n);
	expect_rc(rc, CST_OK, "open", NIST_ENC, c->count);
	expect_bytes(out, pt, "plaintext", NIST_ENC, c->count);
	free(out);
}

static void check_decrypt(const struct rsp_case *c)
{
	rsp_require_common(c);
	if (c->fail == c->have[F_PT])
		fail_msg("decrypt case %ld: needs exactly one of PT and FAIL", c->count);
	const struct bytes *ct = &c->f[F_CT];
	unsigned char *out = malloc(ct->n + 1);
	assert_non_null(out);
	memset(out, 0xa5, ct->n + 1);
	int rc = cst_aead_open(out, c->f[F_KEY].p, c->f[F_IV].p, c->f[F_IV].n, c->f[F_AAD].p,
	                       c->f[F_AAD].n, ct->p, ct->n, c->f[F_TAG].p, c->f[F_TAG].n);
	if (c->fail) {
		expect_rc(rc, CST_EINTEGRITY, "open", NIST_DEC, c->count);
		if (!all_zero(out, ct->n))
			fail_msg("decrypt case %ld: output not wiped after a failed open", c->count);
	} else {
		expect_rc(rc, CST_OK, "open", NIST_DEC, c->count);
		assert_int_equal(c->f[F_PT].n, ct->n);
		expect_bytes(out, &c->f[F_PT], "plaintext", NIST_DEC, c->count);
	}
	free(out);
}

static void test_nist_encrypt(void **state)
{
	(void)state;
	struct rsp_tally t = {0, 0};
	rsp_each(NIST_ENC, check_encrypt, &t);
	print_message("nist encrypt: %d cases\n", t.cases);
	assert_int_equal(t.cases, 200);
}

static void test_nist_decrypt(void **state)
{
	(void)state;
	struct rsp_tally t = {0, 0};
	rsp_each(NIST_DEC, check_decrypt, &t);
	print_message("nist decrypt: %d cases, %d must fail\n", t.cases, t.fails);
	assert_int_equal(t.cases, 200);
	assert_int_equal(t.fails, 111);
}

/* ---- Wycheproof -------------------------------------------------------- */

struct wp_tally {
	int total, valid, invalid, acceptable, bad_iv;
};

/* One Wycheproof case with a 96-bit IV and 128-bit tag: valid cases must
 * seal to ct||tag and open to msg; invalid ones must be refused and leave
 * the output wiped; "acceptable" ones may go either way, but if they open
 * the result must be right. */
static void wp_check_supported(const json_t *t, long long id, struct wp_tally *n)
{
	struct bytes key = json_hex(t, "key"), iv = json_hex(t, "iv"), aad = json_hex(t, "aad");
	struct bytes msg = json_hex(t, "msg"), ct = json_hex(t, "ct"), tag = json_hex(t, "tag");
	const char *result = json_str(t, "result");
	unsigned char *out = malloc(ct.n + 1), sealed_tag[CST_AEAD_TAG_LEN];
	assert_non_null(out);
	assert_int_equal(key.n, CST_AEAD_KEY_LEN);
	memset(out, 0xa5, ct.n + 1);
	int rc = cst_aead_open(out, key.p, iv.p, iv.n, aad.p, aad.n, ct.p, ct.n, tag.p, tag.n);
	if (strcmp(result, "valid") == 0) {
		n->valid++;
		expect_rc(rc, CST_OK, "open", WYCHE, id);
		assert_int_equal(msg.n, ct.n);
		expect_bytes(out, &msg, "plaintext", WYCHE, id);
		rc = cst_aead_seal(out, sealed_tag, key.p, iv.p, iv.n, aad.p, aad.n, msg.p, msg.n);
		expect_rc(rc, CST_OK, "seal", WYCHE, id);
		expect_bytes(out, &ct, "ciphertext", WYCHE, id);
		expect_bytes(sealed_tag, &tag, "tag", WYCHE, id);
	} else if (strcmp(result, "invalid") == 0) {
		n->invalid++;
		expect_rc(rc, CST_EINTEGRITY, "open", WYCHE, id);
		if (!all_zero(out, ct.n))
			fail_msg("%s case %lld: output not wiped after a failed open", WYCHE, id);
	} else if (strcmp(result, "acceptable") == 0) {
		n->acceptable++;
		if (rc == CST_OK)
			expect_bytes(out, &msg, "plaintext", WYCHE, id);
		else
			expect_rc(rc, CST_EINTEGRITY, "open", WYCHE, id);
	} else {
		fail_msg("%s case %lld: unknown result \"%s\"", WYCHE, id, result);
	}
	free(out);
	bytes_free(&key), bytes_free(&iv), bytes_free(&aad);
	bytes_free(&msg), bytes_free(&ct), bytes_free(&tag);
}

/* IVs of any size but 96 bits must be refused before any work, whatever the
 * case's result: custos never makes or accepts them. */
static void wp_check_bad_iv(const json_t *t, long long id)
{
	struct bytes key = json_hex(t, "key"), iv = json_hex(t, "iv"), aad = json_hex(t, "aad");
	struct bytes msg = json_hex(t, "msg"), ct = json_hex(t, "ct"), tag = json_hex(t, "tag");
	unsigned char *out = malloc(ct.n + msg.n + 1), sealed_tag[CST_AEAD_TAG_LEN];
	assert_non_null(out);
	int rc = cst_aead_seal(out, sealed_tag, key.p, iv.p, iv.n, aad.p, aad.n, msg.p, msg.n);
	expect_rc(rc, CST_EINVAL, "seal with a non-96-bit IV", WYCHE, id);
	rc = cst_aead_open(out, key.p, iv.p, iv.n, aad.p, aad.n, ct.p, ct.n, tag.p, tag.n);
	expect_rc(rc, CST_EINVAL, "open with a non-96-bit IV", WYCHE, id);
	free(out);
	bytes_free(&key), bytes_free(&iv), bytes_free(&aad);
	bytes_free(&msg), bytes_free(&ct), bytes_free(&tag);
}

static void test_wycheproof(void **state)
{
	(void)state;
	json_t *root = fixture_json(WYCHE), *g, *t;
	size_t gi, ti;
	struct wp_tally n = {0, 0, 0, 0, 0};
	json_array_foreach(json_arr(root, "testGroups"), gi, g) {
		long long iv_bits = json_int(g, "ivSize"), tag_bits = json_int(g, "tagSize");
		assert_int_equal(json_int(g, "keySize"), 256);
		/* A tag size other than 128 bits would need its own rule. */
		assert_int_equal(tag_bits, 8 * CST_AEAD_TAG_LEN);
		json_array_foreach(json_arr(g, "tests"), ti, t) {
			long long id = json_int(t, "tcId");
			assert_int_equal(strlen(json_str(t, "iv")) * 4, iv_bits);
			n.total++;
			if (iv_bits == 8 * CST_AEAD_NONCE_LEN) {
				wp_check_supported(t, id, &n);
			} else {
				n.bad_iv++;
				wp_check_bad_iv(t, id);
			}
		}
	}
	print_message("wycheproof: %d cases: %d valid, %d invalid, %d acceptable, %d other IV "
	              "sizes refused\n",
	              n.total, n.valid, n.invalid, n.acceptable, n.bad_iv);
	assert_int_equal(n.total, json_int(root, "numberOfTests"));
	assert_int_equal(n.total, 53);
	assert_int_equal(n.valid, 20);
	assert_int_equal(n.invalid, 14);
	assert_int_equal(n.acceptable, 0);
	assert_int_equal(n.bad_iv, 19);
	json_decref(root);
}

/* ---- Must-fail cases on one sealed sample ------------------------------ */

struct sample {
	unsigned char key[CST_AEAD_KEY_LEN], nonce[CST_AEAD_NONCE_LEN];
	unsigned char aad[20], pt[40], ct[40], tag[CST_AEAD_TAG_LEN], out[40];
};

static int sample_setup(void **state)
{
	struct sample *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -1;
	for (size_t i = 0; i < sizeof(s->key); i++)
		s->key[i] = (unsigned char)(i * 7 + 1);
	for (size_t i = 0; i < sizeof(s->nonce); i++)
		s->nonce[i] = (unsigned char)(0xc0 + i);
	memcpy(s->aad, "secret/data/app/prod", sizeof(s->aad));
	memcpy(s->pt, "{\"password\":\"correct horse battery\"}    ", sizeof(s->pt));
	if (cst_aead_seal(s->ct, s->tag, s->key, s->nonce, sizeof(s->nonce), s->aad,
	                  sizeof(s->aad), s->pt, sizeof(s->pt)) != CST_OK)
		return -1;
	*state = s;
	return 0;
}

static int sample_teardown(void **state)
{
	free(*state);
	return 0;
}

/* Opens the sample as it now stands, with aad_len and ct_len as given. */
static int sample_open(struct sample *s, size_t aad_len, size_t ct_len)
{
	memset(s->out, 0xa5, sizeof(s->out));
	return cst_aead_open(s->out, s->key, s->nonce, sizeof(s->nonce), s->aad, aad_len, s->ct,
	                     ct_len, s->tag, sizeof(s->tag));
}

/* Flips every bit of buf in turn; each change must be refused with the
 * output wiped. The sample must open again afterwards. */
static void flip_each_bit(struct sample *s, unsigned char *buf, size_t len, const char *what)
{
	assert_int_equal(sample_open(s, sizeof(s->aad), sizeof(s->ct)), CST_OK);
	assert_memory_equal(s->out, s->pt, sizeof(s->pt));
	for (size_t bit = 0; bit < 8 * len; bit++) {
		buf[bit / 8] ^= (unsigned char)(1u << bit % 8);
		int rc = sample_open(s, sizeof(s->aad), sizeof(s->ct));
		buf[bit / 8] ^= (unsigned char)(1u << bit % 8);
		if (rc != CST_EINTEGRITY)
			fail_msg("flipped %s bit %zu: open returned %d", what, bit, rc);
		if (!all_zero(s->out, sizeof(s->out)))
			fail_msg("flipped %s bit %zu: output not wiped", what, bit);
	}
	assert_int_equal(sample_open(s, sizeof(s->aad), sizeof(s->ct)), CST_OK);
}

static void test_flipped_tag(void **state)
{
	struct sample *s = *state;
	flip_each_bit(s, s->tag, sizeof(s->tag), "tag");
}

static void test_flipped_ciphertext(void **state)
{
	struct sample *s = *state;
	flip_each_bit(s, s->ct, sizeof(s->ct), "ciphertext");
}

static void test_changed_aad(void **state)
{
	struct sample *s = *state;
	flip_each_bit(s, s->aad, sizeof(s->aad), "aad");
	/* Dropping AAD, or a byte of it, must be refused too. */
	assert_int_equal(sample_open(s, 0, sizeof(s->ct)), CST_EINTEGRITY);
	assert_int_equal(sample_open(s, sizeof(s->aad) - 1, sizeof(s->ct)), CST_EINTEGRITY);
	assert_true(all_zero(s->out, sizeof(s->out)));
}

static void test_wrong_key_nonce_length(void **state)
{
	struct sample *s = *state;
	flip_each_bit(s, s->key, sizeof(s->key), "key");
	flip_each_bit(s, s->nonce, sizeof(s->nonce), "nonce");
	/* Truncated ciphertext. */
	assert_int_equal(sample_open(s, sizeof(s->aad), sizeof(s->ct) - 1), CST_EINTEGRITY);
	assert_true(all_zero(s->out, sizeof(s->out) - 1));
	assert_int_equal(sample_open(s, sizeof(s->aad), 0), CST_EINTEGRITY);
}

/* Only 12-byte nonces (CST_EINVAL otherwise) and 16-byte tags
 * (CST_EINTEGRITY otherwise: a short tag is a forgery aid). */
static void test_refused_sizes(void **state)
{
	struct sample *s = *state;
	unsigned char nonce[32] = {0}, tag[32], ct[40];
	size_t nonce_lens[] = {0, 1, 8, 11, 13, 16, 32};
	for (size_t i = 0; i < sizeof(nonce_lens) / sizeof(nonce_lens[0]); i++) {
		size_t nl = nonce_lens[i];
		assert_int_equal(cst_aead_seal(ct, tag, s->key, nonce, nl, s->aad, sizeof(s->aad),
		                               s->pt, sizeof(s->pt)),
		                 CST_EINVAL);
		assert_int_equal(cst_aead_open(s->out, s->key, nonce, nl, s->aad, sizeof(s->aad),
		                               s->ct, sizeof(s->ct), s->tag, sizeof(s->tag)),
		                 CST_EINVAL);
	}
	size_t tag_lens[] = {0, 4, 8, 12, 15, 17, 32};
	memcpy(tag, s->tag, sizeof(s->tag));
	memset(tag + sizeof(s->tag), 0, sizeof(tag) - sizeof(s->tag));
	for (size_t i = 0; i < sizeof(tag_lens) / sizeof(tag_lens[0]); i++)
		assert_int_equal(cst_aead_open(s->out, s->key, s->nonce, sizeof(s->nonce), s->aad,
		                               sizeof(s->aad), s->ct, sizeof(s->ct), tag, tag_lens[i]),
		                 CST_EINTEGRITY);
}

/* Ciphertext and tag from a different message under the same key and nonce
 * must not open (the tag binds the ciphertext it came with). */
static void test_swapped_tag(void **state)
{
	struct sample *s = *state;
	unsigned char pt2[40], ct2[40], tag2[CST_AEAD_TAG_LEN];
	memcpy(pt2, s->pt, sizeof(pt2));
	pt2[0] ^= 1;
	assert_int_equal(cst_aead_seal(ct2, tag2, s->key, s->nonce, sizeof(s->nonce), s->aad,
	                               sizeof(s->aad), pt2, sizeof(pt2)),
	                 CST_OK);
	assert_int_equal(cst_aead_open(s->out, s->key, s->nonce, sizeof(s->nonce), s->aad,
	                               sizeof(s->aad), s->ct, sizeof(s->ct), tag2, sizeof(tag2)),
	                 CST_EINTEGRITY);
	assert_int_equal(cst_aead_open(s->out, s->key, s->nonce, sizeof(s->nonce), s->aad,
	                               sizeof(s->aad), ct2, sizeof(ct2), s->tag, sizeof(s->tag)),
	                 CST_EINTEGRITY);
}

/* An empty message with no AAD may be passed as NULL pointers; its tag
 * still authenticates (the first NIST encrypt case, Count = 0). */
static void test_empty_null(void **state)
{
	(void)state;
	struct bytes key = hex_decode("b52c505a37d78eda5dd34f20c22540ea1b58963cf8e5bf8ffa85f9f2492505b4");
	struct bytes iv = hex_decode("516c33929df5a3284ff463d7");
	struct bytes want = hex_decode("bdc1ac884d332457a1d2664f168c76f0");
	unsigned char tag[CST_AEAD_TAG_LEN];
	assert_int_equal(cst_aead_seal(NULL, tag, key.p, iv.p, iv.n, NULL, 0, NULL, 0), CST_OK);
	assert_memory_equal(tag, want.p, sizeof(tag));
	assert_int_equal(cst_aead_open(NULL, key.p, iv.p, iv.n, NULL, 0, NULL, 0, tag, sizeof(tag)),
	                 CST_OK);
	tag[15] ^= 0x80;
	assert_int_equal(cst_aead_open(NULL, key.p, iv.p, iv.n, NULL, 0, NULL, 0, tag, sizeof(tag)),
	                 CST_EINTEGRITY);
	bytes_free(&key), bytes_free(&iv), bytes_free(&want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nist_encrypt),
		cmocka_unit_test(test_nist_decrypt),
		cmocka_unit_test(test_wycheproof),
		cmocka_unit_test_setup_teardown(test_flipped_tag, sample_setup, sample_teardown),
		cmocka_unit_test_setup_teardown(test_flipped_ciphertext, sample_setup, sample_teardown),
		cmocka_unit_test_setup_teardown(test_changed_aad, sample_setup, sample_teardown),
		cmocka_unit_test_setup_teardown(test_wrong_key_nonce_length, sample_setup,
		                                sample_teardown),
		cmocka_unit_test_setup_teardown(test_refused_sizes, sample_setup, sample_teardown),
		cmocka_unit_test_setup_teardown(test_swapped_tag, sample_setup, sample_teardown),
		cmocka_unit_test(test_empty_null),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
