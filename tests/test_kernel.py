"""Linux kernel crash dumps (src/kernel) on the shared corpus's QEMU dumps,
with no vmlinux: VMCOREINFO, page tables and kallsyms from the dump itself.
Oracles: makedumpfile's --dump-dmesg output, crash's `sys` and `bt` (run
with the debug vmlinux), and the corpus's kallsyms probe."""
import os
import re
import struct
import subprocess

import pytest

import corpus
import pmdb
from kps import parse_ps
from test_badinput import run_asan

REF = os.path.join(corpus.SRC, "kernel", "reference")


def reassemble(flat, out):
    """makedumpfile -R: the flattened format's (offset, size) records,
    big-endian, after a 4 KiB header, written back in place."""
    with open(flat, "rb") as f, open(out + ".tmp", "wb") as o:
        f.seek(4096)
        while True:
            h = f.read(16)
            if len(h) < 16:
                break
            off, size = struct.unpack(">qq", h)
            if off < 0:
                break
            o.seek(off)
            o.write(f.read(size))
    os.replace(out + ".tmp", out)


# The same crash in QEMU's three formats: ELF (physical addresses only),
# kdump-compressed as QEMU writes it (flattened), and reassembled.
@pytest.fixture(scope="module", params=["elf", "kdump-flat", "kdump"])
def dump(request):
    if not corpus.available():
        pytest.skip("the shared corpus is not on this machine")
    d = corpus.prepare()
    if request.param == "elf":
        path = os.path.join(d, "kernel", "qemu-kaslr-96m.vmcore.elf")
    else:
        path = os.path.join(d, "kernel", "qemu-kaslr-96m.vmcore.kdump-flat")
        if request.param == "kdump":
            out = os.path.join(d, "kernel", "qemu-kaslr-96m.vmcore.kdump")
            if not os.path.exists(out):
                reassemble(path, out)
            path = out
    assert os.path.exists(path), "corpus preparation did not decompress the kernel dump"
    return path


def ref(name):
    with open(os.path.join(REF, name), errors="replace") as f:
        return f.read()


def run(dump, cmds):
    r = pmdb.run([dump], cmds)
    assert r.rc == 0, r
    return r.out


def test_msgbuf_matches_makedumpfile(dump):
    assert run(dump, "::msgbuf") == ref("qemu-kaslr-96m.dmesg.txt")
    assert run(dump, "::dmesg") == ref("qemu-kaslr-96m.dmesg.txt")


def crash_sys():
    text = ref("qemu-kaslr-96m.crash.txt")
    return {m.group(1): m.group(2).strip() for m in re.finditer(r"^\s*([A-Z ]+?): (.*)$", text, re.M)
            if m.group(1) in ("RELEASE", "VERSION", "MACHINE", "NODENAME", "CPUS", "PANIC", "MEMORY",
                              "DATE", "LOAD AVERAGE")}


def test_status_matches_crash(dump):
    want = crash_sys()
    got = {k.strip(): v.strip() for k, v in
           (line.split(": ", 1) for line in run(dump, "::status").splitlines() if ": " in line)}
    for key in ("RELEASE", "VERSION", "NODENAME", "PANIC", "MEMORY", "DATE", "LOAD AVERAGE", "MACHINE",
                "CPUS"):
        assert got[key] == want[key], key
    # the panic task, as crash's bt names it
    pid, task, cpu, comm = re.search(r"^PID: (\d+)\s+TASK: ([0-9a-f]+)\s+CPU: (\d+)\s+COMMAND: (\S+)",
                                     ref("qemu-kaslr-96m.crash.txt"), re.M).groups()
    assert (got["PID"], got["TASK"], got["CPU"], got["COMMAND"]) == (pid, task, cpu, comm)
    assert got["STATE"] == "TASK_RUNNING (PANIC)"
    # crash 8.0.2 counts 4 tasks on this kernel (its PID hash misses them): its
    # walk of init_task.tasks, plus the other CPU's idle task, is the count
    walk = re.findall(r"^[0-9a-f]{16}\n  pid = ", ref("qemu-kaslr-96m.crash.txt"), re.M)
    assert int(got["TASKS"]) == len(walk) + 1


def test_cpu_pcs_match_kallsyms_probe(dump):
    probe = re.findall(r"NT_PRSTATUS pr_pid=(\d+) rip (0x[0-9a-f]+) = (\S+)",
                       ref("qemu-kaslr-96m.kallsyms-probe.txt"))
    assert probe
    status = run(dump, "::status")
    for pid, rip, sym in probe:
        assert f"CPU {int(pid) - 1}: pc {sym}" in status, (pid, sym, status)
    # and the registers of each CPU's note, symbolized the same way
    for pid, rip, sym in probe:
        regs = run(dump, f"0t{pid}::context; $r")
        assert re.search(r"%%rip = %s %s" % (rip, re.escape(sym)), regs), regs


