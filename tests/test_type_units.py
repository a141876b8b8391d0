"""Type units (gcc -fdebug-types-section): each struct defined once in a
type unit named by its 8-byte signature, and where it is used a stub
with DW_AT_signature (or a DW_FORM_ref_sig8 reference).  The two-unit
program of test_dwp.py (tests/progs/dwp_main.c, dwp_audit.c), built with
type units in the ways the tools make them: in the executable's DWARF 4
.debug_types and DWARF 5 .debug_info, in DWARF 4 .dwo files, and packed
into a .dwp by binutils' dwp and by llvm-dwp (DWARF 4 and 5), where pmdb
reads .debug_tu_index itself.  Oracle: gdb's ptype and print; for the
DWARF 5 package, which gdb 13 cannot read, llvm-dwarfdump's type unit
(members, offsets, size) and gdb reading the memory at those offsets
through the symbol table of a stripped copy."""
import os
import re
import shutil
import struct
import subprocess

import pytest

import cores
import pmdb
from test_badinput import run_asan

SRC = [os.path.join(pmdb.ROOT, "tests", "progs", f) for f in ("dwp_main.c", "dwp_audit.c")]
OUT = os.path.join(pmdb.ROOT, "build", "type_units")

# name: (DWARF version, split, packer)
VARIANTS = {
    "plain4": (4, False, None),
    "plain5": (5, False, None),
    "dwo4": (4, True, None),
    "dwp4": (4, True, "dwp"),
    "dwp4_llvm": (4, True, "llvm-dwp"),
    "dwp5_llvm": (5, True, "llvm-dwp"),
}
GDB_READS = [v for v in VARIANTS if v != "dwp5_llvm"]
MEMBERS = ["id", "balance", "owner", "next"]


class Built:
    def __init__(self, d, exe, core, dwp):
        self.dir, self.exe, self.core, self.dwp = d, exe, core, dwp


_built = {}


