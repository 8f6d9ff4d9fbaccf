/* hcl.c - tests of src/util/hcl.c: Vault's own policy and server config
 * examples (website/content/docs/concepts/policies.mdx and
 * docs/configuration) parsed to the JSON Vault documents as equivalent, the
 * block mapping rules of hcl.h (labels, merging, repeated listeners),
 * heredocs, comments, and malformed inputs each refused with the right line
 * number and without echoing string contents. */
#include "testutil.h"

#include <jansson.h>

#include "core/error.h"
#include "custos.h"
#include "util/hcl.h"

/* Parses text, which must succeed, and compares with the JSON want. */
static void expect_json(const char *hcl, const char *want_text)
{
	json_error_t err;
	json_t *got = NULL;
	json_t *want = json_loads(want_text, JSON_REJECT_DUPLICATES, &err);
	if (want == NULL)
		fail_msg("bad expected JSON (%s): %s", err.text, want_text);
	int rc = cst_hcl_parse(&got, hcl, strlen(hcl), "test");
	if (rc != CST_OK)
		fail_msg("parse failed (%d): %s\n--- input:\n%s", rc, cst_errmsg(), hcl);
	assert_non_null(got);
	if (!json_equal(got, want)) {
		char *g = json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT);
		char *w = json_dumps(want, JSON_SORT_KEYS | JSON_COMPACT);
		fail_msg("got  %s\nwant %s\n--- input:\n%s", g, w, hcl);
	}
	json_decref(got);
	json_decref(want);
}

/* Parses len bytes of text, which must fail with CST_EINVAL and the message
 * "test: line <line>: <reason...>". */
static void expect_error_n(const char *hcl, size_t len, int line, const char *reason)
{
	char prefix[64];
	json_t *out = (json_t *)&out; /* must be reset to NULL */
	cst_error_clear();
	int rc = cst_hcl_parse(&out, hcl, len, "test");
	if (rc != CST_EINVAL)
		fail_msg("rc %d, want CST_EINVAL (%s)\n--- input:\n%s", rc, cst_errmsg(), hcl);
	assert_null(out);
	snprintf(prefix, sizeof(prefix), "test: line %d: ", line);
	const char *msg = cst_errmsg();
	if (strncmp(msg, prefix, strlen(prefix)) != 0 || strstr(msg, reason) == NULL)
		fail_msg("message \"%s\", want \"%s...%s...\"\n--- input:\n%s", msg, prefix, reason,
		         hcl);
}

static void expect_error(const char *hcl, int line, const char *reason)
{
	expect_error_n(hcl, strlen(hcl), line, reason);
}

/* The policy at the top of Vault's policies.mdx, and its JSON form. */
static void test_vault_policy_example(void **state)
{
	(void)state;
	expect_json("# This section grants all access on \"secret/*\". further restrictions can be\n"
	            "# applied to this broad policy, as shown below.\n"
	            "path \"secret/*\" {\n"
	            "  capabilities = [\"create\", \"read\", \"update\", \"patch\", \"delete\", \"list\"]\n"
	            "}\n"
	            "\n"
	            "# Even though we allowed secret/*, this line explicitly denies\n"
	            "# secret/super-secret. this takes precedence.\n"
	            "path \"secret/super-secret\" {\n"
	            "  capabilities = [\"deny\"]\n"
	            "}\n"
	            "\n"
	            "# Policies can also specify allowed, disallowed, and required parameters. here\n"
	            "# the key \"secret/restricted\" can only contain \"foo\" (any value) and \"bar\" (one\n"
	            "# of \"zip\" or \"zap\").\n"
	            "path \"secret/restricted\" {\n"
	            "  capabilities = [\"create\"]\n"
	            "  allowed_parameters = {\n"
	            "    \"foo\" = []\n"
	            "    \"bar\" = [\"zip\", \"zap\"]\n"
	            "  }\n"
	            "}\n",
	            "{\"path\": {"
	            " \"secret/*\": {\"capabilities\": [\"create\", \"read\", \"update\", \"patch\","
	            "   \"delete\", \"list\"]},"
	            " \"secret/super-secret\": {\"capabilities\": [\"deny\"]},"
	            " \"secret/restricted\": {\"capabilities\": [\"create\"],"
	            "   \"allowed_parameters\": {\"foo\": [], \"bar\": [\"zip\", \"zap\"]}}}}");
}

/* The other shapes policies.mdx shows: KV v2 data paths, one-segment '+',
 * templated paths, parameter constraints on one line, wrapping TTLs and the
 * legacy policy field. */
