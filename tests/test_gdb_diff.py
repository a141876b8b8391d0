"""Differential tests: pmdb and gdb on the same cores of real crashing
programs (tests/progs) must agree on the signal, si_code, fault address,
thread ids, every general register of every thread, each thread's frames
(pc and function) and the file mappings."""
import re
import subprocess

import pytest

import cores
import gdb_oracle
import pmdb

# Programs whose every thread is compared with gdb, frame by frame.
PROGS = ["null_read", "null_write", "wild_ptr", "sigfpe", "abort_assert", "sigbus",
         "threads", "omitfp", "static", "cxx_throw", "rust_panic_legacy",
         "rust_panic_v0", "stripped", "sighandler", "inline"]

GDB_TO_PMDB_REG = {"eflags": "rflags", "fs_base": "fsbase", "gs_base": "gsbase"}
GENERAL_REGS = ["rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10",
                "r11", "r12", "r13", "r14", "r15", "rip", "eflags", "cs", "ss", "ds", "es",
                "fs", "gs", "fs_base", "gs_base"]

_cache = {}


def oracle(name):
    """(core, gdb facts, pmdb facts) for a program, computed once."""
    if name in _cache:
        return _cache[name]
    try:
        core = cores.make_core(name)
    except cores.ProgUnavailable as e:  # e.g. no Rust v0 mangling here
        pytest.skip(str(e))
    g, raw = gdb_oracle.run_gdb(core.exe, core.core, core.debugdir)
    args = pmdb.core_args(core)
    status = pmdb.run(args, "::status")
    tids_out = pmdb.run(args, "::walk thread")
    tids = [int(t[2:]) for t in tids_out.out.split()]
    # one pmdb run for all threads: registers and stacks, separated by markers
    # ('!' runs the rest of its line in the shell, so lines, not ';')
    script = "\n".join(f"0t{t}::context\n!echo ==={t}===\n$r\n!echo ---\n::stack -p"
                        for t in tids)
    per = pmdb.run(args, script, timeout=300)
    p = {"status": status, "tids": tids, "regs": {}, "frames": {}, "per": per}
    parts = re.split(r"^===(\d+)===$", per.out, flags=re.M)
    for i in range(1, len(parts), 2):
        tid = int(parts[i])
        regs_txt, _, stack_txt = parts[i + 1].partition("\n---\n")
        p["regs"][tid] = pmdb.parse_regs(regs_txt)
        p["frames"][tid] = pmdb.parse_stack(stack_txt)
    _cache[name] = (core, g, p, raw)
    return _cache[name]


@pytest.mark.parametrize("name", PROGS)
def test_signal(name):
    core, g, p, raw = oracle(name)
    f = pmdb.status_fields(p["status"].out)
    assert p["status"].rc == 0, p["status"]
    assert g["signo"] is not None, raw
    assert re.search(rf"\({g['signo']}\)$", f["signal"]), (f, g["signo"])
    assert f["code"].endswith(f"({g['code']})"), (f, g["code"])
    if "fault address" in f:
        assert int(f["fault address"].split()[0], 16) == g["addr"]
    elif g["signo"] in (4, 7, 8, 11) and g["code"] > 0:
        pytest.fail(f"pmdb shows no fault address; gdb says {g['addr']:#x}")
    assert f["thread"].split()[0] == str(g["current"])


@pytest.mark.parametrize("name", PROGS)
def test_threads(name):
    core, g, p, raw = oracle(name)
    assert sorted(p["tids"]) == sorted(g["threads"]), raw
    # the thread that took the signal comes first, and gdb selects it
    assert p["tids"][0] == g["current"]


@pytest.mark.parametrize("name", PROGS)
def test_registers(name):
    core, g, p, raw = oracle(name)
    assert g["regs"], raw
    for tid, gregs in g["regs"].items():
        mine = p["regs"][tid]
        for r in GENERAL_REGS:
            if r not in gregs:
                continue
            assert mine[GDB_TO_PMDB_REG.get(r, r)] == gregs[r], (tid, r)


def normalize(name):
    """Compare function names without parameter lists or Rust hashes."""
    name = name.strip()
    # drop a trailing parameter list: match parentheses from the end
    if name.endswith(")"):
        depth = 0
        for i in range(len(name) - 1, -1, -1):
            if name[i] == ")":
                depth += 1
            elif name[i] == "(":
                depth -= 1
                if depth == 0:
                    name = name[:i]
                    break
    name = re.sub(r"::h[0-9a-f]{16}$", "", name)
    name = re.sub(r"\[[0-9a-f]+\]::", "::", name)  # gdb's v0 crate hashes
    # GCC's clone suffixes are in ELF names, not in DWARF ones
    name = re.sub(r"(\.(cold|constprop|isra|part|lto_priv)(\.\d+)?)+$", "", name)
    # a demangled template function starts with its return type
    depth = 0
    for i, ch in enumerate(name):
        if ch in "<(":
            depth += 1
        elif ch in ">)":
            depth -= 1
        elif ch == " " and depth == 0:
            name = name[i + 1:]
            break
    return name


