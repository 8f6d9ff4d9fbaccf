# custos - one plain GNU Makefile. `make` builds, `make test` runs every test,
# `make asan` runs them again under AddressSanitizer + UBSan, `make run`
# installs what is missing and starts custos on its embedded default.

BUILD    ?= build
CC       ?= cc
PKGS     := libcrypto sqlite3 jansson
BIN_PKGS := libssl $(PKGS)
WARN     := -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wvla \
            -Wformat=2 -Wswitch-enum -Werror
OPT      ?= -O2 -g
CFLAGS   += $(WARN) $(OPT) -D_DEFAULT_SOURCE -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIC \
            -Iinclude -Isrc $(shell pkg-config --cflags $(PKGS))
LDLIBS   += $(shell pkg-config --libs $(PKGS)) -lpthread
# The custos binary links the Debian static archives of its dependencies:
# resolving ~6,000 dynamic symbols (the libraries are built BIND_NOW) cost
# a third of `custos get`'s start-up. STATIC=0 links dynamically instead.
STATIC   ?= 1
ifeq ($(STATIC),1)
BIN_LIBS := -Wl,-Bstatic $(shell pkg-config --static --libs-only-l $(BIN_PKGS) | sed 's/-ldl//g; s/-lpthread//g; s/-lm//g') \
            -Wl,-Bdynamic -lpthread -ldl -lm
else
BIN_LIBS := $(LDLIBS) -lssl
endif
PREFIX   ?= /usr/local

LIB_OBJS := \
	src/util/mem.o \
	src/util/buf.o \
	src/util/base64.o \
	src/util/timefmt.o \
	src/util/file.o \
	src/util/json.o \
	src/util/json_dump.o \
	src/util/hcl.o \
	src/util/utf8.o \
	src/util/dotenv.o \
	src/util/mask.o \
	src/util/template.o \
	src/util/cidr.o \
	src/util/url.o \
	src/util/httpmsg.o \
	src/util/html.o \
	src/crypto/aead.o \
	src/crypto/kdf.o \
	src/crypto/rand.o \
	src/crypto/keyring.o \
	src/crypto/shamir.o \
	src/crypto/fernet.o \
	src/crypto/sigv4.o \
	src/storage/storage.o \
	src/storage/memory.o \
	src/storage/sqlite.o \
	src/storage/sqlite_write.o \
	src/storage/readcache.o \
	src/core/error.o \
	src/core/names.o \
	src/core/sealed.o \
	src/core/barrier.o \
	src/core/record_cache.o \
	src/core/keysource.o \
	src/core/cache.o \
	src/core/tokens.o \
	src/core/password.o \
	src/core/login_guard.o \
	src/core/mount_edit.o \
	src/core/policy.o \
	src/core/acl_cache.o \
	src/core/vault.o \
	src/core/router.o \
	src/core/audit.o \
	src/core/audit_entry.o \
	src/core/audit_chain.o \
	src/core/audit_device.o \
	src/core/audit_filter.o \
	src/core/metrics.o \
	src/core/api.o \
	src/engines/kv.o \
	src/engines/kv_meta.o \
	src/engines/kv_lifecycle.o \
	src/engines/kv_each.o \
	src/engines/types.o \
	src/engines/type_env.o \
	src/engines/type_header.o \
	src/engines/sys.o \
	src/engines/sys_audit.o \
	src/engines/sys_report.o \
	src/engines/token.o \
	src/engines/auth.o \
	src/engines/teams.o \
	src/engines/sys_auth.o \
	src/engines/userpass.o \
	src/engines/approle.o \
	src/engines/registry.o \
	src/providers/fernet_import.o \
	src/providers/s3_presign.o \
	src/providers/presign_cache.o \
	src/providers/check.o \
	src/engines/kv_check.o \
	src/report/audit_fields.o \
	src/report/audit_reader.o \
	src/report/strmap.o \
	src/report/audit_tally.o \
	src/report/report_secrets.o \
	src/report/report_tokens.o \
	src/report/report_audit.o \
	src/report/report.o \
	src/report/render_common.o \
	src/report/render_table.o \
	src/report/render_md.o \
	src/report/render_html.o \
	src/report/svg.o