static void test_vault_policy_shapes(void **state)
{
	(void)state;
	expect_json("path \"secret/data/*\" {\n"
	            "  capabilities = [\"create\", \"update\"]\n"
	            "}\n"
	            "path \"secret/data/foo\" {\n"
	            "  capabilities = [\"read\"]\n"
	            "}\n"
	            "path \"secret/+/teamb\" {\n"
	            "  capabilities = [\"read\"]\n"
	            "}\n"
	            "path \"secret/data/{{identity.entity.id}}/*\" {\n"
	            "  capabilities = [\"create\", \"update\", \"patch\", \"read\", \"delete\"]\n"
	            "}\n",
	            "{\"path\": {\"secret/data/*\": {\"capabilities\": [\"create\", \"update\"]},"
	            " \"secret/data/foo\": {\"capabilities\": [\"read\"]},"
	            " \"secret/+/teamb\": {\"capabilities\": [\"read\"]},"
	            " \"secret/data/{{identity.entity.id}}/*\": {\"capabilities\":"
	            "   [\"create\", \"update\", \"patch\", \"read\", \"delete\"]}}}");
	expect_json("path \"secret/foo\" {\n"
	            "  capabilities = [\"create\"]\n"
	            "  required_parameters = [\"bar\", \"baz\"]\n"
	            "}\n"
	            "path \"secret/bar\" {\n"
	            "  capabilities = [\"create\"]\n"
	            "  allowed_parameters = {\"*\" = []}\n"
	            "  denied_parameters = {\n"
	            "    \"bar\" = [\"zip\", \"zap\"]\n"
	            "  }\n"
	            "}\n"
	            "path \"secret/zip\" {\n"
	            "  capabilities = [\"create\"]\n"
	            "  allowed_parameters = {\"foo\" = [\"zip-*\"], \"bar\" = [], \"*\" = []}\n"
	            "  min_wrapping_ttl = \"1s\"\n"
	            "  max_wrapping_ttl = \"90s\"\n"
	            "}\n"
	            "path \"sys/*\" { policy = \"deny\" }\n",
	            "{\"path\": {"
	            " \"secret/foo\": {\"capabilities\": [\"create\"],"
	            "   \"required_parameters\": [\"bar\", \"baz\"]},"
	            " \"secret/bar\": {\"capabilities\": [\"create\"], \"allowed_parameters\": {\"*\": []},"
	            "   \"denied_parameters\": {\"bar\": [\"zip\", \"zap\"]}},"
	            " \"secret/zip\": {\"capabilities\": [\"create\"],"
	            "   \"allowed_parameters\": {\"foo\": [\"zip-*\"], \"bar\": [], \"*\": []},"
	            "   \"min_wrapping_ttl\": \"1s\", \"max_wrapping_ttl\": \"90s\"},"
	            " \"sys/*\": {\"policy\": \"deny\"}}}");
	/* Vault's stock default policy, abridged, as policy_store.go writes it. */
	expect_json("# Allow tokens to look up their own properties\n"
	            "path \"auth/token/lookup-self\" {\n"
	            "    capabilities = [\"read\"]\n"
	            "}\n"
	            "\n"
	            "# Allow a token to manage its own cubbyhole\n"
	            "path \"cubbyhole/*\" {\n"
	            "    capabilities = [\"create\", \"read\", \"update\", \"delete\", \"list\"]\n"
	            "}\n"
	            "\n"
	            "path \"identity/oidc/provider/+/authorize\" {\n"
	            "    capabilities = [\"read\", \"update\"]\n"
	            "}\n",
	            "{\"path\": {\"auth/token/lookup-self\": {\"capabilities\": [\"read\"]},"
	            " \"cubbyhole/*\": {\"capabilities\": [\"create\", \"read\", \"update\", \"delete\","
	            "   \"list\"]},"
	            " \"identity/oidc/provider/+/authorize\": {\"capabilities\": [\"read\", \"update\"]}}}");
}

