"""A core written by a real arm64 kernel (Debian's, under qemu-system-aarch64
-cpu max: SVE and pointer authentication; tests/lib/sve_core_arm64.py) of
tests/progs/sve_crash.c: thread 1 dies with SVE registers set (NT_ARM_SVE
in SVE form), thread 2 waits in pause() (FPSIMD form).

Oracles: gdb-multiarch on the same core (it reads NT_ARM_SVE as
.reg-aarch-sve): x0-x30, sp, pc, cpsr, fpsr, fpcr, vg, tpidr, v0-v31,
z0-z31, p0-p15, ffr of both threads, every frame's pc (return addresses
signed with pac-ret, gdb marks them [PAC]); the values the program's asm
put in the registers; the vector length the guest's kernel reported.
Hostile copies of the core (NT_ARM_SVE headers that lie) must give a
clear warning, under ASan too."""
import os
import re
import shutil
import struct
import subprocess

import pytest

import pmdb
import sve_core_arm64

GDB = shutil.which("gdb-multiarch")


@pytest.fixture(scope="module")
def sve():
    if not GDB:
        pytest.skip("no gdb-multiarch (scripts/deps.sh test installs it)")
    return sve_core_arm64.setup_or_skip()


def gdb_regs(c):
    """Per-thread registers from gdb, run once per thread (thread N)."""
    res, raw = {}, ""
    for tno in (1, 2):
        cmds = ["set pagination off", "set width 0", f"thread {tno}", "info threads",
                "info registers", "info registers vg fpsr fpcr"]
        for kind, n in (("z", 32), ("v", 32), ("p", 16)):
            for i in range(n):
                sel = f"${kind}{i}.q.u" if kind in "zv" else f"${kind}{i}"
                cmds += [f"echo @{kind}{i}=", f"output/x {sel}", "echo \\n"]
        cmds += ["echo @ffr=", "output/x $ffr", "echo \\n"]
        argv = [GDB, "-batch", "-nx", "-q"]
        for x in cmds:
            argv += ["-ex", x]
        out = subprocess.run(argv + [c.exe, "-c", c.core], capture_output=True, text=True,
                             timeout=300, errors="replace").stdout
        raw += out
        m = re.search(r"^\* \d+\s+Thread \S+ \(LWP (\d+)\)", out, re.M)
        assert m, out[-2000:]
        regs = {k: int(v, 16) for k, v in re.findall(r"^(\w+)\s+(0x[0-9a-f]+)\s", out, re.M)}
        for name, val in re.findall(r"^@(\w+)=\{(.*)\}$", out, re.M):
            items = [int(x, 16) for x in val.split(", ")]
            if name[0] in "pf":       # predicates: bytes, lowest first
                regs[name] = int.from_bytes(bytes(items), "little")
            else:
                regs[name] = items
        res[int(m.group(1))] = regs
    return res, raw


def pmdb_regs(c, tid):
    r = pmdb.run([c.exe, c.core], f"0t{tid}::context\n$r\n::fpregs")
    assert r.rc == 0 and not r.err, r
    regs = pmdb.parse_regs(r.out)
    m = re.search(r"^fpsr (0x[0-9a-f]+) fpcr (0x[0-9a-f]+)$", r.out, re.M)
    if m:
        regs["fpsr"], regs["fpcr"] = int(m.group(1), 16), int(m.group(2), 16)
    for name, val in re.findall(r"^%(z\d+)\s*= \{(.*)\}$", r.out, re.M):
        regs[name] = [int(x, 16) for x in val.split(", ")]
    return regs, r.out


GENERAL = [f"x{i}" for i in range(31)] + ["sp", "pc", "fpsr", "fpcr", "tpidr"]


def test_registers_against_gdb(sve):
    g, raw = gdb_regs(sve)
    assert len(g) == 2, raw[-3000:]
    forms = []
    for tid, want in g.items():
        got, text = pmdb_regs(sve, tid)
        problems = []
        names = GENERAL + [f"v{i}" for i in range(32)]
        for n in names:
            w = want.get(n)
            w = w[0] if isinstance(w, list) else w
            if w is None or got.get(n) != w:
                problems.append(f"{n}: gdb {w}, pmdb {got.get(n)}")
        if got.get("pstate") != want.get("cpsr"):
            problems.append(f"cpsr: gdb {want.get('cpsr')}, pmdb pstate {got.get('pstate')}")
        m = re.search(r"^sve: vl (\d+) bytes \(vg (\d+)\)", text, re.M)
        if not m or int(m.group(2)) != want.get("vg") or int(m.group(1)) != 8 * want["vg"]:
            problems.append(f"vg: gdb {want.get('vg')}, pmdb {m and m.group(0)}")
        if "SVE registers live" in text:
            forms.append("sve")
            for n in [f"z{i}" for i in range(32)] + [f"p{i}" for i in range(16)] + ["ffr"]:
                if got.get(n) != want.get(n):
                    problems.append(f"{n}: gdb {want.get(n)}, pmdb {got.get(n)}")
        elif "FPSIMD only" in text:
            forms.append("fpsimd")
            # what pmdb says of this form must be what gdb shows
            for i in range(32):
                z = want[f"z{i}"]
                if z[0] != want[f"v{i}"][0] or any(z[1:]):
                    problems.append(f"z{i}: gdb {z}, not v{i} zero-extended")
            for n in [f"p{i}" for i in range(16)] + ["ffr"]:
                if want.get(n) != 0:
                    problems.append(f"{n}: gdb {want.get(n)}, not 0")
            # and pmdb shows none of them as live values of its own (its v0-v31,
            # compared above, are the whole state in this form)
            shown = [n for n in [f"z{i}" for i in range(32)] + [f"p{i}" for i in range(16)] + ["ffr"]
                     if n in got or re.search(rf"^%{n}\s*=", text, re.M)]
            if shown:
                problems.append(f"FPSIMD-only form, yet pmdb shows {shown}")
        else:
            problems.append("::fpregs shows no SVE state")
        assert not problems, f"thread {tid}:\n" + "\n".join(problems) + "\n" + text
    assert sorted(forms) == ["fpsimd", "sve"], forms


