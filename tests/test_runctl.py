"""Run control (:r, :c, :s, :e, ::step out, ::bp, signals, :k, ::release)
on tests/progs/runctl.c, against gdb running the same program with the same
commands: both run it with ASLR off, an absolute argv[0] and the same
environment, so every pc, sp and value must be the same.  Attached
processes (pmdb -p) are checked to be left running, breakpoints gone."""
import os
import re
import subprocess
from pathlib import Path

import pytest

import pmdb
from test_live import EXE as LIVE_EXE, assert_runs_on, build as build_live

ROOT = Path(pmdb.ROOT)
EXE = ROOT / "build" / "progs" / "runctl" / "runctl"
SRC = ROOT / "tests" / "progs" / "runctl.c"


def build_prog(exe, src):
    """cc -O0 -g src into exe, when exe is missing or older than src."""
    if not exe.exists() or exe.stat().st_mtime_ns < src.stat().st_mtime_ns:
        exe.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["cc", "-O0", "-g", "-pthread", "-o", str(exe), str(src)], check=True)


@pytest.fixture(scope="module", autouse=True)
def built():
    build_prog(EXE, SRC)


def env():
    """The same small environment for pmdb, gdb and so for the program."""
    keep = {k: v for k, v in os.environ.items()
            if k.startswith(("ASAN_", "LSAN_", "UBSAN_", "PMDB_CACHE"))}
    return dict(keep, PATH="/usr/bin:/bin", LC_ALL="C")


def run_pmdb(cmds, args=None, timeout=60):
    argv = [pmdb.PMDB] + (args if args is not None else [str(EXE)])
    p = subprocess.run(argv, input="\n".join(cmds) + "\n", capture_output=True, text=True,
                       timeout=timeout, env=env(), errors="replace")
    return p


def run_gdb(cmds, args=()):
    argv = ["gdb", "-batch", "-nx", "-q", "-ex", "set startup-with-shell off",
            "-ex", "unset environment LINES", "-ex", "unset environment COLUMNS",
            "-ex", "set pagination off", "-ex", "set width 0"]
    if args:
        argv += ["-ex", "set args " + " ".join(args)]
    for c in cmds:
        argv += ["-ex", c]
    p = subprocess.run(argv + [str(EXE)], capture_output=True, text=True, timeout=120, env=env(),
                       errors="replace")
    return p.stdout + p.stderr


def hexes(text, marker):
    """The values printed after each marker line."""
    return [int(v, 16) for v in re.findall(rf"^{marker}\s*\n(?:\$\d+ = )?(?:0x)?([0-9a-f]+)\s*$", text, re.M)]


def pm_regs(n):
    """pmdb commands printing pc and sp n times, :c between."""
    out = []
    for i in range(n):
        out += ["!echo PC", "<rip=K", "!echo SP", "<rsp=K", "!echo FRAMES", "$c", "!echo END"]
        if i + 1 < n:
            out.append(":c")
    return out


def gdb_regs(n):
    out = []
    for i in range(n):
        out += ["echo PC\\n", "p/x $pc", "echo SP\\n", "p/x $sp", "echo FRAMES\\n", "bt", "echo END\\n"]
        if i + 1 < n:
            out.append("continue")
    return out


def frame_names(text):
    """Function names of each $c / bt block, innermost first."""
    blocks = re.findall(r"^FRAMES\n(.*?)^END$", text, re.M | re.S)
    names = []
    for b in blocks:
        fs = []
        for ln in b.splitlines():
            m = re.match(r"#\d+\s+(?:0x[0-9a-f]+ in )?(\w+)", ln) or re.match(r"(\w+)(?:\+0x[0-9a-f]+)?\(", ln)
            if m:
                fs.append(m.group(1))
        names.append(fs)
    return names


