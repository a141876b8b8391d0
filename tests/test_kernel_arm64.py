"""AArch64 kernel crash dumps with no vmlinux: Debian's arm64 kernel booted
under qemu-system-aarch64 (TCG) to a sysrq panic and dumped by QEMU, in
ELF and kdump-zlib (tests/lib/kernel_arm64.py).  Oracles, all printed by
the guest itself on its serial console: the kernel's banner, its panic
message and the panic's "Call trace:", the printk records with their
timestamps, the task list and /proc/modules that /init printed from
/proc before the panic, /proc/PID/stack of sleeping tasks, and (for the
data symbols pmdb finds in the kernel's code) the date, /proc/loadavg,
/proc/zoneinfo's present pages and /proc/slabinfo."""
import calendar
import os
import re
import shutil
import struct
import time

import pytest

import kernel_arm64
import pmdb
from test_badinput import run_asan
from test_kernel import ps_rows


@pytest.fixture(scope="module")
def lab():
    why = kernel_arm64.unavailable()
    if why:
        pytest.skip("no AArch64 kernel dump can be made here: " + why)
    try:
        return kernel_arm64.setup()
    except kernel_arm64.Unavailable as e:
        pytest.skip("no AArch64 kernel dump can be made here: %s" % e)


@pytest.fixture(scope="module", params=["elf", "kdump-zlib"])
def dump(lab, request):
    return lab.elf if request.param == "elf" else lab.kdump


@pytest.fixture(scope="module")
def console(lab):
    return lab.console_text().replace("\r", "")


def run(dump, cmds):
    r = pmdb.run([dump], cmds)
    assert r.rc == 0, r
    return r.out


def block(console, begin, end):
    return console.split(begin, 1)[1].split(end, 1)[0].strip("\n").splitlines()


def test_status_matches_console(dump, console):
    out = run(dump, "::status")
    banner = re.search(r"Linux version (\S+) \(.*?\) (#\d+ SMP .*)$", console, re.M)
    field = lambda name: re.search(r"^\s*%s: (.*)$" % name, out, re.M).group(1)
    assert field("RELEASE") == banner.group(1)
    assert field("VERSION") == banner.group(2)
    assert field("MACHINE") == "aarch64"
    panic = re.search(r"(Kernel panic - not syncing: .*)$", console, re.M).group(1)
    assert field("PANIC") == '"%s"' % panic
    offset = re.search(r"Kernel Offset: (0x[0-9a-f]+) from", console).group(1)
    assert int(field("KERNELOFFSET"), 16) == int(offset, 16)


def test_msgbuf_holds_the_console(dump, console):
    """Every printk record the console shows is in ::msgbuf with the same
    timestamp and text, the /dev/kmsg markers among them."""
    log = set(run(dump, "::msgbuf").splitlines())
    norm = lambda s: re.sub(r"^\[\s*", "[", s)
    log = {norm(l) for l in log}
    shown = [norm(l) for l in console.splitlines() if re.match(r"^\[\s*\d+\.\d{6}\] ", l)]
    assert len(shown) > 100
    assert [l for l in shown if l not in log] == []
    assert sum("PMDB-A64: marker" in l for l in shown) == 2


def test_ps_matches_proc(dump, console):
    """The tasks /init listed from /proc: same pids, parents and names (a
    workqueue worker's /proc comm has "-WORKQUEUE" appended, which is not
    its task's comm, and a kernel thread's the whole name the task's
    15-character comm cuts short); the sleeper stays asleep; the panicking sh is active
    on CPU 1."""
    rows = {r["pid"]: r for r in ps_rows(dump)}
    want = [l.split(" ", 4)[1:] for l in block(console, "PMDB-TASKS-BEGIN", "PMDB-TASKS-END")]
    assert len(want) > 30
    # /init's looping subshell (a fork of init) starts a `sleep 1` each
    # second: one listed may have ended before the panic
    loop = {pid for pid, state, ppid, comm in want if comm == "init" and ppid == "1"}
    for pid, state, ppid, comm in want:
        r = rows.get(int(pid))
        if r is None and ppid in loop and comm == "sleep":
            continue
        assert r, (pid, comm)
        if comm.startswith("kworker/"):
            comm = comm.split("-", 1)[0]
        assert (r["ppid"], r["comm"]) == (int(ppid), comm[:15]), (r, ppid, comm)
    sleeper = int(re.search(r"sleeper pid (\d+)", console).group(1))
    assert rows[sleeper]["comm"] == "sleep" and rows[sleeper]["st"] == "IN"
    panic_pid = int(re.search(r"CPU: 1 PID: (\d+) Comm: (\S+)", console).group(1))
    assert rows[panic_pid]["active"] and rows[panic_pid]["cpu"] == 1