/* A server config in the style of Vault's configuration docs. */
static void test_vault_server_config(void **state)
{
	(void)state;
	expect_json("ui            = true\n"
	            "cluster_addr  = \"https://127.0.0.1:8201\"\n"
	            "api_addr      = \"https://127.0.0.1:8200\"\n"
	            "disable_mlock = true\n"
	            "default_lease_ttl = \"768h\"\n"
	            "max_lease_ttl = \"8760h\"\n"
	            "\n"
	            "storage \"raft\" {\n"
	            "  path    = \"/path/to/raft/data\"\n"
	            "  node_id = \"raft_node_id\"\n"
	            "}\n"
	            "\n"
	            "listener \"tcp\" {\n"
	            "  address       = \"127.0.0.1:8200\"\n"
	            "  tls_cert_file = \"/path/to/full-chain.pem\"\n"
	            "  tls_key_file  = \"/path/to/private-key.pem\"\n"
	            "}\n"
	            "\n"
	            "telemetry {\n"
	            "  statsite_address = \"127.0.0.1:8125\"\n"
	            "  disable_hostname = true\n"
	            "}\n",
	            "{\"ui\": true, \"cluster_addr\": \"https://127.0.0.1:8201\","
	            " \"api_addr\": \"https://127.0.0.1:8200\", \"disable_mlock\": true,"
	            " \"default_lease_ttl\": \"768h\", \"max_lease_ttl\": \"8760h\","
	            " \"storage\": {\"raft\": {\"path\": \"/path/to/raft/data\","
	            "   \"node_id\": \"raft_node_id\"}},"
	            " \"listener\": {\"tcp\": {\"address\": \"127.0.0.1:8200\","
	            "   \"tls_cert_file\": \"/path/to/full-chain.pem\","
	            "   \"tls_key_file\": \"/path/to/private-key.pem\"}},"
	            " \"telemetry\": {\"statsite_address\": \"127.0.0.1:8125\","
	            "   \"disable_hostname\": true}}");
	expect_json("storage \"sqlite\" {path=\"x\"}\n"
	            "listener \"tcp\" {\n"
	            "  address     = \"127.0.0.1:8200\"\n"
	            "  tls_disable = \"1\"\n"
	            "}\n"
	            "seal \"transit\" {\n"
	            "  address = \"https://vault:8200\"\n"
	            "  disable_renewal = \"false\"\n"
	            "  key_name = \"autounseal\"\n"
	            "  mount_path = \"transit/\"\n"
	            "}\n",
	            "{\"storage\": {\"sqlite\": {\"path\": \"x\"}},"
	            " \"listener\": {\"tcp\": {\"address\": \"127.0.0.1:8200\", \"tls_disable\": \"1\"}},"
	            " \"seal\": {\"transit\": {\"address\": \"https://vault:8200\","
	            "   \"disable_renewal\": \"false\", \"key_name\": \"autounseal\","
	            "   \"mount_path\": \"transit/\"}}}");
}

/* Several listeners: the same labels turn into an array in source order,
 * other labels stay keys of the object. */
static void test_repeated_listeners(void **state)
{
	(void)state;
	expect_json("listener \"tcp\" {\n"
	            "  address     = \"127.0.0.1:8200\"\n"
	            "  tls_disable = true\n"
	            "}\n"
	            "listener \"unix\" {\n"
	            "  address = \"/run/vault.sock\"\n"
	            "}\n"
	            "listener \"tcp\" {\n"
	            "  address     = \"10.0.0.5:8200\"\n"
	            "  tls_disable = \"1\"\n"
	            "}\n"
	            "listener \"tcp\" {\n"
	            "  address = \"[::1]:8200\"\n"
	            "}\n",
	            "{\"listener\": {"
	            " \"tcp\": [{\"address\": \"127.0.0.1:8200\", \"tls_disable\": true},"
	            "          {\"address\": \"10.0.0.5:8200\", \"tls_disable\": \"1\"},"
	            "          {\"address\": \"[::1]:8200\"}],"
	            " \"unix\": {\"address\": \"/run/vault.sock\"}}}");
	/* Unlabelled too. */
	expect_json("listener { a = 1 }\nlistener { a = 2 }\n",
	            "{\"listener\": [{\"a\": 1}, {\"a\": 2}]}");
	/* Only at the top level, and only for listener. */
	expect_error("storage \"raft\" {}\nstorage \"raft\" {}\n", 2, "duplicate block \"storage\"");
	expect_error("x {\n listener \"tcp\" {}\n listener \"tcp\" {}\n}\n", 3,
	             "duplicate block \"listener\"");
	expect_error("listener \"tcp\" {}\nlistener = 1\n", 2, "duplicate key \"listener\"");
	expect_error("listener \"tcp\" {}\nlistener \"tcp\" \"x\" {}\n", 2,
	             "different numbers of labels");
}

