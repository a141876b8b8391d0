"""Deep stacks: 100,000 frames of recursion and a stack overflow (about
175,000 frames).  pmdb must unwind them all and agree with gdb on the
frame count and on the innermost and outermost frames."""
import re
import subprocess

import pytest

import cores
import pmdb


def gdb_ends(core, n=3):
    """gdb's frame count and its first and last n frames as (pc, name)."""
    argv = ["gdb", "-batch", "-nx", "-q", "-ex", "set backtrace past-main on",
            "-ex", "set backtrace limit unlimited", "-ex", "set print frame-arguments none",
            "-ex", "echo ===top===\\n", "-ex", f"bt {n}",
            "-ex", "echo ===bottom===\\n", "-ex", f"bt -{n}", core.exe, core.core]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=600).stdout
    top, bottom = out.split("===top===")[1].split("===bottom===")
    frames = lambda txt: [(int(m.group(2), 16) if m.group(2) else None, m.group(3), int(m.group(1)))
                          for m in re.finditer(r"^#(\d+)\s+(?:(0x[0-9a-f]+) in )?(\S+)", txt, re.M)]
    t, b = frames(top), frames(bottom)
    return b[-1][2] + 1, t, b


@pytest.mark.parametrize("name,min_frames", [("deep", 100000), ("deep_overflow", 100000)])
def test_deep_stack_matches_gdb(name, min_frames):
    core = cores.make_core(name)
    r = pmdb.run(pmdb.core_args(core), "::stack -p", timeout=120)
    assert r.rc == 0, r.err
    mine = pmdb.parse_stack(r.out)
    count, top, bottom = gdb_ends(core)
    assert len(mine) >= min_frames
    assert len(mine) == count
    for (gpc, gname, idx) in top + bottom:
        pc, mname, kind, _ = mine[idx]
        if gpc is not None:
            assert pc == gpc, (idx, hex(pc), hex(gpc))
        assert mname == gname or gname.startswith(mname), (idx, mname, gname)


def test_overflow_fault_is_at_the_stack_guard():
    """The overflowing thread faults just below its stack: the fault address
    lies within a page of %rsp, outside every mapping."""
    core = cores.make_core("deep_overflow")
    args = pmdb.core_args(core)
    f = pmdb.status_fields(pmdb.run(args, "::status").out)
    addr = int(f["fault address"], 16)
    rsp = pmdb.parse_regs(pmdb.run(args, "$r").out)["rsp"]
    assert abs(addr - rsp) < 4096
    r = pmdb.run(args, f"{addr:#x}::mappings")
    assert r.out.strip().count("\n") == 0, r.out  # header only