def test_symbols_match_kallsyms_probe(dump):
    probe = re.findall(r"^  (\w+)\s+(0x[0-9a-f]+)$", ref("qemu-kaslr-96m.kallsyms-probe.txt"), re.M)
    assert len(probe) >= 5
    out = run(dump, ";".join(f"{name}=K" for name, _ in probe))
    assert [int(x, 16) for x in out.split()] == [int(v, 16) for _, v in probe]


def test_crash_backtrace_addresses_symbolize_alike(dump):
    """crash names the function of each return address of the panic task's
    stack; pmdb's kallsyms lookup must name the same function."""
    frames = re.findall(r"^\s*#\d+ \[[0-9a-f]+\] (\S+) at ([0-9a-f]+)$",
                        ref("qemu-kaslr-96m.crash.txt"), re.M)
    assert len(frames) >= 10
    frames = frames[:40]
    out = run(dump, ";".join(f"{addr}=a" for _, addr in frames)).split()
    for (name, addr), got in zip(frames, out):
        assert got.split("+")[0] == name, (addr, name, got)


def test_kernel_memory_reads(dump):
    """init_uts_ns holds the release string; the disassembler reads kernel
    text through the page tables."""
    out = run(dump, "init_uts_ns+0t130/s")
    assert "6.1.0-56-amd64" in out
    dis = run(dump, "panic::dis -n 2")
    assert "panic" in dis and "(bad)" not in dis


def test_kernel_dump_under_asan(dump):
    p = run_asan([dump], "::status; ::msgbuf; $r; $c; ::mappings; panic::dis -n 4")
    assert p.returncode in (0, 1), p.stderr
    assert "Kernel panic - not syncing" in p.stdout


@pytest.mark.parametrize("cut", [0.5, 0.999])
def test_truncated_kernel_dump(dump, tmp_path, cut):
    size = os.path.getsize(dump)
    t = tmp_path / "vmcore.cut"
    with open(dump, "rb") as src, open(t, "wb") as dst:
        dst.write(src.read(int(size * cut)))
    p = run_asan([str(t)], "::status; ::msgbuf")
    assert p.returncode in (0, 1, 2), p.stderr
    assert "truncated" in p.stderr, p.stderr      # said once, plainly


def ps_rows(dump, cmd="::ps"):
    return parse_ps(run(dump, cmd))


def test_ps_matches_drgn_and_crash(dump):
    rows = ps_rows(dump)
    # drgn walked the same list: pid, comm and __state of every task
    drgn = re.findall(r"^(\d+) (\S+) (\d+)$", ref("qemu-kaslr-96m.drgn.txt").split("--- tasks")[1], re.M)
    mine = {}
    for r in rows:              # pid 0: init_task first, then other CPUs' idle tasks
        mine.setdefault(r["pid"], r)
    assert len(drgn) >= 50
    assert {int(p) for p, _, _ in drgn} == set(mine) - {0}
    letters = {0: "RU", 1: "IN", 1026: "ID", 8193: "IN"}
    for pid, comm, state in drgn:
        r = mine[int(pid)]
        assert r["comm"] == comm and r["st"] == letters[int(state)], (pid, comm, state, r)
    # crash's walk of init_task.tasks gave each task_struct's address
    crash = re.findall(r"^([0-9a-f]{16})\n  pid = (\d+),\n  comm = \"(.*?)(?:\\000)*\",",
                       ref("qemu-kaslr-96m.crash.txt"), re.M)
    assert len(crash) >= 50
    for addr, pid, comm in crash:
        r = mine[int(pid)]
        assert r["task"] == int(addr, 16) and r["comm"] == comm, (addr, pid, comm, r)
    # the tasks crash names active on each CPU
    active = re.findall(r"active task ([0-9a-f]+) on cpu (\d+)", ref("qemu-kaslr-96m.crash.txt"))
    assert active
    for addr, cpu in active:
        r = next(r for r in rows if r["task"] == int(addr, 16))
        assert r["active"] and r["cpu"] == int(cpu), r


def test_pgrep(dump):
    rows = ps_rows(dump, "::pgrep 'mdb*'")
    assert sorted(r["comm"] for r in rows) == ["mdbcrash", "mdbvictim"]


