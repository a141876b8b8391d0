"""pmdb -p PID on a running process (tests/progs/live_wait.c): threads,
registers and frames against gdb attaching to the same process, the dcmds
of a core, every way out leaving the process running, and the errors."""
import ctypes
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

import gdb_oracle
import pmdb

ROOT = Path(pmdb.ROOT)
EXE = ROOT / "build" / "progs" / "live_wait" / "live_wait"
SRC = ROOT / "tests" / "progs" / "live_wait.c"
WORKER_FUNCS = ["wait_cond", "wait_read", "wait_sleep"]


def build():
    if not EXE.exists() or EXE.stat().st_mtime_ns < SRC.stat().st_mtime_ns:
        EXE.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["cc", "-O0", "-g", "-pthread", "-o", str(EXE), str(SRC)], check=True)


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    """A running live_wait and the file it counts in."""
    build()
    counter = tmp_path_factory.mktemp("live") / "count"
    p = subprocess.Popen([str(EXE), str(counter)], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    yield p, counter
    p.kill()
    p.wait()


def proc_state(pid):
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat[stat.rindex(")") + 2]


def tracer(pid):
    m = re.search(r"^TracerPid:\s*(\d+)", Path(f"/proc/{pid}/status").read_text(), re.M)
    return int(m.group(1))


def count(counter):
    for _ in range(100):
        txt = counter.read_text().strip()
        if txt:
            return int(txt)
        time.sleep(0.005)
    raise AssertionError("the counter file stays empty")


def assert_runs_on(p, counter):
    """Not traced, not stopped, and still counting."""
    assert tracer(p.pid) == 0
    for tid in os.listdir(f"/proc/{p.pid}/task"):
        st = Path(f"/proc/{p.pid}/task/{tid}/stat").read_text()
        assert st[st.rindex(")") + 2] not in "tT", (tid, st)
    before = count(counter)
    deadline = time.time() + 3
    while count(counter) <= before:
        assert time.time() < deadline, "the process makes no progress after pmdb left"
        time.sleep(0.02)


def gdb_attach(pid):
    argv = ["gdb", "-batch", "-nx", "-q", "-p", str(pid)]
    for c in gdb_oracle._gdb_cmds():
        argv += ["-ex", c]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=60, errors="replace")
    return gdb_oracle.parse(proc.stdout), proc.stdout + proc.stderr


def test_against_gdb(target):
    p, counter = target
    tids = sorted(int(t) for t in os.listdir(f"/proc/{p.pid}/task"))
    script = "::walk thread\n" + "\n".join(
        f"0t{t}::context\n!echo ==={t}===\n$r\n!echo ---\n::stack -p" for t in tids)
    r = pmdb.run(["-p", str(p.pid)], script)
    assert r.rc == 0, r
    head, *parts = re.split(r"^===(\d+)===$", r.out, flags=re.M)
    assert sorted(int(t[2:]) for t in head.split()) == tids
    mine = {}
    for tid, body in zip(parts[::2], parts[1::2]):
        regs_txt, _, stack_txt = body.partition("\n---\n")
        mine[int(tid)] = (pmdb.parse_regs(regs_txt), pmdb.parse_stack(stack_txt))
    assert_runs_on(p, counter)

    g, raw = gdb_attach(p.pid)
    assert sorted(g["threads"]) == tids, raw
    workers = [t for t in tids if t != p.pid]
    for tid in workers:       # blocked for good: the same state both times
        regs, frames = mine[tid]
        for reg in ["rip", "rsp", "rbp", "rbx", "r12", "r13", "r14", "r15"]:
            assert regs[reg] == g["regs"][tid][reg], (tid, reg, raw)
        # gdb rebuilds tail-call frames from DW_TAG_call_site; pmdb shows the stack
        theirs = [f for f in g["frames"][tid] if f["kind"] not in ("inline", "tailcall")]
        physical = [f for f in frames if f[2] != "inline"]
        assert [f[0] for f in physical] == [f["pc"] for f in theirs], (tid, [(hex(f[0]), f[1]) for f in physical], [(hex(f["pc"] or 0), f["name"]) for f in theirs])
        names = [f[1] for f in physical]
        assert names[-4:-2] == ["level2", "worker"], names
        assert names[-5] in WORKER_FUNCS and [f["name"] for f in theirs][-5] == names[-5]
    # main runs between the two attaches: only where it is
    assert "main" in [f[1] for f in mine[p.pid][1]]
    assert_runs_on(p, counter)


