"""pmdb --analyze [--json]: the JSON report (docs/json.md) checked for
completeness and formatting and against gdb; crash signatures stable
across runs and distinct across bugs."""
import json
import os
import re
import shutil
import subprocess

import pytest

import cores
import gdb_oracle
import pmdb
from test_gdb_diff import GDB_TO_PMDB_REG, GENERAL_REGS, gdb_frames, same_function

HEX = re.compile(r"^0x[0-9a-f]+$")

TOP = ["core", "executable", "argv", "pid", "signal", "crashed_thread", "threads", "mappings",
       "modules", "verdict", "signature"]
SIGNAL = ["number", "name", "code", "code_name", "address"]
FRAME = ["pc", "function", "function_offset", "module", "build_id", "offset", "file", "line", "inline",
         "signal_frame"]
MAPPING = ["start", "end", "perms", "file", "offset", "label"]
MODULE = ["name", "start", "end", "build_id", "file", "debug_file"]
VERDICT = ["class", "summary", "cert", "cert_rating", "first_interesting_frame", "facts"]


def report(core, extra=()):
    r = pmdb.run(list(extra) + ["--analyze", "--json"] + pmdb.core_args(core), timeout=300)
    assert r.rc == 0, r
    assert r.out.count("\n") == 1, "one line"
    return json.loads(r.out)


def signature(core_path, exe=None):
    args = ["--analyze"] + ([exe] if exe else []) + [core_path]
    r = pmdb.run(args, timeout=300)
    assert r.rc == 0, r
    f = pmdb.status_fields(r.out)
    return f["signature"], f["hash"]


def test_analyze_option_exits(nullread):
    r = pmdb.run(["--analyze", nullread.core])
    assert r.rc == 0, r
    assert "class: null-deref" in r.out
    assert "signature: null-deref: inner < middle < outer < main\n" in r.out
    assert re.search(r"^hash: [0-9a-f]{16}$", r.out, re.M)
    assert pmdb.run(["--analyze", "/nonexistent/core"]).rc == 2


def test_analyze_j_is_the_json_option(nullread):
    a = pmdb.run([nullread.core], "::analyze -j")
    b = pmdb.run(["--analyze", "--json", nullread.core])
    assert a.rc == 0 and b.rc == 0
    da, db = json.loads(a.out), json.loads(b.out)
    for d in (da, db):   # the first run fills the debug cache: another debug_file
        for m in d["modules"]:
            m.pop("debug_file")
    assert da == db


@pytest.mark.parametrize("name", ["null_read", "threads", "cxx_throw", "stripped",
                                  "sighandler"])
def test_every_member_present_and_hex(name):
    core = cores.make_core(name)
    d = report(core)
    assert list(d) == TOP
    assert list(d["signal"]) == SIGNAL
    assert d["signal"]["number"] == core.signal
    assert d["pid"] == core.pid
    assert d["core"] == core.core and d["executable"] == core.exe
    assert d["argv"].startswith(core.exe)
    assert d["crashed_thread"] == d["threads"][0]["tid"]
    for th in d["threads"]:
        assert list(th) == ["tid", "registers", "frames", "unwind_error"]
        assert th["registers"] and all(HEX.match(v) for v in th["registers"].values())
        assert th["frames"]
        for f in th["frames"]:
            assert list(f) == FRAME, f
            assert HEX.match(f["pc"])
            assert f["offset"] is None or HEX.match(f["offset"])
            assert f["function_offset"] is None or HEX.match(f["function_offset"])
            if f["module"]:
                m = next(m for m in d["modules"] if m["name"] == f["module"])
                assert int(f["pc"], 16) - int(m["start"], 16) == int(f["offset"], 16)
                assert f["build_id"] == m["build_id"]
            assert isinstance(f["inline"], bool) and isinstance(f["signal_frame"], bool)
            assert (f["line"] is None) == (f["file"] is None)
    for m in d["mappings"]:
        assert list(m) == MAPPING
        assert HEX.match(m["start"]) and HEX.match(m["end"]) and HEX.match(m["offset"])
        assert re.match(r"^[r-][w-][x-]$", m["perms"])
    for m in d["modules"]:
        assert list(m) == MODULE
        assert HEX.match(m["start"]) and HEX.match(m["end"])
    v = d["verdict"]
    assert list(v) == VERDICT
    assert v["class"] and v["summary"] and v["facts"]["signal"]
    assert re.match(r"^[0-9a-f]{16}$", d["signature"]["hash"])
    assert d["signature"]["text"].startswith(v["class"] + ": ")


def test_sigaddr_and_code(nullread):
    d = report(nullread)
    assert d["signal"] == {"number": 11, "name": "SIGSEGV", "code": 1,
                           "code_name": "SEGV_MAPERR", "address": "0x8"}


