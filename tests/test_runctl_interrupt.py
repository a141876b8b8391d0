"""Ctrl-C while the program runs (:c, :r) stops it and gives the prompt
back, as it does under gdb; pmdb does not die and the program does not get
the SIGINT.  tests/progs/live_wait.c loops forever (main counts in a file,
three threads block).  Two ways: SIGINT sent to pmdb while it runs :c on
an attached process (gdb gets the same), and ^C typed on a pseudo-terminal
where pmdb (or gdb) started the program, so that the program's process
group gets the SIGINT too.  And pmdb's run loop waits for the program's
threads only, not for another child of its own."""
import os
import pty
import re
import select
import signal
import subprocess
import time

import pmdb
from test_live import EXE, assert_runs_on, build, count, tracer
from test_runctl import env


def interrupt_after(proc, target, counter):
    """SIGINT the debugger once it traces the target and the count moves
    (it is past attaching and runs the target)."""
    deadline = time.time() + 30
    while tracer(target.pid) != proc.pid and time.time() < deadline:
        time.sleep(0.02)
    before = count(counter)
    while count(counter) < before + 20 and time.time() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "the debugger ended before the SIGINT"
    proc.send_signal(signal.SIGINT)
    return proc.communicate(timeout=60)[0]


def test_sigint_to_pmdb_stops_an_attached_process(tmp_path):
    build()
    counter = tmp_path / "count"
    p = subprocess.Popen([str(EXE), str(counter)], stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().strip() == "ready"
        g = subprocess.Popen(["gdb", "-batch", "-nx", "-q", "-ex", "continue", "-ex", "echo AFTER\\n",
                              "-ex", "p/x $pc", "-ex", "info threads", "-ex", "bt", "-ex", "detach",
                              "-p", str(p.pid)], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, env=env())
        theirs = interrupt_after(g, p, counter)
        assert_runs_on(p, counter)
        m = subprocess.Popen([pmdb.PMDB, "-p", str(p.pid)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env())
        m.stdin.write(":c\n!echo AFTER\n<rip=K\n::status\n$c\n::release\n")
        m.stdin.flush()
        mine = interrupt_after(m, p, counter)
        # gdb: stopped by the interrupt, prompt back, registers read, then detached
        assert "received signal SIGINT" in theirs and "AFTER" in theirs, theirs
        assert re.search(r"^\$1 = 0x[0-9a-f]+$", theirs, re.M), theirs
        # pmdb: the same, and it lived on to release the process
        assert m.returncode == 0, mine
        assert "pmdb: interrupted" in mine, mine
        assert re.search(r"^AFTER\n[0-9a-f]+$", mine, re.M), mine
        # as many threads as gdb lists, and the main thread in main for both
        gdb_threads = len(re.findall(r"^\*?\s+\d+\s+Thread ", theirs, re.M))
        assert gdb_threads == 4 and f"threads: {gdb_threads}" in mine, (mine, theirs)
        assert re.search(r"^#\d+ .* in main ", theirs, re.M), theirs
        assert re.search(r"^main\+0x[0-9a-f]+\(\)$", mine, re.M), mine
        assert "released pid" in mine, mine
        assert_runs_on(p, counter)
    finally:
        p.kill()
        p.wait()


def wait_exit(pid, limit=60):
    """waitpid with a deadline: a pmdb that does not exit fails the test
    (and is killed) instead of hanging the suite."""
    end = time.time() + limit
    while time.time() < end:
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            return st
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    raise AssertionError(f"pid {pid} did not exit within {limit} s")


def on_terminal(argv, counter, steps):
    """Run argv on a new pseudo-terminal; each step is (bytes typed, then
    wait until this regex shows, or for the count to move with "COUNT")."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe(argv[0], argv, env())
    out = b""

    def pump(until, limit=30):
        nonlocal out
        end = time.time() + limit
        while time.time() < end:
            if until == "COUNT":
                if counter.exists() and counter.read_text().strip() and count(counter) >= 20:
                    return
            elif re.search(until, out.decode(errors="replace").replace("\r\n", "\n"), re.M):
                return
            r, _, _ = select.select([fd], [], [], 0.05)
            if r:
                try:
                    d = os.read(fd, 65536)
                except OSError:
                    return
                if not d:
                    return
                out += d
        raise AssertionError(f"no {until!r} in {out.decode(errors='replace')}")

    try:
        for typed, until in steps:
            if until == "COUNT" and counter.exists():
                counter.unlink()
            os.write(fd, typed)
            pump(until)
        st = wait_exit(pid)
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(fd)
    return out.decode(errors="replace").replace("\r\n", "\n"), st


ANSI = re.compile(r"\x1b\[[0-9;?]*[a-zA-Z]")


def test_ctrl_c_on_a_terminal_stops_a_started_program(tmp_path):
    build()
    c1, c2 = tmp_path / "pmdb.count", tmp_path / "gdb.count"
    # twice: the SIGINT the program got from the terminal is not handed over,
    # so it keeps running after the first :c
    mine, st = on_terminal([pmdb.PMDB, "--args", str(EXE), str(c1)], c1, [
        (b":r\n", "COUNT"), (b"\x03", r"^> $"), (b"!echo PC\n<rip=K\n", r"^[0-9a-f]+\n> $"),
        (b":c\n", "COUNT"), (b"\x03", r"^> $"), (b"$c\n", r"^main\+"), (b"$q\n", r"\Z")])
    theirs, gst = on_terminal(["gdb", "-nx", "-q", "-ex", "set pagination off", "--args", str(EXE), str(c2)],
                              c2, [(b"run\n", "COUNT"), (b"\x03", r"^\(gdb\) $"), (b"p/x $pc\n", r"^\$1 = .*\n"),
                                   (b"continue\n", "COUNT"), (b"\x03", r"^\(gdb\) $"),
                                   # gdb stops in whichever thread took the SIGINT: the main one's stack
                                   (b"thread apply 1 bt\n", r"in main "),
                                   (b"kill\n", r"\(y or n\)"), (b"y\n", r"killed"), (b"quit\n", r"\Z")])
    theirs = ANSI.sub("", theirs)
    assert theirs.count("received signal SIGINT") == 2, theirs
    assert "terminated with signal" not in theirs and "exited" not in theirs, theirs
    assert os.WIFEXITED(st) and os.WEXITSTATUS(st) == 0, (st, mine)
    stops = re.findall(r"^(?:\^C)?pmdb: (interrupted|stop on SIGINT)", mine, re.M)
    assert len(stops) == 2, mine
    assert "killed by" not in mine and "terminated" not in mine, mine
    assert re.search(r"^PC\n> <rip=K\n[0-9a-f]+$", mine, re.M), mine
    assert re.search(r"^\$1 = 0x[0-9a-f]+$", theirs, re.M), theirs
    assert re.search(r"^main\+0x[0-9a-f]+\(\)$", mine, re.M), mine



def read_until(fd, out, marker, limit=30):
    deadline = time.time() + limit
    while marker not in out:
        r, _, _ = select.select([fd], [], [], max(0, deadline - time.time()))
        assert r, out
        d = os.read(fd, 4096)
        assert d, out
        out += d
    return out


def test_run_loop_reaps_no_other_child_of_pmdb():
    # pmdb waits for the program's threads only: a child of its own that has
    # ended stays a zombie for whoever started it (here pmdb inherits it: the
    # process that forked it becomes pmdb)
    from test_runctl import EXE as RUNCTL
    rd, wr = os.pipe()
    out_rd, out_wr = os.pipe()
    pid = os.fork()
    if pid == 0:
        decoy = os.fork()
        if decoy == 0:
            os._exit(5)
        os.write(out_wr, f"decoy {decoy}\n".encode())
        os.dup2(rd, 0)
        os.dup2(out_wr, 1)
        os.execve(pmdb.PMDB, [pmdb.PMDB, str(RUNCTL)], env())
    os.close(rd)
    os.close(out_wr)
    try:
        out = read_until(out_rd, b"", b"\n")
        decoy = int(re.match(rb"decoy (\d+)", out).group(1))
        deadline = time.time() + 10
        while open(f"/proc/{decoy}/stat").read().rsplit(") ", 1)[1][0] != "Z":
            assert time.time() < deadline
            time.sleep(0.01)
        os.write(wr, b"::bp compute\n:r\n:c\n!echo BACK\n")
        out = read_until(out_rd, out, b"BACK")
        assert out.count(b"pmdb: stop at breakpoint 1") == 2, out
        stat = open(f"/proc/{decoy}/stat").read()
        assert stat.rsplit(") ", 1)[1][0] == "Z", stat
    finally:
        os.close(wr)
        st = wait_exit(pid)
        os.close(out_rd)
    assert os.WIFEXITED(st) and os.WEXITSTATUS(st) == 0, st