def test_dcmds(target):
    p, counter = target
    r = pmdb.run(["-p", str(p.pid)],
                 "::status\n::p counter\n::p counter.path\n::analyze\nmain::dis -n 2\n$C\n::stacks")
    assert r.rc == 0, r
    f = pmdb.status_fields(r.out)
    assert r.out.startswith(f"debugging PID {p.pid} (live_wait, 64-bit)")
    assert f["command line"] == f"{EXE} {counter}"
    assert f["threads"] == "4"
    assert re.search(r"value = (0x)?[0-9a-f]+", r.out)
    assert f'"{counter}"' in r.out
    assert f["class"] == "no-crash"
    assert re.search(r"main\+0x1 +pushq|main +pushq", r.out)
    for fn in WORKER_FUNCS + ["tick"]:
        assert fn in r.out
    assert_runs_on(p, counter)


def default_signals():
    """pmdb keeps a signal its parent ignored (nohup) ignored; these tests
    send the signals, so they must not inherit an ignored SIGHUP."""
    for sig in (signal.SIGHUP, signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)


def attach_interactive(pid):
    """pmdb -p reading commands from a pipe, once it has stopped the process."""
    q = subprocess.Popen([pmdb.PMDB, "-p", str(pid)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         preexec_fn=default_signals)
    deadline = time.time() + 10
    while tracer(pid) != q.pid:
        assert time.time() < deadline and q.poll() is None, q.communicate()
        time.sleep(0.01)
    # attached; wait until it reads commands (it answers one)
    q.stdin.write("::status\n")
    q.stdin.flush()
    assert q.stdout.readline().startswith("debugging PID")
    return q


@pytest.mark.parametrize("how", ["$q", "eof", "SIGINT", "SIGTERM", "SIGHUP", "SIGSEGV", "SIGABRT"])
def test_ways_out(target, how):
    p, counter = target
    q = attach_interactive(p.pid)
    assert proc_state(p.pid) in "tT"
    if how == "$q":
        q.stdin.write("$q\n")
        q.stdin.flush()
    elif how == "eof":
        q.stdin.close()
    else:
        q.send_signal(getattr(signal, how))
    q.wait(timeout=10)
    if how.startswith("SIG"):
        assert q.returncode == -getattr(signal, how)
    else:
        assert q.returncode == 0
    assert_runs_on(p, counter)


def test_e_and_analyze(target):
    p, counter = target
    r = pmdb.run(["-p", str(p.pid), "--analyze"])
    assert r.rc == 0 and "class: no-crash" in r.out, r
    assert_runs_on(p, counter)


def test_no_such_pid():
    r = pmdb.run(["-p", "4194303"], "::status")
    assert r.rc == 2 and "no such process: pid 4194303" in r.err, r
    r = pmdb.run(["-p", "abc"], "::status")
    assert r.rc == 2 and "not a process id" in r.err, r


def test_zombie():
    z = subprocess.Popen(["true"])
    deadline = time.time() + 5
    while proc_state(z.pid) != "Z":
        assert time.time() < deadline
        time.sleep(0.01)
    r = pmdb.run(["-p", str(z.pid)], "::status")
    z.wait()
    assert r.rc == 2 and "is a zombie" in r.err, r


def test_already_traced(target):
    p, counter = target
    libc = ctypes.CDLL(None, use_errno=True)
    PTRACE_SEIZE, PTRACE_DETACH = 0x4206, 17
    # a tracer that does not stop it: seize from a child so this process
    # (pytest) is left untouched when the child exits
    child = os.fork()
    if child == 0:
        rc = libc.ptrace(PTRACE_SEIZE, p.pid, 0, 0)
        os.write(1, b"")
        time.sleep(1.5 if rc == 0 else 0)
        os._exit(0 if rc == 0 else 1)
    try:
        deadline = time.time() + 5
        while tracer(p.pid) != child:
            assert time.time() < deadline, "the helper could not seize the process"
            time.sleep(0.01)
        r = pmdb.run(["-p", str(p.pid)], "::status")
        assert r.rc == 2 and f"already traced by pid {child}" in r.err, r
    finally:
        os.waitpid(child, 0)
    assert_runs_on(p, counter)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop to another user")
def test_permission_denied(target):
    p, counter = target
    argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
            pmdb.PMDB, "-p", str(p.pid), "-e", "::status"]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    if "Permission denied" in r.stderr and "pmdb" not in r.stderr.split(":")[0]:
        pytest.skip("nobody cannot run build/pmdb here")
    assert r.returncode == 2 and "permission denied" in r.stderr, r.stderr
    assert_runs_on(p, counter)