@pytest.mark.parametrize("name", ["null_read", "threads", "cxx_throw"])
def test_threads_match_gdb(name):
    core = cores.make_core(name)
    d = report(core)
    g, raw = gdb_oracle.run_gdb(core.exe, core.core, core.debugdir)
    assert sorted(t["tid"] for t in d["threads"]) == sorted(g["threads"]), raw
    assert d["crashed_thread"] == g["current"]
    for th in d["threads"]:
        tid = th["tid"]
        for r in GENERAL_REGS:
            if r in g["regs"][tid]:
                assert int(th["registers"][GDB_TO_PMDB_REG.get(r, r)], 16) == g["regs"][tid][r]
        mine = [f for f in th["frames"] if not f["inline"]]
        theirs = [f for f in gdb_frames(g, tid) if f["kind"] != "inline"]
        assert len(mine) == len(theirs), (tid, mine, theirs)
        for i, (mf, gf) in enumerate(zip(mine, theirs)):
            pc = int(mf["pc"], 16)
            assert mf["signal_frame"] == (gf["kind"] == "signal")
            if gf["pc"] is not None:
                assert pc == gf["pc"], (tid, i)
            if mf["function"] and gf["name"] != "??" and not mf["signal_frame"]:
                start = pc - int(mf["function_offset"] or "0x0", 16)
                assert same_function(core, mf["function"], gf["name"], pc if i == 0 else pc - 1,
                                     start), (tid, i, mf, gf)


def test_facts_keep_order_first_value(nullread):
    d = report(nullread)
    keys = list(d["verdict"]["facts"])
    assert keys[:2] == ["signal", "thread"]
    text = pmdb.run(["--analyze", nullread.core]).out
    ev = re.findall(r"^  (\w+): ", text.split("evidence:\n")[1].split("stack of")[0], re.M)
    assert keys == list(dict.fromkeys(ev))


def test_strings_escaped(nullread, tmp_path):
    """Control characters and bytes that are not UTF-8 in text from the
    dump (here the core's name) still give valid JSON."""
    odd = os.path.join(os.fsencode(tmp_path), b"co\tre\x01\xff\xc3(.core")
    shutil.copyfile(nullread.core, odd)
    out = subprocess.run([pmdb.PMDB, "--analyze", "--json", nullread.exe, odd],
                         capture_output=True, timeout=120).stdout
    d = json.loads(out)
    assert d["core"].endswith("co\tre\x01\ufffd\ufffd(.core")
    assert b"\\t" in out and b"\\u0001" in out and b"\\ufffd" in out


# ---------------------------------------------------------------- signatures

def test_same_bug_same_signature(tmp_path):
    """Two more crashes of null_read (new pid, new address-space layout)
    and the cached core: one signature."""
    base = cores.make_core("null_read")
    sigs = {signature(base.core)}
    bases = set()
    for i in range(2):
        c = cores.crash_in_dir(base.exe, tmp_path / str(i))
        sigs.add(signature(c))
        bases.add(json.loads(pmdb.run(["--analyze", "--json", c]).out)["modules"][0]["start"])
    assert len(sigs) == 1, sigs
    if open("/proc/sys/kernel/randomize_va_space").read().strip() != "0":
        assert len(bases) == 2, "ASLR moved the executable"
    assert sigs.pop()[0] == "null-deref: inner < middle < outer < main"


def test_different_bugs_different_signatures():
    names = ["null_read", "null_write", "wild_ptr", "sigfpe", "abort_assert", "cxx_throw",
             "deep_overflow"]
    hashes = {signature(cores.make_core(n).core)[1] for n in names}
    assert len(hashes) == len(names)


def test_recursion_collapses():
    sig = signature(cores.make_core("deep_overflow").core)[0]
    assert sig == "stack-overflow: descend < main"


MUTUAL = r"""
#include <stdio.h>
int *volatile target;
void leaf(void) { *target = 1; }
void pong(int n);
void ping(int n) { if (n == 0) leaf(); else pong(n - 1); }
void pong(int n) { ping(n - 1); }
int main(void) { ping(1000); puts("unreachable"); return 0; }
"""


def test_mutual_recursion_folds(tmp_path):
    src = tmp_path / "mutual.c"
    src.write_text(MUTUAL)
    exe = tmp_path / "mutual"
    subprocess.run(["gcc", "-O0", "-g", "-o", exe, src], check=True)
    c = cores.crash_in_dir(exe, tmp_path / "run")
    assert signature(c, str(exe))[0] == "null-deref: leaf < ping < pong < main"


def test_rust_manglings_agree():
    try:
        a = cores.make_core("rust_panic_legacy")
        b = cores.make_core("rust_panic_v0")
    except cores.ProgUnavailable as e:
        pytest.skip(str(e))
    sa, sb = signature(a.core), signature(b.core)
    assert sa == sb
    for f in sa[0].split(": ", 1)[1].split(" < "):
        assert not re.search(r"::h[0-9a-f]{16}|[<>\[]", f), f


def test_bench_bugs(tmp_path):
    """bench/progs/triage_crash.c: recursion depth does not change the
    signature; a NULL function call is named by its caller."""
    exe = tmp_path / "triage_crash"
    subprocess.run(["gcc", "-O0", "-g", "-o", exe,
                    os.path.join(pmdb.ROOT, "bench", "progs", "triage_crash.c")], check=True)
    sig = lambda bug, depth: signature(
        cores.crash_in_dir(exe, tmp_path / f"{bug}-{depth}", args=(bug, depth)), str(exe))[0]
    assert sig(0, 3) == sig(0, 8)
    assert sig(4, 0) == "bad-jump: bad_call"
