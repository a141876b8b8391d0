"""Split DWARF (gcc -gsplit-dwarf): the executable keeps skeleton units and
line tables, the types, functions and locations are in a .dwo file beside it.
gdb on the same core is the oracle for types, arguments and values; the same
programs built without split DWARF (types, null_read) are checked elsewhere."""
import os
import re
import shutil
import subprocess

import pytest

import cores
import pmdb


def gdb(c, cmds):
    argv = ["gdb", "-batch", "-nx", "-q", "-ex", "set width 0", "-ex", "set pagination off"]
    for x in cmds:
        argv += ["-ex", x]
    return subprocess.run(argv + [c.exe, c.core], capture_output=True, text=True, timeout=120).stdout


@pytest.fixture(scope="module")
def types():
    return cores.make_core("split_types")


@pytest.fixture(scope="module")
def nullread():
    return cores.make_core("split_null_read")


def test_dwo_is_used(types):
    dwos = [f for f in os.listdir(os.path.dirname(types.exe)) if f.endswith(".dwo")]
    assert dwos, "gcc wrote no .dwo file"
    # the executable itself holds no type of the program
    out = subprocess.run(["readelf", "-wN", "-wi", types.exe], capture_output=True, text=True).stdout
    assert "DW_TAG_structure_type" not in out and "skeleton" in out


def test_types_match_gdb(types):
    names = ["struct record", "struct node", "struct flags", "record_t"]
    r = pmdb.run([types.exe, types.core], ";".join(f"::print -t {n}" for n in names))
    assert r.rc == 0, r
    g = gdb(types, [f"ptype {n}" for n in names])
    # member names in order, per type, against gdb's ptype
    ours = re.findall(r"^\s+[^{}\n]*?(\w+)(?:\[\d+\])*(?: : \d+)?;$", r.out, re.M)
    theirs = re.findall(r"^\s+[^{}\n]*?(\w+)(?:\[\d+\])*(?: : \d+)?;$", g, re.M)
    assert ours and ours == theirs, (r.out, g)


def test_values_match_gdb(types):
    exprs = ["counter", "numbers[3]", "list_a.next->value", "list_b.label[0]", "global_record.count",
             "global_record.fl.mode", "global_record.col"]
    r = pmdb.run([types.exe, types.core], ";".join(f"::p {e}" for e in exprs))
    assert r.rc == 0, r
    ours = re.findall(r"^\(.*?\) (.+)$", r.out, re.M)
    g = gdb(types, [f"p {e}" for e in exprs])
    theirs = re.findall(r"^\$\d+ = (.+)$", g, re.M)
    assert len(ours) == len(exprs) and len(theirs) == len(exprs), (r.out, g)
    for a, b in zip(ours, theirs):
        enum = re.fullmatch(r"-?\d+ \((\w+)\)", a)      # pmdb: 5 (GREEN), gdb: GREEN
        mine = enum.group(1) if enum else a.split()[0].strip("'")
        assert mine == b.split()[0].strip("'"), (a, b)


def test_arguments_and_analyze(nullread):
    r = pmdb.run([nullread.exe, nullread.core], "::stack -a;::analyze")
    assert r.rc == 0, r
    g = gdb(nullread, ["bt"])
    # gdb: "#1  0x... in middle (id=2) at ..."; pmdb: "middle+0x36(id=2)"
    theirs = re.findall(r"in (\w+) \(([^)]*)\)", g) + re.findall(r"^#0\s+(\w+) \(([^)]*)\)", g, re.M)
    ours = dict(re.findall(r"^(\w+)\+0x[0-9a-f]+\(([^)]*)\)", r.out, re.M))
    assert theirs, g
    compared = {fn for fn, args in theirs if fn in ("middle", "outer")}
    assert compared == {"middle", "outer"}, g
    for fn, args in theirs:
        if fn in compared:
            assert ours.get(fn) == args, (fn, ours, g)
    assert "variable: s->ips_ndv6 (member at offset 0x8 of struct ipnet_stack" in r.out, r.out


def test_missing_dwo(tmp_path):
    """Without the .dwo: symbols and lines still, a warning naming the file
    and a clear error for types."""
    src = os.path.join(pmdb.ROOT, "tests", "progs", "types.c")
    subprocess.run(["gcc", "-O0", "-g", "-gsplit-dwarf", "-o", "t", src], cwd=tmp_path, check=True)
    core = cores.crash_in_dir(str(tmp_path / "t"), str(tmp_path))
    dwo = [f for f in os.listdir(tmp_path) if f.endswith(".dwo")]
    assert dwo
    for f in dwo:
        os.unlink(tmp_path / f)
    r = pmdb.run([str(tmp_path / "t"), core], "$c;::print -t struct record")
    assert "walk" in r.out
    assert f"split DWARF: {tmp_path}/{dwo[0]} is missing" in r.err, r.err
    assert r.err.count("split DWARF") == 1, r.err
    assert "no type 'struct record'" in r.err, r