static void test_block_mapping(void **state)
{
	(void)state;
	expect_json("", "{}");
	expect_json("\n\n# only a comment\n", "{}");
	expect_json("limits { x = 1 }", "{\"limits\": {\"x\": 1}}");
	expect_json("listener \"tcp\" {}", "{\"listener\": {\"tcp\": {}}}");
	expect_json("a \"x\" \"y\" { v = 1 }\na \"x\" \"z\" { v = 2 }\na \"w\" \"y\" {}\n",
	            "{\"a\": {\"x\": {\"y\": {\"v\": 1}, \"z\": {\"v\": 2}}, \"w\": {\"y\": {}}}}");
	expect_json("outer \"o\" {\n inner \"i\" { k = \"v\" }\n inner \"j\" {}\n n = 1\n}\n",
	            "{\"outer\": {\"o\": {\"inner\": {\"i\": {\"k\": \"v\"}, \"j\": {}}, \"n\": 1}}}");
	/* Quoted block types and keys; identifiers with '-', '.', digits. */
	expect_json("\"path\" \"a\" { \"x y\" = 1, key-with.dots_2 = 2 }",
	            "{\"path\": {\"a\": {\"x y\": 1, \"key-with.dots_2\": 2}}}");
	/* Blocks and attributes mixed, commas between items, trailing comma. */
	expect_json("a = 1, b = 2,\nc { d = 3, }\n", "{\"a\": 1, \"b\": 2, \"c\": {\"d\": 3}}");
	/* Labels that are not identifiers. */
	expect_json("path \"\" {}\npath \"/a b/\\u00e9\" {}\n",
	            "{\"path\": {\"\": {}, \"/a b/\\u00e9\": {}}}");
}

static void test_values(void **state)
{
	(void)state;
	expect_json("i = 42\nn = -7\nz = 0\nf = 1.5\ng = -0.25\ne = 1e3\nE = 2.5E-2\nt = true\n"
	            "u = false\nbig = 9223372036854775807\nsmall = -9223372036854775808\n",
	            "{\"i\": 42, \"n\": -7, \"z\": 0, \"f\": 1.5, \"g\": -0.25, \"e\": 1000.0,"
	            " \"E\": 0.025, \"t\": true, \"u\": false, \"big\": 9223372036854775807,"
	            " \"small\": -9223372036854775808}");
	expect_json("l = []\nm = [[], [1, [2, [3]]], {a = 1}]\nt = [\"a\", \"b\",]\n"
	            "ml = [\n  \"x\",\n\n  \"y\"  # why\n  ,\n  \"z\"\n]\n",
	            "{\"l\": [], \"m\": [[], [1, [2, [3]]], {\"a\": 1}], \"t\": [\"a\", \"b\"],"
	            " \"ml\": [\"x\", \"y\", \"z\"]}");
	expect_json("o = {}\np = { a = { b = [true] }\n c = \"d\" }\n",
	            "{\"o\": {}, \"p\": {\"a\": {\"b\": [true]}, \"c\": \"d\"}}");
	expect_json("s = \"q\\\" b\\\\ s\\/ n\\n t\\t r\\r b\\b f\\f\"\n",
	            "{\"s\": \"q\\\" b\\\\ s/ n\\n t\\t r\\r b\\b f\\f\"}");
	expect_json("u = \"\\u00e9\\u20AC\\ud83d\\ude00 raw \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"",
	            "{\"u\": \"\\u00e9\\u20ac\\ud83d\\ude00 raw \\u00e9\\u20ac\\ud83d\\ude00\"}");
	/* '#' and '//' inside strings are text, and so is ${...}. */
	expect_json("a = \"https://x/#frag\" // c\nb = \"${not} {{interp}}\"\n",
	            "{\"a\": \"https://x/#frag\", \"b\": \"${not} {{interp}}\"}");
	expect_json("\"\" = \"\"", "{\"\": \"\"}");
	expect_json("a = \"\\u0041\\u007e\\u0080\\u07ff\\u0800\\uffff\"",
	            "{\"a\": \"A~\\u0080\\u07ff\\u0800\\uffff\"}");
}