@pytest.mark.skipif(not os.path.exists(pmdb.ASAN), reason="make asan first")
def test_asan(target):
    p, counter = target
    r = subprocess.run([pmdb.ASAN, "-p", str(p.pid), "-e",
                        "::status; $C; ::stacks; $r; ::mappings; ::modules; ::analyze -j; "
                        "::p counter; main::dis"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "Sanitizer" not in r.stderr, r.stderr
    assert_runs_on(p, counter)


def test_nostop_keeps_the_process_running(target):
    """-o nostop: while pmdb still has the session open, the process is not
    traced and keeps counting; the worker threads' frames (unwound from the
    stack copies) are gdb's, and pc by pc the registers agree."""
    p, counter = target
    q = subprocess.Popen([pmdb.PMDB, "-p", str(p.pid), "-o", "nostop"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    q.stdin.write("::status\n")
    q.stdin.flush()
    assert q.stdout.readline().startswith(f"debugging PID {p.pid}")
    assert_runs_on(p, counter)          # pmdb is still there, reading commands
    tids = sorted(int(t) for t in os.listdir(f"/proc/{p.pid}/task"))
    workers = [t for t in tids if t != p.pid]
    script = "".join(f"0t{t}::context\n!echo ==={t}===\n$r\n!echo ---\n::stack -p\n" for t in workers)
    out, err = q.communicate(script + "::status\n", timeout=60)
    assert q.returncode == 0, err
    assert re.search(r"status: running \(-o nostop\).* at most \d+ us", out), out
    g, raw = gdb_attach(p.pid)
    compared = 0
    for tid, body in zip(re.findall(r"^===(\d+)===$", out, re.M), re.split(r"^===\d+===$", out, flags=re.M)[1:]):
        tid = int(tid)
        regs_txt, _, stack_txt = body.partition("\n---\n")
        regs, frames = pmdb.parse_regs(regs_txt), pmdb.parse_stack(stack_txt.split("debugging PID")[0])
        for reg in ["rip", "rsp", "rbp", "rbx"]:
            assert regs[reg] == g["regs"][tid][reg], (tid, reg, raw)
        theirs = [f for f in g["frames"][tid] if f["kind"] not in ("inline", "tailcall")]
        physical = [f for f in frames if f[2] != "inline"]
        assert [f[0] for f in physical] == [f["pc"] for f in theirs], tid
        compared += 1
    assert compared == len(workers) == 3
    assert_runs_on(p, counter)


def test_nostop_option_errors(target):
    p, _ = target
    r = pmdb.run(["-p", str(p.pid), "-o", "bogus"], "::status")
    assert r.rc == 2 and "-o bogus: unknown option (known: nostop)" in r.err, r
