#!/usr/bin/python3
"""Benchmark pmdb against gdb, eu-stack and lldb on the same core files.

Each tool does the same job on each core: print the crash status and the
crashing thread's backtrace (every thread's, for the multi-thread cores).
Every command runs once to warm the page cache, then --runs times; we report
the median wall time and the largest peak RSS (ru_maxrss of that child, from
wait4(2) in bench/measure.c), and the ratios tool/pmdb.  A tool whose output does not show the
expected backtrace (or that crashed or timed out) is reported as FAILED.

Cores are made here, in build/bench/, from the programs in bench/progs/;
two real cores from /work/shared/corpus are added when present (decompressed
into build/bench/corpus; nothing is written under /work/shared).

A kernel crash dump (a fresh Oops of tests/kernel_lab's pmdbcrash module,
booted under QEMU by tests/lib/kernel_scenarios.py) is the kernel row: pmdb
against the `crash` utility with the debug vmlinux, both showing the
status, the log, the tasks and the panic task's stack.

Usage: bench/bench.py [--runs N] [--json FILE] [--only CORE,...]
                      [--tools pmdb,gdb,...] [--timeout SEC]

--only triage runs the fleet workload instead (bench/triage.py): 1,000 cores
through `pmdb triage`, in cores per second.  --only ceph-mon benchmarks
every thread's backtrace of a real ceph-mon core (bench/ceph.py; installs
ceph-mon and its debug files with apt); --only python the same for a
python3.11-dbg core (bench/python.py).  --only live measures how long
each tool keeps a running process stopped (bench/live.py).
"""
import argparse
import bz2
import datetime
import glob
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROGS = os.path.join(ROOT, "bench", "progs")
OUT = os.path.join(ROOT, "build", "bench")
CORPUS = "/work/shared/corpus"
CORE_PATTERN = "/proc/sys/kernel/core_pattern"
# pmdb-nocache: pmdb inflating compressed debug files (libc6-dbg's) on every
# run, as on a first run; pmdb itself keeps them in its cache (build/bench/cache)
TOOLS = ["pmdb", "pmdb-nocache", "gdb", "eu-stack", "lldb", "crash"]
# which tools apply to a core of each mode ("crash" is for kernel dumps only)
USER_TOOLS = ["pmdb", "pmdb-nocache", "gdb", "eu-stack", "lldb"]
KERNEL_TOOLS = ["pmdb", "crash"]
KERNEL_PMDB = "::status;::msgbuf;::ps;$C"
KERNEL_CRASH = ["sys", "log", "ps", "bt"]


class BenchError(Exception):
    pass


# --- the cores --------------------------------------------------------------

# name, source, compiler, flags, mode ("crash": crashing thread; "all": every
# thread), strings the output must contain, and (regex, minimum number of
# lines matching it, what that means) -- each tool's frame lines differ, so
# the checks are loose but do catch a missing or cut-short backtrace
BUILT = [
    dict(name="small-null", src="small_null.c", cc="gcc", flags=["-O0", "-g"],
         mode="crash", expect=["null_deref_here", "parse_record"]),
    dict(name="deep-stack", src="deep_stack.c", cc="gcc", flags=["-O0", "-g"],
         mode="crash", expect=["crash_at_bottom"], lines=[("recurse_down", 10000, "recurse_down frames")]),
    dict(name="many-threads", src="many_threads.c", cc="gcc",
         flags=["-O0", "-g", "-pthread"], mode="all",
         expect=["crash_main_thread"], lines=[("blocked_worker", 64, "blocked_worker frames")]),
    dict(name="cxx-templates", src="cxx_templates.cc", cc="g++", flags=["-O2", "-g"],
         mode="crash", expect=["visit"],
         # run_query also appears inside visit's name, as its lambda's scope
         lines=[(r"^(?!.*visit).*run_query\(", 1, "a run_query frame")]),
    # the big workloads: only with --big or when named in --only
    dict(name="deep-100k", src="deep_stack.c", cc="gcc", flags=["-O0", "-g", "-DDEPTH=100000"],
         mode="crash", expect=["crash_at_bottom"], big=True,
         lines=[("recurse_down", 100000, "recurse_down frames")]),
    dict(name="threads-1000", src="many_threads.c", cc="gcc",
         flags=["-O0", "-g", "-pthread", "-DNTHREADS=1000"], mode="all", big=True,
         expect=["crash_main_thread"], lines=[("blocked_worker", 1000, "blocked_worker frames")]),
    dict(name="sparse-8g", src="sparse_core.c", cc="gcc", flags=["-O0", "-g"], mode="crash",
         big=True, expect=["crash_in_sparse"]),
]