static void test_heredoc(void **state)
{
	(void)state;
	expect_json("policy = <<EOF\npath \"a\" {\n  capabilities = [\"read\"]\n}\nEOF\nnext = 1\n",
	            "{\"policy\": \"path \\\"a\\\" {\\n  capabilities = [\\\"read\\\"]\\n}\\n\","
	            " \"next\": 1}");
	/* <<- strips the smallest indentation; blank lines do not count. */
	expect_json("x = <<-EOT\n    four\n      six\n\n    four\n    EOT\n",
	            "{\"x\": \"four\\n  six\\n\\nfour\\n\"}");
	expect_json("x = <<-EOT\n\tone\n\t\ttwo\n\tEOT\n", "{\"x\": \"one\\n\\ttwo\\n\"}");
	/* << keeps indentation; the closing marker may be indented. */
	expect_json("x = <<EOT\n  kept \\n \"raw\"\n  EOT\n", "{\"x\": \"  kept \\\\n \\\"raw\\\"\\n\"}");
	expect_json("x = <<EOF\nEOF\n", "{\"x\": \"\"}");
	expect_json("x = <<EOF\r\na\r\nEOF\r\n", "{\"x\": \"a\\r\\n\"}");
	expect_json("x = <<EOF\nEOFX\n EOF y\nEOF", "{\"x\": \"EOFX\\n EOF y\\n\"}");
	expect_json("x = [<<A\n1\nA\n, <<B\n2\nB\n]\n", "{\"x\": [\"1\\n\", \"2\\n\"]}");
	/* Lines after a heredoc are counted right. */
	expect_error("x = <<EOF\na\nb\nEOF\ny = @\n", 5, "unexpected character '@'");
	expect_error("x = <<EOF\na\nb\n", 1, "unterminated heredoc");
	expect_error("x = <<EOF\na\nEOF2", 1, "unterminated heredoc");
	expect_error("x = <<EOF junk\nEOF\n", 1, "heredoc marker must end its line");
	expect_error("x = <<\nEOF\n", 1, "heredoc needs a marker");
	expect_error("x = <<EOF\n\xff\nEOF\n", 1, "invalid UTF-8 in heredoc");
	expect_error("<<EOF\nk\nEOF\n= 1\n", 1, "expected a key, got heredoc");
}

static void test_comments(void **state)
{
	(void)state;
	expect_json("# hash\n"
	            "// slashes\n"
	            "/* block */ a = 1 /* inline */ # trailing\n"
	            "b = [1, /* in a list */ 2] // trailing\n"
	            "/*\n"
	            " * multi-line\n"
	            " */\n"
	            "c { # in a block\n"
	            "  d = 3 // x\n"
	            "  /**/ e = \"/* not a comment */\"\n"
	            "}\n"
	            "f = 4 # at the end without a newline",
	            "{\"a\": 1, \"b\": [1, 2], \"c\": {\"d\": 3, \"e\": \"/* not a comment */\"},"
	            " \"f\": 4}");
	/* A block comment spanning lines separates items as a newline does. */
	expect_json("a = 1 /*\n*/ b = 2\n", "{\"a\": 1, \"b\": 2}");
	expect_error("a = 1 /* one line */ b = 2\n", 1, "unexpected identifier after an item");
	expect_error("a = 1\n/* never\nclosed\n", 2, "unterminated comment");
	expect_error("a = 1\n/*/\n", 2, "unterminated comment");
}

/* Line numbers count every newline: in comments, lists, blocks, CRLF. */
static void test_line_numbers(void **state)
{
	(void)state;
	expect_error("a = 1\r\nb = 2\r\nc : 3\r\n", 3, "unexpected character ':'");
	expect_error("/*\n\n*/\n# x\n\nl = [\n1,\n2\n3]\n", 9, "expected ',' or ']' in list, got number");
	expect_error("p \"a\" {\n  q {\n    r = 1\n    r = 2\n  }\n}\n", 4, "duplicate key \"r\"");
}