def uregs(text):
    """::uregs' block as {label: value}."""
    return {k: int(v, 16) for k, v in re.findall(r"(\w+): ([0-9a-f]+)", text)}


def test_uregs_match_proc_syscall(dump, console):
    """::uregs of the sleeper against its /proc/PID/syscall, which the
    kernel makes from the same saved user registers: the syscall number,
    its six arguments (the first from orig_x0), the user sp and pc; and
    the shape of the block (PC LR SP, X29 down to X0, ORIG_X0 SYSCALLNO
    PSTATE). The panicking sh entered with write(2) (64) on fd 1; a
    kernel thread is refused."""
    sleeper = int(re.search(r"sleeper pid (\d+)", console).group(1))
    want = [int(x, 0) for x in re.search(r"^PMDB-SYSCALL (.*)$", console, re.M).group(1).split()]
    assert len(want) == 9, want
    rows = {r["pid"]: r for r in ps_rows(dump)}
    out = run(dump, "%x::uregs" % rows[sleeper]["task"])
    labels = re.findall(r"(\w+): ", out)
    assert labels == ["PC", "LR", "SP"] + ["X%d" % i for i in range(29, -1, -1)] + \
        ["ORIG_X0", "SYSCALLNO", "PSTATE"], out
    got = uregs(out)
    assert [got["SYSCALLNO"], got["ORIG_X0"], got["X1"], got["X2"], got["X3"], got["X4"], got["X5"],
            got["SP"], got["PC"]] == want, (out, want)
    assert got["X8"] == want[0] and got["PSTATE"] & 0xf == 0
    panic_pid = int(re.search(r"CPU: 1 PID: (\d+) Comm: (\S+)", console).group(1))
    mine = uregs(run(dump, "%x::uregs" % rows[panic_pid]["task"]))
    assert (mine["SYSCALLNO"], mine["ORIG_X0"]) == (64, 1), mine
    r = pmdb.run([dump], "%x::uregs" % rows[2]["task"])
    assert r.rc == 1 and "did not enter the kernel from user space" in r.err, r


def frames(text):
    """(name, offset) of each named frame pmdb printed."""
    return [(m.group(1), int(m.group(2), 16))
            for m in re.finditer(r"^\s*\[?\s*[0-9a-f]{16} ([\w.$]+)\+(0x[0-9a-f]+)\(\)", text, re.M)]


def kernel_trace(lines):
    return [(m.group(1), int(m.group(2), 16), int(m.group(3), 16)) for m in
            (re.search(r"\]\s+([\w.$]+)\+(0x[0-9a-f]+)/(0x[0-9a-f]+)$", l) for l in lines) if m]


def test_panic_cpu_stack_matches_the_kernels_call_trace(dump, console):
    """$C of CPU 1 by its frame records: from panic down to the entry from
    user space it is the kernel's own "Call trace:" of the panic (which
    prints return addresses raw: a noreturn call at a function's end shows
    as the next function +0x0, which pmdb names by the call), then the
    user pc."""
    trace = console.split("Call trace:", 1)[1].split("SMP: stopping", 1)[0].splitlines()
    want = kernel_trace(trace)
    start = [n for n, _, _ in want].index("panic")
    want = want[start + 1:]
    out = run(dump, "0t2::context; $C")
    got = frames(out)
    names = [n for n, _ in got]
    assert "panic" in names, out
    got = got[names.index("panic") + 1:]
    assert len(got) == len(want), (got, want)
    for (gn, go), (wn, wo, _) in zip(got, want):
        if wo == 0:
            assert gn != wn, (gn, wn)     # the previous function, by the call's address
        else:
            assert (gn, go) == (wn, wo)
    assert want[-1][0] == "el0t_64_sync"
    last = out.strip().splitlines()[-1]
    assert re.match(r"^0000[0-9a-f]{12} 0x[0-9a-f]+\(\)$", last), out


