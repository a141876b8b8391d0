"""mdb's process dcmds on kernel dumps: ::ps and ::pgrep into a pipeline,
::ptree, ::threadlist [-v] and ::walk thread, on the corpus's QEMU dump
(ELF and kdump-flat), against crash run with the debug vmlinux.

crash 8.0.2 finds only four tasks of this 6.1 kernel in its PID hash
(swapper/0, swapper/1 and the two active tasks; `ps -p 1` answers
"invalid task or pid value"), so its `ps -p`/`ps -c` cannot draw this
tree, and it gives 96's and 102's parent as -1.  The parent links come
instead from its walk of init_task.tasks printing each real_parent, and
for the idle task of CPU 1 (on no list) from `foreach task -R`; the
stacks from `foreach bt` (those four tasks) with the pc each CPU's
NT_PRSTATUS holds (the corpus's kallsyms probe): crash starts the panic
task's backtrace at panic(), the CPU was in delay_tsc below it."""
import os
import re

import pytest

import corpus
import kernel_lab
import pmdb
from test_badinput import run_asan

REF = os.path.join(corpus.SRC, "kernel", "reference")
SCHED_SYMS = ["__sched_text_start", "__sched_text_end", "__lock_text_start", "__lock_text_end"]
CRASH_CMDS = ([f"sym {s}" for s in SCHED_SYMS] +
              ["list task_struct.tasks -s task_struct.pid,comm,real_parent -h init_task",
               "foreach task -R real_parent", "foreach bt"])


@pytest.fixture(scope="module", params=["elf", "kdump-flat"])
def dump(request):
    if not corpus.available():
        pytest.skip("the shared corpus is not on this machine")
    d = corpus.prepare()
    path = os.path.join(d, "kernel", "qemu-kaslr-96m.vmcore." + request.param)
    assert os.path.exists(path), "corpus preparation did not decompress the kernel dump"
    return path


@pytest.fixture(scope="module")
def crash(dump):
    """crash's facts, one run per dump: every task (address -> pid, comm,
    parent, in the tasks list's order), the scheduler's text ranges and
    the stacks of the tasks it knows."""
    if not kernel_lab.available():
        pytest.skip("the kernel lab (../shared/kernel-lab) is not on this machine")
    text = kernel_lab.crash(kernel_lab.setup(), dump, CRASH_CMDS)
    syms = {name: int(a, 16) for a, name in re.findall(r"^([0-9a-f]{16}) \(\w\) (\w+)", text, re.M)}
    sched = [(syms["__sched_text_start"], syms["__sched_text_end"]),
             (syms["__lock_text_start"], syms["__lock_text_end"])]
    tasks = {}
    for addr, pid, comm, parent in re.findall(
            r"^([0-9a-f]{16})\n  pid = (\d+),\n  comm = \"(.*?)(?:\\000)*\",\n  real_parent = 0x([0-9a-f]+)",
            text, re.M):
        tasks[int(addr, 16)] = dict(pid=int(pid), comm=comm, parent=int(parent, 16))
    assert len(tasks) >= 50, text[:2000]
    listed = list(tasks)
    # the tasks on no list (other CPUs' idle tasks) go after init_task, as ::ps has them
    extra = []
    for pid, addr, comm, parent in re.findall(
            r"^PID: (\d+)\s+TASK: ([0-9a-f]+)\s+CPU: \d+\s+COMMAND: \"(.*?)\"\n  real_parent = 0x([0-9a-f]+)",
            text, re.M):
        if int(addr, 16) not in tasks:
            extra.append(int(addr, 16))
            tasks[int(addr, 16)] = dict(pid=int(pid), comm=comm, parent=int(parent, 16))
    order = listed[:1] + extra + listed[1:]
    return dict(tasks=tasks, order=order, sched=sched, bt=crash_stacks(text),
                active={int(a, 16): int(c) for a, c in
                        re.findall(r"active task ([0-9a-f]+) on cpu (\d+)", text)})


def crash_stacks(text):
    """foreach bt: task -> [(function, address)], the exception RIP first."""
    stacks = {}
    for block in re.split(r"\n(?=PID: )", text):
        m = re.match(r"PID: \d+\s+TASK: ([0-9a-f]+)", block)
        frames = re.findall(r"^\s*#\d+ \[[0-9a-f]+\] (\S+) at ([0-9a-f]+)$", block, re.M)
        if not m or not frames:
            continue
        exc = re.search(r"\[exception RIP: (\w+)\+\d+\]\n\s+RIP: ([0-9a-f]+)", block)
        stacks[int(m.group(1), 16)] = ([(exc.group(1), int(exc.group(2), 16))] if exc else []) + \
            [(name, int(a, 16)) for name, a in frames]
    return stacks