def test_breakpoints_and_continue_match_gdb():
    n = 8   # compute 5..1 from main, then from the worker thread
    mine = run_pmdb(["::bp compute", ":r"] + pm_regs(n))
    assert mine.returncode == 0, mine.stderr
    theirs = run_gdb(["break *compute", "run"] + gdb_regs(n))
    pcs, sps = hexes(mine.stdout, "PC"), hexes(mine.stdout, "SP")
    assert len(pcs) == n, mine.stdout
    assert pcs == hexes(theirs, "PC"), (mine.stdout, theirs)
    assert sps == hexes(theirs, "SP"), (mine.stdout, theirs)
    ours, gdbs = frame_names(mine.stdout), frame_names(theirs)
    assert len(ours) == len(gdbs) == n and all(gdbs), (mine.stdout, theirs)
    for a, b in zip(ours, gdbs):
        # gdb's bt stops at main; pmdb goes on to _start (as `set backtrace past-main`);
        # glibc's aliases (__clone3, clone3) are spelled differently
        assert [f.lstrip("_") for f in a[:len(b)]] == [f.lstrip("_") for f in b], (a, b)
    assert any("worker" in f for f in ours), ours      # the thread's call stopped too
    assert mine.stdout.count("pmdb: stop at breakpoint 1") == n


def test_steps_match_gdb():
    pm = ["::bp outer", ":r"] + sum([[":s", "!echo PC", "<rip=K"] for _ in range(6)], []) + \
         sum([[":e", "!echo PC", "<rip=K"] for _ in range(6)], []) + ["::p total", "!echo PC", "<rip=K"]
    g = ["break *outer", "run"] + sum([["stepi", "echo PC\\n", "p/x $pc"] for _ in range(6)], []) + \
        sum([["nexti", "echo PC\\n", "p/x $pc"] for _ in range(6)], []) + ["p total", "echo PC\\n", "p/x $pc"]
    mine, theirs = run_pmdb(pm), run_gdb(g)
    assert mine.returncode == 0, mine.stderr
    a, b = hexes(mine.stdout, "PC"), hexes(theirs, "PC")
    assert len(a) == 13 and a == b, (mine.stdout, theirs)
    # the :e over `call compute` ran it: total was updated the same way
    ours = re.search(r"^\(int\) (\d+)$", mine.stdout, re.M)
    gdbs = re.findall(r"^\$\d+ = (\d+)$", theirs, re.M)
    assert ours and gdbs and ours.group(1) == gdbs[-1], (mine.stdout, theirs)


def test_step_out_matches_finish():
    pm = ["::bp compute", ":r", "::delete 1", "::step out", "!echo PC", "<rip=K", "!echo SP", "<rsp=K"]
    g = ["break *compute", "run", "delete 1", "finish", "echo PC\\n", "p/x $pc", "echo SP\\n", "p/x $sp"]
    mine, theirs = run_pmdb(pm), run_gdb(g)
    assert mine.returncode == 0, mine.stderr
    assert hexes(mine.stdout, "PC") == hexes(theirs, "PC") != [], (mine.stdout, theirs)
    assert hexes(mine.stdout, "SP") == hexes(theirs, "SP") != [], (mine.stdout, theirs)


def test_pending_library_breakpoint():
    mine = run_pmdb(["::bp printf", "::events", ":r", "::events", "$c"])
    # gdb's breakpoint lands past printf's prologue; its address is the oracle
    theirs = run_gdb(["break printf", "run", "p/x (long)&printf", "bt 2"])
    assert mine.returncode == 0, mine.stderr
    assert re.search(r"breakpoint 1 at printf: pending", mine.stdout)
    addr = int(re.search(r"^\s+1 0x([0-9a-f]+)\s+1\s", mine.stdout, re.M).group(1), 16)
    assert addr == int(re.search(r"\$1 = (0x[0-9a-f]+)", theirs).group(1), 16), (mine.stdout, theirs)
    # the stop is in printf, called from outer, for gdb as for pmdb
    assert re.search(r"^#1 .* in outer ", theirs, re.M), theirs
    assert re.search(r"^outer\+0x[0-9a-f]+\(\)", mine.stdout, re.M), mine.stdout