def sched_text(dump):
    """[__sched_text_start, __sched_text_end): the functions the kernel
    leaves out of /proc/PID/stack."""
    out = run(dump, "__sched_text_start=K; __sched_text_end=K").split()
    return int(out[0], 16), int(out[1], 16)


def test_findstack_matches_proc_stack(dump, console):
    """::findstack of the tasks /init read /proc/PID/stack of (asleep,
    each unwound from its thread.cpu_context): the same functions and
    offsets, once the scheduler's own are left out as the kernel does."""
    lo, hi = sched_text(dump)
    blocks = re.findall(r"PMDB-STACK-BEGIN (\d+)\n(.*?)PMDB-STACK-END", console, re.S)
    assert len(blocks) >= 4
    ps = {r["pid"]: r for r in ps_rows(dump)}
    for pid, text in blocks:
        want = [(m.group(1), int(m.group(2), 16)) for m in
                re.finditer(r"^\[<0>\] ([\w.$]+)\+(0x[0-9a-f]+)/0x", text, re.M)]
        out = run(dump, "%x::findstack" % ps[int(pid)]["task"])
        got = frames(out)
        # leave out the scheduler's functions, by where each one starts
        starts = run(dump, "; ".join("%s=K" % n for n, _ in got)).split()
        kept = [f for f, a in zip(got, starts) if not lo <= int(a, 16) < hi]
        assert kept == want, (pid, out, want)


def test_lsmod_matches_proc_modules(dump, console):
    want = [l.split() for l in block(console, "PMDB-MODULES-BEGIN", "PMDB-MODULES-END")]
    rows = [l.split() for l in run(dump, "::lsmod").splitlines()[1:]]
    assert sorted((r[1], int(r[3]), int(r[2], 16)) for r in rows) == \
        sorted((w[0], int(w[1]), int(w[5], 16)) for w in want)


def test_nm_sizes_match_the_kernels_traces(dump, console):
    """The kernel prints func+off/size in its traces, size as its kallsyms
    reckons it: ::nm gives every such function the same size."""
    seen = {}
    for name, _, size in kernel_trace(console.splitlines()):
        seen[name] = size
    assert len(seen) > 15
    nm = {}
    for line in run(dump, "::nm").splitlines()[1:]:
        f = line.split()
        if f[2] == "FUNC":
            nm.setdefault(f[-1].split("`")[-1], set()).add(int(f[1], 16))
    assert {n: s for n, s in seen.items() if s not in nm.get(n, ())} == {}


def test_print_task_with_btf(dump, console):
    """::print of the sleeper's task_struct, its layout from the dump's BTF:
    the pid /init printed, and its comm."""
    sleeper = int(re.search(r"sleeper pid (\d+)", console).group(1))
    task = next(r["task"] for r in ps_rows(dump) if r["pid"] == sleeper)
    out = run(dump, "%x::print struct task_struct pid comm" % task)
    assert re.search(r"pid = 0x%x\b" % sleeper, out), out
    assert '"sleep"' in out, out


def test_not_x86_registers(lab):
    """The CPUs' registers are AArch64's (x29, sp, pc), from QEMU's notes."""
    out = run(lab.elf, "0t2::context; $r")
    assert re.search(r"%x29\s*=", out) and re.search(r"%pc\s*=", out), out


def cut_copy(lab, name, size, patches=()):
    """The first SIZE bytes of the ELF dump (its headers, notes and the
    start of memory), with byte strings of the notes replaced."""
    out = os.path.join(os.path.dirname(lab.elf), name)
    with open(lab.elf, "rb") as f:
        data = f.read(size)
    for old, new in patches:
        assert len(old) == len(new) and old in data, old
        data = data.replace(old, new)
    with open(out, "wb") as f:
        f.write(data)
    return out