def test_panic_cpu_stack_matches_crash_and_drgn(dump):
    """CPU 1 panicked: its stack from its NT_PRSTATUS registers, unwound
    with the dump's ORC tables.  crash's bt of the panic task lists these
    return addresses (among stale ones from its stack scan); drgn (with
    DWARF, inline frames too) names the same functions in the same order."""
    out = run(dump, "0t2::context; $C -p")
    frames = [l.split() for l in out.splitlines()]
    pcs = [int(f[1], 16) for f in frames]
    # GCC's split-off parts (__handle_sysrq.cold) carry the function's name in DWARF
    names = [re.sub(r"\.(cold|part\.\d+|isra\.\d+|constprop\.\d+)$", "", f[2].split("+")[0])
             for f in frames if "+" in f[2]]
    crash = [int(a, 16) for a in re.findall(r"^\s*#\d+ \[[0-9a-f]+\] \S+ at ([0-9a-f]+)$",
                                            ref("qemu-kaslr-96m.crash.txt"), re.M)[:21]]
    it = iter(crash)
    assert all(pc in it for pc in pcs[1:-1]), (pcs, crash)
    drgn = ref("qemu-kaslr-96m.drgn.txt").split("cpu 1 curr")[1].split("NT_PRSTATUS registers")[1]
    drgn_names = re.findall(r"^\s+#\d+\s+([\w.]+)", drgn, re.M)
    alias = {"entry_SYSCALL_64_after_hwframe": "entry_SYSCALL_64"}
    it = iter(drgn_names)
    assert all(alias.get(n, n) in it for n in names), (names, drgn_names)
    assert pcs[-1] == 0x47b7a0 and "RIP: 000000000047b7a0" in ref("qemu-kaslr-96m.crash.txt")
    assert names[:3] == ["delay_tsc", "panic", "sysrq_handle_crash"]


def test_sleeping_task_stacks(dump):
    """No oracle in the corpus has the stacks of sleeping tasks (crash 8.0.2
    misses them, drgn's probe prints one); what must hold for each: it starts
    in __schedule where switch_to left it, and ends where every Linux task
    starts: ret_from_fork for kernel threads, a user address (below the
    kernel's half) for user tasks entered by a syscall."""
    rows = [r for r in ps_rows(dump) if not r["active"] and r["pid"] != 0]
    assert len(rows) >= 50
    script = "".join(f"{r['task']:x}$c\n!echo @@\n" for r in rows)
    out = run(dump, script).split("@@\n")
    for r, stack in zip(rows, out):
        frames = stack.split()
        assert frames[0].startswith("__schedule+"), (r, stack)
        assert "schedule+" in " ".join(frames[:3]), (r, stack)
        last = frames[-1]
        if r["comm"] and r["ppid"] == 2 or r["pid"] == 2:
            assert last.startswith("ret_from_fork"), (r, stack)
        else:
            assert re.fullmatch(r"0x[0-9a-f]{1,12}\(\)", last), (r, stack)


def test_analyze_names_the_sysrq_crash(dump):
    """The panic task crash names (PID, TASK, CPU, COMMAND) and its PANIC
    line; the crash was `echo c > /proc/sysrq-trigger`."""
    out = run(dump, "::analyze")
    m = re.search(r'^PID: (\d+)\s+TASK: ([0-9a-f]+)\s+CPU: (\d+)\s+COMMAND: "(\S+)"',
                  ref("qemu-kaslr-96m.crash.txt"), re.M)
    pid, task, cpu, comm = m.groups()
    assert out.startswith("class: kernel-sysrq\n"), out
    assert f"cpu: {cpu} " in out
    assert f"task: {comm} (pid {pid}, task_struct 0x{task})" in out
    assert f"panic_message: {crash_sys()['PANIC'].strip(chr(34))}" in out
    assert re.search(r"^  => sysrq_handle_crash$", out, re.M), out


def test_lsmod_matches_crash_and_module_symbols(dump):
    """crash's `mod` line for the one module the guest loaded, and that
    module's own symbols naming addresses in its code."""
    m = re.search(r"^([0-9a-f]{16})\s+(\w+)\s+([0-9a-f]{16})\s+(\d+)", ref("qemu-kaslr-96m.crash.txt"), re.M)
    addr, name, base, size = m.groups()
    rows = [l.split() for l in run(dump, "::lsmod").splitlines()[1:]]
    assert rows == [[addr, name, base, size]]
    out = run(dump, f"{base}=a; {int(base, 16) + 0x100:x}=a").split()
    assert all(re.fullmatch(r"fw_cfg\w*(\+0x[0-9a-f]+)?", o) for o in out), out