# corpus cores: name, compressed core, compressed executable (or None),
# mode, expected strings
FROM_CORPUS = [
    dict(name="elfutils-backtrace",
         core=os.path.join(CORPUS, "elfutils", "backtrace.x86_64.core.bz2"),
         exe=os.path.join(CORPUS, "elfutils", "backtrace.x86_64.exec.bz2"),
         mode="crash", expect=["raise", "sigusr2", "backtracegen"]),
    # no executable and no libraries: only addresses; the crashing thread's
    # pc is 0x7fd380fdbabf.  13 threads, so every thread's stack is asked for.
    dict(name="drgn-multithreaded",
         core=os.path.join(CORPUS, "drgn", "multithreaded.core.zst"),
         exe=None, mode="all", expect=["fdbabf"]),
]


# kernel dumps: a scenario of tests/lib/kernel_scenarios.py (its ELF dump);
# both tools must show the faulting module function, the panic task and
# the log's panic line
KERNEL = [
    dict(name="kernel-oops", scenario="null", mode="kernel",
         expect=["pmdbcrash_ioctl", "pmdbtrigger", "Kernel panic - not syncing: Fatal exception"]),
    # the corpus's dump without VMCOREINFO: pmdb finds the kernel in it with
    # no vmlinux, crash is given the debug vmlinux
    dict(name="kernel-nonote", corpus="kernel/qemu-novmcoreinfo-96m.vmcore.elf", mode="kernel",
         expect=["write_sysrq_trigger", "mdbcrash", "Kernel panic - not syncing: sysrq triggered crash"]),
]


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def _newer(a, b):
    return os.path.exists(a) and os.path.getmtime(a) >= os.path.getmtime(b)