def test_hostile_arm64_dumps(lab):
    """Under ASan/UBSan: a dump cut short before the kernel's page tables,
    one whose VMCOREINFO claims an address size no 4 KiB-granule kernel
    has (TCR_EL1_T1SZ 0x30: 16 bits), and one of 8 KiB pages give a clear
    error."""
    cut = cut_copy(lab, "cut.elf", 4 << 20)
    p = run_asan([cut])
    assert p.returncode != 0 and "page tables" in p.stderr and "not in the dump" in p.stderr, p.stderr
    bad = cut_copy(lab, "va16.elf", 4 << 20, [(b"NUMBER(TCR_EL1_T1SZ)=0x10", b"NUMBER(TCR_EL1_T1SZ)=0x30")])
    p = run_asan([bad])
    assert p.returncode != 0 and "VA_BITS 16" in p.stderr, p.stderr
    big = cut_copy(lab, "8k.elf", 4 << 20, [(b"PAGESIZE=4096\n", b"PAGESIZE=8192\n")])
    p = run_asan([big])
    assert p.returncode != 0 and "8192-byte pages" in p.stderr, p.stderr


def iomem(console):
    """/proc/iomem's ranges by name: [(start, end inclusive), ...]."""
    out = {}
    for l in block(console, "PMDB-IOMEM-BEGIN", "PMDB-IOMEM-END"):
        m = re.match(r"^\s*([0-9a-f]+)-([0-9a-f]+) : (.*)$", l)
        out.setdefault(m.group(3), []).append((int(m.group(1), 16), int(m.group(2), 16)))
    return out


def vtop(dump, addr):
    out = run(dump, "%s::vtop" % addr)
    return int(re.search(r"physical ([0-9a-f]+)", out).group(1), 16)


def test_vtop_matches_proc_iomem(dump, console):
    """The page-table walk from swapper_pg_dir against the kernel's own
    /proc/iomem: _stext is where "Kernel code" starts, init_task (found in
    the image's data) is in "Kernel data", the sleeper's task_struct (the
    linear map) and the module's code (vmalloc space) are in System RAM,
    and ::whatis places the task in the direct map at that address."""
    io = iomem(console)
    (code_lo, code_hi), = io["Kernel code"]
    (data_lo, data_hi), = io["Kernel data"]
    ram = io["System RAM"]
    assert vtop(dump, "_stext") == code_lo
    rows = ps_rows(dump)
    init = next(r["task"] for r in rows if r["pid"] == 0)
    assert data_lo <= vtop(dump, "%x" % init) <= data_hi
    sleeper = int(re.search(r"sleeper pid (\d+)", console).group(1))
    task = next(r["task"] for r in rows if r["pid"] == sleeper)
    pa = vtop(dump, "%x" % task)
    assert any(lo <= pa <= hi for lo, hi in ram) and not code_lo <= pa <= data_hi
    what = run(dump, "%x::whatis" % task)
    assert "in the direct map" in what and "physical 0x%x," % pa in what, what
    base = run(dump, "::lsmod").splitlines()[1].split()[2]
    assert any(lo <= vtop(dump, base) <= hi for lo, hi in ram)


# ---- data symbols found in the kernel's code (no CONFIG_KALLSYMS_ALL) ----

CODE_SYMS = ("__per_cpu_offset", "runqueues", "__per_cpu_start", "__per_cpu_end", "avenrun",
             "tk_core", "node_data", "slab_caches")


def status_fields(out):
    return {k.strip(): v.strip() for k, v in (l.split(": ", 1) for l in out.splitlines() if ": " in l)}


# calc_global_load()'s decay per 5-second update, out of 2048 (EXP_1, EXP_5, EXP_15)
LOAD_DECAY = (1884 / 2048, 2014 / 2048, 2037 / 2048)


def loadavg_follows(before, after):
    """Whether the three averages pmdb read can be what the kernel made of
    the three /init printed in at most two 5-second updates: each update
    moves all three toward the same count of runnable tasks. Both sides are
    rounded to hundredths."""
    starts = [tuple(before)]
    for _ in range(3):
        if any(all(abs(a - b) <= 0.015 for a, b in zip(s, after)) for s in starts):
            return True
        starts = [tuple(v * d + n * (1 - d) for v, d in zip(s, LOAD_DECAY))
                  for s in starts for n in range(17)]
    return False