CLI_OBJS := \
	cli/main.o \
	cli/args.o \
	cli/input.o \
	cli/output.o \
	cli/client.o \
	cli/cmd_init.o \
	cli/cmd_status.o \
	cli/cmd_put.o \
	cli/cmd_get.o \
	cli/cmd_list.o \
	cli/cmd_versions.o \
	cli/cmd_meta.o \
	cli/cmd_key.o \
	cli/cmd_types.o \
	cli/cmd_server.o \
	cli/cmd_auth.o \
	cli/cmd_admin.o \
	cli/cmd_audit.o \
	cli/identity.o \
	cli/cmd_auth_method.o \
	cli/cmd_user.o \
	cli/cmd_team.o \
	cli/cmd_approle.o \
	cli/cmd_fernet.o \
	cli/cmd_import.o \
	cli/cmd_import_fernet.o \
	cli/cmd_presign.o \
	cli/cmd_check.o \
	cli/exec.o \
	cli/cmd_run.o \
	cli/cmd_inject.o \
	cli/cmd_header.o \
	cli/cmd_import_env.o \
	cli/cmd_import_dotenv.o \
	cli/cmd_export.o \
	cli/cmd_report.o \
	cli/envset.o \
	cli/remote.o

SERVER_OBJS := \
	server/main.o \
	server/http.o \
	server/workers.o \
	server/translate.o \
	server/respond.o \
	server/sys_seal.o \
	server/config.o

# custos-check: `custos check` execs it; it links libcurl and libpq (and
# the CLI's request path), which the custos binary never loads.
CHECK_OBJS := \
	check/main.o \
	check/transport.o \
	cli/args.o \
	cli/input.o \
	cli/output.o \
	cli/client.o \
	cli/remote.o
NET_PKGS := libcurl libpq

LIB      := $(BUILD)/libcustos.a
CHECK    := $(BUILD)/custos-check
SERVER   := $(BUILD)/custos-server
BIN      := $(BUILD)/custos
UNIT_SRC := $(wildcard tests/unit/*/*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRC))
FUZZ_SRC := $(wildcard fuzz/fuzz_*.c)
FUZZ_REPLAY := $(patsubst fuzz/%.c,$(BUILD)/fuzz/replay_%,$(FUZZ_SRC))
FUZZ_BIN := $(patsubst fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))
EXAMPLES := $(BUILD)/examples/read_secret
BENCH_BIN := $(BUILD)/bench/seal_open $(BUILD)/bench/gen_vault $(BUILD)/bench/get_phases \
             $(BUILD)/bench/scrypt_cost $(BUILD)/bench/gen_output $(BUILD)/bench/mask_speed
SOAK_BIN := $(BUILD)/tests/soak/soak

.PHONY: all test unit integration integration-remote compat fuzz-replay header-test asan bench bench-workflow fuzz install run clean deps soak

all: $(BIN) $(SERVER) $(CHECK) $(EXAMPLES)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(addprefix $(BUILD)/,$(LIB_OBJS))
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(addprefix $(BUILD)/,$(CLI_OBJS)) $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(BIN_LIBS)

# The server links libmicrohttpd (and its GnuTLS) dynamically; the CLI
# never loads them: `custos server` execs this binary.
# It also runs provider checks (secret/check/NAME), hence libcurl and libpq.
$(SERVER): $(addprefix $(BUILD)/,$(SERVER_OBJS)) $(BUILD)/check/transport.o $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(shell pkg-config --libs libmicrohttpd $(NET_PKGS))

$(CHECK): $(addprefix $(BUILD)/,$(CHECK_OBJS)) $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lssl $(shell pkg-config --libs $(NET_PKGS))

$(BUILD)/check/%.o: check/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -I. -Icli $(shell pkg-config --cflags $(NET_PKGS)) -MMD -MP -c $< -o $@

$(BUILD)/server/%.o: server/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -I. $(shell pkg-config --cflags libmicrohttpd $(NET_PKGS)) -MMD -MP -c $< -o $@

$(BUILD)/tests/unit/%: tests/unit/%.c $(LIB) tests/unit/testutil.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(LIB) $(LDLIBS) $(shell pkg-config --libs cmocka)

$(BUILD)/tests/unit/engines/%: tests/unit/engines/engine_test.h

# The soak's load generator: plain sockets, jansson, threads; no libcustos.
$(SOAK_BIN): tests/soak/soak.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(shell pkg-config --libs jansson) -lpthread

$(BUILD)/examples/%: examples/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LDLIBS)

# Bench programs link as the custos binary does (BIN_LIBS), so start-up
# costs measured in them (get_phases) are the CLI's.
$(BUILD)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(BIN_LIBS)

# fuzz_http also compiles the server's pure sources (request translation
# and response bodies); they need neither libmicrohttpd nor its headers.
FUZZ_HTTP_SRC := server/translate.c server/respond.c
$(BUILD)/fuzz/fuzz_http $(BUILD)/fuzz/replay_fuzz_http: $(FUZZ_HTTP_SRC) server/translate.h \
	server/respond.h

# The replay driver runs each fuzz target over its corpus without libFuzzer.
$(BUILD)/fuzz/replay_%: fuzz/%.c fuzz/replay.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Iserver -o $@ $(filter %.c,$^) $(LIB) $(LDLIBS)

# Real fuzzing binaries (clang + libFuzzer): `make fuzz`, then run one with
# a scratch directory first (libFuzzer writes new inputs into the first one):
# build-fuzz/fuzz/fuzz_names /tmp/names fuzz/corpus/fuzz_names -max_total_time=60.
# UBSan findings must stop the run, hence -fno-sanitize-recover.
$(BUILD)/fuzz/fuzz_%: fuzz/fuzz_%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Iserver -fsanitize=fuzzer -o $@ $(filter %.c,$^) $(LIB) $(LDLIBS)

fuzz:
	$(MAKE) BUILD=build-fuzz CC=clang OPT="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" $(patsubst $(BUILD)/%,build-fuzz/%,$(FUZZ_BIN))

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

fuzz-replay: $(FUZZ_REPLAY)
	@set -e; for t in $(FUZZ_REPLAY); do n=$${t##*/replay_}; $$t fuzz/corpus/$$n; done

