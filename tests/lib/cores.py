"""Build the crash programs of tests/progs and make their core files.

Cores land where /proc/sys/kernel/core_pattern says; the tests set it to
"core" (a package such as systemd-coredump may have piped it away).  Each
core is made once and reused while it is newer than its executable."""
import dataclasses
import glob
import os
import resource
import shutil
import signal
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, "build")
PROGS = os.path.join(ROOT, "tests", "progs")

CFLAGS = ["-g", "-Wall"]

# name -> (source, compiler flags, run-time stack limit or None)
PROGRAMS = {
    "null_read": ("null_read.c", ["-O0", "-fPIE", "-pie"], None),
    "null_write": ("null_write.c", ["-O0", "-fno-PIE", "-no-pie"], None),
    "wild_ptr": ("wild_ptr.c", ["-O0"], None),
    "sigfpe": ("sigfpe.c", ["-O0"], None),
    "abort_assert": ("abort_assert.c", ["-O0"], None),
    "sigbus": ("sigbus.c", ["-O0"], None),
    "threads": ("threads.c", ["-O0", "-pthread"], None),
    "omitfp": ("omitfp.c", ["-O2", "-fomit-frame-pointer"], None),
    "static": ("static.c", ["-O0", "-static"], None),
    "cxx_throw": ("cxx_throw.cc", ["-O0"], None),
    # legacy is rustc's default mangling up to 1.9x; newer ones refuse to be
    # asked for it on stable, so it is built with no flag and checked
    "rust_panic_legacy": ("rust_panic.rs", [], None),
    "rust_panic_v0": ("rust_panic.rs", ["-C", "symbol-mangling-version=v0"], None),
    "stripped": ("stripped.c", ["-O0", "-Wl,--build-id"], None),
    "sighandler": ("sighandler.c", ["-O0"], None),
    "deep": ("deep.c", ["-O0"], 256 << 20),
    "deep_overflow": ("deep.c", ["-O0", "-DOVERFLOW"], 8 << 20),
    "inline": ("inline.c", ["-O2"], None),
}


class ProgUnavailable(Exception):
    """The toolchain here cannot build this program (e.g. no rustc)."""


@dataclasses.dataclass
class Core:
    name: str
    exe: str
    core: str
    debugdir: str = None
    pid: int = 0


def all_prog_names():
    return list(PROGRAMS)


def _newer(a, b):
    return os.path.exists(a) and os.path.getmtime(a) >= os.path.getmtime(b)


def _run(argv, **kw):
    p = subprocess.run(argv, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{p.stdout}{p.stderr}")
    return p


def _rustc():
    for cand in [shutil.which("rustc"), os.path.expanduser("~/.cargo/bin/rustc")]:
        if cand and os.path.exists(cand):
            return cand
    return None


def _split_debug(exe, debugdir):
    """objcopy --only-keep-debug into DEBUGDIR/.build-id/xx/rest.debug,
    then strip the executable and point its debuglink at that file."""
    out = _run(["readelf", "-n", exe]).stdout
    bid = [l.split(":")[1].strip() for l in out.splitlines() if "Build ID" in l][0]
    dest = os.path.join(debugdir, ".build-id", bid[:2], bid[2:] + ".debug")
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    _run(["objcopy", "--only-keep-debug", exe, dest])
    _run(["strip", "--strip-debug", "--strip-unneeded", exe])
    _run(["objcopy", f"--add-gnu-debuglink={dest}", exe])


def build_prog(name):
    src, flags, _ = PROGRAMS[name]
    srcpath = os.path.join(PROGS, src)
    outdir = os.path.join(BUILD, "progs", name)
    exe = os.path.join(outdir, name)
    debugdir = os.path.join(outdir, "debug") if name == "stripped" else None
    if _newer(exe, srcpath) and _newer(exe, __file__):
        return {"exe": exe, "debugdir": debugdir}
    shutil.rmtree(outdir, ignore_errors=True)
    os.makedirs(outdir)
    if src.endswith(".rs"):
        rustc = _rustc()
        if not rustc:
            raise ProgUnavailable("no rustc on this machine")
        p = subprocess.run([rustc, "-g", "-C", "panic=abort", "-C", "opt-level=0"] + flags +
                           ["-o", exe, srcpath], capture_output=True, text=True)
        if p.returncode != 0:
            if "symbol-mangling-version" in p.stderr:
                raise ProgUnavailable(f"rustc refuses {flags}: {p.stderr.strip()[:200]}")
            raise RuntimeError(f"rustc failed:\n{p.stderr}")
    else:
        cc = "g++" if src.endswith(".cc") else "gcc"
        _run([cc] + CFLAGS + flags + ["-o", exe, srcpath])
        if name == "rust_panic_legacy":
            syms = _run(["nm", exe]).stdout
            if "_ZN10rust_panic9inventory7restock" not in syms:
                shutil.rmtree(outdir, ignore_errors=True)
                raise ProgUnavailable("this rustc does not use legacy mangling by default")
    if debugdir:
        _split_debug(exe, debugdir)
    return {"exe": exe, "debugdir": debugdir}


def ensure_core_pattern():
    path = "/proc/sys/kernel/core_pattern"
    with open(path) as f:
        pattern = f.read().strip()
    if pattern in ("core", "core.%p"):
        return
    try:
        with open(path, "w") as f:
            f.write("core\n")
    except OSError as e:
        raise RuntimeError(f"{path} is '{pattern}' and cannot be set to 'core' ({e}): "
                           "cores would not land in the working directory; run the tests "
                           "as root or set it by hand")


def crash_in_dir(exe, workdir, stack_limit=None, args=()):
    """Run exe in workdir until it dies of a signal; return the core's path."""
    ensure_core_pattern()
    for old in glob.glob(os.path.join(workdir, "core*")):
        os.unlink(old)

    def limits():
        resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        if stack_limit:
            resource.setrlimit(resource.RLIMIT_STACK, (stack_limit, stack_limit))

    proc = subprocess.Popen([exe] + list(args), cwd=workdir, preexec_fn=limits,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        rc = proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise RuntimeError(f"{exe} hung instead of crashing")
    if rc >= 0:
        raise RuntimeError(f"{exe} exited with {rc} instead of dying of a signal")
    found = sorted(glob.glob(os.path.join(workdir, "core*")), key=os.path.getmtime)
    if not found:
        raise RuntimeError(f"{exe} died of signal {-rc} but left no core in {workdir} "
                           "(check ulimit -c and /proc/sys/kernel/core_pattern)")
    core = os.path.join(workdir, "core")
    if found[-1] != core:
        os.rename(found[-1], core)
    return core


def make_core(name):
    built = build_prog(name)
    workdir = os.path.join(BUILD, "cores", name)
    core = os.path.join(workdir, "core")
    if not _newer(core, built["exe"]):
        shutil.rmtree(workdir, ignore_errors=True)
        os.makedirs(workdir)
        crash_in_dir(built["exe"], workdir, PROGRAMS[name][2])
    return Core(name, built["exe"], core, built["debugdir"])
