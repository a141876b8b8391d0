"""AArch64 cores of the shared corpus beyond its expected facts: the $r
layout, ::fpregs, ::dis in ARM64 mode, ::analyze at the signal level, and
NT_ARM_PAC_MASK (a copy of a corpus core patched to carry one)."""
import os
import re
import struct

import pytest

import corpus
import pmdb

ELFUTILS = os.path.join(corpus.DEST, "elfutils")


@pytest.fixture(scope="module")
def edir():
    if not corpus.available():
        pytest.skip(f"no corpus at {corpus.SRC}")
    corpus.prepare()
    return ELFUTILS


def run(edir, args, cmds):
    return pmdb.run([os.path.join(edir, a) for a in args], cmds)


BT = ["backtrace.aarch64.exec", "backtrace.aarch64.core"]


def test_regs_layout(edir):
    r = run(edir, BT, "$r")
    assert r.rc == 0, r
    regs = pmdb.parse_regs(r.out)
    assert set(regs) >= {f"x{i}" for i in range(31)} | {"sp", "pc", "lr", "fp", "pstate"}
    assert regs["pc"] == 0x40c6d0 and regs["sp"] == 0x7f818df760
    assert regs["lr"] == regs["x30"] and regs["fp"] == regs["x29"]
    assert re.search(r"^%pc  = 0x000000000040c6d0 raise\+0x38$", r.out, re.M), r.out
    assert re.search(r"nzcv=<[nN],[zZ],[cC],[vV]>", r.out), r.out


def test_fpregs(edir):
    r = run(edir, BT, "::fpregs")
    assert r.rc == 0, r
    assert re.search(r"^fpsr 0x[0-9a-f]{8} fpcr 0x[0-9a-f]{8}$", r.out, re.M), r.out
    assert len(re.findall(r"^%v\d+ += 0x[0-9a-f]{32}$", r.out, re.M)) == 32, r.out


def test_dis_arm64(edir):
    r = run(edir, BT, "sigusr2::dis")
    assert r.rc == 0, r
    assert re.search(r"sigusr2\+0x24\s+bl\s+#0x40c698 <raise>$", r.out, re.M), r.out
    assert re.search(r"sigusr2\+0x2c\s+ret$", r.out, re.M), r.out


def test_analyze_abort(edir):
    r = run(edir, BT, "::analyze")
    assert r.rc == 0, r
    assert r.out.startswith("class: abort"), r.out
    assert "=> sigusr2" in r.out


def _notes(data):
    """(offset of n_type, offset of desc, desc size, owner, type) of every note."""
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):
        ptype, _, off, _, _, size = struct.unpack_from("<IIQQQQ", data, phoff + i * phentsize)
        if ptype != 4:
            continue
        pos = off
        while pos + 12 <= off + size:
            namesz, descsz, ntype = struct.unpack_from("<III", data, pos)
            owner = data[pos + 12: pos + 12 + namesz].rstrip(b"\0").decode()
            dpos = pos + 12 + ((namesz + 3) & ~3)
            yield pos + 8, dpos, descsz, owner, ntype
            pos = dpos + ((descsz + 3) & ~3)


def test_pac_mask_stripped(edir, tmp_path):
    """testfile_aarch64_core's frame 1 is its x30; sign x30 and turn the
    NT_ARM_HW_BREAK note into an NT_ARM_PAC_MASK: frame 1 stays the same."""
    data = bytearray(open(os.path.join(edir, "testfile_aarch64_core"), "rb").read())
    mask = 0xff7f000000000000
    patched = set()
    for typeoff, dpos, descsz, owner, ntype in _notes(data):
        if owner == "CORE" and ntype == 1:
            x30 = dpos + 112 + 30 * 8
            lr, = struct.unpack_from("<Q", data, x30)
            struct.pack_into("<Q", data, x30, lr | 0x0035000000000000)
            patched.add("prstatus")
        elif owner == "LINUX" and ntype == 0x402 and descsz >= 16:
            struct.pack_into("<I", data, typeoff, 0x406)
            struct.pack_into("<QQ", data, dpos, mask, mask)
            patched.add("pac")
    assert patched == {"prstatus", "pac"}
    core = tmp_path / "pac.core"
    core.write_bytes(bytes(data))
    r = pmdb.run([str(core)], "::stack -p")
    assert r.rc == 0, r
    pcs = [int(l.split()[0], 16) for l in r.out.splitlines() if re.match(r"^[0-9a-f]{16} ", l)]
    assert pcs[:2] == [0x400548, lr], r.out
