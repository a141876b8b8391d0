"""Run control of a program that forks (tests/progs/forker.c), against gdb
with its defaults (follow-fork-mode parent, detach-on-fork on): the child,
which calls the function with a breakpoint, is let go with the breakpoint
taken out of its memory and runs to its end; the parent stops at the
breakpoint.  Same program, same arguments, ASLR off for both."""
import re
import time
import subprocess
from pathlib import Path

import pytest

import pmdb
from test_runctl import build_prog, env, hexes

ROOT = Path(pmdb.ROOT)
EXE = ROOT / "build" / "progs" / "forker" / "forker"
SRC = ROOT / "tests" / "progs" / "forker.c"


@pytest.fixture(scope="module", autouse=True)
def built():
    build_prog(EXE, SRC)


def run_pmdb(cmds, args):
    p = subprocess.run([pmdb.PMDB, "--args", str(EXE)] + args, input="\n".join(cmds) + "\n",
                       capture_output=True, text=True, timeout=60, env=env(), errors="replace")
    assert p.returncode == 0, p.stderr
    return p.stdout


def run_gdb(cmds, args):
    argv = ["gdb", "-batch", "-nx", "-q", "-ex", "set startup-with-shell off",
            "-ex", "unset environment LINES", "-ex", "unset environment COLUMNS"]
    for c in cmds:
        argv += ["-ex", c]
    p = subprocess.run(argv + ["--args", str(EXE)] + args, capture_output=True, text=True,
                       timeout=120, env=env(), errors="replace")
    return p.stdout + p.stderr


def marker(path):
    """The child's "PID VALUE", or None if it never got to write it."""
    return tuple(int(v) for v in path.read_text().split()) if path.exists() else None


@pytest.mark.parametrize("extra", [[], ["spawn"]], ids=["fork", "fork+vfork"])
def test_fork_child_runs_on_and_parent_stops(tmp_path, extra):
    mine_m, gdb_m = tmp_path / "pmdb.marker", tmp_path / "gdb.marker"
    mine = run_pmdb(["::bp work", ":r", "!echo PC", "<rip=K", "!echo ARG", "<rdi=K", ":c"],
                    [str(mine_m)] + extra)
    theirs = run_gdb(["break *work", "run", "echo PC\\n", "p/x $pc", "echo ARG\\n", "p/x $rdi", "continue"],
                     [str(gdb_m)] + extra)
    # the child ran work() and wrote its marker; its exit status reached the parent
    ours, gdbs = marker(mine_m), marker(gdb_m)
    assert gdbs and gdbs[1] == 42, theirs
    assert ours and ours[1] == gdbs[1], mine
    assert re.search(rf"^child {ours[0]} status 0$", mine, re.M), mine
    assert re.search(rf"^child {gdbs[0]} status 0$", theirs, re.M), theirs
    # each says it let the child go, naming the child that wrote the marker
    assert f"[Detaching after fork from child process {gdbs[0]}]" in theirs, theirs
    assert f"pmdb: detaching after fork from child process {ours[0]}\n" in mine, mine
    # the parent stopped at the breakpoint once, in the same place with the same argument
    assert mine.count("pmdb: stop at breakpoint 1") == theirs.count("Breakpoint 1, ") == 1, (mine, theirs)
    assert hexes(mine, "PC") == hexes(theirs, "PC") != [], (mine, theirs)
    assert hexes(mine, "ARG") == hexes(theirs, "ARG") == [1], (mine, theirs)
    if extra:
        # posix_spawn is a vfork: the breakpoints come back once the child has exec'd
        sp = re.search(r"^spawned (\d+) status (\d+)$", mine, re.M)
        gsp = re.search(r"^spawned (\d+) status (\d+)$", theirs, re.M)
        assert sp and gsp and sp.group(2) == gsp.group(2) == "7", (mine, theirs)
        assert f"pmdb: detaching after vfork from child process {sp.group(1)}" in mine, mine
        assert f"[Detaching after vfork from child process {gsp.group(1)}]" in theirs, theirs
    assert "work 2" in mine and "work 2" in theirs
    assert "pmdb: target has terminated with status 0" in mine, mine
    assert "exited normally" in theirs, theirs


def test_attached_process_forks(tmp_path):
    # pmdb -p and gdb -p in turn on the same looping process: the child forked
    # while each is attached runs work() (breakpoint in) to its end, status 0
    m = tmp_path / "marker"
    p = subprocess.Popen([str(EXE), str(m), "loop"], stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().strip() == "ready"
        theirs = subprocess.run(["gdb", "-batch", "-nx", "-q", "-ex", "break work", "-ex", "continue",
                                 "-ex", "continue", "-ex", "detach", "-p", str(p.pid)],
                                capture_output=True, text=True, timeout=120, env=env()).stdout
        mine = subprocess.run([pmdb.PMDB, "-p", str(p.pid)], input="::bp work\n:c\n:c\n::release\n",
                              capture_output=True, text=True, timeout=60, env=env())
        assert mine.returncode == 0, mine.stderr
        mine = mine.stdout
        time.sleep(0.3)
        notes = m.read_text()
        gdb_kids = re.findall(r"\[Detaching after fork from child process (\d+)\]", theirs)
        our_kids = re.findall(r"^pmdb: detaching after fork from child process (\d+)$", mine, re.M)
        assert gdb_kids and our_kids, (mine, theirs)
        for kid in gdb_kids + our_kids:
            assert re.search(rf"^{kid} 42$", notes, re.M), (kid, notes)
            assert re.search(rf"^child {kid} status 0$", notes, re.M), (kid, notes)
        assert mine.count("pmdb: stop at breakpoint 1") == 2, mine
        assert "status 133" not in notes, notes      # no child died of SIGTRAP
    finally:
        p.kill()
        p.wait()
