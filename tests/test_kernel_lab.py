"""pmdb on fresh kernel crash dumps of known bugs (tests/kernel_lab's
pmdbcrash module, booted under QEMU by tests/lib/kernel_scenarios.py):
a NULL pointer write, a use after free under slab poisoning, a soft
lockup and a hung task.  Oracles: the kernel's own console output (its
Oops report, registers and ORC-unwound call traces: frames it does not
mark with '?' are exact) and `crash` with the debug vmlinux (bt, mod, sym,
dis, log, ps and its walk of init_task.tasks)."""
import os
import re

import pytest

import kernel_lab
import kernel_scenarios
import pmdb
from kps import parse_ps
from test_badinput import run_asan

TASK_LIST = "list task_struct.tasks -s task_struct.pid,comm -h init_task"
CRASH_CMDS = ["sys", "bt", "mod", "sym -m pmdbcrash", "dis pmdbcrash_ioctl", "ps", TASK_LIST, "log"]


@pytest.fixture(scope="module")
def scenarios():
    if not kernel_lab.available():
        pytest.skip("the kernel lab (../shared/kernel-lab) is not on this machine")
    return kernel_scenarios.setup()


@pytest.fixture(scope="module")
def lab(scenarios):
    return kernel_lab.setup()


@pytest.fixture(scope="module")
def crash_out(scenarios, lab):
    """crash's output on each scenario's ELF dump, one run per dump (the
    commands' outputs are told apart by their shapes: crash's `echo` is
    not flushed in order with the rest); `log` comes last."""
    return {name: kernel_lab.crash(lab, s.elf, CRASH_CMDS[:-1] + extra_crash_cmds(s) + CRASH_CMDS[-1:])
            for name, s in scenarios.items()}


def freed_object(s):
    """The object the uaf scenario printed (%px) before freeing it."""
    m = re.search(r"pmdbcrash: object ([0-9a-f]{16}) from pmdb_uaf", s.console_text())
    return m and m.group(1)


def extra_crash_cmds(s):
    obj = freed_object(s)
    return [f"rd -64 {obj} 4"] if obj else []


def crash_log(text):
    """The output of `log`, the last command: from the first record on."""
    return text[text.index("[    0.000000] "):].rstrip("\n").splitlines()


def crash_bt(text):
    """bt's block: from its PID line to the syscall's user registers."""
    return re.search(r"^PID: .*?CS: 0033  SS: 002b$", text, re.M | re.S).group(0)


@pytest.fixture(scope="module", params=["elf", "kdump"])
def fmt(request):
    return request.param


def dump(s, fmt):
    return s.elf if fmt == "elf" else s.kdump


def run(path, cmds):
    r = pmdb.run([path], cmds)
    assert r.rc == 0, r
    return r.out


# --- the console's report -----------------------------------------------------

TS = r"^\[\s*\d+\.\d+\] "


def block(console, start, end):
    """The console lines from the last line matching START to the next
    matching END, without their time stamps."""
    lines = [re.sub(TS, "", l) for l in console.splitlines()]
    first = max(i for i, l in enumerate(lines) if re.search(start, l))
    last = next(i for i in range(first, len(lines)) if re.search(end, lines[i]))
    return lines[first:last + 1]


def reliable_frames(lines):
    """The frames the kernel's unwinder is sure of, in order: each "RIP:
    0010:" line (an interrupted frame) and each call trace line without
    '?', as "func+0xoff"; and the user pc of the "RIP: 0033:" line."""
    frames, user = [], None
    for l in lines:
        m = re.match(r"^RIP: 0010:(\S+?)/0x[0-9a-f]+", l)
        if m:
            frames.append(m.group(1))
            continue
        m = re.match(r"^RIP: 0033:(0x[0-9a-f]+)$", l)
        if m:
            user = int(m.group(1), 16)
            break
        m = re.match(r"^ ([\w.]+\+0x[0-9a-f]+)/0x[0-9a-f]+( \[\w+\])?$", l)
        if m:
            frames.append(m.group(1))
    return frames, user