def test_vtop_agrees_with_the_kernels_own_arithmetic(dump):
    """The page-table walk against the two linear mappings the kernel
    defines: its image (va - __START_KERNEL_map + phys_base, VMCOREINFO's
    phys_base) and the direct map (va - page_offset_base, read from the
    dump)."""
    vi = ref("qemu-kaslr-96m.notes.txt")
    phys_base = int(re.search(r"NUMBER\(phys_base\)=(-?\d+)", vi).group(1))
    init_task = int(run(dump, "init_task=K"), 16)
    pob = int(run(dump, "page_offset_base/J").split()[-1], 16)
    task = next(r["task"] for r in ps_rows(dump) if r["pid"] == 1)
    for va, want in [(init_task, init_task - 0xffffffff80000000 + phys_base),
                     (task, task - pob), (task + 0x123, task + 0x123 - pob)]:
        out = run(dump, f"{va:x}::vtop")
        assert int(out.split()[3], 16) == want, (hex(va), out)
    p = pmdb.run([dump], "0::vtop")
    assert p.rc == 1 and "not mapped" in p.err


def test_print_kernel_structs_from_btf(dump):
    """::print with the dump's BTF, no vmlinux: every task_struct crash
    listed, pid and comm as crash printed them (with the debug vmlinux's
    DWARF); init_uts_ns's strings as crash's sys shows them."""
    crash = re.findall(r"^([0-9a-f]{16})\n  pid = (\d+),\n  comm = \"(.*?)(?:\\000)*\",",
                       ref("qemu-kaslr-96m.crash.txt"), re.M)
    assert len(crash) >= 50
    out = run(dump, ";".join(f"{a}::print -d struct task_struct pid comm" for a, _, _ in crash))
    got = re.findall(r"^pid = (\d+)\ncomm = \[ \"(.*?)\" \]$", out, re.M)
    assert got == [(pid, comm) for _, pid, comm in crash]
    uts = run(dump, "init_uts_ns::print struct uts_namespace name")
    sysinfo = crash_sys()
    assert f'release = [ "{sysinfo["RELEASE"]}" ]' in uts
    assert f'version = [ "{sysinfo["VERSION"]}" ]' in uts
    p = pmdb.run([dump], "init_task::print struct no_such_struct")
    assert p.rc == 1 and "no type 'struct no_such_struct' in the kernel's BTF" in p.err, p
    p = pmdb.run([dump], "deadbeef::print struct task_struct pid")
    assert p.rc == 1 and p.out == "" and "no mapping for address 0xdeadbeef" in p.err, p


def test_task_walker_and_stacks(dump):
    """::walk task gives the tasks ::ps lists; ::stacks groups all of
    them (a kworker pool shares one stack)."""
    tasks = [int(x, 16) for x in run(dump, "::walk task").split()]
    assert tasks == [r["task"] for r in ps_rows(dump)]
    out = run(dump, "::stacks")
    counts = [int(c) for c in re.findall(r"^[0-9a-f]{16}\s+(\d+)$", out, re.M)]
    assert sum(counts) == len(tasks) and max(counts) > 1
    assert "worker_thread+" in out and "ret_from_fork+" in out


def test_uregs_match_crash_bt(dump):
    """::uregs: the user registers each CPU's task entered the kernel with,
    the block crash's bt prints below the syscall (CPU 1's mdbcrash) and the
    reboot IPI that stopped CPU 0 in user space (mdbvictim), line for line."""
    text = ref("qemu-kaslr-96m.crash.txt")
    blocks = {}
    for block in re.split(r"\n(?=PID: )", text):
        m = re.match(r"PID: \d+\s+TASK: ([0-9a-f]+)", block)
        user = re.search(r"^(    RIP: 0000.*?\n    ORIG_RAX: .*?)$", block, re.M | re.S)
        if m and user:
            blocks[int(m.group(1), 16)] = user.group(1) + "\n"
    assert len(blocks) == 2
    for task, want in blocks.items():
        assert run(dump, f"{task:x}::uregs") == want
    # no address: the current CPU's task (pmdb starts on the panic CPU),
    # the task of crash's first bt, the panic task
    panic_task = int(re.search(r"^PID: \d+\s+TASK: ([0-9a-f]+)", text, re.M).group(1), 16)
    assert run(dump, "::uregs") == blocks[panic_task]
    r = pmdb.run([dump], "init_task::uregs")
    assert r.rc == 1 and "did not enter the kernel from user space" in r.err
