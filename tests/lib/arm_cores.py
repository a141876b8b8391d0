"""AArch64 and 32-bit ARM crash programs and their cores, made on any host:
the programs of tests/progs built with aarch64-linux-gnu-gcc (or
arm-linux-gnueabihf-gcc) and crashed under qemu-aarch64 (qemu-arm) in
linux-user mode, which writes the guest's ELF core itself as
qemu_<prog>_<date>-<pid>.core when RLIMIT_CORE allows.

QEMU's cores differ from the kernel's: no NT_FILE, NT_SIGINFO or
NT_FPREGSET, and no file-backed text.  Programs are linked -no-pie: gdb 13
cannot place a PIE from such a core (it reads the program headers at
AT_PHDR from the core, where QEMU saved none).  QEMU also lets the host
kernel dump QEMU itself; its core_filter is set to 0 so that this host core
is only headers, and it is deleted.

    a = arm_cores.make_core("a64_null_read")  # -> cores.Core

Built into build/arm/progs/NAME, cores kept in build/arm/cores/NAME/core
(made again when the executable is newer).  Needs scripts/deps.sh test's
gcc-aarch64-linux-gnu, libc6-dev-arm64-cross, qemu-user and gdb-multiarch
(32-bit ARM: gcc-arm-linux-gnueabihf, libc6-dev-armhf-cross).
"""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Dict, Optional

import cores

@dataclasses.dataclass(frozen=True)
class Toolchain:
    cc: str
    qemu: str
    sysroot: str
    machine: int          # e_machine of its cores
    what: str
    packages: str


A64 = Toolchain("aarch64-linux-gnu-gcc", "qemu-aarch64", "/usr/aarch64-linux-gnu", 183,
                "AArch64", "libc6-dev-arm64-cross")
ARMHF = Toolchain("arm-linux-gnueabihf-gcc", "qemu-arm", "/usr/arm-linux-gnueabihf", 40,
                  "32-bit ARM", "libc6-dev-armhf-cross")
SYSROOT, CC, QEMU = A64.sysroot, A64.cc, A64.qemu
GDB = "gdb-multiarch"
BUILD = cores.BUILD / "arm"
TIMEOUT = 120


@dataclasses.dataclass(frozen=True)
class ArmProg:
    name: str
    src: str
    flags: tuple
    args: tuple = ()
    tc: Toolchain = A64


_O0 = ("-O0", "-g")
_O2 = ("-O2", "-g")
PROGS: Dict[str, ArmProg] = {p.name: p for p in [
    ArmProg("a64_null_read", "null_read.c", _O0),
    ArmProg("a64_null_write", "null_write.c", _O0),
    ArmProg("a64_null_member_O2", "az_null.c", _O2, ("member",)),
    ArmProg("a64_null_write_O2", "az_null.c", _O2, ("write",)),
    ArmProg("a64_wild", "az_wild.c", _O2),
    ArmProg("a64_jump_null", "az_jump.c", _O0, ("null",)),
    ArmProg("a64_jump_slot", "az_jump.c", _O2, ("slot",)),
    ArmProg("a64_jump_ret", "az_jump.c", _O0 + ("-fno-stack-protector",), ("ret",)),
    ArmProg("a64_recurse", "az_recurse.c", _O0, ("self",)),
    ArmProg("a64_recurse_mutual", "az_recurse.c", _O2, ("mutual",)),
    ArmProg("a64_abort_assert", "az_abort.c", _O2, ("assert",)),
    ArmProg("a64_abort_plain", "az_abort.c", _O0, ("plain",)),
    ArmProg("a64_trap", "az_trap.c", _O2, ("trap",)),
    ArmProg("a64_junk", "az_trap.c", _O0, ("junk",)),
    ArmProg("a64_sighandler", "sighandler.c", _O0),
    ArmProg("a64_signal_quit", "az_signal.c", _O0, ("quit",)),
    # QEMU's CPU has pointer authentication: return addresses are signed
    ArmProg("a64_pac_null_read", "null_read.c", _O0 + ("-mbranch-protection=pac-ret",)),
]}
# 32-bit ARM (armhf: Thumb-2 unless -marm), for tests/test_arch32.py
ARM32_PROGS: Dict[str, ArmProg] = {p.name: p for p in [
    ArmProg("arm32_null_write", "null_write.c", _O0 + ("-marm",), tc=ARMHF),
    ArmProg("arm32_null_write_thumb", "null_write.c", _O0 + ("-mthumb",), tc=ARMHF),
    ArmProg("arm32_abort_assert", "abort_assert.c", _O0 + ("-mthumb",), tc=ARMHF),
    ArmProg("arm32_omitfp", "omitfp.c", ("-O2", "-fomit-frame-pointer", "-g", "-marm"), tc=ARMHF),
]}

