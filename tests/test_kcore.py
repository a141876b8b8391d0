"""pmdb on the running kernel's /proc/kcore (src/target/kcore.c), inside a
QEMU guest (tests/lib/kernel_kcore.py): each of pmdb's answers is compared
with the guest's own view printed in the same boot — uname -r and
/proc/version, /proc/PID/stat, /proc/modules, dmesg, /proc/kallsyms (root,
kptr_restrict=0), /proc/slabinfo and /proc/meminfo, /proc/PID/stack,
/proc/cpuinfo."""
import re

import pytest

import kernel_kcore
import kernel_lab
import pmdb
from kps import ROW


@pytest.fixture(scope="module")
def sec():
    if not kernel_lab.available():
        pytest.skip("the kernel lab (../shared/kernel-lab) is not on this machine")
    return kernel_kcore.sections(kernel_kcore.console(pmdb.PMDB))


def pmdb_out(sec, name):
    """A pmdb section: its output, after checking pmdb exited with 0."""
    text = sec[name]
    assert text.rstrip().endswith("pmdb exit 0"), text[-2000:]
    return text


def procs(text):
    """{pid: (comm, ppid)} from /proc/PID/stat lines."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"(\d+) \((.*)\) \S+ (\d+) ", line)
        if m:
            out[int(m.group(1))] = (m.group(2), int(m.group(3)))
    return out


def ps(text):
    """{pid: (comm, ppid)} from the ::ps rows of a section (which also
    holds the exit line and any warning); the idle tasks, pid 0, left out."""
    rows = [m for m in map(ROW.match, text.splitlines()) if m]
    return {int(m.group(2)): (m.group(7), int(m.group(3))) for m in rows if int(m.group(2))}


def test_status(sec):
    st = pmdb_out(sec, "pmdb-status")
    fields = dict(re.findall(r"^\s*([A-Z-]+): (.*)$", st, re.M))
    assert "live kernel" in st.splitlines()[0]
    assert fields["RELEASE"] == sec["uname"].strip()
    version = sec["version"].strip()
    assert version.startswith("Linux version " + fields["RELEASE"] + " ")
    assert version.endswith(" " + fields["VERSION"])
    assert int(fields["CPUS"]) == int(sec["cpus"].strip())
    assert "PANIC" not in fields
    assert "registers are not available" in fields["STATE"]
    memtotal = int(re.search(r"MemTotal:\s+(\d+) kB", sec["meminfo"]).group(1))
    mb = float(fields["MEMORY"].split()[0])
    # present pages against MemTotal (less the kernel's own reservations)
    assert memtotal / 1024 <= mb <= memtotal / 1024 * 1.5


def test_ps_matches_proc(sec):
    """Every process alive before and after pmdb's ::ps is in it, with its
    command and parent; whatever else ::ps shows is a short-lived task."""
    before, after = procs(sec["procs-before"]), procs(sec["procs-after"])
    stable = {pid: v for pid, v in before.items() if after.get(pid) == v}
    assert len(stable) >= 30     # the guest runs ~50-60 tasks; some come and go
    tasks = ps(pmdb_out(sec, "pmdb-ps"))
    for pid, (comm, ppid) in stable.items():
        assert pid in tasks, "pid %d (%s) not in ::ps" % (pid, comm)
        # /proc shows a kthread's full name and a kworker's current work queue
        # ("kworker/0:1-events"), task_struct.comm the first 15 bytes of the name
        if comm.startswith("kworker/"):
            comm = re.split(r"[-+]", comm)[0]
        assert tasks[pid] == (comm[:15], ppid), pid
    for pid, (comm, _) in tasks.items():
        if pid not in before and pid not in after:
            assert comm in ("sleep", "pmdb") or comm.startswith("kworker/"), (pid, comm)


def test_pgrep(sec):
    tasks = ps(pmdb_out(sec, "pmdb-pgrep"))
    assert tasks and all(comm == "sleep" for comm, _ in tasks.values())
    assert int(sec["sleeper-pid"]) in tasks


def test_lsmod_matches_proc_modules(sec):
    want = {}
    for line in sec["modules"].splitlines():
        f = line.split()
        want[f[0]] = (int(f[5], 16), int(f[1]))
    got = {}
    for line in pmdb_out(sec, "pmdb-lsmod").splitlines()[1:-1]:
        f = line.split()
        got[f[1]] = (int(f[2], 16), int(f[3]))
    assert set(want) == {"pmdbcrash", "qemu_fw_cfg"}
    assert got == want


def test_nm_matches_kallsyms(sec):
    want = {}
    for line in sec["kallsyms"].splitlines():
        f = line.split()
        mod = f[3].strip("[]") if len(f) > 3 else "vmlinux"
        want["%s`%s" % (mod, f[2])] = int(f[0], 16)
    got = {}
    for line in sec["pmdb-nm"].splitlines():
        f = line.split()
        got[f[4]] = int(f[0], 16)
    assert len(want) >= 7 and {"vmlinux`init_task", "pmdbcrash`pmdb_uaf_cache"} <= set(want)
    assert got == want


def test_msgbuf_holds_dmesg(sec):
    """::msgbuf ran after dmesg: it holds every line dmesg printed, in order."""
    dmesg = [ln for ln in sec["dmesg"].splitlines() if ln.strip()]
    log = pmdb_out(sec, "pmdb-msgbuf").splitlines()
    # a record's second line: makedumpfile's (and pmdb's) indentation where
    # the kernel's syslog repeats the record's time stamp
    for i in range(1, len(log)):
        prefix = re.match(r"\[\s*\d+\.\d+\] ", log[i - 1])
        if prefix and log[i].startswith(" " * len(prefix.group(0))):
            log[i] = prefix.group(0) + log[i][len(prefix.group(0)):]
    assert len(dmesg) > 100 and any("PMDB-KCORE: init pid 1" in ln for ln in dmesg)
    start = log.index(dmesg[0])
    assert log[start:start + len(dmesg)] == dmesg


def test_reads(sec):
    """addr/fmt and symbols in expressions on live memory."""
    out = pmdb_out(sec, "pmdb-reads")
    banner = re.search(r"^linux_banner:\t(.*)$", out, re.M).group(1)
    assert banner == sec["version"].strip()
    assert re.search(r"^mmap_min_addr:\s+(\d+)$", out, re.M).group(1) == sec["mmap_min_addr"].strip()
    init_task = [ln.split()[0] for ln in sec["kallsyms"].splitlines() if ln.split()[2] == "init_task"]
    assert re.search(r"^([0-9a-f]{16})$", out, re.M).group(1) == init_task[0]


def test_kmastat_matches_slabinfo(sec):
    """The same caches as /proc/slabinfo, the same slab sizes, and the same
    object and slab counts for the caches that did not change in between
    (the shell's and pmdb's own allocations move a few)."""
    want = {}
    for line in sec["slabinfo"].splitlines()[2:]:
        f = line.split()
        # objsize (s->size, with the metadata), KiB per slab, objects, slabs
        want[f[0]] = (int(f[3]), int(f[5]) * 4, int(f[2]), int(f[14]))
    got = {}
    out = pmdb_out(sec, "pmdb-kmastat")
    for line in out.splitlines()[1:]:
        f = line.split()
        if len(f) == 7 and re.fullmatch(r"[0-9a-f]{16}", f[0]):
            # OBJSIZE is crash's object_size, without the metadata
            got[f[6]] = (int(f[1]), int(f[5].rstrip("k")), int(f[3]), int(f[4]))
    assert len(want) > 100
    assert set(got) == set(want)
    for name, (objsize, ssize, _, _) in want.items():
        assert got[name][0] <= objsize and got[name][1] == ssize, name
    used = [name for name in want if want[name][2]]
    same = [name for name in used if want[name][2:] == got[name][2:]]
    assert len(used) > 50 and len(same) >= 0.75 * len(used), sorted(set(used) - set(same))
    # the slabs' memory against /proc/meminfo's Slab (counted a moment apart)
    kib = int(re.search(r"(\d+) KiB of slabs", out).group(1))
    slab = int(re.search(r"Slab:\s+(\d+) kB", sec["meminfo"]).group(1))
    assert 0.8 * slab <= kib <= 1.2 * slab


def functions(stack):
    return [m.group(1) for m in re.finditer(r"\s([A-Za-z_][\w.]*)\+0x[0-9a-f]+", stack)]


def test_findstack_of_a_sleeping_task(sec):
    """The sleeper's stack: /proc/PID/stack's functions, in order, within
    pmdb's (which also shows the schedule frames /proc leaves out)."""
    out = pmdb_out(sec, "pmdb-findstack")
    want = functions(sec["sleeper-stack"])
    got = functions(out)
    assert len(want) >= 4
    i = got.index(want[0])
    assert got[i:i + len(want)] == want
    assert got[0] == "__schedule"
    assert 'comm = [ "sleep" ]' in out
    assert re.search(r"allocated from task_struct", out), out
    assert int(re.search(r"^pid = (0x[0-9a-f]+)", out, re.M).group(1), 16) == int(sec["sleeper-pid"])


def test_running_task_has_no_registers(sec):
    """pmdb's own task runs while it reads itself: its stack, $r and $C say
    why they cannot be shown, and print no registers."""
    out = sec["pmdb-self"]
    m = re.search(r"^self (\d+) ([0-9a-f]{16})$", out, re.M)
    assert m, out
    lines = out.splitlines()
    assert sum("is running on CPU" in ln and "registers of a running CPU cannot be read" in ln
               for ln in lines) == 2      # ADDR::findstack, ADDR$c
    assert sum("live kernel: the registers of its running CPUs cannot be read" in ln
               for ln in lines) == 2      # $r, $C
    assert "%rax" not in out and "%rip" not in out


def test_task_started_after_open(sec):
    """A task started after pmdb opened /proc/kcore: its stack, allocated
    after the open, is read through the page tables as they are now, and
    holds /proc/PID/stack's functions in order."""
    out = sec["pmdb-later"]
    assert "pmdb exit 0" in out, out
    want = functions(out[:out.index("pmdb exit")])
    got = functions(out[out.index("stack pointer for thread"):])
    assert len(want) >= 4
    i = got.index(want[0])
    assert got[i:i + len(want)] == want
