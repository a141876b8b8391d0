"""Build the crash programs in tests/progs and make core files from them.

Usage from a test::

    sys.path.insert(0, str(Path(__file__).parent / "lib"))
    import cores
    c = cores.make_core("null_read")   # -> Core(name, exe, core, debugdir, pid, signal)

Programs are built into build/progs/NAME/ (only when missing, older than the
source, or built with other flags) and cores are made in build/cores/NAME/
(only when missing or older than the executable), so a test session makes
each core once.  Both steps take a per-name lock (a threading lock plus an
flock on build/.locks/), so repeated calls, threads and even two pytest
processes are safe.

Command line: ``python3 tests/lib/cores.py [NAME...]`` makes the cores (all
of them by default) and prints one line per program.

Paths in the results are absolute paths as str.
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build"
PROGS_SRC = ROOT / "tests" / "progs"

CORE_TIMEOUT = 60          # seconds a crash program may run before we kill it
DEFAULT_STACK_KIB = 8192   # RLIMIT_STACK for every program but "deep"
COREDUMP_FILTER = "0x33"   # the kernel default: anon private+shared, ELF headers, hugetlb


class BuildError(RuntimeError):
    """A crash program failed to build; the message holds the command and output."""


class ProgUnavailable(BuildError):
    """The toolchain here cannot build this program (e.g. rustc without v0 mangling)."""


class CoreError(RuntimeError):
    """Running a crash program did not produce a usable core file."""


@dataclasses.dataclass(frozen=True)
class Prog:
    name: str
    src: str                      # file name in tests/progs
    lang: str                     # "c", "c++" or "rust"
    flags: tuple                  # compiler flags (before -o)
    stack_kib: int = DEFAULT_STACK_KIB
    mangling: Optional[str] = None  # rust: "legacy" or "v0"
    split_debug: bool = False     # stripped: separate debug file + debuglink
    args: tuple = ()              # command-line arguments of the crash run
    shlib: bool = False           # also build src with -DSHLIB -shared into lib<name>.so
    kill_with: int = 0            # a signal the test harness sends once the program
                                  # prints "ready" (the program must wait for it)


_C = ("-O0", "-g")
_PROG_LIST = [
    Prog("null_read", "null_read.c", "c", _C + ("-fPIE", "-pie")),
    Prog("null_write", "null_write.c", "c", _C + ("-fno-pie", "-no-pie")),
    Prog("wild_ptr", "wild_ptr.c", "c", _C),
    Prog("sigfpe", "sigfpe.c", "c", _C),
    Prog("abort_assert", "abort_assert.c", "c", _C),
    Prog("sigbus", "sigbus.c", "c", _C),
    Prog("threads", "threads.c", "c", _C + ("-pthread",)),
    Prog("omitfp", "omitfp.c", "c", ("-O2", "-fomit-frame-pointer", "-g")),
    Prog("static", "static.c", "c", _C + ("-static",)),
    Prog("cxx_throw", "cxx_throw.cc", "c++", _C),
    Prog("rust_panic_legacy", "rust_panic.rs", "rust",
         ("-C", "panic=abort", "-g", "-C", "opt-level=0"), mangling="legacy"),
    Prog("rust_panic_v0", "rust_panic.rs", "rust",
         ("-C", "panic=abort", "-g", "-C", "opt-level=0"), mangling="v0"),
    Prog("stripped", "stripped.c", "c", _C + ("-Wl,--build-id",), split_debug=True),
    Prog("sighandler", "sighandler.c", "c", _C),
    Prog("deep", "deep.c", "c", _C, stack_kib=65536),
    Prog("deep_overflow", "deep.c", "c", _C + ("-DOVERFLOW",)),
    Prog("inline", "inline.c", "c", ("-O2", "-g")),
    Prog("types", "types.c", "c", _C),
    # fuzz_dwarf's target: no shared libc, so all the DWARF read is the program's
    Prog("static_types", "types.c", "c", _C + ("-static",)),
    # split DWARF: the types and locations in .dwo files beside the program
    Prog("split_null_read", "null_read.c", "c", _C + ("-gsplit-dwarf", "-fPIE", "-pie")),
    Prog("split_types", "types.c", "c", _C + ("-gsplit-dwarf",)),
    Prog("hugetypes", "hugetypes.c", "c", _C),
    Prog("lang_data", "lang_data.c", "c", _C + ("-fno-pie", "-no-pie")),
    Prog("linked_list", "linked_list.c", "c", _C + ("-fPIE", "-pie")),
] + [  # ::analyze's cases (tests/test_analyze.py): one per class and variant
    Prog(f"az_null_{case}_{o}", "az_null.c", "c", (f"-{o}", "-g"), args=(case,))
    for case in ("read", "write", "member") for o in ("O0", "O2")
] + [
    Prog(f"az_cxx_null_{o}", "az_cxx_null.cc", "c++", (f"-{o}", "-g")) for o in ("O0", "O2")
] + [
    Prog("az_wild", "az_wild.c", "c", ("-O2", "-g")),
    Prog("az_jump_null", "az_jump.c", "c", _C, args=("null",)),
    Prog("az_jump_dangling", "az_jump.c", "c", ("-O2", "-g"), args=("dangling",)),
    Prog("az_jump_slot", "az_jump.c", "c", ("-O2", "-g"), args=("slot",)),
    Prog("az_jump_ret", "az_jump.c", "c", _C + ("-fno-stack-protector",), args=("ret",)),
    Prog("az_dlclose", "az_dlclose.cc", "c++", ("-O2", "-g"), shlib=True),
    Prog("az_recurse_self_O0", "az_recurse.c", "c", _C, args=("self",)),
    Prog("az_recurse_self_O2", "az_recurse.c", "c", ("-O2", "-g"), args=("self",)),
    Prog("az_recurse_mutual", "az_recurse.c", "c", ("-O2", "-g"), args=("mutual",)),
    Prog("az_recurse_thread", "az_recurse.c", "c", _C + ("-pthread",), args=("thread",)),
    Prog("az_recurse_alloca", "az_recurse.c", "c", _C, args=("alloca",)),
    Prog("az_abort_assert", "az_abort.c", "c", ("-O2", "-g"), args=("assert",)),
    Prog("az_abort_dfree", "az_abort.c", "c", _C, args=("dfree",)),
    Prog("az_abort_plain", "az_abort.c", "c", _C, args=("plain",)),
    Prog("az_cxx_exc_runtime", "az_cxx_exc.cc", "c++", ("-O2", "-g"), args=("runtime",)),
    Prog("az_cxx_exc_custom", "az_cxx_exc.cc", "c++", _C, args=("custom",)),
    Prog("az_cxx_exc_nonstd", "az_cxx_exc.cc", "c++", _C, args=("nonstd",)),
] + [
    Prog(f"az_panic_{case}", "az_panic.rs", "rust",
         ("-C", "panic=abort", "-g", "-C", f"opt-level={opt}"), args=(case,))
    for case, opt in (("explicit", 0), ("unwrap", 0), ("index", 2))
] + [
    Prog("az_signal_reraise", "az_signal.c", "c", _C, args=("reraise",)),
    Prog("az_signal_nodefer", "az_signal.c", "c", _C, args=("nodefer",)),
    Prog("az_signal_resethand", "az_signal.c", "c", _C, args=("resethand",)),
    Prog("az_signal_quit", "az_signal.c", "c", _C, args=("quit",)),
    Prog("az_signal_xcpu", "az_signal.c", "c", _C, args=("xcpu",)),
    Prog("az_signal_killed", "az_signal.c", "c", _C, args=("wait",),
         kill_with=signal.SIGSEGV.value),
    Prog("az_fpe_reg", "az_fpe.c", "c", _C, args=("reg",)),
    Prog("az_fpe_mem", "az_fpe.c", "c", ("-O2", "-g"), args=("mem",)),
    Prog("az_fpe_intmin", "az_fpe.c", "c", ("-O2", "-g"), args=("intmin",)),
    Prog("az_trap_ud2", "az_trap.c", "c", ("-O2", "-g"), args=("trap",)),
    Prog("az_trap_junk", "az_trap.c", "c", _C, args=("junk",)),
    Prog("az_trap_int3", "az_trap.c", "c", _C, args=("int3",)),
    Prog("az_bus", "az_bus.c", "c", ("-O2", "-g")),
]
PROGS: Dict[str, Prog] = {p.name: p for p in _PROG_LIST}


@dataclasses.dataclass(frozen=True)
class Core:
    name: str
    exe: str                      # the executable that crashed (absolute path)
    core: str                     # build/cores/NAME/core
    debugdir: Optional[str] = None  # root of a .build-id debug tree ("stripped" only)
    pid: int = 0                  # pid of the crashed process
    signal: int = 0               # the signal that killed it


def all_prog_names() -> List[str]:
    """Names of all crash programs (the README demo is not one of them)."""
    return [p.name for p in _PROG_LIST]


# ---------------------------------------------------------------- locking

_tlock = threading.RLock()


class _Lock:
    """In-process RLock plus an exclusive flock on build/.locks/KEY.lock."""

    def __init__(self, key: str):
        self.path = BUILD / ".locks" / (key + ".lock")
        self.fd = -1

    def __enter__(self):
        _tlock.acquire()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            fcntl.flock(self.fd, fcntl.LOCK_EX)
        except BaseException:
            if self.fd >= 0:
                os.close(self.fd)
            _tlock.release()
            raise
        return self

    def __exit__(self, *exc):
        try:
            os.close(self.fd)   # drops the flock
        finally:
            self.fd = -1
            _tlock.release()


# ---------------------------------------------------------------- building

def _prog(name: str) -> Prog:
    try:
        return PROGS[name]
    except KeyError:
        raise KeyError(f"unknown crash program {name!r}; known: {', '.join(PROGS)}") from None


def _run(cmd, what: str, cwd=None) -> subprocess.CompletedProcess:
    try:
        r = subprocess.run([str(c) for c in cmd], cwd=cwd, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=300)
    except FileNotFoundError as e:
        raise BuildError(f"{what}: cannot run {cmd[0]}: {e}") from None
    except subprocess.TimeoutExpired:
        raise BuildError(f"{what}: timed out: {' '.join(map(str, cmd))}") from None
    return r


def _check(r: subprocess.CompletedProcess, what: str) -> None:
    if r.returncode != 0:
        raise BuildError(f"{what} failed (exit {r.returncode}):\n  $ "
                         + " ".join(map(str, r.args)) + "\n" + r.stdout)


def _tool(env: str, *names: str) -> str:
    if os.environ.get(env):
        return os.environ[env]
    for n in names:
        p = shutil.which(n)
        if p:
            return p
    return names[0]


def rustc_path() -> Optional[str]:
    """The rustc to use: $RUSTC, rustc on PATH, or rustup's ~/.cargo/bin/rustc."""
    if os.environ.get("RUSTC"):
        return os.environ["RUSTC"]
    p = shutil.which("rustc")
    if p:
        return p
    for d in (Path.home(), Path("/root")):
        c = d / ".cargo" / "bin" / "rustc"
        if c.is_file() and os.access(c, os.X_OK):
            return str(c)
    return None


