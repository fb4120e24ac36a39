# chemledger - build, test, demo.  See README.md.
CC ?= cc
PREFIX ?= /usr/local
DESTDIR ?=
PKGS = lmdb libb2 msgpack libcrypto jansson
DEPS_DEB = liblmdb-dev libb2-dev libmsgpack-dev libssl-dev libjansson-dev libcmocka-dev lmdb-utils pkg-config libsqlite3-dev

WARN = -std=c17 -Wall -Wextra -Wpedantic -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
       -Wformat=2 -Wno-format-nonliteral -Wno-format-truncation -Wvla -Wpointer-arith -Wcast-qual -Wno-overlength-strings
CFLAGS ?= -O2 -g
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS = $(WARN) -D_GNU_SOURCE -Icore $(PKG_CFLAGS) $(CFLAGS)
LDLIBS = $(PKG_LIBS) -lpthread

CORE_SRC = $(wildcard core/*.c)
CORE_OBJ = $(CORE_SRC:%.c=build/%.o)
LEDGER_SRC = $(filter-out ledger/main.c,$(wildcard ledger/*.c))
LEDGER_OBJ = $(LEDGER_SRC:%.c=build/%.o)
VERIFY_SRC = $(filter-out verifier/main.c,$(wildcard verifier/*.c))
VERIFY_OBJ = $(VERIFY_SRC:%.c=build/%.o)
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=build/tests/%)

.PHONY: all deps test unit cli demo install uninstall clean check-asan check-valgrind schemas vectors fuzz stress

all: bin/chemledger $(if $(wildcard verifier/main.c),bin/chemverify)

build/%.o: %.c $(wildcard core/*.h ledger/*.h verifier/*.h) schemas/records.def
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Iledger -Iverifier -c -o $@ $<

build/libchemcore.a: $(CORE_OBJ)
	ar rcs $@ $^

build/libchemledger.a: $(LEDGER_OBJ)
	ar rcs $@ $^

build/libchemverify.a: $(VERIFY_OBJ)
	ar rcs $@ $^

bin/chemledger: build/ledger/main.o build/libchemledger.a build/libchemcore.a
	@mkdir -p bin
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

bin/chemverify: build/verifier/main.o build/libchemverify.a build/libchemcore.a
	@mkdir -p bin
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

build/tests/%: tests/unit/%.c build/libchemledger.a build/libchemverify.a build/libchemcore.a
	@mkdir -p build/tests
	$(CC) $(ALL_CFLAGS) -Iledger -Iverifier $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

# $(call apt_install,PACKAGES): installs those of the Debian packages that
# are missing (apt-get; through sudo when not root).
define apt_install
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
endef

# Installs the Debian packages the build and the tests need, if missing.
deps:
	$(call apt_install,$(DEPS_DEB))

TOOL_SRC = $(wildcard tests/tools/*.c)
TOOL_BIN = $(TOOL_SRC:tests/tools/%.c=build/tools/%)
FUZZ_TARGETS = record_json entry export key
FUZZ_REPLAY = $(FUZZ_TARGETS:%=build/fuzz/replay_%)
TEST_TOOLS = build/schemas/gen build/vectors/mkvectors $(FUZZ_REPLAY) $(TOOL_BIN)

# Test tools (tests/tools/*.c): built for the tests, never installed.
build/tools/%: tests/tools/%.c build/libchemcore.a
	@mkdir -p build/tools
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

test: deps
	$(MAKE) all $(UNIT_BIN) $(TEST_TOOLS)
	@sh tests/run.sh

demo: deps
	$(MAKE) all
	@sh fixtures/demo.sh

schemas: build/schemas/gen
	build/schemas/gen schemas docs/FIELDS.md

build/schemas/gen: schemas/gen.c build/libchemcore.a
	@mkdir -p build/schemas
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

check-asan: deps
	$(MAKE) clean
	$(MAKE) CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  LDFLAGS="-fsanitize=address,undefined" all $(UNIT_BIN) $(TEST_TOOLS)
	@CL_SANITIZED=1 sh tests/run.sh
	$(MAKE) clean

check-valgrind: deps
	$(MAKE) all $(UNIT_BIN) $(TEST_TOOLS)
	@CL_VALGRIND=1 sh tests/run.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 bin/chemledger bin/chemverify $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 docs/chemledger.1 docs/chemverify.1 $(DESTDIR)$(PREFIX)/share/man/man1/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/chemledger $(DESTDIR)$(PREFIX)/bin/chemverify
	rm -f $(DESTDIR)$(PREFIX)/share/man/man1/chemledger.1 $(DESTDIR)$(PREFIX)/share/man/man1/chemverify.1

clean:
	rm -rf build bin

vectors: build/vectors/mkvectors
	build/vectors/mkvectors fixtures/vectors/rfc8032-test1.pem fixtures/vectors/records.jsonl \
	  fixtures/vectors/vectors.txt fixtures/vectors/reject.txt

build/vectors/mkvectors: fixtures/vectors/mkvectors.c build/libchemcore.a
	@mkdir -p build/vectors
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Fuzzing (libFuzzer, clang): `make fuzz` runs each target FUZZ_SECONDS on
# its committed corpus (tests/fuzz/corpus/T); new inputs land in
# build/fuzz/new_T, crashes in build/fuzz/.  `make test` replays the corpora.
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_FLAGS = -std=c17 -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Icore -Itests/fuzz $(PKG_CFLAGS)

build/fuzz/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c tests/fuzz/fuzz.h build/libchemcore.a
	@mkdir -p build/fuzz
	$(CC) $(ALL_CFLAGS) -Itests/fuzz $(LDFLAGS) -o $@ tests/fuzz/fuzz_$*.c tests/fuzz/replay.c build/libchemcore.a $(LDLIBS)

fuzz: deps
	@command -v $(FUZZ_CC) >/dev/null || { echo "make fuzz needs clang (apt-get install clang libclang-rt-14-dev)"; exit 2; }
	@mkdir -p build/fuzz
	@for t in $(FUZZ_TARGETS); do \
	  $(FUZZ_CC) $(FUZZ_FLAGS) -o build/fuzz/fuzz_$$t tests/fuzz/fuzz_$$t.c $(CORE_SRC) $(LDLIBS) || exit 2; \
	  mkdir -p build/fuzz/new_$$t; \
	  echo "== fuzz $$t for $(FUZZ_SECONDS)s"; \
	  build/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=70000 -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix=build/fuzz/ build/fuzz/new_$$t tests/fuzz/corpus/$$t 2>&1 | \
	    grep -E '^(#[0-9]+ +DONE|Done|==[0-9]+==ERROR|SUMMARY)' ; \
	  if ls build/fuzz | grep -qE '^(crash|leak|timeout|oom)-'; then ls build/fuzz/*-*; exit 1; fi; \
	done; true

# Long runs, never part of `make test`.
stress: all
	KILLS=120 SEED=$${SEED:-7} CRASH_RECORDS=8000 sh tests/crash.sh
	for i in 1 2 3 4 5; do sh tests/concurrency.sh || exit 1; done

# ---- Benchmarks: `make bench` (never part of `make test`) -------------------
# bench/run.sh generates a realistic signed ledger of BENCH_N records and
# measures, in one run: the Ed25519 ceiling, submit, the full audit, trail
# latency, disk use and a SQLite baseline; figures go to BENCH_RESULTS
# (bench/results: results.json, results.md, throughput.png).  `make
# bench-quick` runs a 3,000-record smoke size into build/bench/results-quick
# (tests/bench_quick.sh runs it in `make test` as a does-it-run check).
# The bench tools are built from their own objects under build/bench/, so
# that a sanitizer build of build/*.a never leaks into them.
BENCH_DEPS = libsqlite3-dev gnuplot-nox
BENCH_N ?= 1000000
BENCH_RESULTS ?= bench/results
BENCH_TOOLS = gen ceiling sqlite sizes trailq clock
BENCH_BIN = $(BENCH_TOOLS:%=build/bench/%)
BENCH_OBJ = $(CORE_SRC:%.c=build/bench/obj/%.o) $(LEDGER_SRC:%.c=build/bench/obj/%.o)
SQLITE_LIBS = $(shell pkg-config --libs sqlite3 2>/dev/null || echo -lsqlite3)

.PHONY: bench bench-quick bench-deps bench-tools

build/bench/obj/%.o: %.c $(wildcard core/*.h ledger/*.h) schemas/records.def
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Iledger -c -o $@ $<

build/bench/libbench.a: $(BENCH_OBJ)
	ar rcs $@ $^

build/bench/%: bench/%.c bench/stats.h build/bench/libbench.a
	$(CC) $(ALL_CFLAGS) -Iledger -Ibench $(LDFLAGS) -o $@ $< build/bench/libbench.a $(LDLIBS) -lm

build/bench/sqlite: bench/sqlite.c build/bench/libbench.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< build/bench/libbench.a $(SQLITE_LIBS) $(LDLIBS)

bench-tools: $(BENCH_BIN)

# Installs BENCH_DEPS like `deps` does.
bench-deps:
	$(call apt_install,$(BENCH_DEPS))

bench: deps bench-deps
	$(MAKE) all bench-tools
	BENCH_N=$(BENCH_N) BENCH_RESULTS=$(BENCH_RESULTS) sh bench/run.sh

bench-quick: deps
	$(MAKE) all bench-tools
	BENCH_N=3000 BENCH_RESULTS=build/bench/results-quick sh bench/run.sh
