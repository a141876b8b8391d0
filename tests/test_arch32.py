"""i386, x32 and 32-bit ARM user cores against gdb (gdb-multiarch).

Oracle: gdb-multiarch run on the same core (and executable), parsed from
`info threads`, `info registers`, `frame apply all p/x $pc`, $_siginfo and
`x/Ni $pc`.  Two sets of cores:

* test_corpus_core[<fixture>]: the corpus's i386, x32 and ARM cores, for
  what the corpus has no expected line for (every general register of
  every thread, every frame's pc, the signal), while test_corpus.py checks
  the expected lines.
* test_m32[<prog>]: programs of tests/progs built here for i386 with
  Debian's cross compiler i686-linux-gnu-gcc (gcc-multilib would do the
  same, but Debian 12 will not install it beside the ARM cross compilers)
  and run on libc6-i386's loader and libc, then crashed: threads, registers, every frame's pc of
  every thread (one built without CFI, for the frame-pointer fallback;
  one with a signal handler frame), the signal and fault address, and
  the instruction boundaries of ::dis at the crashing pc.
  Skipped when the cross compiler is missing.

gdb runs with `backtrace past-main on` (pmdb shows the frames of
__libc_start_main and stops at the entry point's function, as gdb's
default `past-entry off` does).
"""
import os
import re
import shutil
import subprocess
import struct

import pytest

import arm_cores
import corpus
import cores
import pmdb

GDB = shutil.which("gdb-multiarch")
ARCHES = ("i386", "x32", "arm")
FIXTURES = [fx for fx in corpus.fixtures() if fx.arch in ARCHES]

# gdb's register names that pmdb spells otherwise
GDB_NAMES = {"x86": {"eflags": "rflags", "fs_base": "fsbase", "gs_base": "gsbase"}}
# the general registers gdb shows that pmdb's $r must show too
REQUIRED = {
    "i386": {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "eip", "eflags",
             "cs", "ss", "ds", "es", "fs", "gs"},
    "x32": {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11",
            "r12", "r13", "r14", "r15", "rip", "rflags", "cs", "ss", "ds", "es", "fs", "gs"},
    "arm": {f"r{i}" for i in range(13)} | {"sp", "lr", "pc", "cpsr"},
}


def gdb(cwd, exe, core, extra=(), sysroot=None):
    """gdb's view of a core: threads, registers and frame pcs per LWP, signal."""
    cmds = ["set pagination off", "set width 0", "set backtrace past-main on",
            "echo ===threads===\\n", "info threads",
            "echo ===regs===\\n", "thread apply all -ascending info registers",
            "echo ===pcs===\\n", "thread apply all -ascending frame apply all -q p/x $pc",
            "echo ===siginfo===\\n", "thread 1", "p $_siginfo.si_signo",
            "p/x $_siginfo._sifields._sigfault.si_addr", *extra, "echo ===end===\\n"]
    argv = [GDB, "-batch", "-nx", "-q"] + (["-iex", f"set sysroot {sysroot}"] if sysroot else [])
    for c in cmds:
        argv += ["-ex", c]
    argv += ([exe] if exe else []) + ["-c", core]
    out = subprocess.run(argv, capture_output=True, text=True, cwd=cwd, timeout=300,
                         errors="replace").stdout
    parts = dict(re.findall(r"^===(\w+)===\n(.*?)(?=^===)", out, re.M | re.S))
    res = {"threads": [], "regs": {}, "pcs": {}, "signo": None, "addr": None, "raw": out,
           "extra": parts.get("extra", ""), "fp": parts.get("fp", ""),
           "lm": parts.get("lm", "")}
    res["threads"] = [int(t) for t in re.findall(r"LWP (\d+)", parts.get("threads", ""))]
    for key, pat in (("regs", r"^(\w+)\s+(0x[0-9a-f]+)"), ("pcs", r"^\$\d+ = (0x[0-9a-f]+)")):
        tid = None
        for line in parts.get(key, "").splitlines():
            m = re.match(r"^Thread \d+ \(.*?LWP (\d+)", line)
            if m:
                tid = int(m.group(1))
                res[key][tid] = {} if key == "regs" else []
                continue
            m = re.match(pat, line)
            if m and tid is not None:
                if key == "regs":
                    res[key][tid][m.group(1)] = int(m.group(2), 16)
                else:
                    res[key][tid].append(int(m.group(1), 16))
    vals = re.findall(r"^\$\d+ = (\S+)", parts.get("siginfo", ""), re.M)
    if len(vals) >= 2:
        res["signo"] = int(vals[0], 0)
        res["addr"] = int(vals[1], 16) if vals[1].startswith("0x") else None
    return res