def _compiler(prog: Prog) -> str:
    if prog.lang == "c":
        return _tool("CC", "gcc", "cc")
    if prog.lang == "c++":
        return _tool("CXX", "g++", "c++")
    rc = rustc_path()
    if rc is None:
        raise ProgUnavailable(f"{prog.name}: no rustc found (install Debian's rustc: "
                              "scripts/deps.sh test)")
    return rc


def _build_id(path: Path) -> str:
    r = _run(["readelf", "-n", path], "readelf -n")
    _check(r, f"readelf -n {path}")
    m = re.search(r"Build ID:\s*([0-9a-fA-F]+)", r.stdout)
    if not m:
        raise BuildError(f"{path}: no GNU build-id note (readelf -n said:\n{r.stdout})")
    return m.group(1).lower()


def _build_rust(prog: Prog, cc: str, src: Path, out: Path) -> List[str]:
    crate = Path(prog.src).stem
    base = [cc, "--edition=2021", "--crate-name", crate, "--crate-type", "bin", *prog.flags]
    if prog.mangling is None:
        cmd = base + ["-o", out, src]
        _check(_run(cmd, f"build {prog.name}"), f"build {prog.name}")
        return [str(c) for c in cmd]
    cmd = base + ["-C", f"symbol-mangling-version={prog.mangling}", "-o", out, src]
    r = _run(cmd, f"build {prog.name}")
    note = []
    if r.returncode != 0 and "unstable-options" in r.stdout:
        if prog.mangling == "legacy":
            # Newer stable rustc wants -Z unstable-options for an explicit
            # "legacy"; legacy is still the default for the crate's own
            # symbols there, so build without the flag and verify below.
            cmd = base + ["-o", out, src]
            r = _run(cmd, f"build {prog.name}")
            note = ["(legacy mangling by default: rustc refuses the explicit flag on stable)"]
        else:
            raise ProgUnavailable(f"{prog.name}: this rustc does not accept "
                                  f"-C symbol-mangling-version={prog.mangling} on stable:\n"
                                  + r.stdout)
    _check(r, f"build {prog.name}")
    data = out.read_bytes()
    tag = f"{len(crate)}{crate}".encode()
    pat = {"legacy": rb"_ZN" + tag, "v0": rb"_R[0-9A-Za-z_]*" + tag}[prog.mangling]
    if not re.search(pat, data):
        out.unlink()
        raise BuildError(f"{prog.name}: built, but has no {prog.mangling}-mangled "
                         f"{crate} symbols ({' '.join(map(str, cmd))})")
    return [str(c) for c in cmd] + note