def _run(argv, **kw):
    p = subprocess.run(argv, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        raise BenchError(f"{' '.join(argv)} failed:\n{p.stdout}{p.stderr}")
    return p


class CorePattern:
    """Make sure cores land in the crashing program's working directory as
    'core': set core_pattern if it is not 'core' (as root), and put the old
    value back afterwards."""

    def __init__(self):
        self.old = None

    def __enter__(self):
        with open(CORE_PATTERN) as f:
            pattern = f.read().strip()
        if pattern == "core":
            return self
        try:
            with open(CORE_PATTERN, "w") as f:
                f.write("core\n")
        except OSError as e:
            raise BenchError(
                f"{CORE_PATTERN} is '{pattern}', not 'core', and this cannot set it ({e}): "
                f"the crashing programs' cores would not land in build/bench/.  Stopping; "
                f"set it by hand (as root: echo core > {CORE_PATTERN}) and run again")
        self.old = pattern
        log(f"set {CORE_PATTERN} from '{pattern}' to 'core' while making the cores")
        return self

    def __exit__(self, *exc):
        if self.old is not None:
            try:
                with open(CORE_PATTERN, "w") as f:
                    f.write(self.old + "\n")
                log(f"restored {CORE_PATTERN} to '{self.old}'")
            except OSError as e:
                log(f"could not restore {CORE_PATTERN} to '{self.old}': {e}")
        return False


def crash(exe, workdir):
    """Run exe (a path, or an argv) in workdir until it dies of a signal;
    return the core's path."""
    for old in glob.glob(os.path.join(workdir, "core*")):
        os.unlink(old)

    def limits():
        resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))

    argv = [exe] if isinstance(exe, str) else exe
    p = subprocess.Popen(argv, cwd=workdir, preexec_fn=limits, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        rc = p.wait(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        raise BenchError(f"{exe} hung instead of crashing")
    if rc >= 0:
        raise BenchError(f"{exe} exited with {rc} instead of dying of a signal")
    found = sorted(glob.glob(os.path.join(workdir, "core*")), key=os.path.getmtime)
    if not found:
        raise BenchError(f"{exe} died of signal {-rc} but left no core in {workdir} "
                         f"(check {CORE_PATTERN} and RLIMIT_CORE)")
    core = os.path.join(workdir, "core")
    if found[-1] != core:
        os.rename(found[-1], core)
    return core


def make_built_cores(specs):
    """Compile bench/progs/* into build/bench/NAME/ and crash them; reuse a
    core that is newer than its executable, itself newer than its source."""
    cores, todo = [], []
    for s in specs:
        src = os.path.join(PROGS, s["src"])
        workdir = os.path.join(OUT, s["name"])
        exe = os.path.join(workdir, os.path.splitext(s["src"])[0])
        core = os.path.join(workdir, "core")
        fresh = _newer(exe, src) and _newer(exe, __file__) and _newer(core, exe)
        cores.append(dict(s, exe=exe, core=core, source=os.path.relpath(src, ROOT)))
        if not fresh:
            todo.append((s, src, workdir, exe))
    if not todo:
        return cores
    with CorePattern():
        for s, src, workdir, exe in todo:
            log(f"building and crashing {s['name']} ({s['cc']} {' '.join(s['flags'])})")
            shutil.rmtree(workdir, ignore_errors=True)
            os.makedirs(workdir)
            _run([s["cc"], "-Wall"] + s["flags"] + ["-o", exe, src])
            crash(exe, workdir)
    return cores


def _decompress(src, dest, mode=0o644):
    if _newer(dest, src):
        return
    tmp = dest + ".tmp"
    if src.endswith(".bz2"):
        with bz2.open(src, "rb") as fi, open(tmp, "wb") as fo:
            shutil.copyfileobj(fi, fo, 1 << 20)
    elif src.endswith(".zst"):
        if not shutil.which("zstd"):
            raise BenchError(f"zstd is needed to decompress {src}")
        _run(["zstd", "-dqf", src, "-o", tmp])
    else:
        raise BenchError(f"don't know how to decompress {src}")
    os.chmod(tmp, mode)
    os.replace(tmp, dest)


def corpus_cores(specs):
    cores = []
    outdir = os.path.join(OUT, "corpus")
    for s in specs:
        if not os.path.exists(s["core"]) or (s["exe"] and not os.path.exists(s["exe"])):
            log(f"{s['name']}: {s['core']} not present, skipped")
            continue
        os.makedirs(outdir, exist_ok=True)
        base = lambda p: os.path.join(outdir, os.path.basename(os.path.splitext(p)[0]))
        core = base(s["core"])
        _decompress(s["core"], core)
        exe = None
        if s["exe"]:
            exe = base(s["exe"])
            _decompress(s["exe"], exe, 0o755)
        cores.append(dict(s, core=core, exe=exe, source=os.path.relpath(s["core"], CORPUS)))
    return cores


def kernel_dumps(specs):
    """The scenarios' dumps (booted once, ~10 s each, then kept under
    build/kernel-lab/scenarios) and the debug vmlinux crash needs."""
    if not specs:
        return []
    sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
    try:
        import kernel_lab
        import kernel_scenarios
    except ImportError as e:
        log(f"kernel dumps skipped: {e}")
        return []
    if not kernel_lab.available():
        log("kernel dumps skipped: the kernel lab (../shared/kernel-lab) is not here")
        return []
    lab = kernel_lab.setup()
    got = kernel_scenarios.setup([s["scenario"] for s in specs if "scenario" in s])
    cmds = os.path.join(OUT, "crash-cmds.txt")
    os.makedirs(OUT, exist_ok=True)
    with open(cmds, "w") as f:
        f.write("\n".join(KERNEL_CRASH + ["quit"]) + "\n")
    out = []
    for s in specs:
        if "scenario" in s:
            path = got[s["scenario"]].elf
        else:
            import corpus
            path = os.path.join(corpus.prepare(), s["corpus"])
        out.append(dict(s, core=path, exe=None, vmlinux=lab.vmlinux, crash_cmds=cmds,
                        source=os.path.relpath(path, ROOT)))
    return out


# --- the tools --------------------------------------------------------------

def lldb_env():
    """Debian 12's lldb-14 looks for its Python package in the wrong place
    ('lldb -P' names /usr/lib/local/..., and .../llvm-14/lib/python3/ holds
    only _lldb.so) while python3-lldb-14 installs it under
    /usr/lib/llvm-14/lib/python3.X/dist-packages: lldb then prints Python
    tracebacks at start-up.  Point PYTHONPATH at the real package."""
    lldb = shutil.which("lldb")
    try:
        ppath = subprocess.run(["lldb", "-P"], capture_output=True, text=True,
                               timeout=30).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return {}
    if ppath and os.path.exists(os.path.join(ppath, "lldb", "__init__.py")):
        return {}
    prefix = os.path.dirname(os.path.dirname(os.path.realpath(lldb)))  # /usr/lib/llvm-14
    for cand in sorted(glob.glob(os.path.join(prefix, "lib", "python3*", "dist-packages"))):
        if os.path.exists(os.path.join(cand, "lldb", "__init__.py")):
            return {"PYTHONPATH": cand}
    return {}


def tool_argv(tool, pmdb, core):
    if "own_tools" in core:
        return core["own_tools"][tool][0](pmdb)
    exe, path, every = core["exe"], core["core"], core["mode"] == "all"
    if core["mode"] == "kernel":
        if tool == "pmdb":
            return [pmdb, path, "-e", KERNEL_PMDB]
        if tool == "crash":
            return ["crash", "-s", core["vmlinux"], path, "-i", core["crash_cmds"]]
        raise ValueError(tool)
    if tool in ("pmdb", "pmdb-nocache"):
        cmds = "::status; ::walk thread | ::findstack" if every else "::status; $C"
        opts = ["--no-cache"] if tool == "pmdb-nocache" else []
        return [pmdb] + opts + ([exe] if exe else []) + [path, "-e", cmds]
    if tool == "gdb":
        return (["gdb", "-batch", "-nx", "-ex", "thread apply all bt" if every else "bt"]
                + ([exe] if exe else []) + ["-c", path])
    if tool == "eu-stack":
        # eu-stack always shows every thread (its -1 needs a live -p PID);
        # -i: inline frames, as the others show them (it then reads DWARF);
        # -n 0: no 256-frame cap, so that it shows the whole stack like the others
        return ["eu-stack", "-i", "-n", "0", "--core", path] + (["-e", exe] if exe else [])
    if tool == "lldb":
        # -x: no ~/.lldbinit, as gdb's -nx
        return (["lldb", "--batch", "-x", "-o", "bt all" if every else "bt", "-c", path]
                + ([exe] if exe else []))
    raise ValueError(tool)


def tool_version(tool, pmdb):
    argv = {"pmdb": [pmdb, "--version"], "pmdb-nocache": [pmdb, "--version"], "gdb": ["gdb", "--version"],
            "eu-stack": ["eu-stack", "--version"], "lldb": ["lldb", "--version"],
            "crash": ["crash", "--version"]}[tool]
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=30).stdout
        lines = [l.strip() for l in out.splitlines() if l.strip()]
        return lines[0] if lines else "?"
    except (OSError, subprocess.TimeoutExpired):
        return None


def build_measure():
    """Compile bench/measure.c (see there why Python does not fork the
    tools itself) into build/bench/measure."""
    src = os.path.join(ROOT, "bench", "measure.c")
    exe = os.path.join(OUT, "measure")
    if _newer(exe, src):
        return exe
    for extra in (["-static"], []):  # static: the smallest RSS floor
        p = subprocess.run(["gcc", "-O2", "-Wall"] + extra + ["-o", exe, src],
                           capture_output=True, text=True)
        if p.returncode == 0:
            return exe
    raise BenchError(f"cannot compile {src}:\n{p.stderr}")


def measure(helper, argv, env, out_path, timeout):
    """Run argv once through the helper; return (wall seconds, ru_maxrss
    KiB, exit status or -signal, timed_out).  Output goes to out_path."""
    p = subprocess.run([helper, out_path, str(int(timeout + 0.999))] + argv,
                       capture_output=True, text=True, env=env, cwd=OUT)
    fields = p.stdout.split()
    if p.returncode != 0 or len(fields) != 4:
        raise OSError(f"measure failed: {p.stderr.strip() or p.stdout.strip()}")
    ns, rss, status, timed_out = map(int, fields)
    return ns / 1e9, rss, status, bool(timed_out)


def check_output(text, core):
    """Why this output is not the backtrace we asked for, or None."""
    for s in core["expect"]:
        if s not in text:
            return f"output does not mention {s}"
    for rx, n, what in core.get("lines", []):
        got = len(re.findall(rx, text, re.M))
        if got < n:
            return f"{got} {what}, want >= {n} (backtrace cut short?)"
    return None


def core_tools(core, tools):
    """The tools that apply to this core: crash to kernel dumps only, the
    user-space debuggers to user cores only."""
    if "own_tools" in core:  # ceph-mon's columns: each needs its base tool
        return [t for t, (_, base) in core["own_tools"].items() if base in tools]
    fit = KERNEL_TOOLS if core["mode"] == "kernel" else USER_TOOLS
    return [t for t in tools if t in fit]


def bench_core(core, tools, pmdb, runs, timeout, envs, helper):
    tools = core_tools(core, tools)
    timeout = max(timeout, core.get("min_timeout", 0))
    res = {}
    outdir = os.path.join(OUT, "out")
    os.makedirs(outdir, exist_ok=True)
    for tool in tools:
        res[tool] = dict(argv=tool_argv(tool, pmdb, core), times=[], rss=[], status=None,
                         reason=None, exit=[], output=os.path.join(outdir, f"{core['name']}.{tool}.txt"))
    # the warm-up run, also the one whose output is kept and checked first
    for rnd in range(runs + 1):
        for tool in tools:
            r = res[tool]
            if r["status"] == "FAILED":
                continue
            path = r["output"] if rnd == 0 else r["output"] + ".run"
            try:
                env = envs[core["own_tools"][tool][1]] if "own_tools" in core else envs[tool]
                wall, rss, rc, to = measure(helper, r["argv"], env, path, timeout)
            except OSError as e:
                r["status"], r["reason"] = "FAILED", f"cannot run: {e}"
                continue
            with open(path, "rb") as f:
                text = f.read().decode("utf-8", "replace")
            why = None
            if to:
                why = f"timed out after {timeout} s"
            elif rc < 0:
                why = f"killed by signal {-rc}"
            else:
                why = check_output(text, core)
            if why:
                if rnd > 0:  # keep the failing run's output
                    os.replace(path, r["output"] + ".failed")
                    path = r["output"] + ".failed"
                r["status"], r["reason"] = "FAILED", f"{why} (exit {rc}; see {os.path.relpath(path, ROOT)})"
                if rnd == 0:
                    r["times"], r["rss"] = [wall], [rss]  # for the record only
                continue
            r["exit"].append(rc)
            if rnd > 0:
                r["times"].append(wall)
                r["rss"].append(rss)
    for tool in tools:
        r = res[tool]
        if os.path.exists(r["output"] + ".run"):
            os.unlink(r["output"] + ".run")
        if r["status"] != "FAILED":
            r["status"] = "ok"
            r["median_ms"] = statistics.median(r["times"]) * 1000
            r["peak_rss_kib"] = max(r["rss"])
    base = res.get("pmdb")
    for tool in tools:
        r = res[tool]
        ok = r["status"] == "ok" and base and base["status"] == "ok"
        r["time_ratio"] = r["median_ms"] / base["median_ms"] if ok else None
        r["rss_ratio"] = r["peak_rss_kib"] / base["peak_rss_kib"] if ok else None
    return res


# --- report -----------------------------------------------------------------

def fmt_ratio(x):
    return "-" if x is None else f"{x:.1f}x"


def print_table(core, res, tools):
    tools = core_tools(core, tools)
    what = {"all": "all threads", "kernel": f"kernel dump: pmdb -e '{KERNEL_PMDB}', crash: "
            f"{', '.join(KERNEL_CRASH)}"}.get(core["mode"], "crashing thread")
    exe = os.path.relpath(core["exe"], ROOT) if core["exe"] else "(no executable)"
    size = os.path.getsize(core["core"]) / (1 << 20)
    print(f"\n== {core['name']}: {what}; {os.path.relpath(core['core'], ROOT)} "
          f"({size:.1f} MiB), {exe}")
    print(f"{'tool':<10} {'median ms':>10} {'peak RSS MiB':>13} {'time/pmdb':>10} {'rss/pmdb':>9}")
    notes = []
    for tool in tools:
        r = res[tool]
        if r["status"] != "ok":
            print(f"{tool:<10} {'FAILED':>10} {'-':>13} {'-':>10} {'-':>9}")
            notes.append(f"   {tool}: {r['reason']}")
            continue
        print(f"{tool:<10} {r['median_ms']:>10.1f} {r['peak_rss_kib'] / 1024:>13.1f} "
              f"{fmt_ratio(r['time_ratio']):>10} {fmt_ratio(r['rss_ratio']):>9}")
        odd = sorted(set(r["exit"]) - {0})
        if odd:
            notes.append(f"   {tool}: exit status {', '.join(map(str, odd))} (output was checked and is fine)")
    for n in notes:
        print(n)


def summary_line(core, res, tools):
    tools = core_tools(core, tools)
    parts = []
    for tool in tools:
        if tool == "pmdb":
            continue
        r = res[tool]
        if r["status"] != "ok":
            parts.append(f"{tool}/pmdb FAILED ({tool})")
        elif res["pmdb"]["status"] != "ok":
            parts.append(f"{tool}/pmdb n/a (pmdb FAILED)")
        else:
            parts.append(f"{tool}/pmdb time {r['time_ratio']:.1f}x rss {r['rss_ratio']:.1f}x")
    return f"{core['name']}: " + "; ".join(parts)


def git_head():
    p = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"],
                       capture_output=True, text=True)
    return p.stdout.strip() or None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5, help="timed runs per tool and core (default 5)")
    ap.add_argument("--big", action="store_true",
                    help="also the big workloads: 100,000 frames, 1,000 threads, an 8 GiB sparse core")
    ap.add_argument("--json", metavar="FILE", help="also write the numbers to FILE")
    ap.add_argument("--only", metavar="CORE,...", help="only these cores")
    ap.add_argument("--tools", default=",".join(TOOLS), help="tools to run (default: all)")
    ap.add_argument("--timeout", type=float, default=60, help="seconds per run (default 60)")
    ap.add_argument("--pmdb", default=os.path.join(ROOT, "build", "pmdb"))
    args = ap.parse_args()
    if args.runs < 1:
        ap.error("--runs must be at least 1")

    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    for t in tools:
        if t not in TOOLS:
            ap.error(f"unknown tool {t} (known: {', '.join(TOOLS)})")
    if "pmdb" not in tools:
        tools.insert(0, "pmdb")  # the ratios need it
    if not os.access(args.pmdb, os.X_OK):
        raise BenchError(f"{args.pmdb} is missing: build it with 'make -s'")
    args.pmdb = os.path.abspath(args.pmdb)
    for t in list(tools):
        if not t.startswith("pmdb") and not shutil.which(t):
            log(f"{t} is not installed (scripts/deps.sh bench installs it): left out")
            tools.remove(t)

    os.makedirs(OUT, exist_ok=True)
    t_start = time.monotonic()
    built = [s for s in BUILT if args.big or not s.get("big")]
    corpus = FROM_CORPUS
    kernel = KERNEL if "crash" in tools else []
    if args.only:
        want = set(args.only.split(","))
        known = {s["name"] for s in BUILT + FROM_CORPUS + KERNEL} | {"triage", "live", "ceph-mon", "python"}
        if want - known:
            ap.error(f"unknown core(s) {', '.join(sorted(want - known))} (known: {', '.join(sorted(known))})")
        built = [s for s in BUILT if s["name"] in want]
        corpus = [s for s in FROM_CORPUS if s["name"] in want]
        kernel = [s for s in KERNEL if s["name"] in want]
    cores = make_built_cores(built) + corpus_cores(corpus) + kernel_dumps(kernel)
    if args.only and "ceph-mon" in want:
        import ceph
        try:
            cores.append(ceph.make_core(OUT, _run, CorePattern, log))
        except (RuntimeError, BenchError, OSError, subprocess.SubprocessError) as e:
            raise BenchError(f"ceph-mon workload: {e}")
    if args.only and "python" in want:
        import python
        try:
            cores.append(python.make_core(OUT, crash, CorePattern, log))
        except (RuntimeError, BenchError, OSError, subprocess.SubprocessError) as e:
            raise BenchError(f"python workload: {e}")
    helper = build_measure()

    base_env = dict(os.environ, LC_ALL="C")
    base_env.pop("DEBUGINFOD_URLS", None)  # no network look-ups, for any tool
    envs = {t: base_env for t in tools}
    envs["pmdb"] = dict(base_env, PMDB_CACHE_DIR=os.path.join(OUT, "cache"))
    if "lldb" in tools:
        extra = lldb_env()
        if extra:
            log(f"lldb: its Python package is not where it looks; using PYTHONPATH={extra['PYTHONPATH']}")
            envs["lldb"] = dict(base_env, **extra)
    versions = {t: tool_version(t, args.pmdb) for t in tools}

    print(f"pmdb benchmark: {args.runs} runs (+1 warm-up) per tool and core; median wall "
          f"time, max peak RSS (ru_maxrss); ratios are tool/pmdb, > 1 means pmdb is better")
    print("tools: " + "; ".join(f"{t}: {versions[t]}" for t in tools))
    results, summary = {}, []
    for core in cores:
        res = bench_core(core, tools, args.pmdb, args.runs, args.timeout, envs, helper)
        results[core["name"]] = (core, res)
        print_table(core, res, tools)
        summary.append(summary_line(core, res, tools))
    if summary:
        print("\nsummary (tool/pmdb; > 1 means pmdb is faster / smaller):")
    for line in summary:
        print("  " + line)
    triage_res = None
    if args.only and "triage" in want:
        import triage
        triage_res = triage.bench(args.pmdb, OUT, PROGS, _run, CorePattern, log, envs["pmdb"],
                                  args.runs, max(args.timeout, 600))
    live_res = None
    if args.only and "live" in want:
        import live
        live_res = live.bench(args.pmdb, OUT, PROGS, _run, log, args.runs)
    elapsed = time.monotonic() - t_start
    print(f"\n({elapsed:.0f} s in all)")

    if args.json:
        doc = dict(
            date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            host=dict(machine=platform.machine(), kernel=platform.release(), cpus=os.cpu_count()),
            runs=args.runs, versions=versions, elapsed_s=round(elapsed, 1),
            pmdb_commit=git_head(), lldb_env=envs["lldb"].get("PYTHONPATH") and
            {"PYTHONPATH": envs["lldb"]["PYTHONPATH"]} if "lldb" in envs else None,
            cores={}, triage=triage_res, live=live_res)
        for name, (core, res) in results.items():
            doc["cores"][name] = dict(
                core=core["core"], exe=core["exe"], source=core["source"], mode=core["mode"],
                core_bytes=os.path.getsize(core["core"]),
                tools={t: dict(status=r["status"], reason=r["reason"], argv=r["argv"],
                               median_ms=r.get("median_ms"),
                               times_ms=[round(x * 1000, 3) for x in r["times"]],
                               peak_rss_kib=r.get("peak_rss_kib"),
                               time_ratio=r["time_ratio"], rss_ratio=r["rss_ratio"])
                       for t, r in res.items()})
        with open(args.json, "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
        print(f"wrote {args.json}")
    failed = [n for n, (_, res) in results.items() if res["pmdb"]["status"] != "ok"]
    if triage_res and triage_res["status"] != "ok":
        failed.append("triage")
    if failed:
        log(f"pmdb FAILED on {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        print(f"bench: {e}", file=sys.stderr)
        sys.exit(1)
