"""Split DWARF packed into a .dwp (binutils' dwp, llvm-dwp), the .dwo files
deleted.  libdw 0.188 cannot read a package; pmdb finds each unit in it.
gdb on the same core is the oracle (backtrace with inline frames and
lines, arguments, types, variables).  gdb 13 cannot read clang's split
DWARF 5 at all (it crashes): for that package the oracle is llvm-dwarfdump
for the type and gdb reading memory by ELF symbols for the values.
Debian 12 has no tool that packs gcc's DWARF 5 split units (binutils' dwp
drops their .debug_info, llvm-dwp 14 hangs), so gcc builds are DWARF 4."""
import os
import re
import shutil
import struct
import subprocess

import pytest

import cores
import pmdb

SRCS = [os.path.join(pmdb.ROOT, "tests", "progs", f) for f in ("dwp_main.c", "dwp_audit.c")]
OUT = os.path.join(pmdb.ROOT, "build", "dwp")

# name: compiler flags, packer
VARIANTS = {
    "gcc4_O0_dwp": (["gcc", "-O0", "-gdwarf-4"], "dwp"),
    "gcc4_O1_dwp": (["gcc", "-O1", "-gdwarf-4"], "dwp"),
    "gcc4_O1_llvm": (["gcc", "-O1", "-gdwarf-4"], "llvm-dwp"),
    # static: libdwfl opens the core-named file itself and names no file
    # for the module, beside which the package is looked for
    "gcc4_O0_static_dwp": (["gcc", "-O0", "-gdwarf-4", "-static"], "dwp"),
    "clang5_O0_llvm": (["clang", "-O0", "-gdwarf-5"], "llvm-dwp"),
}


def need_tool(tool, package):
    """scripts/deps.sh test installs every packer and compiler used here: a
    missing one is a set-up bug, not a reason to skip."""
    assert shutil.which(tool), f"{tool} missing: scripts/deps.sh test installs {package}"


class Built:
    def __init__(self, name, d, exe, core, dwp):
        self.name, self.dir, self.exe, self.core, self.dwp = name, d, exe, core, dwp


def build(name, defines=()):
    """Build the two-unit program, pack its .dwo files, delete them, crash it."""
    flags, packer = VARIANTS[name]
    need_tool(flags[0], flags[0])
    need_tool(packer, {"dwp": "binutils", "llvm-dwp": "llvm"}[packer])
    d = os.path.join(OUT, name + ("_" + "_".join(defines) if defines else ""))
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    exe = os.path.join(d, "prog")
    cmd = flags + ["-g", "-gsplit-dwarf", "-fno-omit-frame-pointer", "-o", exe] + \
        [f"-D{x}" for x in defines] + SRCS
    subprocess.run(cmd, cwd=d, check=True, capture_output=True)
    dwos = [f for f in os.listdir(d) if f.endswith(".dwo")]
    assert len(dwos) == 2, dwos
    subprocess.run([packer, "-o", exe + ".dwp"] + dwos, cwd=d, check=True, capture_output=True,
                   timeout=120)
    for f in dwos:
        os.unlink(os.path.join(d, f))
    core = cores.crash_in_dir(exe, d)
    return Built(name, d, exe, core, exe + ".dwp")


_built = {}


def variant(name):
    if name not in _built:
        _built[name] = build(name)
    return _built[name]


def gdb(b, cmds, exe=None):
    argv = ["gdb", "-batch", "-nx", "-q", "-ex", "set width 0", "-ex", "set pagination off"]
    for x in cmds:
        argv += ["-ex", x]
    return subprocess.run(argv + [exe or b.exe, b.core], capture_output=True, text=True,
                          timeout=120).stdout


GCC = [v for v in VARIANTS if v.startswith("gcc")]


@pytest.mark.parametrize("name", list(VARIANTS))
def test_package_is_used(name):
    b = variant(name)
    assert not [f for f in os.listdir(b.dir) if f.endswith(".dwo")]
    idx = subprocess.run(["readelf", "-S", b.dwp], capture_output=True, text=True).stdout
    assert ".debug_cu_index" in idx
    r = pmdb.run([b.exe, b.core], "::modinfo")
    assert r.rc == 0, r
    assert f"prog.dwp: used (2 units" in r.out and "split DWARF units from" in r.out, r.out
    assert "split DWARF" not in r.err, r.err