def _build_c(prog: Prog, cc: str, src: Path, out: Path) -> List[str]:
    cmd = [cc, *prog.flags, "-o", out, src]
    if prog.shlib:
        cmd.append("-ldl")
        lib = [cc, *prog.flags, "-DSHLIB", "-shared", "-fPIC", "-o",
               out.parent / f"lib{prog.name}.so", src]
        _check(_run(lib, f"build lib{prog.name}.so"), f"build lib{prog.name}.so")
    _check(_run(cmd, f"build {prog.name}"), f"build {prog.name}")
    return ([str(c) for c in lib] if prog.shlib else []) + [str(c) for c in cmd]


def _split_debug(prog: Prog, full: Path, exe: Path, debugdir: Path) -> Path:
    bid = _build_id(full)
    dbg = debugdir / ".build-id" / bid[:2] / (bid[2:] + ".debug")
    dbg.parent.mkdir(parents=True, exist_ok=True)
    objcopy = _tool("OBJCOPY", "objcopy")
    strip = _tool("STRIP", "strip")
    for cmd in ([objcopy, "--only-keep-debug", full, dbg],
                [strip, "--strip-debug", "--strip-unneeded", "-o", exe, full],
                [objcopy, f"--add-gnu-debuglink={dbg}", exe]):
        _check(_run(cmd, f"split debug of {prog.name}"), f"split debug of {prog.name}")
    return dbg