def console_trace(s):
    """The panic CPU's trace the console shows: the Oops report's for an
    Oops (oops=panic: panic() then prints none), else panic()'s own, from
    its caller on (panic's own offset differs: the CPU went on in it)."""
    c = s.console_text()
    if re.search(r"BUG: kernel NULL|general protection fault", c):
        frames, user = reliable_frames(block(c, r"^(BUG: kernel NULL|general protection fault)",
                                             r"^---\[ end trace"))
    else:
        frames, user = reliable_frames(block(c, r"^Kernel panic - not syncing", r"^---\[ end Kernel panic"))
        frames = frames[[f.split("+")[0] for f in frames].index("panic") + 1:]
    return frames, user


def pmdb_frames(text):
    """$c's lines "func+0xoff()" (and "0x4393ab()" for the user pc)."""
    return [l[:-2] for l in text.split()]


def run_in(frames, run_):
    return any(frames[i:i + len(run_)] == run_ for i in range(len(frames) - len(run_) + 1))


def oops_registers(s):
    """The registers of the Oops report: {"rax": 0x0, ...}."""
    lines = block(s.console_text(), r"^(BUG: kernel NULL|general protection fault)", r"^Call Trace:")
    regs = {}
    for l in lines:
        for name, val in re.findall(r"\b(R[A-Z0-9]{1,2}): ?([0-9a-f]{16})\b", l):
            regs[name.lower()] = int(val, 16)
    return regs


# --- ::analyze ------------------------------------------------------------------

def facts(text):
    return dict(re.findall(r"^  (\w+): (.*)$", text, re.M))


def panic_task(s):
    """CPU, pid and comm of the Oops's "CPU: 1 PID: 96 Comm: pmdbtrigger"."""
    return re.search(r"CPU: (\d+) PID: (\d+) Comm: (\S+)", s.console_text()).groups()


def test_analyze_null_pointer_write(scenarios, fmt):
    s = scenarios["null"]
    out = run(dump(s, fmt), "::analyze")
    c = s.console_text()
    rip = re.search(r"RIP: 0010:(\S+ \[pmdbcrash\])", c).group(1)
    addr = int(re.search(r"BUG: kernel NULL pointer dereference, address: ([0-9a-f]+)", c).group(1), 16)
    access = re.search(r"#PF: supervisor (\w+) access", c).group(1)
    f = facts(out)
    assert out.startswith("class: null-deref\n"), out
    assert f"kernel NULL pointer {access} at 0x{addr:x} in {rip}" in out, out
    assert rip.startswith("pmdbcrash_ioctl+") and addr == 8
    assert int(f["fault_address"], 16) == addr and f["access"] == access
    # the instruction at the RIP the Oops names, with the register it used
    off = rip.split("+")[1].split("/")[0]
    assert f["instruction"].startswith(f"pmdbcrash_ioctl+{off}: "), f
    reg, val = re.match(r"%(\w+) = (0x[0-9a-f]+) \(NULL\)", f["base_register"]).groups()
    assert oops_registers(s)[reg] == int(val, 16) == 0
    cpu, pid, comm = panic_task(s)
    assert f["task"].startswith(f"{comm} (pid {pid},") and f["cpu"].startswith(cpu + " ")
    assert re.search(r"^  => pmdbcrash_ioctl$", out, re.M), out


def test_analyze_use_after_free(scenarios, fmt):
    s = scenarios["uaf"]
    out = run(dump(s, fmt), "::analyze")
    c = s.console_text()
    rip = re.search(r"RIP: 0010:(\S+ \[pmdbcrash\])", c).group(1)
    addr = int(re.search(r"general protection fault, probably for non-canonical address (0x[0-9a-f]+)",
                         c).group(1), 16)
    f = facts(out)
    assert out.startswith("class: use-after-free\n"), out
    assert int(f["fault_address"], 16) == addr and addr & ~0xfff == 0x6b6b6b6b6b6b6000
    assert "slab poison 0x6b6b6b6b6b6b6b6b" in out and f" in {rip}, " in out, out
    assert "POISON_FREE" in f["poison"]
    reg, val = re.match(r"%(\w+) = (0x[0-9a-f]+)$", f["base_register"]).groups()
    assert oops_registers(s)[reg] == int(val, 16) == 0x6b6b6b6b6b6b6b6b
    assert int(f["displacement"], 16) == addr - 0x6b6b6b6b6b6b6b6b