# 32-bit ARM crashes for ::analyze (tests/test_arm_analyze.py): ARM and
# Thumb state
_ARM, _THUMB = ("-marm",), ("-mthumb",)
ARM32_AZ_PROGS: Dict[str, ArmProg] = {p.name: p for p in [
    ArmProg("arm32_null_read", "null_read.c", _O0 + _THUMB, tc=ARMHF),
    ArmProg("arm32_null_member_O2", "az_null.c", _O2 + _THUMB, ("member",), tc=ARMHF),
    ArmProg("arm32_null_write_O2", "az_null.c", _O2 + _ARM, ("write",), tc=ARMHF),
    ArmProg("arm32_wild", "az_wild.c", _O2 + _ARM, tc=ARMHF),
    ArmProg("arm32_jump_null", "az_jump.c", _O0 + _THUMB, ("null",), tc=ARMHF),
    ArmProg("arm32_jump_null_arm", "az_jump.c", _O0 + _ARM, ("null",), tc=ARMHF),
    ArmProg("arm32_jump_slot", "az_jump.c", _O2 + _THUMB, ("slot",), tc=ARMHF),
    ArmProg("arm32_recurse", "az_recurse.c", _O0 + _ARM, ("self",), tc=ARMHF),
    ArmProg("arm32_recurse_mutual", "az_recurse.c", _O2 + _THUMB, ("mutual",), tc=ARMHF),
    ArmProg("arm32_abort_plain", "az_abort.c", _O0 + _ARM, ("plain",), tc=ARMHF),
    ArmProg("arm32_trap", "az_trap.c", _O2 + _THUMB, ("trap",), tc=ARMHF),
    ArmProg("arm32_trap_arm", "az_trap.c", _O2 + _ARM, ("trap",), tc=ARMHF),
]}


class Unavailable(cores.ProgUnavailable):
    """The AArch64 cross tools or QEMU are not installed here."""


def tools_missing(tc: Toolchain = A64) -> Optional[str]:
    for t in (tc.cc, tc.qemu, GDB):
        if not shutil.which(t):
            return f"{t} is not installed (scripts/deps.sh test installs it)"
    if not os.path.isdir(os.path.join(tc.sysroot, "lib")):
        return f"{tc.sysroot}/lib is missing ({tc.packages})"
    return None


def _prog(name: str) -> ArmProg:
    return PROGS.get(name) or ARM32_PROGS.get(name) or ARM32_AZ_PROGS[name]


def build(name: str) -> Path:
    p = _prog(name)
    why = tools_missing(p.tc)
    if why:
        raise Unavailable(why)
    src = cores.PROGS_SRC / p.src
    out = BUILD / "progs" / name / name
    stamp = out.parent / ".recipe.json"
    recipe = json.loads(json.dumps(dataclasses.asdict(p)))
    with cores._Lock(f"arm-build-{name}"):
        try:
            if (out.stat().st_mtime_ns >= src.stat().st_mtime_ns
                    and json.loads(stamp.read_text()) == recipe):
                return out
        except (OSError, ValueError):
            pass
        shutil.rmtree(out.parent, ignore_errors=True)
        out.parent.mkdir(parents=True)
        cmd = [p.tc.cc, *p.flags, "-no-pie", "-o", str(out), str(src)]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            raise cores.BuildError(f"{' '.join(cmd)} failed:\n{r.stdout}{r.stderr}")
        stamp.write_text(json.dumps(recipe))
        return out


