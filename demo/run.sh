#!/bin/sh
# Build the demo program, crash it, and open its core with pmdb.
# Paths are relative to the repository root (make demo runs it from there;
# it also works from anywhere else).
set -e
cd "$(dirname "$0")/.."
mkdir -p build/demo
gcc -g -O0 -o build/demo/demo demo/demo.c
pattern=$(cat /proc/sys/kernel/core_pattern)
if [ "$pattern" != core ]; then
	if [ -w /proc/sys/kernel/core_pattern ]; then
		echo "demo: core_pattern was '$pattern'; setting it to 'core'" >&2
		echo core > /proc/sys/kernel/core_pattern
	else
		echo "demo: /proc/sys/kernel/core_pattern is '$pattern' and cannot be set to 'core' (run as root)" >&2
		exit 1
	fi
fi
cd build/demo
rm -f core core.*
( ulimit -c unlimited; exec ./demo ) || true
newest=$(ls -t core core.* 2>/dev/null | head -n 1)
if [ -z "$newest" ]; then
	echo "demo: the program crashed but left no core (ulimit -c?)" >&2
	exit 1
fi
[ "$newest" = core ] || mv "$newest" core
cd ../..
echo "\$ build/pmdb build/demo/core -e '::status; \$C; <rip::dis -n 4'"
build/pmdb build/demo/core -e '::status; $C; <rip::dis -n 4'