def dis_boundaries(g, args, cwd, problems):
    """The instruction addresses of ::dis from the pc on, against gdb's x/12i."""
    want = [int(a, 16) for a in re.findall(r"^(?:=>)?\s+(0x[0-9a-f]+)", g["extra"], re.M)]
    pc = want[0] if want else 0
    r = subprocess.run([pmdb.PMDB, *args, "-e", f"0x{pc:x}::dis"], capture_output=True,
                       text=True, cwd=cwd, timeout=60, errors="replace")
    got = [int(a, 16) for a in re.findall(r"^(?:=>)?\s+0x([0-9a-f]+)", r.stdout, re.M)]
    got = got[got.index(pc):] if pc in got else []
    n = min(len(want), len(got))      # ::dis shows a window: compare what both show
    if n < 8 or got[:n] != want[:n]:
        problems.append(f"::dis at 0x{pc:x}: gdb {[hex(a) for a in want]}\n"
                        f"    pmdb {[hex(a) for a in got]}\n{r.stdout}{r.stderr}")


def pmdb_view(cwd, args, tids):
    """pmdb's registers and frame pcs per thread, and ::status."""
    cmds = [("status", "::status"), ("walk", "::walk thread")]
    for tid in tids:
        cmds += [(f"regs{tid}", f"0t{tid}::context\n$r"), (f"stack{tid}", "::stack -p")]
    script = "\n".join(f"!echo @@{n}@@\n{c}" for n, c in cmds)
    r = subprocess.run([pmdb.PMDB, *args, "-e", script], capture_output=True, text=True,
                       cwd=cwd, timeout=120, errors="replace")
    parts = re.split(r"^@@(\S+)@@\n", r.stdout, flags=re.M)
    s = {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}
    view = {"status": pmdb.status_fields(s.get("status", "")), "regs": {}, "pcs": {},
            "stderr": r.stderr, "text": s,
            "tids": sorted(int(t) for t in re.findall(r"^0t(\d+)$", s.get("walk", ""), re.M))}
    for tid in tids:
        view["regs"][tid] = pmdb.parse_regs(s.get(f"regs{tid}", ""))
        view["pcs"][tid] = [f[0] for f in pmdb.parse_stack(s.get(f"stack{tid}", ""))
                            if f[2] != "inline"]
    return view


def collapse(pcs):
    """gdb lists an inline frame with the pc of the frame it is in; and it
    shows a last frame at pc 0 where a zero return address ends the stack
    (pmdb, like eu-stack, ends the stack there without a frame)."""
    out = []
    for pc in pcs:
        if not out or out[-1] != pc:
            out.append(pc)
    while out and out[-1] == 0:
        out.pop()
    return out