def test_status_data_matches_console(dump, console):
    """DATE, LOAD AVERAGE and MEMORY from tk_core, avenrun and node_data,
    found in the code of kallsyms' functions, against what /init printed
    last before the panic: `date +%s` (the dump is taken right after, so
    pmdb's may be a few seconds later), /proc/loadavg (recomputed every 5
    s: one or two such updates may fall between, each following
    the kernel's formula), and the present
    pages of /proc/zoneinfo (crash's MEMORY)."""
    got = status_fields(run(dump, "::status"))
    date = int(re.search(r"^PMDB-DATE (\d+)$", console, re.M).group(1))
    when = calendar.timegm(time.strptime(" ".join(got["DATE"].split()), "%a %b %d %H:%M:%S UTC %Y"))
    assert 0 <= when - date <= 10, (got["DATE"], date)
    want = [float(x) for x in re.search(r"^PMDB-LOADAVG (\S+) (\S+) (\S+) ", console, re.M).groups()]
    load = [float(x) for x in got["LOAD AVERAGE"].split(", ")]
    assert len(load) == len(want) == 3, (load, want)
    assert loadavg_follows(want, load), (load, want)
    present = sum(int(n) for n in re.findall(r"^\s*present\s+(\d+)$",
                                             console.split("PMDB-ZONEINFO-BEGIN", 1)[1], re.M))
    assert present > 0
    assert got["MEMORY"] == "%.1f MB" % (present * 4096 / (1 << 20))
    total = int(re.search(r"^PMDB-MemTotal:\s+(\d+) kB", console, re.M).group(1))
    assert total * 1024 <= present * 4096     # MemTotal leaves out what the kernel reserved


def test_code_symbols_say_where_they_came_from(lab):
    """::vmcoreinfo names, for each symbol found in code, the instruction
    (a function of kallsyms plus an offset inside it) or the rule."""
    out = run(lab.elf, "::vmcoreinfo")
    syms = run(lab.elf, "::nm").splitlines()
    funcs = {l.split()[-1].split("`")[-1]: int(l.split()[1], 16) for l in syms[1:] if " FUNC " in l}
    for name in CODE_SYMS:
        m = re.search(r"^# SYMBOL\(%s\)=([0-9a-f]+) from code: (\S+)" % name, out, re.M)
        assert m, (name, out[-2000:])
        where = re.match(r"^(\w+)\+0x([0-9a-f]+)$", m.group(2))
        if where:
            assert int(where.group(2), 16) < funcs[where.group(1)], m.group(0)


def slabinfo(console, n):
    text = console.split("PMDB-SLABINFO-BEGIN %d\n" % n, 1)[1].split("PMDB-SLABINFO-END", 1)[0]
    rows = {}
    for l in text.splitlines():
        f = l.split()
        if f and not l.startswith(("slabinfo", "#")):
            # name active_objs num_objs objsize objperslab pagesperslab : tunables ... : slabdata active num 0
            rows.setdefault(f[0], []).append((int(f[1]), int(f[2]), int(f[5]), int(f[-2])))
    return rows


def test_kmastat_matches_proc_slabinfo(dump, console):
    """::kmastat (slab_caches and __per_cpu_offset from code) against the
    kernel's /proc/slabinfo: the same caches, each slab's size; for the
    caches whose counts did not move between /init's two readings, the same
    TOTAL and SLABS (slabinfo's num_objs and num_slabs), and ALLOCATED no
    more than active_objs (slabinfo counts the free objects of CPU slabs as
    active, crash and pmdb do not)."""
    one, two = slabinfo(console, 1), slabinfo(console, 2)
    rows = {}
    for l in run(dump, "::kmastat").splitlines()[1:-1]:
        f = l.split()
        rows.setdefault(f[6], []).append(f)
    assert sorted((n, len(v)) for n, v in rows.items()) == sorted((n, len(v)) for n, v in two.items())
    still = [n for n in two if len(two[n]) == 1 and one.get(n) == two[n]]
    assert len(still) > 50
    moved = []
    for name in still:
        active, total, pages, slabs = two[name][0]
        f = rows[name][0]
        assert f[5] == "%dk" % (pages * 4), (name, f, two[name])
        if (int(f[3]), int(f[4])) != (total, slabs):
            # what /init runs after its readings (grep, date, the sysrq
            # write) allocates too: pde_opener for each /proc file it opens
            # took a second slab in one boot. One slab more, in few caches.
            per_slab = total // slabs if slabs else 0
            assert (int(f[3]), int(f[4])) == (total + per_slab, slabs + 1), (name, f, two[name])
            moved.append(name)
            continue
        assert int(f[2]) <= active, (name, f, two[name])
    assert len(moved) <= 3, moved


