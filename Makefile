# pmdb - build with `make`; `make demo` and `make test` are the two set-up
# commands of README.md (each installs the Debian packages it needs).

CC ?= cc
PKGS = libdw libelf capstone libedit libzstd zlib libkdumpfile liblzma liblz4 libsystemd
CFLAGS ?= -O2 -g
CFLAGS += -Iinclude -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -liberty
PYTHON ?= /usr/bin/python3

BUILD = build
SRCS = $(wildcard src/*.c src/*/*.c)
OBJS = $(SRCS:%.c=$(BUILD)/%.o)
DEPS = $(OBJS:.o=.d)

all: $(BUILD)/pmdb

# The same sources with AddressSanitizer and UndefinedBehaviorSanitizer,
# for the hostile-input tests.
ASAN_OBJS = $(SRCS:%.c=$(BUILD)/asan/%.o)
asan: $(BUILD)/asan/pmdb

$(BUILD)/asan/pmdb: $(ASAN_OBJS)
	$(CC) $(LDFLAGS) -fsanitize=address,undefined -o $@ $(ASAN_OBJS) $(LDLIBS)

$(BUILD)/asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all -MMD -MP -c -o $@ $<

-include $(ASAN_OBJS:.o=.d)

$(BUILD)/pmdb: $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

-include $(DEPS)

# The example module of examples/dmod (tests/test_dmod.py builds it too).
DMOD_CFLAGS = -O2 -g -std=c11 -Wall -Wextra -Werror -fPIC -shared -Iinclude
dmod-example: $(BUILD)/dmod/example.so

$(BUILD)/dmod/example.so: examples/dmod/example.c include/pmdb/module.h
	@mkdir -p $(dir $@)
	$(CC) $(DMOD_CFLAGS) -o $@ $<

deps:
	scripts/deps.sh build

# Build pmdb and open the bundled demo crash with ::status, $C and <rip::dis.
demo:
	scripts/deps.sh build
	$(MAKE) all
	sh demo/run.sh

# The whole test suite.
# The suite twice: on the plain build, then with every pmdb run being the
# ASan/UBSan build (third-party libraries' exit-time allocations suppressed).
test:
	scripts/deps.sh test
	$(MAKE) all asan
	$(PYTHON) -m pytest -q --durations=12 tests
	PMDB_BIN=$(CURDIR)/$(BUILD)/asan/pmdb LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
		$(PYTHON) -m pytest -q --durations=12 -p no:cacheprovider tests

bench:
	scripts/deps.sh bench
	$(MAKE) all
	$(PYTHON) bench/bench.py

# libFuzzer harnesses (fuzz/README.md): every source but main.c, built with
# clang; `make fuzz-run FUZZ_SECONDS=N` runs each for N seconds on the seeds
# fuzz/mkseeds.py makes plus fuzz/seeds/ and fuzz/regressions/.
FUZZ_CC = clang
FUZZ_FLAGS = -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
FUZZ_HARNESSES = core kernel kdump expr dwarf dwp
FUZZ_SECONDS ?= 60
FUZZ_JOBS ?= 2
FUZZ_LIB_OBJS = $(filter-out $(BUILD)/fuzz/obj/src/main.o,$(SRCS:%.c=$(BUILD)/fuzz/obj/%.o)) $(BUILD)/fuzz/obj/fuzz/common.o

fuzz: fuzz-deps $(FUZZ_HARNESSES:%=$(BUILD)/fuzz/fuzz_%) $(BUILD)/fuzz/pagetrace

$(BUILD)/fuzz/fuzz_%: $(BUILD)/fuzz/obj/fuzz/fuzz_%.o $(FUZZ_LIB_OBJS)
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $^ $(LDLIBS)

$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CFLAGS) -Isrc $(FUZZ_FLAGS) -MMD -MP -c -o $@ $<

-include $(wildcard $(BUILD)/fuzz/obj/*/*.d $(BUILD)/fuzz/obj/*/*/*.d)

# Records which pages of a dump pmdb reads (fuzz/mkseeds.py shrinks the
# kernel dump to them).
$(BUILD)/fuzz/pagetrace: fuzz/pagetrace.c $(filter-out $(BUILD)/src/main.o,$(OBJS))
	$(CC) $(CFLAGS) -Isrc -Wl,--wrap=pm_pread_all -o $@ $^ $(LDLIBS)

fuzz-deps:
	scripts/deps.sh fuzz

fuzz-run: fuzz
	$(PYTHON) fuzz/mkseeds.py
	$(PYTHON) fuzz/run.py --seconds $(FUZZ_SECONDS) --jobs $(FUZZ_JOBS) $(FUZZ_HARNESSES)

clean:
	rm -rf $(BUILD)

.PHONY: all asan dmod-example deps demo test bench clean fuzz fuzz-deps fuzz-run
