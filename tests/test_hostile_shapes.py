"""Hostile shapes (issue 9): looping stacks, cores claiming absurd numbers or
sizes of notes and memory, and symlink loops in debug folders.  Each input is
made here from a test core; the ASan/UBSan build must finish in bounded time
with a clean exit and say what is wrong with the input."""
import re
import struct
import subprocess
import time

import pytest

import cores
from test_badinput import run_asan

PT_LOAD, PT_NOTE = 1, 4
NT_PRSTATUS = 1
PR_REG = 112                 # offset of pr_reg in elf_prstatus
RBP, RIP, RSP = 4, 16, 19    # indices in user_regs_struct
LIMIT = 30                   # seconds: far more than any of these needs


@pytest.fixture(scope="module")
def good():
    return cores.make_core("null_read")


def phdrs(data):
    phoff, = struct.unpack_from("<Q", data, 32)
    n, = struct.unpack_from("<H", data, 56)
    return [(phoff + 56 * i,) + struct.unpack_from("<IIQQQQQQ", data, phoff + 56 * i) for i in range(n)]


def notes(data):
    """(offset of the descriptor, type, size) of each note."""
    out = []
    for _, typ, _, off, _, _, filesz, _, _ in phdrs(data):
        if typ != PT_NOTE:
            continue
        p = off
        while p + 12 <= off + filesz:
            namesz, descsz, ntype = struct.unpack_from("<III", data, p)
            desc = p + 12 + (namesz + 3) // 4 * 4
            out.append((desc, ntype, descsz))
            p = desc + (descsz + 3) // 4 * 4
    return out


def file_offset(data, addr):
    for _, typ, _, off, vaddr, _, filesz, _, _ in phdrs(data):
        if typ == PT_LOAD and vaddr <= addr < vaddr + filesz:
            return off + addr - vaddr
    return None


def timed(args, cmds):
    t0 = time.monotonic()
    p = run_asan(args, cmds, timeout=LIMIT)
    return p, time.monotonic() - t0


def test_frame_pointer_loop(good, tmp_path):
    """rbp and rsp point at a frame whose saved rbp is itself: every unwind
    step finds the same CFA.  The stack ends after a frame or two."""
    data = bytearray(open(good.core, "rb").read())
    desc = next(d for d, t, _ in notes(data) if t == NT_PRSTATUS)
    reg = lambda i: desc + PR_REG + 8 * i  # noqa: E731
    rsp, rip = struct.unpack_from("<Q", data, reg(RSP))[0], struct.unpack_from("<Q", data, reg(RIP))[0]
    frame = (rsp - 0x100) & ~0xf
    off = file_offset(data, frame)
    assert off is not None
    struct.pack_into("<QQ", data, off, frame, rip)
    struct.pack_into("<Q", data, reg(RBP), frame)
    struct.pack_into("<Q", data, reg(RSP), frame)
    f = tmp_path / "loop.core"
    f.write_bytes(data)
    p, secs = timed([good.exe, str(f)], "$c; $C; ::stack -a; ::findstack; ::analyze")
    assert secs < LIMIT
    assert p.stdout.count("\n") < 2000, "the loop was followed far too long"
    # $c's frames: the lines before $C's, which start with a stack pointer
    lines = p.stdout.splitlines()
    c_frames = lines[:next(i for i, l in enumerate(lines) if l[:16].isalnum() and len(l) > 17
                           and l[16] == " ")]
    assert c_frames and c_frames[0].startswith("inner+"), p.stdout[:500]
    assert len(c_frames) <= 3, c_frames


def core_with(segments):
    """A minimal x86-64 ET_CORE: segments are (type, offset, vaddr, filesz, memsz)
    program headers followed by the given blob."""
    eh = bytearray(64)
    eh[0:16] = b"\x7fELF\x02\x01\x01" + bytes(9)
    struct.pack_into("<HHIQQQIHHHHHH", eh, 16, 4, 62, 1, 0, 64, 0, 0, 64, 56, len(segments), 0, 0, 0)
    return bytes(eh) + b"".join(struct.pack("<IIQQQQQQ", t, 4, o, v, 0, fs, ms, 1)
                                for t, o, v, fs, ms in segments)


def note(ntype, desc, name=b"CORE\0", namesz=None, descsz=None):
    namesz = len(name) if namesz is None else namesz
    descsz = len(desc) if descsz is None else descsz
    pad = lambda b: b + bytes(-len(b) % 4)  # noqa: E731
    return struct.pack("<III", namesz, descsz, ntype) + pad(name) + pad(desc)


HDR = 64 + 56 * 2


@pytest.mark.parametrize("shape", ["billions_of_notes", "huge_load", "overlapping_loads",
                                   "thousands_of_notes", "absurd_note_size", "huge_namesz"])