def _result(prog: Prog, outdir: Path) -> dict:
    d = {"name": prog.name, "exe": str(outdir / prog.name), "src": str(PROGS_SRC / prog.src),
         "outdir": str(outdir), "debugdir": None}
    if prog.split_debug:
        d["debugdir"] = str(outdir / "debug")
        d["unstripped"] = str(outdir / (prog.name + ".full"))
    return d


def build_prog(name: str) -> dict:
    """Build one crash program into build/progs/NAME/ if needed.

    Returns a dict of str: name, exe, src, outdir, debugdir (root of the
    .build-id debug tree for "stripped", else None; "stripped" also has
    "unstripped", the binary before stripping).  Raises BuildError (with the
    command and compiler output) on failure, ProgUnavailable if the local
    toolchain cannot build it at all.
    """
    prog = _prog(name)
    src = PROGS_SRC / prog.src
    outdir = BUILD / "progs" / name
    res = _result(prog, outdir)
    exe = Path(res["exe"])
    stamp = outdir / ".recipe.json"
    cc = _compiler(prog)
    # normalized through JSON (tuples become lists) to compare with the stamp
    recipe = json.loads(json.dumps({"prog": dataclasses.asdict(prog), "compiler": cc}))
    with _Lock(f"build-{name}"):
        try:
            fresh = (exe.exists()
                     and exe.stat().st_mtime_ns >= src.stat().st_mtime_ns
                     and json.loads(stamp.read_text()).get("recipe") == recipe)
        except (OSError, ValueError):
            fresh = False
        if fresh:
            return res
        if not src.exists():
            raise BuildError(f"{name}: source {src} is missing")
        shutil.rmtree(outdir, ignore_errors=True)
        outdir.mkdir(parents=True)
        if prog.lang == "rust":
            cmds = [_build_rust(prog, cc, src, exe)]
        elif prog.split_debug:
            full = Path(res["unstripped"])
            cmds = [_build_c(prog, cc, src, full)]
            _split_debug(prog, full, exe, Path(res["debugdir"]))
        else:
            cmds = [_build_c(prog, cc, src, exe)]
        stamp.write_text(json.dumps({"recipe": recipe, "commands": cmds}, indent=1))
        return res