def test_signals():
    # by default SIGUSR1 stops it; :c hands it over and the handler runs
    r = run_pmdb([":r", "!echo SIG", ":c"])
    assert "pmdb: stop on SIGUSR1" in r.stdout and "usr1 1" in r.stdout, r.stdout
    # :c 0 discards it
    r = run_pmdb([":r", ":c 0"])
    assert "usr1 0" in r.stdout, r.stdout
    # :i: handed over without a stop
    r = run_pmdb(["::bp main", ":r", ":i USR1", ":c"])
    assert "stop on SIGUSR1" not in r.stdout and "usr1 1" in r.stdout, r.stdout
    m = re.search(r"terminated with status (\d+)", r.stdout)
    plain = subprocess.run([str(EXE)], capture_output=True, env=env())
    assert m and int(m.group(1)) == plain.returncode, r.stdout


def test_crash_stops_and_analyze_sees_it():
    mine = run_pmdb([":r", ":c", "!echo PC", "<rip=K", "::analyze"], args=["--args", str(EXE), "crash"])
    theirs = run_gdb(["run", "continue", "echo PC\\n", "p/x $pc"], args=["crash"])
    assert "pmdb: stop on SIGSEGV" in mine.stdout, mine.stdout
    assert hexes(mine.stdout, "PC") == hexes(theirs, "PC") != [], (mine.stdout, theirs)
    assert "class: null-deref" in mine.stdout, mine.stdout
    assert re.search(r"offset 0x8", mine.stdout), mine.stdout


def pid_of(text):
    return int(re.search(r"^pid: (\d+)", text, re.M).group(1))


def test_ways_out_of_a_started_program():
    # $q kills what :r started
    r = run_pmdb(["::bp compute", ":r", "::status", "$q"])
    pid = pid_of(r.stdout)
    assert not Path(f"/proc/{pid}").exists() or \
        Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] == "Z"
    # :k
    r = run_pmdb(["::bp compute", ":r", ":k", ":c"])
    assert "killed by SIGKILL" in r.stdout and "the process has exited" in r.stderr, r
    # ::release: it runs to its end on its own
    r = run_pmdb(["::bp compute", ":r", "::release", "::status"])
    assert "released pid" in r.stdout and "usr1 1" in r.stdout, r.stdout