def test_hostile_core(tmp_path, shape):
    if shape == "billions_of_notes":
        # a note segment claiming 2^40 bytes of notes in a file of a few hundred
        blob = note(NT_PRSTATUS, bytes(336)) * 2
        data = core_with([(PT_NOTE, HDR, 0, 1 << 40, 0), (PT_LOAD, HDR, 0x1000, 0, 0)]) + blob
    elif shape == "huge_load":
        blob = note(NT_PRSTATUS, bytes(336))
        data = core_with([(PT_NOTE, HDR, 0, len(blob), 0),
                          (PT_LOAD, HDR, 0x400000, (1 << 63) - 1, (1 << 64) - 1)]) + blob
    elif shape == "overlapping_loads":
        blob = note(NT_PRSTATUS, bytes(336))
        segs = [(PT_NOTE, 64 + 56 * 200, 0, len(blob), 0)]
        segs += [(PT_LOAD, 0, 0x1000 + 8 * i, 0x100000, 0x100000) for i in range(199)]
        data = core_with(segs) + blob
    elif shape == "thousands_of_notes":
        blob = b"".join(note(i % 8, bytes(i % 5)) for i in range(100000))
        blob += note(NT_PRSTATUS, bytes(336)) * 3000
        data = core_with([(PT_NOTE, HDR, 0, len(blob), 0), (PT_LOAD, HDR, 0x1000, 0, 0)]) + blob
    elif shape == "absurd_note_size":
        blob = note(NT_PRSTATUS, bytes(64), descsz=0xfffffff0) + note(NT_PRSTATUS, bytes(336))
        data = core_with([(PT_NOTE, HDR, 0, len(blob), 0), (PT_LOAD, HDR, 0x1000, 0, 0)]) + blob
    else:
        blob = note(NT_PRSTATUS, bytes(336), namesz=0xffffffff) + note(6, bytes(16))
        data = core_with([(PT_NOTE, HDR, 0, len(blob), 0), (PT_LOAD, HDR, 0x1000, 0, 0)]) + blob
    f = tmp_path / (shape + ".core")
    f.write_bytes(data)
    p, secs = timed([str(f)], "::status; $c; ::mappings; ::modules; $r; ::threads; 0::dis")
    assert secs < LIMIT
    assert p.stderr.strip() or p.stdout.strip()
    # what pmdb must say about each shape, and what it still reads
    said = {
        "billions_of_notes": ["claim 1099511627776 bytes, the file holds"],
        "huge_load": ["core file is truncated"],
        "overlapping_loads": ["core file is truncated"],
        "thousands_of_notes": ["is too short", "the others are not shown"],
        "absurd_note_size": ["a malformed note at file offset"],
        "huge_namesz": ["a malformed note at file offset"],
    }[shape]
    for words in said:
        assert words in p.stderr, (words, p.stderr[-2000:])
    if shape == "billions_of_notes":
        assert "threads: 2\n" in p.stdout, p.stdout     # the notes the file does hold
    if shape == "thousands_of_notes":
        assert "threads: 3000\n" in p.stdout, p.stdout
        assert p.stderr.count("\n") < 100, "warnings are not bounded"


NT_FILE = 0x46494C45


def with_note_segment(data, note):
    """DATA with one more PT_NOTE segment holding NOTE, appended with a new
    program header table at the end of the file."""
    data = bytearray(data)
    phoff, = struct.unpack_from("<Q", data, 32)
    n, = struct.unpack_from("<H", data, 56)
    table = bytes(data[phoff:phoff + 56 * n])
    data += b"\0" * (-len(data) % 8)
    at = len(data)
    data += note
    data += b"\0" * (-len(data) % 8)
    struct.pack_into("<Q", data, 32, len(data))
    struct.pack_into("<H", data, 56, n + 1)
    data += table + struct.pack("<IIQQQQQQ", PT_NOTE, 0, at, 0, 0, len(note), 0, 4)
    return data


def test_second_nt_file_note(good, tmp_path):
    """A core with a second NT_FILE note naming other paths (fuzz_core made
    one: the first note's table leaked): a warning, and the first note's
    paths, which gdb shows too, for every mapping gdb lists."""
    data = open(good.core, "rb").read()
    desc, _, size = next(n for n in notes(data) if n[1] == NT_FILE)
    other = data[desc:desc + size].replace(b"/null_read\0", b"/NULL_READ\0")
    assert other != data[desc:desc + size]
    note = struct.pack("<III", 5, len(other), NT_FILE) + b"CORE\0\0\0\0" + other + b"\0" * (-len(other) % 4)
    f = tmp_path / "two.core"
    f.write_bytes(with_note_segment(data, note))
    p, secs = timed([good.exe, str(f)], "::mappings")
    assert "a second NT_FILE note; the first is used" in p.stderr, p.stderr
    g = subprocess.run(["gdb", "-batch", "-nx", "-q", "-ex", "info proc mappings", good.exe, str(f)],
                       capture_output=True, text=True, timeout=120).stdout
    want = re.findall(r"^\s+0x([0-9a-f]+)\s+0x[0-9a-f]+\s+0x[0-9a-f]+\s+0x[0-9a-f]+\s+(/\S+)$", g, re.M)
    assert any(path.endswith("/null_read") for _, path in want), g
    mine = dict(re.findall(r"^\s+([0-9a-f]+)\s+[0-9a-f]+\s+\S+\s+\S+\s+\S+\s+(/\S+)$", p.stdout, re.M))
    assert all(mine.get(start) == path for start, path in want), (p.stdout, g)
    assert "NULL_READ" not in p.stdout


def test_debug_dir_symlink_loop(good, tmp_path):
    """-d DIR whose build-id folder and debuglink names are symlink loops."""
    d = tmp_path / "debug"
    (d / ".build-id").mkdir(parents=True)
    for i in range(256):
        (d / ".build-id" / f"{i:02x}").symlink_to(f"{i:02x}")
    (d / "a").symlink_to("b")
    (d / "b").symlink_to("a")
    (d / "self").symlink_to(".")
    exe_name = good.exe.rsplit("/", 1)[1]
    (d / (exe_name + ".debug")).symlink_to(exe_name + ".debug")
    (d / "usr").symlink_to(str(d))
    p, secs = timed(["-d", str(d), good.exe, good.core], "::status; $c; ::modules")
    assert secs < LIMIT
    assert p.returncode in (0, 1)
    assert "inner+0xc()" in p.stdout, p.stdout     # the loops cost nothing else