def compare(arch, g, p, problems, frames="all"):
    """Everything gdb and pmdb both show, thread by thread.  frames="prefix":
    pmdb's frames must be gdb's first ones (at least one)."""
    if p["tids"] != sorted(g["threads"]):
        problems.append(f"threads: gdb {sorted(g['threads'])}, pmdb's ::walk thread {p['tids']}")
    if not (set(g["regs"]) == set(g["pcs"]) == set(g["threads"])):
        problems.append(f"gdb's output parsed for threads {sorted(g['threads'])}: registers of "
                        f"{sorted(g['regs'])}, frames of {sorted(g['pcs'])}")
    rename = GDB_NAMES["x86"] if arch == "x32" else {}
    for tid, regs in g["regs"].items():
        mine = p["regs"].get(tid, {})
        seen = set()
        for name, want in regs.items():
            name = rename.get(name, name)
            if name not in REQUIRED[arch]:
                continue          # vector, FP and gdb's pseudo registers
            seen.add(name)
            got = mine.get(name)
            if arch == "arm" and name == "pc" and got is not None:
                got &= ~1         # gdb shows the pc without the Thumb bit
            if got != want:
                problems.append(f"thread {tid}: %{name}: gdb 0x{want:x}, pmdb "
                                f"{'none' if got is None else hex(got)}")
        if seen != REQUIRED[arch]:
            problems.append(f"thread {tid}: gdb shows no {sorted(REQUIRED[arch] - seen)}")
    for tid, want in g["pcs"].items():
        got = collapse(p["pcs"].get(tid, []))
        want = collapse(want)
        if frames == "prefix":
            want = want[:max(len(got), 1)]
        if got != want:
            problems.append(f"thread {tid} frames: gdb {[hex(x) for x in want]}\n"
                            f"    pmdb {[hex(x) for x in got]}\n"
                            f"{p['text'].get(f'stack{tid}', '')}")
    signal = re.search(r"\((\d+)\)", p["status"].get("signal", ""))
    if g["signo"] is not None and (not signal or int(signal.group(1)) != g["signo"]):
        problems.append(f"signal: gdb {g['signo']}, pmdb {p['status'].get('signal')}")


@pytest.fixture(scope="module")
def gdb_multiarch():
    if not GDB:
        pytest.skip("no gdb-multiarch (scripts/deps.sh test installs it)")
    if not os.access(pmdb.PMDB, os.X_OK):
        pytest.skip(f"{pmdb.PMDB} is not built (run make)")


# Frames gdb and pmdb do not agree on, each with the reason; still
# compared (strict xfail: agreement turns into a failure to remove here).
FRAME_GAPS = {
    "elfutils/testfile-x32-core": "frame 0 is the first instruction of a function without CFI "
                                  "(no executable given), its return address at [rsp]: libdwfl's "
                                  "x86-64 frame-pointer fallback takes [rbp+8] and skips the "
                                  "caller 0x400390, which gdb finds by prologue analysis",
    "lldb/linux-fpr_sse_i386": "gdb shows a second frame at 0x1 (argc, read as _start's return "
                               "address with no executable given); pmdb ends the stack at a "
                               "return address outside code",
}


@pytest.mark.parametrize("fx", [pytest.param(
    fx, id=fx.name, marks=[pytest.mark.xfail(reason=FRAME_GAPS[fx.name], strict=True)]
    if fx.name in FRAME_GAPS else []) for fx in FIXTURES])
def test_corpus_core(gdb_multiarch, fx):
    if not corpus.available():
        pytest.skip(f"no corpus at {corpus.SRC}")
    corpus.prepare()
    cwd = fx.workdir()
    g = gdb(cwd, fx.exe, fx.core)
    if not g["threads"]:
        pytest.fail(f"gdb-multiarch shows no thread of {fx.core}:\n{g['raw'][-3000:]}")
    p = pmdb_view(cwd, ([fx.exe] if fx.exe else []) + [fx.core], g["threads"])
    problems = []
    compare(fx.arch, g, p, problems)
    assert not problems, f"{fx.name}: pmdb and gdb differ:\n" + "\n".join(problems)


# --- programs built for i386 ---------------------------------------------------------

BUILD = os.path.join(pmdb.ROOT, "build", "m32")
PROGS = {  # name: (source in tests/progs, flags, args)
    "threads": ("threads.c", ("-O0", "-g", "-pthread"), ()),
    "null_write": ("null_write.c", ("-O0", "-g", "-fno-pie", "-no-pie"), ()),
    # no CFI for the program's own functions: the %ebp chain
    "null_write_nocfi": ("null_write.c", ("-O0", "-fno-asynchronous-unwind-tables",
                                          "-fno-unwind-tables", "-fno-omit-frame-pointer"), ()),
    "omitfp": ("omitfp.c", ("-O2", "-fomit-frame-pointer", "-g"), ()),
    "abort_assert": ("abort_assert.c", ("-O0", "-g"), ()),
    "sighandler": ("sighandler.c", ("-O0", "-g"), ()),
}