def cpu_pcs():
    """Each CPU's pc from its NT_PRSTATUS (QEMU numbers them from 1)."""
    with open(os.path.join(REF, "qemu-kaslr-96m.kallsyms-probe.txt")) as f:
        probe = f.read()
    return {int(n) - 1: (sym.split("+")[0], int(rip, 16)) for n, rip, sym in
            re.findall(r"NT_PRSTATUS pr_pid=(\d+) rip (0x[0-9a-f]+) = (\S+)", probe)}


def run(dump, cmds):
    r = pmdb.run([dump], cmds)
    assert r.rc == 0, r
    return r.out


def children(crash, task):
    return [t for t in crash["order"] if crash["tasks"][t]["parent"] == task and t != task]


def line(crash, task, depth):
    return "    " * depth + f"{task:016x}  {crash['tasks'][task]['comm']}"


def subtree(crash, task, depth):
    out = [line(crash, task, depth)]
    for c in children(crash, task):
        out += subtree(crash, c, depth + 1)
    return out


def lineage(crash, task):
    """TASK::ptree from crash's parent links: ancestors root first, then
    the task and its descendants."""
    chain = []
    t = task
    while crash["tasks"][t]["parent"] != t:
        t = crash["tasks"][t]["parent"]
        chain.append(t)
    chain.reverse()
    return [line(crash, a, d) for d, a in enumerate(chain)] + subtree(crash, task, len(chain))


def test_ptree_matches_crash_parents(dump, crash):
    got = run(dump, "::ptree").splitlines()
    roots = [t for t in crash["order"] if crash["tasks"][t]["parent"] == t]
    assert len(roots) == 1 and crash["tasks"][roots[0]]["comm"] == "swapper/0"
    assert got == subtree(crash, roots[0], 0)
    # init and kthreadd are swapper/0's children, every kernel thread under kthreadd
    assert [crash["tasks"][c]["pid"] for c in children(crash, roots[0])] == [1, 2]
    assert len(got) == len(crash["tasks"])


def by_pid(crash, pid):
    return next(t for t in crash["order"] if crash["tasks"][t]["pid"] == pid)


@pytest.mark.parametrize("which", ["pid 100", "pid 95", "pid 1", "pid 2", "pid 102", "swapper/1"])
def test_task_ptree_matches_crash_lineage(dump, crash, which):
    if which == "swapper/1":
        task = next(t for t in crash["order"] if crash["tasks"][t]["comm"] == "swapper/1")
    else:
        task = by_pid(crash, int(which.split()[1]))
    want = lineage(crash, task)
    assert run(dump, f"{task:x}::ptree").splitlines() == want
    assert len(want) >= 2


def test_pgrep_into_ptree(dump, crash):
    """mdb's pipeline: ::pgrep hands each task's address to ::ptree."""
    mdb = [t for t in crash["order"] if crash["tasks"][t]["comm"].startswith("mdb")]
    assert len(mdb) == 2
    got = run(dump, "::pgrep 'mdb*' | ::ptree").splitlines()
    assert got == lineage(crash, mdb[0]) + lineage(crash, mdb[1])


def test_ps_into_a_pipeline_gives_addresses(dump, crash):
    vals = [int(x, 16) for x in run(dump, "::ps | =K").split()]
    assert vals == crash["order"]
    # printed to a person (or a shell), the columns stay
    assert run(dump, "::ps").splitlines()[0].split()[:2] == ["PID", "PPID"]
    assert "PPID" in run(dump, "::pgrep init ! cat")
    pids = re.findall(r"^pid = 0x([0-9a-f]+)$", run(dump, "::pgrep init | ::print struct task_struct pid"), re.M)
    assert pids and sorted(int(p, 16) for p in pids) == sorted(
        v["pid"] for v in crash["tasks"].values() if v["comm"] == "init")


def test_walk_thread_is_every_task(dump, crash):
    threads = [int(x, 16) for x in run(dump, "::walk thread").split()]
    assert threads == crash["order"]
    assert threads == [int(x, 16) for x in run(dump, "::walk task").split()]
    help_text = run(dump, "::help walk")
    assert "thread and task both walk every task_struct" in help_text


def in_sched(crash, pc):
    return any(lo <= pc < hi for lo, hi in crash["sched"])


def crash_frames(crash, task):
    """The frames crash shows, below the pc the task's CPU saved when it
    was running (crash starts an active task's stack higher up)."""
    frames = list(crash["bt"][task])
    if task in crash["active"]:
        frames.insert(0, cpu_pcs()[crash["active"][task]])
    return frames


def threadlist(dump, opts=""):
    rows, cur = {}, None
    for ln in run(dump, "::threadlist " + opts).splitlines()[1:]:
        m = re.match(r"^([0-9a-f]{16})\s+(\d+)  (.{16}) (\S+)$", ln)
        if m:
            cur = int(m.group(1), 16)
            rows[cur] = dict(pid=int(m.group(2)), comm=m.group(3).rstrip(), func=m.group(4), frames=[])
        elif ln.strip():
            assert ln.startswith("    "), ln
            rows[cur]["frames"].append(ln.split()[1])
    return rows