@pytest.mark.parametrize("name", GCC)
def test_backtrace_matches_gdb(name):
    """Frames, inline frames included, their source lines and arguments."""
    b = variant(name)
    r = pmdb.run([b.exe, b.core], "::stack -as")
    assert r.rc == 0 and "split DWARF" not in r.err, r
    g = gdb(b, ["set print entry-values no", "echo ===bt===\\n", "bt"]).split("===bt===")[-1]
    # gdb: "#0  0x... in check_balance (limit=1500, a=...) at /x/dwp_audit.c:15"
    theirs = re.findall(r"^#\d+\s+(?:\S+ in )?(\w+) \((.*)\) at (\S+):(\d+)$", g, re.M)
    ours = re.findall(r"^(\w+)(?:\+0x[0-9a-f]+)?\((.*?)\)(?: \(inlined\))? \[(\S+):(\d+)\]$", r.out, re.M)
    assert [t[0] for t in theirs][:4] == ["check_balance", "audit", "process", "main"], g
    assert "check_balance(" in r.out and "(inlined)" in r.out.splitlines()[0], r.out
    assert [(o[0], o[2], o[3]) for o in ours[:4]] == [(t[0], t[2], t[3]) for t in theirs[:4]], (r.out, g)
    shown = 0
    for (fn, args, _, _), (gfn, gargs, _, _) in zip(ours, theirs):
        gd = dict(a.split("=", 1) for a in gargs.split(", ") if "=" in a)
        for a in args.split(", ") if args else []:
            k, v = a.split("=", 1)
            if v == "<unavailable>":
                continue
            assert k in gd and gd[k].split()[0] == v, (fn, a, gargs)
            shown += 1
    # audit's arguments live in registers at the crash: every build shows them
    assert shown >= 2, r.out
    if "O0" in name:
        assert shown >= 7 and "<unavailable>" not in "".join(o[1] for o in ours[:4]), r.out


@pytest.mark.parametrize("name", GCC)
def test_types_and_variables_match_gdb(name):
    b = variant(name)
    exprs = ["ledger_total", "accounts[1].balance", "accounts[0].next->id", "accounts[2].owner"]
    r = pmdb.run([b.exe, b.core], "::print -t struct account;" + ";".join(f"::p {e}" for e in exprs))
    assert r.rc == 0, r
    g = gdb(b, ["ptype struct account"] + [f"p {e}" for e in exprs])
    member = r"^\s+[^{}\n]*?(\w+);$"
    assert re.findall(member, r.out, re.M) == re.findall(member, g, re.M) == \
        ["id", "balance", "owner", "next"], (r.out, g)
    ours = re.findall(r"^\(.*?\) (.+)$", r.out, re.M)
    theirs = re.findall(r"^\$\d+ = (.+)$", g, re.M)
    assert len(ours) == len(theirs) == len(exprs), (r.out, g)
    for a, t in zip(ours, theirs):
        assert a.split()[0] == t.split()[0], (a, t)
        if '"' in t:
            assert a.split(" ", 1)[1] == t.split(" ", 1)[1], (a, t)


@pytest.mark.parametrize("name", GCC)
def test_frame_variables_match_gdb(name):
    """::frame and ::p on the callers' parameters and locals."""
    b = variant(name)
    per_frame = {1: ["depth", "a->owner", "a->balance"], 2: ["round", "fee", "a->id"]}
    cmds, gcmds = [], []
    for n, exprs in per_frame.items():
        cmds += [f"0t{n}::frame"] + [f"::p {e}" for e in exprs]
        gcmds += [f"frame {n}"] + [f"p {e}" for e in exprs]
    g = gdb(b, gcmds)
    ours = {}
    for n, exprs in per_frame.items():
        for e in exprs:
            r = pmdb.run([b.exe, b.core], f"0t{n}::frame;::p {e}")
            m = re.search(r"^\(.*?\) (.+)$", r.out, re.M)
            if m:
                ours[e] = m.group(1)
            else:       # -O1: what the frame does not keep, pmdb says so
                assert "value not available" in r.err, r
    theirs = dict(zip(per_frame[1] + per_frame[2], re.findall(r"^\$\d+ = (.+)$", g, re.M)))
    assert len(theirs) == 6, g
    compared = 0
    for e, t in theirs.items():
        if "optimized out" in t or e not in ours:
            continue
        assert ours[e].split()[-1] == t.split()[-1], (e, ours, g)
        compared += 1
    # audit's, in registers at the crash, are there at any level
    assert compared >= (6 if "O0" in name else 3), (r.out, g)


