"""Every core of the shared corpus (user cores of five architectures, Go,
kernel dumps in ELF and kdump form), cut short at points chosen from its own
layout: inside the ELF header, inside the program headers, a third and two
thirds into the notes, half-way and one byte before the end.  pmdb (the
ASan/UBSan build) must end cleanly every time, with a message; once the
headers are whole it must say the file is truncated."""
import os
import struct

import pytest

import corpus
from test_badinput import run_asan


def cut_points(path):
    """(offset, headers_whole, loses_data) for the file at path."""
    size = os.path.getsize(path)
    data_end = size
    with open(path, "rb") as f:
        head = f.read(64)
    points = {size // 2: True, size - 1: True}
    if head[:4] == b"\x7fELF" and head[4] in (1, 2):     # ELF32 or ELF64
        end = "<" if head[5] == 1 else ">"
        if head[4] == 2:
            phoff, = struct.unpack(end + "Q", head[32:40])
            phentsize, phnum = struct.unpack(end + "HH", head[54:58])
            field = {"off": (8, "Q"), "fsz": (32, "Q")}          # Elf64_Phdr
        else:
            phoff, = struct.unpack(end + "I", head[28:32])
            phentsize, phnum = struct.unpack(end + "HH", head[42:46])
            field = {"off": (4, "I"), "fsz": (16, "I")}          # Elf32_Phdr
        with open(path, "rb") as f:
            f.seek(phoff)
            table = f.read(phentsize * min(phnum, 4096))
        ph_end = phoff + phentsize * phnum
        points[30] = False
        data_end = 0
        if phnum and ph_end < size:
            points[phoff + phentsize * phnum // 2] = False
        for i in range(len(table) // phentsize if phentsize else 0):
            base = i * phentsize

            def get(name):
                at, fmt = field[name]
                n = struct.calcsize(fmt)
                return struct.unpack(end + fmt, table[base + at:base + at + n])[0]
            p_type, = struct.unpack(end + "I", table[base:base + 4])
            off, fsz = get("off"), get("fsz")
            if p_type in (1, 4):
                data_end = max(data_end, off + fsz)
            if p_type == 4 and fsz > 3:                  # PT_NOTE
                points[off + fsz // 3] = True
                points[off + 2 * fsz // 3] = True
        data_end = max(data_end, ph_end)
    else:                                                 # kdump: its header block
        points[min(size - 1, 4096 + 100)] = False
    # a cut past everything the headers point at loses nothing
    return sorted((n, whole, n < data_end) for n, whole in points.items() if 0 < n < size)


def write_prefix(src, dst, n):
    with open(src, "rb") as i, open(dst, "wb") as o:
        left = n
        while left:
            chunk = i.read(min(left, 1 << 22))
            if not chunk:
                break
            o.write(chunk)
            left -= len(chunk)


@pytest.fixture(scope="module")
def corpus_dir():
    if not corpus.available():
        pytest.skip("the shared corpus is not on this machine")
    return corpus.prepare()


@pytest.mark.parametrize("core", corpus.all_core_files())
def test_truncated_core(corpus_dir, core, tmp_path):
    path = os.path.join(corpus_dir, core)
    kernel = core.startswith("kernel" + os.sep)
    cmds = "::status; $c; ::msgbuf" if kernel else "::status; $c; ::mappings; $r"
    for n, headers_whole, loses_data in cut_points(path):
        cut = tmp_path / "cut"
        write_prefix(path, cut, n)
        p = run_asan([str(cut)], cmds=cmds, timeout=120)
        if loses_data:
            assert p.stderr.strip(), f"{core} cut at {n}: no message at all"
        if headers_whole and loses_data:
            assert "truncated" in p.stderr, f"{core} cut at {n}: not called truncated:\n{p.stderr[-1500:]}"
        cut.unlink()
