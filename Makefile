# pmdb - build with `make`; `make demo` and `make test` are the two set-up
# commands of README.md (each installs the Debian packages it needs).

CC ?= cc
PKGS = libdw libelf capstone libedit libzstd zlib libkdumpfile liblzma liblz4
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
test:
	scripts/deps.sh test
	$(MAKE) all asan
	$(PYTHON) -m pytest -q tests

bench:
	scripts/deps.sh bench
	$(MAKE) all
	$(PYTHON) bench/bench.py

clean:
	rm -rf $(BUILD)

.PHONY: all asan dmod-example deps demo test bench clean