# The guest's core needs RLIMIT_CORE; the host core of QEMU itself is kept
# to headers by coredump_filter 0.
_WRAPPER = r'''
ulimit -c unlimited 2>/dev/null || ulimit -c "$(ulimit -H -c)"
echo 0 > /proc/self/coredump_filter 2>/dev/null
exec "$@"
'''


def _is_core_of(path: Path, machine: int) -> bool:
    with open(path, "rb") as f:
        h = f.read(20)
    return (len(h) == 20 and h[:4] == b"\x7fELF" and int.from_bytes(h[16:18], "little") == 4
            and int.from_bytes(h[18:20], "little") == machine)   # ET_CORE, e_machine


def make_core(name: str) -> cores.Core:
    """Build NAME, crash it under qemu-aarch64 (qemu-arm) and return its core."""
    p = _prog(name)
    exe = build(name)
    cdir = BUILD / "cores" / name
    core = cdir / "core"
    meta = cdir / "core.json"
    with cores._Lock(f"arm-core-{name}"):
        try:
            m = json.loads(meta.read_text())
            if core.stat().st_mtime_ns >= exe.stat().st_mtime_ns and m.get("exe") == str(exe):
                return cores.Core(name, str(exe), str(core), None, m["pid"], m["signal"])
        except (OSError, ValueError, KeyError):
            pass
        shutil.rmtree(cdir, ignore_errors=True)
        cdir.mkdir(parents=True)
        cmd = ["/bin/sh", "-c", _WRAPPER, "sh", p.tc.qemu, "-L", p.tc.sysroot, str(exe), *p.args]
        try:
            r = subprocess.run(cmd, cwd=cdir, capture_output=True, text=True, timeout=TIMEOUT,
                               env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"})
        except subprocess.TimeoutExpired:
            raise cores.CoreError(f"{name}: still running under {p.tc.qemu} after {TIMEOUT} s") from None
        if r.returncode >= 0:
            raise cores.CoreError(f"{name}: exited with {r.returncode} instead of dying by a "
                                  f"signal:\n{r.stdout}{r.stderr}")
        guest = [f for f in cdir.iterdir() if f.name.startswith("qemu_") and f.name.endswith(".core")]
        for f in cdir.iterdir():             # the host core of QEMU itself
            if f.name == "core" or f.name.startswith("core."):
                f.unlink()
        if len(guest) != 1 or not _is_core_of(guest[0], p.tc.machine):
            raise cores.CoreError(f"{name}: {p.tc.qemu} left no {p.tc.what} core in {cdir} "
                                  f"({[f.name for f in cdir.iterdir()]}):\n{r.stderr}")
        pid = int(guest[0].stem.rsplit("_", 1)[-1].rsplit("-", 1)[-1])
        guest[0].rename(core)
        (cdir / "output.txt").write_text(r.stdout + r.stderr)
        meta.write_text(json.dumps({"exe": str(exe), "pid": pid, "signal": -r.returncode}))
        return cores.Core(name, str(exe), str(core), None, pid, -r.returncode)


if __name__ == "__main__":
    import sys
    for n in sys.argv[1:] or list(PROGS) + list(ARM32_PROGS) + list(ARM32_AZ_PROGS):
        try:
            c = make_core(n)
            print(f"{n}: signal {c.signal} pid {c.pid} {c.core} ({os.path.getsize(c.core)} bytes)")
        except (cores.BuildError, cores.CoreError) as e:
            print(f"{n}: ERROR {e}")
