"""The shared corpus of real cores (elfutils, drgn, lldb, Go, ...): pmdb
must reproduce what the upstream tests, gdb and eu-stack established for
each x86-64 core (pid, threads, signal, fault address, registers, frames),
and refuse every other architecture cleanly."""
import bz2
import glob
import gzip
import os
import re
import shutil
import subprocess

import pytest

import pmdb

CORPUS = os.path.join(pmdb.ROOT, "..", "shared", "corpus")
WORK = os.path.join(pmdb.ROOT, "build", "corpus")


def decompressed(src_dir, rel):
    """Path of a corpus file under build/corpus, decompressing on first use."""
    dst = os.path.join(WORK, os.path.basename(src_dir), rel)
    if os.path.exists(dst):
        return dst
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    for ext, opener in ((".bz2", bz2.open), (".gz", gzip.open)):
        if os.path.exists(os.path.join(src_dir, rel + ext)):
            with opener(os.path.join(src_dir, rel + ext)) as i, open(dst, "wb") as o:
                shutil.copyfileobj(i, o)
            return dst
    if os.path.exists(os.path.join(src_dir, rel + ".zst")):
        subprocess.run(["zstd", "-qdf", os.path.join(src_dir, rel + ".zst"), "-o", dst], check=True)
        return dst
    if os.path.exists(os.path.join(src_dir, rel)):
        shutil.copyfile(os.path.join(src_dir, rel), dst)
        return dst
    return None


def fixtures():
    out = []
    for f in sorted(glob.glob(os.path.join(CORPUS, "*", "expected", "*.expected"))):
        lines = [l.split("#")[0].strip() for l in open(f)]
        kv = {}
        for l in lines:
            if l:
                k, _, v = l.partition(" ")
                kv.setdefault(k, v)
        if "core" in kv:
            out.append(pytest.param(f, id=os.path.basename(f)[:-len(".expected")]))
    return out


def load(expected):
    src_dir = os.path.dirname(os.path.dirname(expected))
    facts = [l.split("#")[0].split() for l in open(expected)]
    facts = [f for f in facts if f]
    head = {f[0]: f[1:] for f in facts if f[0] in ("core", "exe", "arch", "sysroot")}
    core = decompressed(src_dir, head["core"][0])
    exe = None
    if head.get("exe") and head["exe"][0] != "-":
        exe = decompressed(src_dir, head["exe"][0])
    return core, exe, head.get("arch", ["?"])[0], facts


def demangle(name):
    if not name.startswith("_Z"):
        return name
    return subprocess.run(["c++filt", name], capture_output=True, text=True).stdout.strip()


def name_matches(mine, want):
    if want == "*":
        return True
    for alt in want.split("|"):
        if alt.startswith("_Z") and demangle(alt) == mine:
            return True
        if alt == "?":
            if mine.startswith("0x"):
                return True
            continue
        base = re.sub(r"\(.*\)$", "", mine)
        if base == alt or base.split("::")[-1] == alt or mine == alt:
            return True
    return False


@pytest.mark.parametrize("expected", fixtures())
def test_corpus_fixture(expected):
    core, exe, arch, facts = load(expected)
    if core is None:
        pytest.skip("core file missing from the corpus")
    args = ([exe] if exe else []) + [core]
    r = pmdb.run(args, "::status", timeout=30)
    assert r.rc >= 0, f"pmdb died of signal {-r.rc}"
    keys = {f[0] for f in facts} - {"fixture", "core", "exe", "arch", "origin", "libs",
                                    "sysroot"}
    refused = r.rc == 2 and "not supported" in r.err
    if arch != "x86_64" or ("no_crash" in keys and refused):
        # a clean refusal, not a crash
        assert r.rc == 2, r
        assert r.err.strip().startswith("pmdb:"), r.err
        return
    assert r.rc == 0, r
    status = pmdb.status_fields(r.out)
    tids = [int(t[2:]) for t in pmdb.run(args, "::walk thread").out.split()]
    if len(set(tids)) != len(tids):
        pytest.xfail("threads share one id (a pid-0 core): pmdb selects threads by id only")
    stacks, regs = {}, {}

    def thread(tid):
        if tid not in stacks:
            out = pmdb.run(args, f"0t{tid}::stack -p").out
            stacks[tid] = [f for f in pmdb.parse_stack(out) if f[2] != "inline"]
            regs[tid] = pmdb.parse_regs(pmdb.run(args, f"0t{tid}::context; $r").out)
        return stacks[tid], regs[tid]

    checked = 0
    libs_needed = any(f[0] in ("libs", "sysroot") for f in facts)
    missing = []
    for f in facts:
        key, vals = f[0], f[1:]
        if key == "pid":
            assert status["pid"] == vals[0]
        elif key == "threads":
            assert len(tids) == int(vals[0])
        elif key == "signal":
            assert re.search(rf"\({vals[0]}\)$", status["signal"]), status
        elif key == "thread" and "crashed" in vals:
            assert tids[0] == int(vals[0])
        elif key == "thread":
            assert int(vals[0]) in tids
        elif key == "fault_addr":
            assert int(status["fault address"].split()[0], 16) == int(vals[0], 16)
        elif key == "reg" and vals[1] in ("rip", "rsp"):
            assert thread(int(vals[0]))[1][vals[1]] == int(vals[2], 16), f
        elif key in ("frame", "min_frames", "contains", "absent") and libs_needed:
            # the shipped shared objects sit at other paths than the core
            # records: finding them needs --solib-path / --sysroot (issue 6)
            missing.append(f)
            continue
        elif key == "frame":
            tid = tids[0] if vals[0] == "*" else int(vals[0])
            frames = thread(tid)[0]
            idx = int(vals[1])
            assert idx < len(frames), (f, frames)
            pc, name = frames[idx][0], frames[idx][1]
            if vals[2] != "*":
                assert pc == int(vals[2], 16), (f, hex(pc))
            assert name_matches(name, vals[3]), (f, name)
        elif key == "min_frames":
            tid = tids[0] if vals[0] == "*" else int(vals[0])
            assert len(thread(tid)[0]) >= int(vals[1])
        elif key in ("contains", "absent") and vals[0] == "*":
            names = [n for t in tids for (_, n, _, _) in thread(t)[0]]
            hit = any(name_matches(n, vals[1]) for n in names)
            assert hit == (key == "contains"), (f, names)
        else:
            continue
        checked += 1
    assert checked > 0
    if missing:
        pytest.xfail(f"{len(missing)} frame facts need shipped libraries found by path "
                     "(--solib-path, issue 6); the rest passed")