def strip_generics(name):
    name = name.replace("::<", "<").replace("{closure_env#", "{closure#")
    out, depth = [], 0
    for ch in name:
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def gdb_symbol(core, pc):
    """The ELF symbol gdb finds for pc (its minimal symbol), demangled,
    and that symbol's address."""
    argv = ["gdb", "-batch", "-nx", "-q", "-ex", "set print asm-demangle on",
            "-ex", f"info symbol {pc:#x}", core.exe, core.core]
    if core.debugdir:
        argv[1:1] = ["-iex", f"set debug-file-directory {core.debugdir}:/usr/lib/debug"]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=120).stdout
    m = re.search(r"^(.+?)(?: \+ (\d+))? in section ", out, re.M)
    return (m.group(1), pc - int(m.group(2) or 0)) if m else (None, None)


def same_function(core, a, b, lookup_pc, start):
    """pmdb names frames by ELF symbol (as mdb and eu-stack do), gdb by
    DWARF function: equal names pass; otherwise gdb's own ELF symbol for
    the pc (aliases such as raise / __GI_raise) must be pmdb's."""
    a, b = normalize(a), normalize(b)
    if a == b:
        return True
    # Rust's std-internal symbols keep a different path in the symbol
    # table (__rustc::__rust_abort) than in DWARF (std::rt::__rust_abort)
    if "::" in a and "::" in b and a.split("::")[-1] == b.split("::")[-1]:
        return True
    # Rust generics: the demangler writes f::<T>, gdb's DWARF f<T>, and a
    # closure's type {closure_env#0} where the symbol says {closure#0}
    if "::" in a and "::" in b and strip_generics(a) == strip_generics(b):
        return True
    sym, sym_start = gdb_symbol(core, lookup_pc)
    # the same name, or another name for the same address (clone3/__clone3)
    return sym is not None and (normalize(sym) == a or sym_start == start)


def gdb_frames(g, tid):
    """gdb's frames less the tail-call frames it rebuilds from
    DW_TAG_call_site entries: pmdb, like eu-stack, shows only frames that
    exist on the stack (a known gap, see README)."""
    return [f for f in g["frames"][tid] if f["kind"] != "tailcall"]


@pytest.mark.parametrize("name", PROGS)
def test_frames(name):
    """Physical frames and signal frames: same count, same pc, same function."""
    core, g, p, raw = oracle(name)
    assert g["frames"], raw
    for tid in g["frames"]:
        theirs = [f for f in gdb_frames(g, tid) if f["kind"] != "inline"]
        mine = [f for f in p["frames"][tid] if f[2] != "inline"]
        assert len(mine) == len(theirs), (tid, mine, theirs)
        for i, (gf, (mpc, mname, kind, moff)) in enumerate(zip(theirs, mine)):
            assert gf["kind"] == kind, (tid, i, gf, mname)
            exact = i == 0 or mine[i - 1][2] == "signal"
            lookup_pc = mpc if exact else mpc - 1
            if gf["pc"] is not None:
                assert mpc == gf["pc"], (tid, i, hex(mpc), hex(gf["pc"]), gf["name"])
            if kind == "signal" or gf["name"] == "??":
                continue
            assert same_function(core, mname, gf["name"], lookup_pc, mpc - moff), \
                (tid, i, mname, gf["name"])


def rust_key(name):
    """gdb spells Rust functions from DWARF's namespaces (impls::{impl#2}::
    call_once<T>), pmdb demangles the symbol (<&dyn Fn() as FnOnce>::
    call_once): compare the function's own name, generics removed."""
    prev = None
    while prev != name:
        prev, name = name, re.sub(r"<[^<>]*>", "", name)
    return name.rstrip(":").rsplit("::", 1)[-1]


@pytest.mark.parametrize("name", PROGS)
def test_inline_frames(name):
    """Each physical frame's chain of inline frames, innermost first."""
    core, g, p, raw = oracle(name)
    key = rust_key if name.startswith("rust_") else (lambda n: n)

    def chains(frames, kind_of, name_of):
        out, cur = [], []
        for f in frames:
            if kind_of(f) == "inline":
                cur.append(normalize(name_of(f)))
            else:
                out.append(cur)
                cur = []
        return out

    for tid in g["frames"]:
        theirs = chains(gdb_frames(g, tid), lambda f: f["kind"], lambda f: key(f["name"]))
        mine = chains(p["frames"][tid], lambda f: f[2], lambda f: key(f[1]))
        assert mine == theirs, tid


@pytest.mark.parametrize("name", PROGS)
def test_mappings(name):
    core, g, p, raw = oracle(name)
    r = pmdb.run(pmdb.core_args(core), "::mappings")
    assert r.rc == 0, r
    rows = []
    for line in r.out.splitlines()[1:]:
        cols = line.split()
        rows.append((int(cols[0], 16), int(cols[1], 16), cols[-1]))
    assert g["mappings"], raw
    for start, end, path in g["mappings"]:
        assert (start, end, path) in rows, (hex(start), hex(end), path)