def test_attached_process_breakpoint_then_left_running(tmp_path):
    build_live()
    counter = tmp_path / "count"
    p = subprocess.Popen([str(LIVE_EXE), str(counter)], stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().strip() == "ready"
        text_before = read_text_of(p.pid, "tick")
        r = run_pmdb(["::bp tick", ":c", "$c", ":c", "$c"], args=["-p", str(p.pid)])
        assert r.returncode == 0, r.stderr
        assert r.stdout.count("pmdb: stop at breakpoint 1") == 2, r.stdout
        assert re.search(r"^tick\(\)\nmain\+", r.stdout, re.M), r.stdout
        assert_runs_on(p, counter)
        assert read_text_of(p.pid, "tick") == text_before    # no int3 left behind
    finally:
        p.kill()
        p.wait()


def read_text_of(pid, func):
    """16 bytes of func's code, read from the process through /proc."""
    nm = subprocess.run(["nm", str(LIVE_EXE)], capture_output=True, text=True, check=True).stdout
    off = int(re.search(rf"^([0-9a-f]+) [Tt] {func}$", nm, re.M).group(1), 16)
    base = None
    for ln in Path(f"/proc/{pid}/maps").read_text().splitlines():
        if ln.endswith(str(LIVE_EXE)) and " 00000000 " in ln:
            base = int(ln.split("-")[0], 16)
            break
    with open(f"/proc/{pid}/mem", "rb") as f:
        f.seek(base + off)
        return f.read(16)


def test_errors():
    r = run_pmdb([":c", ":s", "::step out", ":k"])
    assert r.stderr.count("no process is running") == 4, r.stderr
    r = run_pmdb(["::delete 7", "::bp compute", ":r", "::step sideways", ":c SIGNOPE", "::bp"])
    assert "no breakpoint 7" in r.stderr and "::step takes 'over' or 'out'" in r.stderr, r.stderr
    assert ":c: unknown signal 'SIGNOPE'" in r.stderr and "::bp needs a symbol" in r.stderr, r.stderr
    import cores
    c = cores.make_core("null_read")
    r = run_pmdb([":r", ":c"], args=[c.exe, c.core])
    assert ":r starts a program: this session has a dump open" in r.stderr, r.stderr
    assert "no process is running" in r.stderr, r.stderr


def test_breakpoint_on_a_function_nothing_defines():
    # gdb: 'Function "nosuchfunc" not defined.', kept pending (breakpoint pending on),
    # listed as <PENDING>, never hit; the program runs to the same end
    mine = run_pmdb(["::bp main", ":r", "::bp nosuchfunc", "::events", ":c", ":c"])
    theirs = run_gdb(["set breakpoint pending on", "break main", "run", "break nosuchfunc",
                      "info breakpoints", "continue", "continue"])
    assert mine.returncode == 0, mine.stderr
    assert 'Function "nosuchfunc" not defined.' in theirs, theirs
    assert 'Function "nosuchfunc" not defined in any loaded object.' in mine.stdout, mine.stdout
    assert re.search(r"^2\s+breakpoint\s+keep\s+y\s+<PENDING>\s+nosuchfunc$", theirs, re.M), theirs
    assert re.search(r"breakpoint 2 at nosuchfunc: pending until a library that defines it", mine.stdout)
    assert re.search(r"^\s+2 \(pending\)\s+0  nosuchfunc$", mine.stdout, re.M), mine.stdout
    assert "exited normally" in theirs and "Breakpoint 2," not in theirs, theirs
    status = int(re.search(r"terminated with status (\d+)", mine.stdout).group(1))
    plain = subprocess.run([str(EXE)], capture_output=True, env=env())
    assert status == plain.returncode == 0, mine.stdout
    assert "stop at breakpoint 2" not in mine.stdout, mine.stdout


def opens_of(cmds, names):
    """How often pmdb (not the program: strace without -f) opened each file."""
    import shutil
    if not shutil.which("strace"):
        pytest.skip("strace is not installed")
    import tempfile
    with tempfile.NamedTemporaryFile("r", suffix=".strace") as log:
        # LeakSanitizer cannot run under a tracer: leaks are checked by the other tests
        e = env()
        e["ASAN_OPTIONS"] = ":".join(filter(None, [e.get("ASAN_OPTIONS"), "detect_leaks=0"]))
        p = subprocess.run(["strace", "-e", "trace=openat", "-o", log.name, pmdb.PMDB, str(EXE)],
                           input="\n".join(cmds) + "\n", capture_output=True, text=True, timeout=60,
                           env=e, errors="replace")
        text = log.read()
    return p, [len(re.findall(rf'openat\([^"]*"[^"]*{re.escape(n)}"', text)) for n in names]


def test_steps_keep_the_debug_session():
    # a step maps no new object: the debug session (and its files) stays;
    # the pcs are still gdb's
    names = [EXE.name, "libc.so.6"]
    steps = sum([[":s", "!echo PC", "<rip=K"] for _ in range(6)], [])
    p0, before = opens_of(["::bp outer", ":r"], names)
    p6, after = opens_of(["::bp outer", ":r"] + steps + ["$c"], names)
    assert p0.returncode == p6.returncode == 0, (p0.stderr, p6.stderr)
    assert all(before) and after == before, (before, after)
    theirs = run_gdb(["break *outer", "run"] + sum([["stepi", "echo PC\\n", "p/x $pc"] for _ in range(6)], []))
    assert hexes(p6.stdout, "PC") == hexes(theirs, "PC") != [], (p6.stdout, theirs)
    assert re.search(r"^outer\+0x[0-9a-f]+\(\)\nmain\+", p6.stdout, re.M), p6.stdout
