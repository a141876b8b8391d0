#!/bin/sh
# Install the Debian packages pmdb needs, only those missing.
# Usage: scripts/deps.sh build|test|bench|fuzz
set -e
build="gcc make pkg-config libelf-dev libdw-dev libcapstone-dev libiberty-dev libedit-dev libzstd-dev zlib1g-dev libkdumpfile-dev liblzma-dev liblz4-dev libsystemd-dev"
test="$build gdb elfutils python3 python3-pytest g++ bzip2 zstd gzip binutils libc6-dbg debuginfod lz4 xz-utils valgrind systemd-coredump util-linux gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user gdb-multiarch gcc-i686-linux-gnu libc6-dev-i386-cross libc6-i386 gcc-arm-linux-gnueabihf libc6-dev-armhf-cross clang llvm"
bench="$test lldb time"
fuzz="$test"
case "$1" in
  build) want=$build ;;
  test) want=$test ;;
  bench) want=$bench ;;
  fuzz) want=$fuzz ;;
  *) echo "usage: $0 build|test|bench|fuzz" >&2; exit 2 ;;
esac
missing=""
# rustc: the machine image may ship rustup's; otherwise Debian's.
if [ "$1" != build ] && ! command -v rustc >/dev/null 2>&1; then want="$want rustc"; fi
for p in $want; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing" >&2
if [ "$(id -u)" != 0 ]; then
  echo "deps: missing Debian packages:$missing (run as root or install them)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends $missing >/dev/null
