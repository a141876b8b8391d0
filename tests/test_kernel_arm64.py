"""AArch64 kernel crash dumps with no vmlinux: Debian's arm64 kernel booted
under qemu-system-aarch64 (TCG) to a sysrq panic and dumped by QEMU, in
ELF and kdump-zlib (tests/lib/kernel_arm64.py).  Oracles, all printed by
the guest itself on its serial console: the kernel's banner, its panic
message and the panic's "Call trace:", the printk records with their
timestamps, the task list and /proc/modules that /init printed from
/proc before the panic, and /proc/PID/stack of sleeping tasks."""
import os
import re

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
    for pid, state, ppid, comm in want:
        r = rows.get(int(pid))
        assert r, (pid, comm)
        if comm.startswith("kworker/"):
            comm = comm.split("-", 1)[0]
        assert (r["ppid"], r["comm"]) == (int(ppid), comm[:15]), (r, ppid, comm)
    sleeper = int(re.search(r"sleeper pid (\d+)", console).group(1))
    assert rows[sleeper]["comm"] == "sleep" and rows[sleeper]["st"] == "IN"
    panic_pid = int(re.search(r"CPU: 1 PID: (\d+) Comm: (\S+)", console).group(1))
    assert rows[panic_pid]["active"] and rows[panic_pid]["cpu"] == 1


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