def test_clang_dwarf5_package():
    """clang's DWARF 5 units (a version 5 index): the type against
    llvm-dwarfdump, the values against gdb reading memory by symbol."""
    b = variant("clang5_O0_llvm")
    r = pmdb.run([b.exe, b.core], "::print -t struct account;::p ledger_total;::p accounts[1].balance")
    assert r.rc == 0 and "split DWARF" not in r.err, r
    dump = subprocess.run(["llvm-dwarfdump", "--debug-info", b.dwp], capture_output=True,
                          text=True).stdout
    m = re.search(r'DW_AT_name\s+\("account"\)(.*?)\n\n0x[0-9a-f]+:\s+NULL', dump, re.S)
    assert m, dump
    members = re.findall(r'DW_TAG_member\s+DW_AT_name\s+\("(\w+)"\)', m.group(1))
    assert members == ["id", "balance", "owner", "next"], m.group(1)
    assert re.findall(r"^\s+[^{}\n]*?(\w+);$", r.out, re.M) == members, r.out
    # symbols only: gdb reads no split DWARF from a copy without debug info
    bare = b.exe + ".nodebug"
    subprocess.run(["objcopy", "--strip-debug", b.exe, bare], check=True)
    g = gdb(b, ["p *(int *)&ledger_total", "p *(long *)((char *)&accounts + 32 + 8)"], exe=bare)
    theirs = re.findall(r"^\$\d+ = (.+)$", g, re.M)
    ours = re.findall(r"^\(.*?\) (.+)$", r.out, re.M)
    assert theirs and ours == theirs, (r.out, g)


def test_mismatched_package():
    """A package from another build of the program: reported, not used."""
    a = variant("gcc4_O0_dwp")
    other = build("gcc4_O0_dwp", defines=("OTHER_BUILD=1",))
    shutil.copy(other.dwp, os.path.join(OUT, "mismatch.dwp"))
    d = os.path.join(OUT, "mismatch")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    shutil.copy(a.exe, os.path.join(d, "prog"))
    shutil.copy(other.dwp, os.path.join(d, "prog.dwp"))
    r = pmdb.run([os.path.join(d, "prog"), a.core], "::print -t struct account;::modinfo")
    assert "DWO ids differ" in r.err and "not used" in r.err, r.err
    assert "no type 'struct account'" in r.err, r.err
    assert "DWO ids differ" in r.out and "split DWARF units from" not in r.out, r.out


def _sections(path):
    """{name: (header offset, file offset, size)} of a little-endian ELF64 file."""
    data = open(path, "rb").read()
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3a)
    hdrs = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    stroff = hdrs[shstrndx][4]
    out = {}
    for i, h in enumerate(hdrs):
        name = data[stroff + h[0]:data.index(b"\0", stroff + h[0])].decode()
        out[name] = (shoff + i * shentsize, h[4], h[5])
    return out


def _hostile(b, tag, edit):
    d = os.path.join(OUT, "hostile_" + tag)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    shutil.copy(b.exe, os.path.join(d, "prog"))
    data = bytearray(open(b.dwp, "rb").read())
    edit(data, _sections(b.dwp))
    open(os.path.join(d, "prog.dwp"), "wb").write(data)
    return pmdb.run([os.path.join(d, "prog"), b.core], "::stack -a;::print -t struct account")


@pytest.mark.parametrize("tag,why", [
    ("truncated", "truncated"),
    ("slots", "absurd slot count"),
    ("columns", "absurd column count"),
    ("offset", "past its section's end"),
    ("strings", "string offset past the end"),
])
def test_hostile_package(tag, why):
    """A damaged index or contribution: one clear warning, symbols and the
    stack still there (run it under ASan with PMDB_BIN)."""
    b = variant("gcc4_O0_dwp")

    def edit(data, secs):
        hdr, off, size = secs[".debug_cu_index"]
        if tag == "truncated":      # the section ends inside the hash table
            struct.pack_into("<Q", data, hdr + 0x20, 24)
        elif tag == "slots":
            struct.pack_into("<I", data, off + 12, 0x7fffffff)
        elif tag == "columns":
            struct.pack_into("<I", data, off + 4, 0xffffffff)
        elif tag == "offset":       # every row's .debug_info offset far away
            ncols, nunits, nslots = struct.unpack_from("<III", data, off + 4)
            rows = off + 16 + nslots * 12 + ncols * 4
            for r in range(nunits):
                struct.pack_into("<I", data, rows + r * ncols * 4, 0x7ffffff0)
        elif tag == "strings":      # the units' string offsets past .debug_str.dwo
            so_hdr, so_off, so_size = secs[".debug_str_offsets.dwo"]
            for i in range(0, so_size - 3, 4):
                struct.pack_into("<I", data, so_off + i, 0x7fffff00)
    r = _hostile(b, tag, edit)
    assert r.rc == 1 and "no type 'struct account'" in r.err, r
    assert "audit+" in r.out and "process+" in r.out, r.out
    assert why in r.err and "split DWARF" in r.err, r.err
    assert r.err.count("not used") == 1, r.err
    assert "AddressSanitizer" not in r.err and "runtime error" not in r.err, r.err