def test_freed_object_is_poisoned(scenarios, crash_out):
    """The object the module printed (%px) before freeing it: SLUB's
    poison in the dump, as crash reads it (0x6b bytes, 0xa5 at the end)."""
    s = scenarios["uaf"]
    obj = freed_object(s)
    rd = re.search(rf"^{obj}:\s+(\w+) (\w+) .*\n\w+:\s+(\w+) (\w+) ", crash_out["uaf"], re.M)
    want = [int(w, 16) for w in rd.groups()]
    got = [int(w, 16) for w in run(s.elf, f"{obj},4/K").split() if not w.endswith(":")]
    assert got == want and got[0] == 0x6b6b6b6b6b6b6b6b and got[3] >> 56 == 0xa5, (got, want)


def test_analyze_soft_lockup(scenarios, fmt):
    s = scenarios["lockup"]
    out = run(dump(s, fmt), "::analyze")
    lockup = re.search(r"(watchdog: BUG: soft lockup - CPU#\d+ stuck for \d+s! \[\S+\])",
                       s.console_text()).group(1)
    rip = re.search(r"RIP: 0010:(\S+ \[pmdbcrash\])", s.console_text()).group(1)
    assert out.startswith("class: soft-lockup\n"), out
    assert f"soft lockup: {lockup} in {rip}" in out, out
    assert re.search(r"^  => pmdb_spin$", out, re.M), out
    assert "signature: soft-lockup: pmdb_spin < pmdbcrash_ioctl < __x64_sys_ioctl" in out


def test_analyze_hung_task(scenarios, fmt):
    s = scenarios["hung"]
    out = run(dump(s, fmt), "::analyze")
    comm, pid = re.search(r"INFO: task (\S+):(\d+) blocked for more than", s.console_text()).groups()
    f = facts(out)
    assert out.startswith("class: hung-task\n"), out
    assert f["blocked_task"].startswith(f"{comm} (pid {pid}, task_struct 0x"), f
    assert f["blocked_task"].endswith("state UN)")
    assert re.search(r"^  => pmdb_sleep_forever$", out, re.M), out
    # khungtaskd panicked, on the CPU the console names
    cpu, _, panicker = re.search(r"Kernel panic - not syncing: hung_task.*\n.*CPU: (\d+) PID: (\d+) "
                                 r"Comm: (\S+)", s.console_text()).groups()
    assert f["cpu"].startswith(cpu + " ") and f["task"].startswith(panicker + " ")


# --- stacks ---------------------------------------------------------------------

@pytest.mark.parametrize("name", ["null", "uaf", "lockup", "hung"])
def test_panic_cpu_stack_matches_the_kernels_trace(scenarios, fmt, name):
    """$c starts on the CPU that panicked; its frames (with offsets) hold
    the kernel's own reliable trace as one run, down to the user pc."""
    s = scenarios[name]
    want, user = console_trace(s)
    assert len(want) >= 3, want
    got = pmdb_frames(run(dump(s, fmt), "$c"))
    assert run_in(got, want), (want, got)
    if user is not None:
        assert got[-1] == f"0x{user:x}" and got[-2] == want[-1], (got, user)


@pytest.mark.parametrize("name", ["null", "uaf", "lockup"])
def test_panic_cpu_stack_matches_crash_bt(scenarios, crash_out, name):
    """crash's bt of the panic task, from the module's function down to the
    syscall entry: pmdb's frames are in it, in order, at the same return
    addresses (crash adds stale frames from its stack scan); its exception
    RIP is pmdb's interrupted frame."""
    s = scenarios[name]
    bt = crash_bt(crash_out[name])
    frames = []
    for m in re.finditer(r"\[exception RIP: (\w+)\+(\d+)\]|#\d+ \[[0-9a-f]+\] ([\w.]+) at ([0-9a-f]+)", bt):
        if m.group(1):
            frames.append((m.group(1), None, int(m.group(2))))
        else:
            frames.append((m.group(3), int(m.group(4), 16), None))
    out = run(s.elf, "$C -p").splitlines()
    mine = []
    for l in out:
        f = l.split()
        if "+" in f[2]:
            mine.append((f[2].split("+")[0], int(f[1], 16), int(f[2].split("+")[1].rstrip("()"), 16)))
    start = next(i for i, f in enumerate(mine) if f[0].startswith("pmdb"))
    mine = mine[start:]
    it = iter(frames)
    for i, (func, pc, off) in enumerate(mine):
        hit = next((c for c in it if c[0] == func), None)
        assert hit, (func, mine, frames)
        if hit[2] is not None:
            assert hit[2] == off, (hit, func, off)     # the exception RIP
        elif i > 0:
            assert hit[1] == pc, (hit, func, hex(pc))
    assert mine[-1][0] == "entry_SYSCALL_64_after_hwframe"
    user = re.findall(r"RIP: ([0-9a-f]{16})  RSP", bt)[-1]      # the syscall's user registers
    assert int(out[-1].split()[1], 16) == int(user, 16), (out[-1], user)