def m32_core(name):
    src, flags, args = PROGS[name]
    wd = os.path.join(BUILD, name)
    exe = os.path.join(wd, name)
    core = os.path.join(wd, "core")
    srcpath = os.path.join(pmdb.ROOT, "tests", "progs", src)
    if os.path.exists(core) and os.path.getmtime(core) >= os.path.getmtime(srcpath):
        return exe, core
    os.makedirs(wd, exist_ok=True)
    cc = shutil.which("i686-linux-gnu-gcc")
    if not cc:
        pytest.skip("no i686-linux-gnu-gcc (scripts/deps.sh test installs gcc-i686-linux-gnu)")
    r = subprocess.run([cc, *flags, "-o", exe, srcpath], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.fail(f"i686-linux-gnu-gcc {' '.join(flags)} {src}:\n{r.stderr}")
    return exe, cores.crash_in_dir(exe, wd, args=args)


@pytest.mark.parametrize("name", sorted(PROGS))
def test_m32(gdb_multiarch, name):
    exe, core = m32_core(name)
    wd = os.path.dirname(core)
    fp_cmds = ["echo ===fp===\\n", "info registers fctrl fstat mxcsr"] + [
        f"p/x $xmm{i}.uint128" for i in range(8)]
    # the link_map chain from ld.so's _r_debug (4-byte r_map at 4, l_next at 12)
    lm_cmds = ["echo ===lm===\\n", "set $m = *(unsigned *)((char *)&_r_debug + 4)"]
    lm_cmds += ["p/x $m", "set $m = $m ? *(unsigned *)($m + 12) : 0"] * 8
    g = gdb(wd, exe, core, extra=("echo ===extra===\\n", "x/12i $pc", *fp_cmds, *lm_cmds))
    assert g["threads"], f"gdb-multiarch read no thread:\n{g['raw'][-3000:]}"
    p = pmdb_view(wd, [exe, core], g["threads"])
    problems = []
    compare("i386", g, p, problems)
    fault = p["status"].get("fault address")
    if g["addr"] is not None and g["signo"] in (7, 11) and (
            fault is None or int(fault, 16) != g["addr"]):
        problems.append(f"fault address: gdb 0x{g['addr']:x}, pmdb {fault}")
    dis_boundaries(g, [exe, core], wd, problems)
    # the FP/SSE state (NT_X86_XSTATE's FXSAVE part): control words and xmm0-7
    want = {m.group(1): int(m.group(2), 16)
            for m in re.finditer(r"^(fctrl|fstat|mxcsr)\s+(0x[0-9a-f]+)", g["fp"], re.M)}
    xmm = re.findall(r"^\$\d+ = (0x[0-9a-f]+)", g["fp"], re.M)
    want.update({f"xmm{i}": int(v, 16) for i, v in enumerate(xmm)})
    chain = [int(v, 16) for v in re.findall(r"^\$\d+ = (0x[0-9a-f]+)", g["lm"], re.M)]
    chain = chain[:chain.index(0)] if 0 in chain else chain
    r = pmdb.run([exe, core], "::walk link_map")
    walked = [int(v, 16) for v in r.out.split()]
    if len(chain) < 3 or walked != chain:
        problems.append(f"::walk link_map: gdb {[hex(a) for a in chain]}\n"
                        f"    pmdb {[hex(a) for a in walked]} {r.err}")
    r = pmdb.run([exe, core], "::fpregs")
    got = {m.group(1): int(m.group(2), 16)
           for m in re.finditer(r"(?:%|\b)(fcw|fsw|mxcsr|xmm\d+)\s*=?\s*(0x[0-9a-f]+)", r.out)}
    pm_names = {"fctrl": "fcw", "fstat": "fsw"}
    if len(want) != 11 or any(got.get(pm_names.get(k, k)) != v for k, v in want.items()) or \
            "xmm8" in got:
        problems.append(f"::fpregs: gdb {want}\n    pmdb {got}\n{r.err}")
    assert not problems, f"{name} (gcc -m32): pmdb and gdb differ:\n" + "\n".join(problems)


def retype_notes(data, owner, old, new):
    """An ELF32 core with each note OWNER/OLD given type NEW; how many."""
    phoff, = struct.unpack_from("<I", data, 28)
    phentsize, phnum = struct.unpack_from("<HH", data, 42)
    n = 0
    for i in range(phnum):
        p_type, off, _, _, filesz = struct.unpack_from("<IIIII", data, phoff + i * phentsize)
        at, end = off, off + filesz
        while p_type == 4 and at + 12 <= end:
            namesz, descsz, ntype = struct.unpack_from("<III", data, at)
            name = bytes(data[at + 12:at + 12 + namesz]).rstrip(b"\0")
            if name == owner and ntype == old:
                struct.pack_into("<I", data, at + 8, new)
                n += 1
            at += 12 + (namesz + 3) // 4 * 4 + (descsz + 3) // 4 * 4
    return n


def test_m32_fxsave_without_xstate(gdb_multiarch, tmp_path):
    """A CPU without XSAVE leaves an i386 core with NT_FPREGSET (FSAVE
    layout) and NT_PRXFPREG (FXSAVE) only: the threads core with its
    NT_X86_XSTATE notes renamed, so that gdb too reads .reg-xfp. ::fpregs'
    control words and xmm0-7 against gdb's, the SSE state not all zero."""
    exe, core = m32_core("threads")
    data = bytearray(open(core, "rb").read())
    assert retype_notes(data, b"LINUX", 0x202, 0x7ff0) >= 1
    doctored = tmp_path / "core"
    doctored.write_bytes(data)
    fp_cmds = ["echo ===fp===\\n", "info registers fctrl fstat mxcsr"] + [
        f"p/x $xmm{i}.uint128" for i in range(8)]
    g = gdb(str(tmp_path), exe, str(doctored), extra=fp_cmds)
    want = {m.group(1): int(m.group(2), 16)
            for m in re.finditer(r"^(fctrl|fstat|mxcsr)\s+(0x[0-9a-f]+)", g["fp"], re.M)}
    xmm = [int(v, 16) for v in re.findall(r"^\$\d+ = (0x[0-9a-f]+)", g["fp"], re.M)]
    assert len(want) == 3 and len(xmm) == 8 and any(xmm), g["fp"]
    r = pmdb.run([exe, str(doctored)], "::fpregs")
    assert r.rc == 0, r
    got = {m.group(1): int(m.group(2), 16)
           for m in re.finditer(r"(?:%|\b)(fcw|fsw|mxcsr|xmm\d+)\s*=?\s*(0x[0-9a-f]+)", r.out)}
    assert [got.get(k) for k in ("fcw", "fsw", "mxcsr")] == [want[k] for k in ("fctrl", "fstat", "mxcsr")], \
        (r.out, g["fp"])
    assert [got.get(f"xmm{i}") for i in range(8)] == xmm, (r.out, g["fp"])


# --- 32-bit ARM programs crashed under qemu-arm ------------------------------------------

@pytest.mark.parametrize("name", sorted(arm_cores.ARM32_PROGS))
def test_arm32(gdb_multiarch, name):
    """Frames: every frame's pc must be gdb's, through armhf libc's
    .ARM.exidx-only code to _start; except in abort(), which has no entry
    in libc's .ARM.exidx (gdb goes on by analyzing its prologue): there
    pmdb's frames must be gdb's first ones."""
    why = arm_cores.tools_missing(arm_cores.ARMHF)
    if why:
        pytest.skip(why)
    c = arm_cores.make_core(name)
    sysroot = arm_cores.ARMHF.sysroot
    wd = os.path.dirname(c.core)
    g = gdb(wd, c.exe, c.core, extra=("echo ===extra===\\n", "x/12i $pc"), sysroot=sysroot)
    assert g["threads"], f"gdb-multiarch read no thread:\n{g['raw'][-3000:]}"
    args = ["--sysroot", sysroot, c.exe, c.core]
    p = pmdb_view(wd, args, g["threads"])
    problems = []
    compare("arm", g, p, problems, frames="prefix" if name == "arm32_abort_assert" else "all")
    dis_boundaries(g, args, wd, problems)
    assert not problems, f"{name} (qemu-arm): pmdb and gdb differ:\n" + "\n".join(problems)


# --- address columns as wide as the target's pointers -----------------------------------

@pytest.mark.parametrize("name", ["m32_null_write", "arm32_null_write"])
def test_address_width(gdb_multiarch, name):
    """gdb prints a 32-bit target's addresses with 8 hex digits (bt's frame
    pcs, `info functions`' non-debugging symbols) and `info proc mappings`
    in 10-character columns ("0x" and 8 digits): pmdb's address columns
    ($C, ::stack -p, ::dis, ::nm, ::threads, ::mappings) must be 8 digits
    too, holding gdb's values."""
    if name.startswith("m32"):
        exe, core = m32_core("null_write")
        args, gargs = [exe, core], []
    else:
        why = arm_cores.tools_missing(arm_cores.ARMHF)
        if why:
            pytest.skip(why)
        c = arm_cores.make_core(name)
        exe, core = c.exe, c.core
        args = ["--sysroot", arm_cores.ARMHF.sysroot, exe, core]
        gargs = ["-iex", f"set sysroot {arm_cores.ARMHF.sysroot}"]
    argv = [GDB, "-batch", "-nx", "-q", *gargs, "-ex", "set width 0", "-ex", "bt",
            "-ex", "info functions ^_start$", "-ex", "info proc mappings", exe, "-c", core]
    g = subprocess.run(argv, capture_output=True, text=True, timeout=300, errors="replace").stdout
    bt = re.findall(r"^#[1-9]\d*\s+0x([0-9a-f]+) in ", g, re.M)
    start = re.search(r"^0x([0-9a-f]+)\s+_start$", g, re.M)
    maps = re.findall(r"^\s+(0x[0-9a-f]+)\s+0x[0-9a-f]+\s+0x[0-9a-f]+\s+0x[0-9a-f]+", g, re.M)
    assert bt and start, g[-3000:]
    digits = len(start.group(1))
    assert {len(a) for a in bt} == {digits} == {8}, g      # gdb's own width, 32-bit
    col = re.search(r"^(\s*)Start Addr", g, re.M)
    problems = []
    r = pmdb.run(args, "::stack -p\n!echo @@\n$C\n!echo @@\n::dis\n!echo @@\n"
                       "::nm\n!echo @@\n::threads\n!echo @@\n::mappings")
    stack, cfp, dis, nm, threads, mappings = (r.out.split("@@\n") + [""] * 6)[:6]
    pcs = re.findall(r"^(\w+) ", stack, re.M)
    if not pcs or {len(p) for p in pcs} != {digits} or \
            [int(p, 16) for p in pcs[1:len(bt) + 1]] != [int(a, 16) for a in bt]:
        problems.append(f"::stack -p: gdb's bt {bt}\n{stack}")
    if {len(f) for f in re.findall(r"^(\w+) ", cfp, re.M)} != {digits}:
        problems.append(f"$C frame pointers:\n{cfp}")
    if {len(a) for a in re.findall(r"^(?:=>)?\s+0x([0-9a-f]+) ", dis, re.M)} != {digits}:
        problems.append(f"::dis:\n{dis}")
    m = re.search(r"^0x([0-9a-f]+) .*`_start$", nm, re.M)
    # ::nm shows st_value as nm(1) does: a Thumb function's has bit 0 set
    if not m or len(m.group(1)) != digits or int(m.group(1), 16) & ~1 != int(start.group(1), 16):
        problems.append(f"::nm _start: gdb 0x{start.group(1)}, pmdb {m and m.group(0)}")
    if {len(a) for a in re.findall(r"^[>* ]+\d+\s+0x([0-9a-f]+) ", threads, re.M)} != {digits}:
        problems.append(f"::threads:\n{threads}")
    # gdb right-aligns "0x" and the address in a 10-character column;
    # pmdb, without "0x", in 8 (gdb shows none for qemu-arm's cores,
    # which have no NT_FILE)
    rows = [ln for ln in mappings.splitlines()[1:] if ln.strip()]
    if (maps and not rows) or any(len(ln.split(None, 1)[0]) > digits or
                       len(ln) - len(ln.lstrip()) + len(ln.split(None, 1)[0]) != digits
                       for ln in rows):
        problems.append(f"::mappings (gdb's column: {col and len(col.group(1))} + "
                        f"'Start Addr'):\n{mappings}")
    assert not problems, "\n".join(problems) + "\n" + r.err


# --- a 32-bit ARM core written by a real (arm64) kernel: NT_ARM_VFP -----------------------

@pytest.fixture(scope="module")
def kernel_arm32_core():
    """vfp_crash, a compat task under Debian's arm64 kernel in QEMU
    (tests/lib/sve_core_arm64.py): qemu-arm's cores have no VFP note."""
    import sve_core_arm64
    return sve_core_arm64.setup_or_skip()


def _vfp_known(i):
    """What tests/progs/vfp_crash.c loads into d<i>."""
    return (0x0102030405060708 * (i + 1)) & (1 << 64) - 1


def test_arm_vfp(gdb_multiarch, kernel_arm32_core):
    """::fpregs (d0-d31, fpscr from NT_ARM_VFP) against gdb's `info registers`
    (its raw values and doubles) and the values the program loaded; the
    general registers and frames against gdb as for the other ARM cores."""
    c = kernel_arm32_core
    wd = os.path.dirname(c.core32)
    dregs = " ".join(f"d{i}" for i in range(32))
    g = gdb(wd, c.exe32, c.core32, extra=("echo ===fp===\\n", f"info registers fpscr {dregs}"))
    assert g["threads"], g["raw"][-3000:]
    problems = []
    compare("arm", g, pmdb_view(wd, [c.exe32, c.core32], g["threads"]), problems)
    want = {m.group(1): (int(m.group(3) or m.group(2), 16), m.group(2))
            for m in re.finditer(r"^(d\d+|fpscr)\s+(\S+)(?: \(raw (0x[0-9a-f]+)\))?", g["fp"],
                                 re.M)}
    r = pmdb.run([c.exe32, c.core32], "::fpregs")
    got = {m.group(1): (int(m.group(2), 16), m.group(3))
           for m in re.finditer(r"^%(d\d+)\s*= (0x[0-9a-f]+) \((\S+)\)$", r.out, re.M)}
    m = re.search(r"^fpscr (0x[0-9a-f]+)$", r.out, re.M)
    got["fpscr"] = (int(m.group(1), 16), None) if m else None
    if len(want) != 33:
        problems.append(f"gdb shows {sorted(want)}\n{g['fp']}")
    for name, (raw, text) in want.items():
        mine = got.get(name)
        if mine is None or mine[0] != raw:
            problems.append(f"{name}: gdb {hex(raw)}, pmdb {mine}")
        elif name != "fpscr" and float(mine[1]) != float(text):
            problems.append(f"{name}: gdb {text}, pmdb {mine[1]}")
    for i in range(32):
        if got.get(f"d{i}", (None,))[0] != _vfp_known(i):
            problems.append(f"d{i}: the program loaded {hex(_vfp_known(i))}, pmdb {got.get(f'd{i}')}")
    if got["fpscr"] is None or got["fpscr"][0] != 0x03c00000:
        problems.append(f"fpscr: the program set 0x03c00000, pmdb {got['fpscr']}")
    assert not problems, "\n".join(problems) + "\n" + r.out + r.err


def test_arm_vfp_short_note(kernel_arm32_core, tmp_path):
    """An NT_ARM_VFP note shorter than struct user_vfp: named in a warning."""
    c = kernel_arm32_core
    data = bytearray(open(c.core32, "rb").read())
    phoff, = struct.unpack_from("<I", data, 0x1c)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x2a)
    patched = 0
    for i in range(phnum):
        ptype, off, _, _, size = struct.unpack_from("<IIIII", data, phoff + i * phentsize)
        pos = off
        while ptype == 4 and pos + 12 <= off + size:
            namesz, descsz, ntype = struct.unpack_from("<III", data, pos)
            if ntype == 0x400 and data[pos + 12:pos + 17] == b"LINUX":
                struct.pack_into("<I", data, pos + 4, 100)     # the last note: a short one
                patched += 1
                break
            pos += 12 + ((namesz + 3) & ~3) + ((descsz + 3) & ~3)
    assert patched == 1
    core = tmp_path / "core"
    core.write_bytes(bytes(data))
    r = pmdb.run([c.exe32, str(core)], "::fpregs")
    assert r.rc != 0 and "AddressSanitizer" not in r.err and "runtime error" not in r.err, r
    assert re.search(r"NT_ARM_VFP note of 100 bytes is shorter than 260; ignored", r.err), r