def test_idle_tasks_from_runqueues(dump, console):
    """Each CPU's idle task, found through runqueues and __per_cpu_offset
    (from code): swapper/N, pid 0, on CPU N."""
    rows = ps_rows(dump)
    ncpus = len(re.findall(r"^\s+CPU \d+: pc ", run(dump, "::status"), re.M))
    assert ncpus == 2
    idle = sorted((r["cpu"], r["comm"]) for r in rows if r["pid"] == 0)
    assert idle == [(c, "swapper/%d" % c) for c in range(ncpus)], idle


def elf_offset(path, pa):
    """The file offset of physical address pa in an ELF core (its PT_LOADs)."""
    with open(path, "rb") as f:
        hdr = f.read(64)
        phoff, = struct.unpack_from("<Q", hdr, 32)
        phentsize, phnum = struct.unpack_from("<HH", hdr, 54)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    for i in range(phnum):
        p_type, _, off, _, paddr, filesz = struct.unpack_from("<IIQQQQ", table, i * phentsize)
        if p_type == 1 and paddr <= pa < paddr + filesz:
            return off + pa - paddr
    raise AssertionError("physical 0x%x is in no PT_LOAD" % pa)


def test_defaced_code_gives_unknown(lab, tmp_path):
    """Under ASan/UBSan, a copy of the dump whose code was defaced: in
    get_avenrun the ADRP is gone (zeroed), in ktime_get_real_seconds it
    names the page before, in slab_next the ADD's low bits are 8 more.
    The load average, the date and the slab caches are then unknown, each
    with the reason, where a wrong value would have been printed."""
    words = {}
    for fn in ("get_avenrun", "ktime_get_real_seconds", "slab_next"):
        pa = vtop(lab.elf, fn)
        words[fn] = elf_offset(lab.elf, pa)
    bad = str(tmp_path / "defaced.elf")
    shutil.copyfile(lab.elf, bad)
    with open(bad, "r+b") as f:
        def code(fn):
            f.seek(words[fn])
            return list(struct.unpack("<32I", f.read(128)))

        def put(fn, i, w):
            f.seek(words[fn] + 4 * i)
            f.write(struct.pack("<I", w))
        adrp = lambda w: w & 0x9f000000 == 0x90000000
        c = code("get_avenrun")
        put("get_avenrun", next(i for i, w in enumerate(c) if adrp(w)), 0)
        c = code("ktime_get_real_seconds")
        i = next(i for i, w in enumerate(c) if adrp(w))
        imm = ((c[i] >> 29) & 3) | ((c[i] >> 5) & 0x7ffff) << 2
        imm = (imm - 1) & 0x1fffff
        put("ktime_get_real_seconds", i, (c[i] & 0x9f00001f) | (imm & 3) << 29 | (imm >> 2) << 5)
        c = code("slab_next")
        r = next(w & 31 for w in c if adrp(w))      # the ADD (immediate) on the ADRP's register
        i = next(i for i, w in enumerate(c) if w & 0xff800000 == 0x91000000 and (w >> 5) & 31 == r)
        put("slab_next", i, c[i] + (8 << 10))
    p = run_asan([bad], "::status; ::vmcoreinfo; ::kmastat")
    assert re.search(r"LOAD AVERAGE: \(unknown: avenrun is not in kallsyms, nor found in code: "
                     r"get_avenrun has no load or store", p.stdout), p.stdout
    assert re.search(r"DATE: \(unknown: tk_core is not in kallsyms, nor found in code: "
                     r"ktime_get_real_seconds\+0x[0-9a-f]+ gives 0x[0-9a-f]+, (but .* is no tk_core|outside)",
                     p.stdout), p.stdout
    assert re.search(r"no slab_caches symbol: .*slab_next\+0x[0-9a-f]+ gives 0x[0-9a-f]+, "
                     r"(but it is no list of struct kmem_cache|outside)", p.stderr), p.stderr
    os.unlink(bad)