# ---------------------------------------------------------------- cores

CORE_PATTERN = Path("/proc/sys/kernel/core_pattern")


def ensure_core_pattern() -> str:
    """Make the kernel write cores as files named core (or core.PID) in the cwd.

    Sets kernel.core_pattern to "core" if it is something else and we may
    write it.  Raises CoreError if cores would go to a pipe (systemd-coredump,
    apport, ...) or to another directory and we cannot change that.
    Returns the pattern in force.
    """
    try:
        pat = CORE_PATTERN.read_text().rstrip("\n")
    except OSError:
        return "core"   # not Linux /proc? let the run tell
    if pat == "core":
        return pat
    err = None
    try:
        CORE_PATTERN.write_text("core\n")
        pat2 = CORE_PATTERN.read_text().rstrip("\n")
        if pat2 == "core":
            return pat2
        err = f"wrote 'core' but it reads back as {pat2!r}"
    except OSError as e:
        err = str(e)
    how = ("as root: echo core > /proc/sys/kernel/core_pattern "
           "(or sysctl -w kernel.core_pattern=core)")
    if pat.startswith("|"):
        raise CoreError(
            f"kernel.core_pattern is a pipe ({pat!r}): the kernel gives core dumps to "
            f"that program instead of writing core files, and it could not be changed "
            f"here ({err}). Fix it {how}.")
    if "/" in pat:
        raise CoreError(
            f"kernel.core_pattern is {pat!r}: cores are written elsewhere than the "
            f"program's directory, and it could not be changed here ({err}). Fix it {how}.")
    # A relative pattern such as core.%e.%p still lands in the cwd: we find
    # the file by its ELF type.
    return pat


def _is_elf_core(p: Path) -> bool:
    try:
        with open(p, "rb") as f:
            h = f.read(18)
    except OSError:
        return False
    return len(h) == 18 and h[:4] == b"\x7fELF" and int.from_bytes(h[16:18], "little") == 4


def _find_core(cdir: Path, pid: int) -> Optional[Path]:
    for n in ("core", f"core.{pid}"):
        if _is_elf_core(cdir / n):
            return cdir / n
    cands = [p for p in cdir.iterdir() if p.is_file() and _is_elf_core(p)]
    cands.sort(key=lambda p: p.stat().st_mtime_ns, reverse=True)
    return cands[0] if cands else None


# Runs the program with the limits set; exec keeps the pid.
_WRAPPER = r'''
ulimit -c unlimited 2>/dev/null || ulimit -c "$(ulimit -H -c)"
ulimit -s "$1" 2>/dev/null || ulimit -s "$(ulimit -H -s)"
echo "$2" > /proc/self/coredump_filter 2>/dev/null
shift 2
exec "$@"
'''


def _send_when_ready(p: subprocess.Popen, outpath: Path, sig: int, timeout: float) -> None:
    """Send sig to p once its output has a line "ready" (unless it died first)."""
    deadline = time.monotonic() + timeout
    while p.poll() is None and time.monotonic() < deadline:
        if b"ready\n" in outpath.read_bytes():
            os.kill(p.pid, sig)
            return
        time.sleep(0.01)


