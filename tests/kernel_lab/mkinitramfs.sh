#!/bin/bash
# mkinitramfs.sh KROOT PMDBCRASH_KO PMDBTRIGGER OUT.cpio.gz
# A busybox initramfs with the scenario /init (this folder's `init`),
# qemu_fw_cfg.ko from the kernel package unpacked at KROOT (kept as .ko,
# .ko.xz or .ko.zst there), pmdbcrash.ko and the static pmdbtrigger.
# Needs busybox-static, cpio, gzip, xz (or zstd).
set -euo pipefail
KROOT=${1:?kernel root} KO=${2:?pmdbcrash.ko} TRIGGER=${3:?pmdbtrigger} OUT=${4:?output}
HERE=$(cd "$(dirname "$0")" && pwd)
BB=/bin/busybox
file -L "$BB" | grep -q 'statically linked' || { echo "need busybox-static" >&2; exit 1; }
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
mkdir -p "$D"/{bin,proc,sys,dev,tmp,lib/modules}
cp "$BB" "$D/bin/busybox"
cp "$TRIGGER" "$D/bin/pmdbtrigger"
cp "$KO" "$D/lib/modules/pmdbcrash.ko"
FW=$(find "$KROOT"/lib/modules -name 'qemu_fw_cfg.ko*' | head -1)
[ -n "$FW" ] || { echo "qemu_fw_cfg.ko not found under $KROOT" >&2; exit 1; }
case "$FW" in
  *.ko.xz) xz -dc "$FW" > "$D/lib/modules/qemu_fw_cfg.ko" ;;
  *.ko.zst) zstd -qdc "$FW" > "$D/lib/modules/qemu_fw_cfg.ko" ;;
  *) cp "$FW" "$D/lib/modules/qemu_fw_cfg.ko" ;;
esac
install -m 755 "$HERE/init" "$D/init"
(cd "$D" && find . -print0 | sort -z | cpio --null -o -H newc --quiet) | gzip -9 > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
