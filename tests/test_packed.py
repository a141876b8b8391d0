"""Compressed cores, as systemd-coredump stores them (src/target/unpack.c):
pmdb opens CORE.zst, .xz and .lz4 (each made with the format's own CLI)
and prints what it prints for the plain core; a truncated or corrupt
stream is refused with a message that says so."""
import os
import re
import shutil
import subprocess

import pytest

import cores
from test_arch32 import m32_core
import pmdb

TOOLS = {"zst": ["zstd", "-q", "-c"], "xz": ["xz", "-c"], "lz4": ["lz4", "-q", "-c"]}
KIND = {"zst": "zstd", "xz": "xz", "lz4": "lz4"}
CMDS = "::status; ::stacks; ::modules; $r; ::mappings; ::analyze"


def compress(src, ext, dst_dir):
    if not shutil.which(TOOLS[ext][0]):
        pytest.skip(f"no {TOOLS[ext][0]} command")
    dst = os.path.join(dst_dir, os.path.basename(src) + "." + ext)
    with open(dst, "wb") as out:
        subprocess.run(TOOLS[ext] + [src], stdout=out, check=True)
    return dst


def without_path(text, path):
    return text.replace(path, "CORE")


@pytest.fixture(scope="module")
def threads():
    return cores.make_core("threads")


@pytest.mark.parametrize("ext", ["zst", "xz", "lz4"])
def test_same_output_as_plain(tmp_path, threads, ext):
    packed = compress(threads.core, ext, str(tmp_path))
    pmdb.run(pmdb.core_args(threads), "::modules")   # the debug cache is warm for both
    plain = pmdb.run(pmdb.core_args(threads), CMDS)
    got = pmdb.run([threads.exe, packed], CMDS)
    assert plain.rc == 0 and got.rc == 0, got
    assert f"core file: {packed} ({KIND[ext]}-compressed)" in got.out
    assert without_path(got.out, packed + f" ({KIND[ext]}-compressed)") == \
        without_path(plain.out, threads.core)
    assert got.err == plain.err


def test_executable_found_from_compressed_core(tmp_path):
    """No EXECUTABLE argument, split debug info by -d: as with the plain core."""
    c = cores.make_core("stripped")
    packed = compress(c.core, "zst", str(tmp_path))
    plain = pmdb.run(["-d", c.debugdir, c.core], "$C -s")
    got = pmdb.run(["-d", c.debugdir, packed], "$C -s")
    assert got.rc == 0 and "stripped.c:" in got.out, got
    assert got.out == plain.out