def test_threadlist_matches_crash(dump, crash):
    rows = threadlist(dump)
    assert list(rows) == crash["order"]
    for task, row in rows.items():
        assert (row["pid"], row["comm"]) == (crash["tasks"][task]["pid"], crash["tasks"][task]["comm"][:16])
        assert row["func"] != "?", row
    assert len(crash["bt"]) == 4
    for task in crash["bt"]:
        want = next(name for name, pc in crash_frames(crash, task) if not in_sched(crash, pc))
        assert rows[task]["func"] == want, (hex(task), crash_frames(crash, task))
    # the idle tasks wait in do_idle under __schedule and schedule_idle
    assert sum(r["func"] == "do_idle" for r in rows.values()) == 2


def test_threadlist_v_stacks_match_crash(dump, crash):
    rows = threadlist(dump, "-v")
    for task in crash["bt"]:
        want = []
        for name, _ in crash_frames(crash, task):
            if not want or want[-1] != name:
                want.append(name)
        got = [f.split("+")[0].rstrip("()") for f in rows[task]["frames"]]
        kernel = [f for f in got if not f.startswith("0x")]      # the user pc ends a syscall's stack
        assert kernel[0] == want[0] and kernel[-1] == want[-1], (kernel, want)
        it = iter(want)             # crash also shows stale return addresses
        assert all(f in it for f in kernel), (kernel, want)
        assert len(kernel) >= 3


def test_cpuinfo_matches_crash(dump, crash):
    """Each CPU's task as crash names the active ones, its pc as the CPU's
    NT_PRSTATUS holds it, the panic CPU marked (crash's sys shows the panic
    task first), and -v's stacks those of crash's `foreach bt`."""
    out = run(dump, "::cpuinfo -v")
    rows, cur = {}, None
    for ln in out.splitlines()[1:]:
        m = re.match(r"^\s*(\d+) ([0-9a-f]{16})\s+(\d+)  (.{16}) (\S+?)(  \(panicked\))?$", ln)
        if m:
            cur = int(m.group(1))
            rows[cur] = dict(task=int(m.group(2), 16), pid=int(m.group(3)), comm=m.group(4).rstrip(),
                             pc=m.group(5), panicked=bool(m.group(6)), frames=[])
        elif ln.strip():
            rows[cur]["frames"].append(ln.split()[1].split("+")[0].rstrip("()"))
    assert {cpu: r["task"] for cpu, r in rows.items()} == {c: t for t, c in crash["active"].items()}
    panic_task = int(re.search(r"^PID: \d+\s+TASK: ([0-9a-f]+)",
                               open(os.path.join(REF, "qemu-kaslr-96m.crash.txt")).read(), re.M).group(1), 16)
    for cpu, r in rows.items():
        assert (r["pid"], r["comm"]) == (crash["tasks"][r["task"]]["pid"], crash["tasks"][r["task"]]["comm"])
        assert r["pc"].split("+")[0] == cpu_pcs()[cpu][0]
        assert r["panicked"] == (r["task"] == panic_task)
        want = []
        for name, _ in crash_frames(crash, r["task"]):
            if not want or want[-1] != name:
                want.append(name)
        kernel = [f for f in r["frames"] if not f.startswith("0x")]
        assert kernel[0] == want[0] and kernel[-1] == want[-1], (kernel, want)
        it = iter(want)
        assert all(f in it for f in kernel), (kernel, want)


def test_not_a_kernel_dump(nullread):
    for cmd in ("::ptree", "::threadlist", "::threadlist -v", "::cpuinfo"):
        r = pmdb.run(pmdb.core_args(nullread), cmd)
        assert r.rc == 1 and "not a kernel crash dump" in r.err and r.out == "", (cmd, r)


@pytest.mark.parametrize("cmd,msg", [
    ("::ptree x", "::ptree takes no arguments"),
    ("1234::ptree", "0x1234 is not a task"),
    ("::threadlist -q", "unknown option -q"),
    ("::threadlist x", "::threadlist takes only -v"),
    ("0::threadlist", "::threadlist takes only -v"),
    ("::cpuinfo x", "::cpuinfo takes only -v"),
])
def test_bad_arguments_refused(dump, cmd, msg):
    r = pmdb.run([dump], cmd)
    assert r.rc == 1 and msg in r.err and r.out == "", r


def test_process_dcmds_under_asan(dump):
    p = run_asan([dump], "::ptree; ::threadlist -v; ::cpuinfo -v; ::pgrep 'mdb*' | ::ptree; ::walk thread; "
                 "::ps | ::findstack; ffff8a5c44496100::ptree; 1234::ptree")
    assert p.returncode == 1, p.stderr        # the last one is refused
    assert "mdbcrash" in p.stdout and "do_idle" in p.stdout