static void test_malformed(void **state)
{
	(void)state;
	static const struct {
		const char *hcl;
		int line;
		const char *reason;
	} bad[] = {
		/* unterminated things, reported where they start */
		{"a = \"abc", 1, "unterminated string"},
		{"a = 1\nb = \"abc\nc = 2\n", 2, "unterminated string"},
		{"a = \"abc\\", 1, "unterminated string"},
		{"path \"a\" {\n  capabilities = [\"read\"]\n", 1, "unterminated block"},
		{"\n\npath \"a\" {\n  x {\n}\n", 3, "unterminated block"},
		{"a = [\"read\",\n\"list\"", 1, "unterminated list"},
		{"a = [\n", 1, "unterminated list"},
		{"a = {\n b = 1\n", 1, "unterminated object"},
		/* missing '=' and other separators */
		{"path \"a\" {\n  capabilities [\"read\"]\n}\n", 2, "expected '=' or a block after key"},
		{"a 1", 1, "expected '=' or a block after key \"a\", got number"},
		{"a", 1, "got end of input"},
		{"a\n= 1", 1, "got newline"},
		{"a: 1", 1, "unexpected character ':'"},
		{"a = ", 1, "expected a value, got end of input"},
		{"a =\n1", 1, "expected a value, got newline"},
		{"path \"a\" \"b\"\n{}", 1, "expected '{' after block labels, got newline"},
		{"path \"a\" = 1", 1, "expected '{' after block labels, got '='"},
		/* stray tokens */
		{"a = 1 2", 1, "unexpected number after an item"},
		{"a = 1 b = 2", 1, "unexpected identifier after an item"},
		{"a = \"x\" \"y\"", 1, "unexpected string after an item"},
		{"path \"a\" {} path \"b\" {}", 1, "unexpected identifier after an item"},
		{"a = 1\n}\n", 2, "unexpected '}'"},
		{"= 1", 1, "expected a key, got '='"},
		{", a = 1", 1, "expected a key, got ','"},
		{"a = 1,, b = 2", 1, "expected a key, got ','"},
		{"[1]", 1, "expected a key, got '['"},
		{"a = [1 2]", 1, "expected ',' or ']' in list, got number"},
		{"a = [1,,2]", 1, "expected a value, got ','"},
		{"a = [,]", 1, "expected a value, got ','"},
		{"a = ]", 1, "expected a value, got ']'"},
		{"a = {b}", 1, "expected '=' or a block after key \"b\", got '}'"},
		{"a = {b = 1 c = 2}", 1, "unexpected identifier after an item"},
		{"a = foo", 1, "unexpected identifier"},
		{"a = null", 1, "unexpected identifier"},
		{"a = @", 1, "unexpected character '@'"},
		{"a = 1 <", 1, "unexpected character '<'"},
		{"\n\na = \xc3\xa9", 3, "unexpected byte 0xc3"},
		{"a = 'x'", 1, "unexpected character '''"},
		{"-a = 1", 1, "unexpected character '-'"},
		{"a = 1; b = 2", 1, "unexpected character ';'"},
		/* bad escapes and string contents */
		{"a = \"\\q\"", 1, "bad escape in string"},
		{"a = \"\\x41\"", 1, "bad escape in string"},
		{"a = \"\\u12\"", 1, "bad \\u escape"},
		{"a = \"\\u12G4\"", 1, "bad \\u escape"},
		{"a = \"\\ud800\"", 1, "unpaired surrogate"},
		{"a = \"\\ud800\\u0041\"", 1, "unpaired surrogate"},
		{"a = \"\\udc00\"", 1, "unpaired surrogate"},
		{"a = \"\\u0000\"", 1, "NUL byte in string"},
		{"a = \"\xff\"", 1, "invalid UTF-8 in string"},
		{"a = \"\xc0\xaf\"", 1, "invalid UTF-8 in string"},
		{"a = \"\xed\xa0\x80\"", 1, "invalid UTF-8 in string"},
		{"\"\xf4\x90\x80\x80\" = 1", 1, "invalid UTF-8 in string"},
		{"\"\xe2\x82\" = 1", 1, "invalid UTF-8 in string"},
		{"a = \"\xc3(\"", 1, "invalid UTF-8 in string"},
		/* numbers */
		{"a = 0755", 1, "leading zero"},
		{"a = 1.2.3", 1, "bad number"},
		{"a = 1.", 1, "bad number"},
		{"a = 1e", 1, "bad number"},
		{"a = 1e+", 1, "bad number"},
		{"a = 12abc", 1, "bad number"},
		{"a = 0x10", 1, "bad number"},
		{"a = 9223372036854775808", 1, "number out of range"},
		{"a = -9223372036854775809", 1, "number out of range"},
		{"a = 1e999", 1, "number out of range"},
		{"a = -", 1, "unexpected character '-'"},
		{"a = 1234567890123456789012345678901234567890123456789012345678901234.5", 1,
		 "number too long"},
		/* duplicates */
		{"a = 1\na = 2\n", 2, "duplicate key \"a\""},
		{"\"a\" = 1\na = 2\n", 2, "duplicate key \"a\""},
		{"path \"a\" { capabilities = [\"read\"] }\npath \"a\" { capabilities = [\"deny\"] }\n", 2,
		 "duplicate block \"path\" with the same labels"},
		{"limits { x = 1 }\nlimits { y = 2 }\n", 2, "duplicate block \"limits\""},
		{"a \"x\" \"y\" {}\na \"x\" \"y\" {}\n", 2, "duplicate block \"a\""},
		{"path = 1\npath \"a\" {}\n", 2, "\"path\" is both an attribute and a block"},
		{"path \"a\" {}\npath = 1\n", 2, "duplicate key \"path\""},
		{"path \"a\" {}\npath {}\n", 2, "different numbers of labels"},
		{"path \"a\" {\n capabilities = []\n capabilities = []\n}\n", 3,
		 "duplicate key \"capabilities\""},
		{"p = {\n \"x\" = 1,\n x = 2 }\n", 3, "duplicate key \"x\""},
		{"abcdefghijabcdefghijabcdefghijabcdefghij = 1\n"
		 "abcdefghijabcdefghijabcdefghijabcdefghij = 2\n",
		 2, "duplicate key \"abcdefghijabcdefghijabcdefghijab...\""},
		{"\"a\\nb\" = 1\n\"a\\nb\" = 2\n", 2, "duplicate key \"a?b\""},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_error(bad[i].hcl, bad[i].line, bad[i].reason);
	/* NUL bytes, in and out of strings. */
	expect_error_n("a = \"x\0y\"", 9, 1, "NUL byte in string");
	expect_error_n("a = 1\n\0", 7, 2, "unexpected byte 0x00");
}

/* Error messages carry token kinds and key names, never values: config
 * files hold tokens. */
static void test_no_secret_in_errors(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"token = \"hvs.SECRETSECRET",
		"token = \"hvs.SECRETSECRET\\q\"",
		"token = \"hvs.SECRETSECRET\\u00zz\"",
		"token = \"hvs.SECRETSECRET\xff\"",
		"token = hvs.SECRETSECRET",
		"token = \"hvs.SECRETSECRET\" SECRETSECRET",
		"token = [\"hvs.SECRETSECRET\" \"x\"]",
		"token = <<EOF\nhvs.SECRETSECRET\n",
		"token = 1SECRETSECRET",
		"token hvs.SECRETSECRET",
		"token = \"x\"\ntoken = \"hvs.SECRETSECRET\"\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *out = NULL;
		cst_error_clear();
		assert_int_equal(cst_hcl_parse(&out, bad[i], strlen(bad[i]), "config"), CST_EINVAL);
		assert_null(out);
		if (strstr(cst_errmsg(), "SECRET") != NULL || strncmp(cst_errmsg(), "config: line ", 13))
			fail_msg("message \"%s\" for input %zu", cst_errmsg(), i);
	}
}