@pytest.mark.parametrize("ext", ["zst", "xz", "lz4"])
def test_truncated(tmp_path, threads, ext):
    packed = compress(threads.core, ext, str(tmp_path))
    with open(packed, "rb") as f:
        data = f.read()
    short = str(tmp_path / ("short." + ext))
    with open(short, "wb") as f:
        f.write(data[: len(data) // 2])
    r = pmdb.run([short], "::status")
    assert r.rc == 2 and r.out == "", r
    assert f"truncated {KIND[ext]} stream: the file ends after {len(data) // 2} compressed bytes" in r.err


def test_corrupt_and_trailing_garbage(tmp_path, threads):
    packed = compress(threads.core, "zst", str(tmp_path))
    with open(packed, "rb") as f:
        data = bytearray(f.read())
    junk = tmp_path / "junk.zst"
    junk.write_bytes(bytes(data) + b"not zstd")
    r = pmdb.run([str(junk)], "::status")
    assert r.rc == 2 and f"{len(data)} bytes of zstd data, then bytes that are not" in r.err, r
    data[len(data) // 2] ^= 0xff
    bad = tmp_path / "bad.zst"
    bad.write_bytes(bytes(data))
    r = pmdb.run([str(bad)], "::status")
    assert r.rc == 2 and "corrupt zstd data" in r.err, r


def test_compressed_garbage_is_not_a_dump(tmp_path):
    f = tmp_path / "text.zst"
    with open(f, "wb") as out:
        subprocess.run(["zstd", "-q", "-c"], input=b"hello\n" * 100, stdout=out, check=True)
    r = pmdb.run([str(f)], "::status")
    assert r.rc == 2 and "not an ELF file" in r.err, r
    assert str(f) in r.err and "/proc/self/fd" not in r.err


def test_asan_build(tmp_path, threads):
    if not os.path.exists(pmdb.ASAN):
        pytest.skip("no ASan build (make asan)")
    packed = compress(threads.core, "xz", str(tmp_path))
    for path in (packed, threads.core):
        r = subprocess.run([pmdb.ASAN, threads.exe, path, "-e", "::stacks"],
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0 and "ERROR" not in r.stderr, r.stderr
    with open(packed, "rb") as f:
        data = f.read()
    (tmp_path / "short.xz").write_bytes(data[:1000])
    r = subprocess.run([pmdb.ASAN, str(tmp_path / "short.xz")], capture_output=True, text=True)
    assert r.returncode == 2 and "truncated xz" in r.stderr, r.stderr


def claimed_size(core):
    """The end of the core's last segment or header table, from readelf."""
    out = subprocess.run(["readelf", "-lhW", core], capture_output=True, text=True, check=True).stdout
    end = 0
    for off, size in re.findall(r"^\s+\w+\s+(0x[0-9a-f]+) 0x[0-9a-f]+ 0x[0-9a-f]+ (0x[0-9a-f]+)", out, re.M):
        end = max(end, int(off, 16) + int(size, 16))
    phoff = int(re.search(r"Start of program headers:\s+(\d+)", out).group(1))
    phnum = int(re.search(r"Number of program headers:\s+(\d+)", out).group(1))
    shoff = int(re.search(r"Start of section headers:\s+(\d+)", out).group(1))
    shnum = int(re.search(r"Number of section headers:\s+(\d+)", out).group(1))
    ph, sh = (56, 64) if re.search(r"Class:\s+ELF64", out) else (32, 40)
    return max(end, phoff + ph * phnum, shoff + sh * shnum if shoff else 0)


@pytest.mark.parametrize("bits", [64, 32])
def test_decompression_bomb_stopped(tmp_path, threads, bits):
    """A real core followed by 2 GiB of zeros, in one zstd frame (about
    70 KiB): pmdb stops just past the size the core's headers give, with
    the core's own size in the message, and leaves no file behind.  The
    32-bit core is test_arch32's i386 one."""
    core = threads.core if bits == 64 else m32_core("null_write")[1]
    bomb = tmp_path / "bomb.zst"
    with open(bomb, "wb") as out:
        subprocess.run(f"(cat {core}; head -c 2G /dev/zero) | zstd -q -c -1", shell=True,
                       stdout=out, check=True)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    r = subprocess.run([pmdb.PMDB, str(bomb), "-e", "::status"], capture_output=True, text=True,
                       timeout=120, env=dict(os.environ, TMPDIR=str(scratch)))
    assert r.returncode == 2, r.stderr
    assert f"inflates past the {claimed_size(core)} bytes its ELF headers describe" in r.stderr
    assert os.listdir(scratch) == []


def test_core_larger_than_the_scratch_disk(tmp_path, threads):
    """TMPDIR on a 1 MiB tmpfs: refused at once, saying how much is needed
    and what is free, before anything fills the disk."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("needs root to mount a small tmpfs in a private namespace")
    packed = compress(threads.core, "zst", str(tmp_path))
    tiny = tmp_path / "tiny"
    tiny.mkdir()
    script = f"mount -t tmpfs -o size=1m none {tiny} && TMPDIR={tiny} {pmdb.PMDB} {packed} -e ::status"
    r = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stderr
    need = claimed_size(threads.core)
    assert need > 1 << 20
    assert re.search(rf"the inflated core needs {need} bytes; {tiny} has \d+ free", r.stderr), r.stderr


def test_inflated_core_lives_on_disk(tmp_path, threads):
    """While pmdb works on a compressed core, the inflated copy is an
    unlinked file in TMPDIR, not memory."""
    packed = compress(threads.core, "zst", str(tmp_path))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    p = subprocess.Popen([pmdb.PMDB, threads.exe, packed], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=dict(os.environ, TMPDIR=str(scratch)))
    try:
        p.stdin.write("::status\n!echo READY\n")
        p.stdin.flush()
        while "READY" not in p.stdout.readline():
            pass
        links = [os.readlink(f"/proc/{p.pid}/fd/{fd}") for fd in os.listdir(f"/proc/{p.pid}/fd")]
        assert any(link.startswith(str(scratch) + "/") and link.endswith("(deleted)") for link in links), links
        assert not any(link.startswith("/memfd:pmdb-core") for link in links), links
    finally:
        p.stdin.close()
        p.wait(timeout=30)
