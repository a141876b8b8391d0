"""pmdb's main paths under valgrind's memcheck: no invalid reads or writes,
no use of uninitialised values, no definite leaks.  (The ASan/UBSan pass of
the suite covers every test; valgrind also sees what is uninitialised, and
runs the optimised build as it ships.)"""
import os
import subprocess

import pytest

import corpus
import cores
import pmdb
from test_live import EXE as LIVE_EXE, build as build_live

VALGRIND = ["valgrind", "-q", "--leak-check=full", "--errors-for-leak-kinds=definite",
            "--error-exitcode=42"]
PMDB = os.path.join(pmdb.ROOT, "build", "pmdb")   # the shipped build, not ASan's


def memcheck(args, stdin=None, timeout=300):
    p = subprocess.run(VALGRIND + [PMDB] + args, input=stdin, capture_output=True, text=True,
                       timeout=timeout, errors="replace")
    reports = [ln for ln in p.stderr.splitlines() if ln.startswith("==")]
    assert p.returncode != 42 and not reports, "\n".join(reports[:60])
    return p


def test_user_core():
    c = cores.make_core("null_read")
    p = memcheck([c.exe, c.core, "-e", "::status;$C;::stacks;::analyze -j;::print -t struct ipnet_stack;"
                  "<rip::dis;::mappings;::modules;::nm -n"])
    assert p.returncode == 0 and "null-deref" in p.stdout, p.stderr


def test_kernel_dump():
    if not corpus.available():
        pytest.skip("the shared corpus is not on this machine")
    dump = os.path.join(corpus.prepare(), "kernel", "qemu-kaslr-96m.vmcore.elf")
    p = memcheck([dump, "-e", "::status;::msgbuf;::ps;$C;::analyze;::lsmod"])
    assert p.returncode == 0 and "sysrq" in p.stdout, p.stderr


def test_live_process_and_gcore(tmp_path):
    build_live()
    p = subprocess.Popen([str(LIVE_EXE), str(tmp_path / "count")], stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().strip() == "ready"
        r = memcheck(["-p", str(p.pid), "-e", f"::stacks;::gcore {tmp_path / 'c'};::analyze"])
        assert r.returncode == 0 and (tmp_path / "c").exists(), r.stderr
        r = memcheck(["-p", str(p.pid), "-o", "nostop", "-e", "::status;::stacks"])
        assert r.returncode == 0, r.stderr
    finally:
        p.kill()
        p.wait()


def test_run_control():
    from test_runctl import EXE, SRC
    if not EXE.exists() or EXE.stat().st_mtime_ns < SRC.stat().st_mtime_ns:
        EXE.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["cc", "-O0", "-g", "-pthread", "-o", str(EXE), str(SRC)], check=True)
    r = memcheck([str(EXE)], stdin="::bp compute\n::bp printf\n:r\n$c\n:c\n::step out\n:e\n:s\n::delete all\n:c\n:c\n")
    assert "terminated with status" in r.stdout, r.stdout + r.stderr