def _crash(exe: str, workdir: Path, stack_kib: int, args=(), timeout: float = CORE_TIMEOUT,
           label: Optional[str] = None, kill_with: int = 0):
    """Run exe in workdir (which must exist) until it dies by a signal.

    With kill_with, that signal is sent to it once it prints "ready".
    Returns (core path, pid, signal number); the core is renamed to
    workdir/core.  Older core files in workdir are removed first.
    """
    label = label or os.path.basename(str(exe))
    ensure_core_pattern()
    for old in workdir.iterdir():
        if old.name == "core" or old.name.startswith("core.") and _is_elf_core(old):
            old.unlink()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C",
           "HOME": os.environ.get("HOME", "/")}
    outpath = workdir / "output.txt"
    with open(outpath, "wb") as out:
        p = subprocess.Popen(["/bin/sh", "-c", _WRAPPER, "sh", str(stack_kib),
                              COREDUMP_FILTER, str(exe), *map(str, args)],
                             cwd=workdir, env=env, stdin=subprocess.DEVNULL,
                             stdout=out, stderr=subprocess.STDOUT,
                             start_new_session=True)
        if kill_with:
            _send_when_ready(p, outpath, kill_with, timeout)
        try:
            rc = p.wait(timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()
            raise CoreError(f"{label}: still running after {timeout} s; killed it "
                            f"(output in {outpath})") from None
    output = outpath.read_text(errors="replace")
    if rc >= 0:
        raise CoreError(f"{label}: exited with status {rc} instead of dying by a "
                        f"signal; output:\n{output}")
    sig = -rc
    found = _find_core(workdir, p.pid)
    if found is None:
        try:
            pat = CORE_PATTERN.read_text().strip()
        except OSError:
            pat = "?"
        raise CoreError(f"{label}: killed by signal {sig} but left no core file in "
                        f"{workdir} (core_pattern {pat!r}; is RLIMIT_CORE 0 and not "
                        f"raisable, or the directory not writable?); output:\n{output}")
    corefile = workdir / "core"
    if found != corefile:
        found.rename(corefile)
    return corefile, p.pid, sig


def crash_in_dir(exe, workdir, stack_limit=None, args=(), timeout: float = CORE_TIMEOUT) -> str:
    """Run any executable in workdir until it crashes; return its core's path.

    stack_limit is RLIMIT_STACK in bytes (default 8 MiB).  Same checks as
    make_core, but nothing is cached.
    """
    kib = (stack_limit // 1024) if stack_limit else DEFAULT_STACK_KIB
    wd = Path(workdir)
    wd.mkdir(parents=True, exist_ok=True)
    core, _, _ = _crash(str(exe), wd, kib, args, timeout)
    return str(core)


def make_core(name: str, timeout: float = CORE_TIMEOUT) -> Core:
    """Build NAME if needed, crash it in build/cores/NAME/ and return its Core.

    An existing core newer than the executable is reused (so a test session
    makes each core once); otherwise build/cores/NAME/ is made afresh.
    Raises CoreError if the program hangs (killed after `timeout` s), exits
    instead of dying by a signal, or leaves no core file, and BuildError /
    ProgUnavailable from build_prog.
    """
    prog = _prog(name)
    b = build_prog(name)
    exe = Path(b["exe"])
    cdir = BUILD / "cores" / name
    meta = cdir / "core.json"
    corefile = cdir / "core"
    with _Lock(f"core-{name}"):
        try:
            m = json.loads(meta.read_text())
            if (corefile.stat().st_mtime_ns >= exe.stat().st_mtime_ns
                    and m.get("exe") == str(exe) and isinstance(m.get("pid"), int)):
                return Core(name, str(exe), str(corefile), b["debugdir"], m["pid"],
                            m.get("signal", 0))
        except (OSError, ValueError):
            pass
        shutil.rmtree(cdir, ignore_errors=True)
        cdir.mkdir(parents=True)
        core, pid, sig = _crash(str(exe), cdir, prog.stack_kib, prog.args, timeout, name,
                                prog.kill_with)
        meta.write_text(json.dumps({"exe": str(exe), "pid": pid, "signal": sig}, indent=1))
        return Core(name, str(exe), str(core), b["debugdir"], pid, sig)


def main(argv: List[str]) -> int:
    names = argv or all_prog_names()
    bad = 0
    for n in names:
        try:
            c = make_core(n)
        except (BuildError, CoreError) as e:
            print(f"{n}: ERROR: {e}", file=sys.stderr)
            bad += 1
            continue
        extra = f" debugdir={c.debugdir}" if c.debugdir else ""
        print(f"{n}: pid={c.pid} signal={signal.Signals(c.signal).name} "
              f"exe={c.exe} core={c.core}{extra}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