# Each public header compiles alone, strictly.
header-test:
	@for h in include/custos.h include/custos/storage.h include/custos/request.h; do \
		$(CC) -std=c11 -Wall -Wextra -pedantic -Werror -Iinclude $(shell pkg-config --cflags jansson) \
			-fsyntax-only -x c $$h || exit 1; done

integration: $(BIN) $(SERVER) $(CHECK) $(EXAMPLES)
	CUSTOS_BIN=$(abspath $(BIN)) CUSTOS_SERVER=$(abspath $(SERVER)) BUILD=$(abspath $(BUILD)) \
		tests/integration/run.sh

# The same CLI scripts in remote mode: each starts a dev server and the CLI
# talks to it over HTTP (scripts about the local file itself are skipped).
integration-remote: $(BIN) $(SERVER) $(CHECK) $(EXAMPLES)
	CUSTOS_REMOTE=1 CUSTOS_BIN=$(abspath $(BIN)) CUSTOS_SERVER=$(abspath $(SERVER)) \
		BUILD=$(abspath $(BUILD)) tests/integration/run.sh

# Real Vault clients (hvac, node-vault, hashi-vault-js), unmodified, each
# against its own fresh custos-server.
compat: $(SERVER)
	CUSTOS_SERVER=$(abspath $(SERVER)) tests/compat/run.sh

test: all header-test unit fuzz-replay integration integration-remote compat

asan:
	$(MAKE) BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" test

# ~65 s: 64 keep-alive clients against custos-server --config on sqlite for
# SOAK_SECONDS (default 60), then a SIGTERM drain and a restart (tests/soak).
soak: $(SERVER) $(SOAK_BIN)
	CUSTOS_SERVER=$(abspath $(SERVER)) SOAK_BIN=$(abspath $(SOAK_BIN)) tests/soak/run.sh

bench: $(BIN) $(BENCH_BIN)
	bench/run.sh

# custos run overhead (local and remote), --mask throughput, dotenv import.
bench-workflow: $(BIN) $(SERVER) $(BENCH_BIN)
	bench/workflow.sh

deps:
	scripts/install-deps.sh

run: deps
	$(MAKE) all
	scripts/run-local.sh

# custos-server goes next to custos: `custos server` execs it from there.
install: $(BIN) $(SERVER) $(CHECK)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/include/custos $(DESTDIR)$(PREFIX)/lib
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/custos
	install -m 755 $(SERVER) $(DESTDIR)$(PREFIX)/bin/custos-server
	install -m 755 $(CHECK) $(DESTDIR)$(PREFIX)/bin/custos-check
	install -m 644 include/custos.h $(DESTDIR)$(PREFIX)/include/custos.h
	install -m 644 $(LIB) $(DESTDIR)$(PREFIX)/lib/libcustos.a

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