def test_hung_task_stack_matches_the_kernels_trace(scenarios, fmt):
    """The blocked task (asleep, not on a CPU): TASK$c from the frame its
    last context switch saved, against the trace the hung-task detector
    printed (crash 8.0.2 cannot find this task: its pid hash misses it)."""
    s = scenarios["hung"]
    want, user = reliable_frames(block(s.console_text(), r"^INFO: task \S+ blocked for more than",
                                       r"^ </TASK>"))
    assert want and user is not None, "the console's hung-task trace has no frames or no user pc"
    comm, pid = re.search(r"INFO: task (\S+):(\d+) blocked", s.console_text()).groups()
    rows = [l.split() for l in run(dump(s, fmt), "::ps").splitlines()[1:]]
    task = next(r[3] for r in rows if r[0] == pid)
    got = pmdb_frames(run(dump(s, fmt), f"{task}$c"))
    assert got == want + [f"0x{user:x}"], (got, want, user)


# --- modules and symbols ----------------------------------------------------------

def test_lsmod_matches_crash(scenarios, crash_out, fmt):
    for name, s in scenarios.items():
        want = sorted(re.findall(r"^([0-9a-f]{16})\s+(\w+)\s+([0-9a-f]{16})\s+(\d+)", crash_out[name],
                                 re.M))
        got = sorted(tuple(l.split()) for l in run(dump(s, fmt), "::lsmod").splitlines()[1:])
        assert got == want and any(w[1] == "pmdbcrash" for w in want), (name, got, want)


def test_module_symbols_match_crash(scenarios, crash_out):
    """::nm -m pmdbcrash against crash's sym -m (the module's own symbol
    table in the dump): the same names at the same addresses, functions
    with their binding (crash's t/T); a module symbol in an expression."""
    for name, s in scenarios.items():
        want = re.findall(r"^([0-9a-f]{16}) \((\S)\) (\S+)$", crash_out[name], re.M)
        got = re.findall(r"^0x([0-9a-f]{16}) 0x\S+\s+(\w+)\s+(\w+)\s+pmdbcrash`(\S+)$",
                         run(s.elf, "::nm -m pmdbcrash"), re.M)
        assert sorted((a, n) for a, _, _, n in got) == sorted((a, n) for a, _, n in want), (got, want)
        letters = {(a, n): t for a, t, n in want}
        for a, typ, bind, n in got:
            if letters[(a, n)] in "tT":
                assert typ == "FUNC" and bind == ("GLOBAL" if letters[(a, n)] == "T" else "LOCAL"), (a, n)
        ioctl = next(a for a, _, n in want if n == "pmdbcrash_ioctl")
        assert run(s.elf, "pmdbcrash_ioctl=K").strip() == ioctl


def test_module_disassembly_matches_crash(scenarios, crash_out):
    """pmdbcrash_ioctl::dis against crash's dis (gdb's disassembler): the
    same instruction addresses, and the same targets for direct calls."""
    for name, s in scenarios.items():
        dis = crash_out[name]
        want = [int(a, 16) for a in re.findall(r"^0x([0-9a-f]+) <pmdbcrash_ioctl(?:\+\d+)?>:", dis, re.M)]
        want_calls = re.findall(r"\bcall\s+0x([0-9a-f]+) <(\w+)>", dis)
        out = run(s.elf, "pmdbcrash_ioctl::dis")
        got = [int(a, 16) for a in re.findall(r"^\s+(?:=> )?0x([0-9a-f]+) pmdbcrash_ioctl", out, re.M)]
        got_calls = re.findall(r"\bcallq?\s+0x([0-9a-f]+) <(\w+)>", out)
        # crash stops at the function's last instruction; pmdb shows the
        # padding up to the next symbol too
        assert got[:len(want)] == want and len(want) > 40, (got, want)
        assert got_calls == want_calls and len(want_calls) >= 5, (got_calls, want_calls)