def build(name):
    if name in _built:
        return _built[name]
    version, split, packer = VARIANTS[name]
    for tool in ("gcc", packer or "gcc"):
        assert shutil.which(tool), f"{tool} missing: scripts/deps.sh test installs it"
    d = os.path.join(OUT, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    flags = ["-O0", f"-gdwarf-{version}", "-fdebug-types-section"] + (["-gsplit-dwarf"] if split else [])
    # compile and link apart: a one-step build deletes the .dwo files
    subprocess.run(["gcc", "-c"] + flags + SRC, cwd=d, check=True, capture_output=True, timeout=120)
    objs = [os.path.basename(s)[:-2] + ".o" for s in SRC]
    subprocess.run(["gcc", "-o", "prog"] + objs, cwd=d, check=True, capture_output=True, timeout=120)
    exe = os.path.join(d, "prog")
    dwp = None
    if packer:
        dwos = [o[:-2] + ".dwo" for o in objs]
        dwp = exe + ".dwp"
        subprocess.run([packer, "-o", dwp] + dwos, cwd=d, check=True, capture_output=True, timeout=120)
        for f in dwos:
            os.unlink(os.path.join(d, f))
    _built[name] = Built(d, exe, cores.crash_in_dir(exe, d), dwp)
    return _built[name]


def sections(path):
    return set(re.findall(r"\] (\.\S+)", subprocess.run(["readelf", "-SW", path], capture_output=True,
                                                          text=True).stdout))


def has_type_units(name, b):
    """The premise: the types really are in type units."""
    version, split, packer = VARIANTS[name]
    if packer:
        return ".debug_tu_index" in sections(b.dwp)
    files = [os.path.join(b.dir, f) for f in os.listdir(b.dir) if f.endswith(".dwo")] if split else [b.exe]
    dump = "".join(subprocess.run(["readelf", "--debug-dump=info", "--debug-dump=types", f],
                                  capture_output=True, text=True).stdout for f in files)
    return "DW_TAG_type_unit" in dump


def gdb(exe, core, cmds):
    argv = ["gdb", "-batch", "-nx", "-q", "-ex", "set width 0", "-ex", "set pagination off"]
    for c in cmds:
        argv += ["-ex", c]
    return subprocess.run(argv + [exe, core], capture_output=True, text=True, timeout=120).stdout


def gdb_fields(text):
    """{member: value} of gdb's one-line struct print."""
    m = re.search(r"^\$\d+ = \{(.*)\}$", text, re.M)
    assert m, text
    return {k: v for k, v in re.findall(r"(\w+) = (0x[0-9a-f]+(?: \"[^\"]*\")?|-?\d+)", m.group(1))}


def pmdb_fields(text):
    """{member: value} of the first struct ::p printed."""
    body = text.split("{", 1)[1].split("}", 1)[0]
    return dict(re.findall(r"^\s+(\w+) = (.+)$", body, re.M))


def same(ours, theirs):
    """pmdb's and gdb's spellings of one member's value: numbers alike,
    a string pointer's address and text alike (gdb may add <symbol>)."""
    return ours.split()[0] == theirs.split()[0] and ours[len(ours.split()[0]):] == \
        theirs[len(theirs.split()[0]):].split(" <")[0]


@pytest.mark.parametrize("name", list(VARIANTS))
def test_built_with_type_units(name):
    assert has_type_units(name, build(name))


@pytest.mark.parametrize("name", GDB_READS)
def test_types_and_values_match_gdb(name):
    """ptype, sizeof, a global array element, a pointer's target, and a
    parameter in a caller's frame through a type unit's struct."""
    b = build(name)
    r = pmdb.run([b.exe, b.core], "::print -t struct account\n::sizeof struct account\n"
                 "::p accounts[1]\n::p *accounts[2].next\n0t1::frame\n::p *a")
    assert r.rc == 0 and "split DWARF" not in r.err, r
    g = gdb(b.exe, b.core, ["ptype struct account", "p sizeof(struct account)", "p accounts[1]",
                            "p *accounts[2].next", "frame 1", "p *a"])
    member = r"^\s+[^{}\n=]*?(\w+);$"
    assert re.findall(member, r.out, re.M) == re.findall(member, g, re.M) == MEMBERS, (r.out, g)
    size = re.search(r"^\$\d+ = (\d+)$", g, re.M).group(1)
    assert re.search(r"sizeof \(struct account\) = (0x[0-9a-f]+)", r.out).group(1) == hex(int(size))
    blocks = re.split(r"^(?=\(struct account\))", r.out, flags=re.M)[1:]
    theirs = re.findall(r"^\$\d+ = \{.*\}$", g, re.M)
    assert len(blocks) == len(theirs) == 3, (r.out, g)
    for ours, t in zip(blocks, theirs):
        o, t = pmdb_fields(ours), gdb_fields(t)
        assert list(o) == list(t) == MEMBERS, (ours, t)
        assert all(same(o[k], t[k]) for k in MEMBERS), (ours, t)


def dwarfdump_struct(path):
    """(byte size, [(member, offset)]) of struct account's type unit."""
    dump = subprocess.run(["llvm-dwarfdump", "--debug-info", "--debug-types", path],
                          capture_output=True, text=True).stdout
    m = re.search(r"Type Unit: .*name = 'account'.*?DW_AT_byte_size\s+\((0x[0-9a-f]+)\)(.*?)\n\n0x[0-9a-f]+:\s+NULL",
                  dump, re.S)
    assert m, dump
    members = re.findall(r'DW_TAG_member\s+DW_AT_name\s+\("(\w+)"\).*?DW_AT_data_member_location\s+\((0x[0-9a-f]+)\)',
                         m.group(2), re.S)
    return int(m.group(1), 16), [(n, int(o, 16)) for n, o in members]


def test_dwarf5_package_against_dwarfdump_and_memory():
    """gcc's DWARF 5 type units packed by llvm-dwp (a version 5 unit index
    and .debug_tu_index): the struct against llvm-dwarfdump's type unit,
    each member of accounts[1] against gdb reading memory at its offset."""
    b = build("dwp5_llvm")
    size, members = dwarfdump_struct(b.dwp)
    assert [n for n, _ in members] == MEMBERS, members
    r = pmdb.run([b.exe, b.core], "::sizeof struct account\n::print -t struct account\n::p accounts[1]")
    assert r.rc == 0 and "split DWARF" not in r.err, r
    assert f"sizeof (struct account) = {hex(size)}" in r.out, r.out
    assert re.findall(r"^\s+[^{}\n=]*?(\w+);$", r.out, re.M) == MEMBERS, r.out
    bare = b.exe + ".nodebug"
    subprocess.run(["objcopy", "--strip-debug", b.exe, bare], check=True)
    fmt = {"id": "*(int *)", "balance": "*(long *)", "owner": "/x *(long *)", "next": "/x *(long *)"}
    g = gdb(bare, b.core, [f"p {fmt[n]}((char *)&accounts + {size} + {off})" for n, off in members])
    theirs = re.findall(r"^\$\d+ = (.+)$", g, re.M)
    ours = pmdb_fields("{" + r.out.split("(struct account) {", 1)[1])
    assert len(theirs) == 4, g
    for (n, _), t in zip(members, theirs):
        assert ours[n].split()[0] == t, (n, ours, g)


def test_damaged_type_unit_index(tmp_path):
    """A package whose .debug_tu_index is damaged (its slot count no power
    of two, then a row's .debug_info contribution moved past the section's
    end) still gives its compile units; a warning says what is wrong with
    the type units, whose struct is then missing; never a crash (ASan)."""
    b = build("dwp5_llvm")
    d = tmp_path / "pkg"
    d.mkdir()
    exe = d / "prog"
    shutil.copy(b.exe, exe)
    data = bytearray(open(b.dwp, "rb").read())
    out = subprocess.run(["readelf", "-SW", b.dwp], capture_output=True, text=True).stdout
    m = re.search(r"\] \.debug_tu_index\s+\S+\s+\S+\s+([0-9a-f]+)\s+([0-9a-f]+)", out)
    assert m, out
    at = int(m.group(1), 16)
    cases = (("its type unit index (.debug_tu_index): its unit index has an absurd slot count",
              lambda x: struct.pack_into("<I", x, at + 12, 3)),
             ("a unit's contribution lies past its section's end",
              lambda x: struct.pack_into("<I", x, tu_info_offset(x, at), 0x7ffffff0)))
    for why, patch in cases:
        bad = bytearray(data)
        patch(bad)
        with open(str(exe) + ".dwp", "wb") as f:
            f.write(bad)
        p = run_asan([str(exe), b.core], "::stack\n::print -t struct account\n::p ledger_total")
        # the compile units still work: the stack and a global through them
        assert "audit" in p.stdout and "(int) 4247" in p.stdout, (why, p.stdout, p.stderr)
        assert f"split DWARF: {exe}.dwp: " in p.stderr and why in p.stderr, p.stderr
        assert "no type 'struct account'" in p.stderr, p.stderr


def tu_info_offset(data, at):
    """Where the first row's .debug_info offset lies in a version 5 index at AT."""
    ncols, nunits, nslots = struct.unpack_from("<III", data, at + 4)
    offsets = at + 16 + nslots * 12
    cols = struct.unpack_from("<%dI" % ncols, data, offsets)
    return offsets + 4 * ncols + 4 * cols.index(1)     # DW_SECT_INFO