def test_known_values(sve):
    """What sve_crash.c's asm put in thread 1's registers, at the vector
    length the guest's kernel gave the program."""
    r = pmdb.run([sve.exe, sve.core], "::fpregs\n$r")
    assert r.rc == 0, r
    vl = sve.vl
    assert vl >= 16 and re.search(rf"^sve: vl {vl} bytes \(vg {vl // 8}\)", r.out, re.M), r.out
    regs = pmdb.parse_regs(r.out)
    z = {n: bytes.fromhex("".join(q[2:] for q in reversed(v.split(", "))))[::-1]
         for n, v in re.findall(r"^%(z\d+)\s*= \{(.*)\}$", r.out, re.M)}
    assert z["z0"] == bytes(i & 0xff for i in range(vl))
    assert z["z1"] == b"".join(struct.pack("<I", 2 * i + 1) for i in range(vl // 4))
    assert z["z2"] == struct.pack("<Q", 0x1122334455667788) * (vl // 8)
    assert z["z31"] == b"\x5a" * vl
    bits = vl // 8 * 8
    assert regs["p0"] == (1 << bits) - 1
    assert regs["p1"] == 0b111 and regs["ffr"] == 0b111 and regs["p2"] == 0
    assert regs["p3"] == int("1" * (bits // 4), 16)     # one bit in four (.s lanes)
    assert regs["v0"] == int.from_bytes(bytes(range(16)), "little")
    assert regs["x19"] == 0x5e1 and regs["x20"] == 0xfeed


def test_backtrace_pac(sve):
    """Return addresses signed by pac-ret (gdb marks them [PAC]): pmdb's
    frames are gdb's, stripped with the core's NT_ARM_PAC_MASK."""
    argv = [GDB, "-batch", "-nx", "-q", "-ex", "set backtrace past-main on", "-ex", "bt",
            "-ex", "echo @@pcs\\n", "-ex", "frame apply all -q p/x $pc",
            "-ex", "p/x $pauth_cmask", sve.exe, "-c", sve.core]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=300).stdout
    assert "[PAC]" in out.split("@@pcs")[0], out
    pcs = [int(x, 16) for x in re.findall(r"^\$\d+ = (0x[0-9a-f]+)$", out.split("@@pcs")[1],
                                          re.M)]
    cmask = pcs.pop()
    assert cmask and len(pcs) >= 5, out
    r = pmdb.run([sve.exe, sve.core], "::stack -p")
    got = [f[0] for f in pmdb.parse_stack(r.out)]
    while pcs and pcs[-1] == 0:
        pcs.pop()
    assert got == pcs, f"gdb {[hex(p) for p in pcs]}\npmdb {r.out}{r.err}"
    assert not any(p & cmask for p in got)


def _sve_notes(data):
    """(offset of desc, desc size) of each NT_ARM_SVE note, in file order."""
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):
        ptype, _, off, _, _, size = struct.unpack_from("<IIQQQQ", data, phoff + i * phentsize)
        pos = off
        while ptype == 4 and pos + 12 <= off + size:
            namesz, descsz, ntype = struct.unpack_from("<III", data, pos)
            dpos = pos + 12 + ((namesz + 3) & ~3)
            if ntype == 0x405 and data[pos + 12:pos + 17] == b"LINUX":
                yield dpos, descsz
            pos = dpos + ((descsz + 3) & ~3)


HOSTILE = {  # name: (header patch (offset, struct format, value), message)
    "size_lies": ((0, "<I", 0x7fffffff), r"claims 2147483647 bytes but the note holds \d+"),
    "vl_absurd": ((8, "<H", 12345), r"vector length 12345 is not a multiple of 16"),
    "vl_zero": ((8, "<H", 0), r"vector length 0 is not"),
    "vl_too_big_for_note": ((8, "<H", 4096), r"vector length 4096 needs \d+ bytes"),
    "fpsimd_short": ((0, "<I", 100), None),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_sve_note(sve, tmp_path, name):
    (off, fmt, val), msg = HOSTILE[name]
    data = bytearray(open(sve.core, "rb").read())
    notes = list(_sve_notes(data))
    assert len(notes) == 2
    dpos, _ = notes[0]            # thread 1's, in SVE form
    struct.pack_into(fmt, data, dpos + off, val)
    if name == "fpsimd_short":    # FPSIMD form claiming too few bytes
        struct.pack_into("<H", data, dpos + 12, 0)
        msg = r"FPSIMD form of 100 bytes, shorter than"
    core = tmp_path / "core"
    core.write_bytes(bytes(data))
    r = pmdb.run([sve.exe, str(core)], "::fpregs\n::stack -p")
    assert r.rc == 0, r
    assert re.search(r"thread \d+: NT_ARM_SVE note ignored: .*" + msg, r.err), r
    assert "AddressSanitizer" not in r.err and "runtime error" not in r.err, r
    assert len(re.findall(r"^%v\d+ += 0x[0-9a-f]{32}$", r.out, re.M)) == 32, r.out
    assert "%z0" not in r.out