/* Depth, string, value and input limits. */
static void test_limits(void **state)
{
	(void)state;
	char buf[512];
	size_t n;
	/* 32 nested lists are fine, 33 are not. */
	n = (size_t)snprintf(buf, sizeof(buf), "a = ");
	for (int i = 0; i < CST_HCL_MAX_DEPTH; i++)
		buf[n++] = '[';
	for (int i = 0; i < CST_HCL_MAX_DEPTH; i++)
		buf[n++] = ']';
	buf[n] = '\0';
	json_t *out = NULL;
	assert_int_equal(cst_hcl_parse(&out, buf, n, "test"), CST_OK);
	json_decref(out);
	n = (size_t)snprintf(buf, sizeof(buf), "a = ");
	for (int i = 0; i <= CST_HCL_MAX_DEPTH; i++)
		buf[n++] = '[';
	buf[n] = '\0';
	expect_error(buf, 1, "nested deeper than 32 levels");
	/* Objects and blocks count too; a block's labels are levels. */
	n = 0;
	for (int i = 0; i <= CST_HCL_MAX_DEPTH; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%sa = {", i ? "\n" : "");
	expect_error(buf, CST_HCL_MAX_DEPTH + 1, "nested deeper than 32 levels");
	n = (size_t)snprintf(buf, sizeof(buf), "a");
	for (int i = 0; i < CST_HCL_MAX_DEPTH; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, " \"l\"");
	snprintf(buf + n, sizeof(buf) - n, " {}");
	expect_error(buf, 1, "nested deeper than 32 levels");
	n = (size_t)snprintf(buf, sizeof(buf), "a");
	for (int i = 0; i < CST_HCL_MAX_DEPTH - 1; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, " \"l\"");
	snprintf(buf + n, sizeof(buf) - n, " {}");
	assert_int_equal(cst_hcl_parse(&out, buf, strlen(buf), "test"), CST_OK);
	json_decref(out);
	n = 0;
	for (int i = 0; i < 17; i++) /* each block is two levels */
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "b \"x\" {\n");
	expect_error(buf, 17, "nested deeper than 32 levels");

	/* A depth bomb far past the limit costs no stack. */
	size_t bomb = 900 * 1024;
	char *big = malloc(CST_HCL_MAX_INPUT + 2);
	assert_non_null(big);
	memcpy(big, "a = ", 4);
	memset(big + 4, '[', bomb);
	expect_error_n(big, bomb + 4, 1, "nested deeper");
	for (size_t i = 0; i < bomb; i += 2)
		memcpy(big + i, "a{", 2);
	expect_error_n(big, bomb, 1, "nested deeper");

	/* Strings: CST_HCL_MAX_STRING decoded bytes at most. */
	memcpy(big, "a = \"", 5);
	memset(big + 5, 'x', CST_HCL_MAX_STRING);
	big[5 + CST_HCL_MAX_STRING] = '"';
	assert_int_equal(cst_hcl_parse(&out, big, CST_HCL_MAX_STRING + 6, "test"), CST_OK);
	assert_int_equal(json_string_length(json_object_get(out, "a")), CST_HCL_MAX_STRING);
	json_decref(out);
	big[5 + CST_HCL_MAX_STRING] = 'x';
	big[6 + CST_HCL_MAX_STRING] = '"';
	expect_error_n(big, CST_HCL_MAX_STRING + 7, 1, "string longer than");
	memcpy(big, "a = <<E\n", 8);
	memset(big + 8, 'x', CST_HCL_MAX_STRING + 1);
	memcpy(big + 8 + CST_HCL_MAX_STRING + 1, "\nE\n", 3);
	expect_error_n(big, CST_HCL_MAX_STRING + 12, 1, "heredoc longer than");
	memset(big, 'k', CST_HCL_MAX_STRING + 1);
	memcpy(big + CST_HCL_MAX_STRING + 1, " = 1", 4);
	expect_error_n(big, CST_HCL_MAX_STRING + 5, 1, "identifier longer than");

	/* Values: a list of CST_HCL_MAX_VALUES + 1 numbers. */
	n = 0;
	memcpy(big, "a = [", 5);
	n = 5;
	for (int i = 0; i < CST_HCL_MAX_VALUES; i++)
		memcpy(big + n, "1,", 2), n += 2;
	big[n++] = ']';
	expect_error_n(big, n, 1, "more than 131072 values");

	/* Input: 1 MiB at most, refused before any parsing. */
	memset(big, '\n', CST_HCL_MAX_INPUT + 1);
	assert_int_equal(cst_hcl_parse(&out, big, CST_HCL_MAX_INPUT, "test"), CST_OK);
	json_decref(out);
	out = (json_t *)big;
	assert_int_equal(cst_hcl_parse(&out, big, CST_HCL_MAX_INPUT + 1, "test"), CST_ENOMEM);
	assert_null(out);
	assert_string_equal(cst_errmsg(), "test: larger than 1048576 bytes");
	free(big);
}

/* The input is len bytes, not a C string; NULL with 0 is empty; a UTF-8
 * byte order mark is skipped; what defaults to "hcl". */
static void test_input_edges(void **state)
{
	(void)state;
	json_t *out = NULL, *want = json_pack("{s:i}", "a", 1);
	assert_int_equal(cst_hcl_parse(&out, "a = 1xyz", 5, "test"), CST_OK);
	assert_true(json_equal(out, want));
	json_decref(out);
	expect_error_n("a = \"1\"", 6, 1, "unterminated string");
	assert_int_equal(cst_hcl_parse(&out, NULL, 0, "test"), CST_OK);
	assert_int_equal(json_object_size(out), 0);
	json_decref(out);
	assert_int_equal(cst_hcl_parse(&out, "\xef\xbb\xbf" "a = 1", 8, "test"), CST_OK);
	assert_true(json_equal(out, want));
	json_decref(out);
	assert_int_equal(cst_hcl_parse(&out, "a =", 3, NULL), CST_EINVAL);
	assert_string_equal(cst_errmsg(), "hcl: line 1: expected a value, got end of input");
	json_decref(want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vault_policy_example),
		cmocka_unit_test(test_vault_policy_shapes),
		cmocka_unit_test(test_vault_server_config),
		cmocka_unit_test(test_repeated_listeners),
		cmocka_unit_test(test_block_mapping),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_heredoc),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_line_numbers),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_no_secret_in_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_input_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