# --- log, tasks, status ------------------------------------------------------------

def test_msgbuf_matches_crash_log_and_console(scenarios, crash_out, fmt):
    """::msgbuf is crash's log line for line; the console's Oops or
    panic report is in it, in order, with the same time stamps."""
    for name, s in scenarios.items():
        got = run(dump(s, fmt), "::msgbuf").splitlines()
        want = crash_log(crash_out[name])
        assert got == want, name
        console = [l.rstrip("\r") for l in s.console_text().splitlines() if re.match(TS, l)]
        first = next(i for i, l in enumerate(console)
                     if re.search(r"BUG: |general protection fault|INFO: task", l))
        report = console[first:]
        it = iter(got)
        assert all(l in it for l in report), name
        assert any("Kernel panic - not syncing" in l for l in report)


def crash_task_list(text):
    return re.findall(r"^([0-9a-f]{16})\n  pid = (\d+),\n  comm = \"(.*?)(?:\\000)*\",", text, re.M)


def ps_rows(text):
    """::ps rows with the task address in crash's spelling (16 hex digits)."""
    return [dict(r, task="%016x" % r["task"]) for r in parse_ps(text)]


def test_ps_matches_crash(scenarios, crash_out, fmt):
    """::ps against crash's walk of init_task.tasks (every task, its
    address, pid and comm: none missing, none extra), the idle task of
    each CPU crash's ps lists (the others are on no list), and the tasks
    its ps marks active on each CPU."""
    for name, s in scenarios.items():
        rows = ps_rows(run(dump(s, fmt), "::ps"))
        want = crash_task_list(crash_out[name])
        assert len(want) >= 40
        listed = [r for r in rows if r["pid"] or r["cpu"] == 0]
        assert sorted((r["task"], str(r["pid"]), r["comm"]) for r in listed) == sorted(want), name
        crash_ps = re.findall(r"^([> ])\s+(\d+)\s+\S+\s+(\d+)\s+([0-9a-f]{16})\s+\w\w\s.*?\s(\[?[\w/]+\]?)$",
                              crash_out[name], re.M)
        idle = sorted((task, int(cpu)) for _, pid, cpu, task, _ in crash_ps if pid == "0")
        assert len(idle) == 2 and idle == sorted((r["task"], r["cpu"]) for r in rows if r["pid"] == 0), name
        active = [(pid, cpu, task) for mark, pid, cpu, task, _ in crash_ps if mark == ">"]
        assert len(active) == 2, crash_ps
        for pid, cpu, task in active:
            r = next(r for r in rows if r["task"] == task)
            assert r["active"] and r["cpu"] == int(cpu) and r["pid"] == int(pid), (name, r)
        assert sum(r["active"] for r in rows) == 2


def test_status_matches_crash_sys(scenarios, crash_out, fmt):
    for name, s in scenarios.items():
        want = dict(re.findall(r"^\s*([A-Z ]+?): (.*)$", crash_out[name], re.M))
        got = dict(re.findall(r"^\s*([A-Z ]+?): (.*)$", run(dump(s, fmt), "::status"), re.M))
        want["PANIC"] = want["PANIC"].replace(" (check log for details)", "")
        for key in ("RELEASE", "VERSION", "PANIC", "MEMORY", "DATE", "LOAD AVERAGE", "MACHINE", "CPUS"):
            assert got[key].strip() == want[key].strip(), (name, key)


def test_scenario_dumps_under_asan(scenarios):
    cmds = "::status; ::msgbuf; ::ps; $c; ::analyze; ::lsmod; ::nm -m pmdbcrash; pmdbcrash_ioctl::dis; ::stacks"
    for name, s in scenarios.items():
        for path in (s.elf, s.kdump):
            p = run_asan([path], cmds)
            assert p.returncode == 0, (name, path, p.stderr[-3000:])
            assert "pmdbcrash_ioctl" in p.stdout
