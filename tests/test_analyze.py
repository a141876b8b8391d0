"""::analyze on one crash program per class and variant (tests/progs/az_*,
built and crashed by tests/lib/cores.py): the class, the key facts, and
where gdb can say the same (fault address, registers, the instruction at
the pc, a variable's value, the frame count), gdb's answer on the same
core rather than a hard-coded one."""
import os
import re
import subprocess

import pytest

import cores
import pmdb

GDB = "/usr/bin/gdb" if os.path.exists("/usr/bin/gdb") else "gdb"
PROGS = os.path.join(pmdb.ROOT, "tests", "progs")


class Verdict:
    def __init__(self, out):
        self.out = out
        self.cls = re.search(r"^class: (.*)$", out, re.M).group(1)
        self.summary = re.search(r"^summary: (.*)$", out, re.M).group(1)
        m = re.search(r"^cert: (\w+)", out, re.M)
        self.cert = m.group(1) if m else None
        ev = out.split("evidence:\n", 1)[1].split("\nstack of thread", 1)[0]
        self.facts = dict(re.findall(r"^  (\w+): (.*)$", ev, re.M))

    def __repr__(self):
        return self.out


def make(name):
    try:
        return cores.make_core(name)
    except cores.ProgUnavailable as e:
        pytest.skip(str(e))


_verdicts = {}


def analyze(name, binary=None):
    key = (name, binary)
    if key not in _verdicts:
        core = make(name)
        argv = [binary or pmdb.PMDB, "-q"] + pmdb.core_args(core) + ["-e", "::analyze"]
        p = subprocess.run(argv, capture_output=True, text=True, timeout=120, errors="replace")
        assert p.returncode == 0, p.stdout + p.stderr
        _verdicts[key] = (Verdict(p.stdout), p.stderr)
    return _verdicts[key][0]


def gdb(name, *cmds):
    """gdb's answers, one per command, split on markers."""
    core = make(name)
    argv = [GDB, "-batch", "-nx", "-q", "-ex", "set pagination off", "-ex", "set width 0"]
    for i, c in enumerate(cmds):
        argv += ["-ex", f"echo =={i}==\\n", "-ex", c]
    argv += ["-ex", f"echo =={len(cmds)}==\\n", core.exe, core.core]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=120,
                         errors="replace").stdout
    return [out.split(f"=={i}==\n", 1)[1].split(f"=={i + 1}==\n", 1)[0].strip()
            for i in range(len(cmds))]


def gdb_value(text):
    """The number in gdb's `$1 = 0x10` or `$1 = (T *) 0x0`."""
    return int(re.search(r"= (?:\([^)]*\) )?(-?(?:0x[0-9a-f]+|\d+))", text).group(1), 0)


def hexval(text):
    return int(re.search(r"0x[0-9a-f]+", text).group(0), 16)


def source_pos(src, token):
    """line:column (1-based) of the first line of src's code containing token."""
    with open(os.path.join(PROGS, src)) as f:
        for n, line in enumerate(f, 1):
            if token in line and not line.lstrip().startswith(("//", "*", "/*")):
                return n, line.index(token) + 1
    raise AssertionError(f"{token!r} not in {src}")


# name -> (class, cert or None, {fact: regex that must match its value})
CASES = {
    "az_null_read_O0": ("null-deref", "SourceAvNearNull",
                        {"access": "^read$", "variable": r"^p \(int \*, 0x0\)"}),
    "az_null_read_O2": ("null-deref", "SourceAvNearNull",
                        {"access": "^read$", "variable": r"^p \(int \*, 0x0\)"}),
    "az_null_write_O0": ("null-deref", "DestAvNearNull",
                         {"access": "^write$", "variable": r"^p \(int \*, 0x0\)"}),
    "az_null_write_O2": ("null-deref", "DestAvNearNull",
                         {"access": "^write$", "variable": r"^p \(int \*, 0x0\)"}),
    "az_null_member_O0": ("null-deref", "SourceAvNearNull",
                          {"variable": r"^st->st_bytes \(member at offset 0x10 of struct stats",
                           "displacement": "^0x10$"}),
    "az_null_member_O2": ("null-deref", "SourceAvNearNull",
                          {"variable": r"^st->st_bytes \(member at offset 0x10 of struct stats",
                           "displacement": "^0x10$"}),
    "az_cxx_null_O0": ("null-deref", "SourceAvNearNull",
                       {"variable": r"^this->m_balance \(member at offset 0x10 of "
                                    r"(const )?class Account"}),
    "az_cxx_null_O2": ("null-deref", "SourceAvNearNull",
                       {"variable": r"^\w+->m_balance \(member at offset 0x10 of "
                                    r"(const )?class Account"}),
    "az_wild": ("wild-pointer", "SourceAv",
                {"operand": r"%rsi \(0x5\) \* 8 \+ 0x8 = 0x6b6b6b6b6b6b6b9b$",
                 "non_canonical": "^0x6b6b6b6b6b6b6b9b "}),
    "az_jump_null": ("bad-jump", "SegFaultOnPcNearNull",
                     {"jump_target": "^0x0, in no mapping", "caller": r"^call_handler\+",
                      "target_from": r"^%r\w+, which holds 0x0$"}),
    "az_jump_dangling": ("bad-jump", "SegFaultOnPc",
                         {"jump_target": "in no mapping", "caller": r"^call_handler\+",
                          "target_from": r"^%r\w+, which holds 0x[0-9a-f]+$"}),
    "az_jump_slot": ("bad-jump", "SegFaultOnPc",
                     {"caller": r"^close_conn\+0x[0-9a-f]+: callq \*8\(%r\w+\)$",
                      "target_from": r"^the pointer at 0x[0-9a-f]+ .*ops.*\+0x8\) holds 0x"}),
    "az_jump_ret": ("bad-jump", "ReturnAv",
                    {"return_address": "^0x414141414141 at 0x[0-9a-f]+ .*corrupted"}),
    "az_dlclose": ("bad-jump", "BranchAv",
                   {"access": "^read of a branch target$",
                    "caller": r"^run_codec\(Codec\*, int\)\+0x[0-9a-f]+: callq \*0x18\(%r\w+\)",
                    "gap": r"lies in a hole .* between /\S+\.so[.\d]* and /\S+\.so[.\d]*: "
                           r"where a library unloaded with dlclose\(\)"}),
    "az_recurse_self_O0": ("stack-overflow", "StackOverflow",
                           {"recursion": r"^parse_expr called itself \d{4,} times$",
                            "largest_frames": r"^parse_expr \d+ bytes"}),
    "az_recurse_self_O2": ("stack-overflow", "StackOverflow",
                           {"recursion": r"^parse_expr called itself \d{4,} times$",
                            "largest_frames": r"^parse_expr 10\d\d bytes"}),
    "az_recurse_mutual": ("stack-overflow", "StackOverflow",
                          {"recursion": r"^a cycle of 3 functions \((visit_\w+)( <- visit_\w+){2}\)"}),
    "az_recurse_thread": ("stack-overflow", "StackOverflow",
                          {"stack": r"\(256 KiB", "recursion": "^parse_expr called itself"}),
    "az_recurse_alloca": ("stack-overflow", "StackOverflow",
                          {"largest_frames": r"^expand_macro 52\d{4} bytes",
                           "recursion": "^expand_macro called itself"}),
    "az_abort_assert": ("abort", "AbortSignal",
                        {"assertion": r"^q->q_len <= q->q_cap$",
                         "assert_location": r"az_abort\.c:\d+: queue_push$"}),
    "az_abort_dfree": ("abort", "HeapError",
                       {"abort_message": r"^free\(\): double free detected in tcache 2$",
                        "source": r"az_abort\.c:\d+$"}),
    "az_abort_plain": ("abort", "AbortSignal", {"source": r"az_abort\.c:\d+$"}),
    "az_cxx_exc_runtime": ("abort", "AbortSignal",
                           {"exception_type": "^std::runtime_error$",
                            "exception_what": "^disk quota exceeded$"}),
    "az_cxx_exc_custom": ("abort", "AbortSignal",
                          {"exception_type": "^ConfigError$",
                           "exception_what": "^missing key: port$"}),
    "az_cxx_exc_nonstd": ("abort", "AbortSignal", {"exception_type": "^ParseFailure$"}),
    "az_panic_explicit": ("abort", "AbortSignal",
                          {"panic_message": r"^reactor (4|\{\}) overheated$"}),
    "az_panic_unwrap": ("abort", "AbortSignal",
                        {"panic_message": r"^called `Option::unwrap\(\)` on a `None` value$"}),
    "az_panic_index": ("abort", "AbortSignal",
                       {"panic_message": r"^index out of bounds: the len is (3|\{\}) "
                                         r"but the index is (7|\{\})$"}),
    "az_signal_reraise": ("null-deref", "SourceAvNearNull",
                          {"reraised_by": "raised SIGSEGV again while it was blocked",
                           "original_signal": r"^SIGSEGV \(11\)",
                           "variable": r"^s->sv_port \(member at offset 0x8 of struct service"}),
    "az_signal_nodefer": ("null-deref", "SourceAvNearNull",
                          {"reraised_by": "^log_and_reraise, a signal handler, raised SIGSEGV",
                           "original_signal": r"^SIGSEGV \(11\), SEGV_MAPERR \(1\)$",
                           "fault_address": "^0x8$"}),
    "az_signal_resethand": ("null-deref", "SourceAvNearNull",
                            {"signal": r"SEGV_MAPERR \(1\)$", "fault_address": "^0x8$"}),
    "az_signal_quit": ("signal-sent", "BenignSignal",
                       {"signal": r"^SIGQUIT \(3\), SI_USER \(0\)$",
                        "sender_pid": r"\(the process itself\)$"}),
    "az_signal_xcpu": ("signal-sent", "BenignSignal",
                       {"signal": r"^SIGXCPU \(24\), SI_TKILL \(-6\)$"}),
    "az_signal_killed": ("signal-sent", "BenignSignal",
                         {"signal": r"^SIGSEGV \(11\), SI_USER \(0\)$"}),
    "az_fpe_reg": ("arithmetic", "FloatingPointException",
                   {"divisor": r"^the 4-byte value at 0x[0-9a-f]+ = 0x0$"}),
    "az_fpe_mem": ("arithmetic", "FloatingPointException",
                   {"divisor": r"^the 4-byte value at 0x[0-9a-f]+ = 0x0$",
                    "instruction": r"idivl 0x[0-9a-f]+\(%rip\)$"}),
    "az_fpe_intmin": ("arithmetic", "FloatingPointException",
                      {"divisor": r"^%r\w+ = 0xffffffff$"}),
    "az_trap_ud2": ("illegal-instruction", "BadInstruction", {"instruction": ": ud2$"}),
    "az_trap_junk": ("illegal-instruction", "BadInstruction",
                     {"instruction": "no valid instruction"}),
    "az_trap_int3": ("breakpoint", "BenignSignal", {"instruction": r"^stop_here\+0x[0-9a-f]+: int3$"}),
    "az_bus": ("bus-error", "AccessViolation",
               {"file": r"/az_bus\.dat$", "file_offset": "^0x2010$"}),
}


def test_every_az_program_has_a_case():
    assert sorted(CASES) == sorted(n for n in cores.all_prog_names() if n.startswith("az_"))


@pytest.mark.parametrize("name", sorted(CASES))
def test_class_and_facts(name):
    cls, cert, facts = CASES[name]
    v = analyze(name)
    assert v.cls == cls, v
    if cert:
        assert v.cert == cert, v
    for key, rx in facts.items():
        assert key in v.facts, (key, v)
        assert re.search(rx, v.facts[key]), (key, rx, v)


SEGV_NULL = ["az_null_read_O0", "az_null_read_O2", "az_null_write_O0", "az_null_write_O2",
             "az_null_member_O0", "az_null_member_O2", "az_cxx_null_O0", "az_cxx_null_O2",
             "az_signal_resethand"]


@pytest.mark.parametrize("name", SEGV_NULL + ["az_wild"])
def test_fault_against_gdb(name):
    """The fault address, pc, the instruction and the operand's registers are gdb's."""
    v = analyze(name)
    addr, pc, insn, regs = gdb(name, "p/x (unsigned long)$_siginfo._sifields._sigfault.si_addr",
                               "p/x $pc", "x/i $pc", "info registers")
    if "fault_address" in v.facts:
        assert hexval(v.facts["fault_address"]) == gdb_value(addr)
    assert hexval(v.facts["pc"]) == gdb_value(pc)
    # same mnemonic (gdb drops the size suffix pmdb's capstone keeps)
    gdb_mn = insn.split(":", 1)[1].split()[0]
    our_mn = v.facts["instruction"].split(": ", 1)[1].split()[0]
    assert our_mn.startswith(gdb_mn), (insn, v.facts["instruction"])
    gregs = {m.group(1): int(m.group(2), 16)
             for m in re.finditer(r"^(\w+)\s+(0x[0-9a-f]+)", regs, re.M)}
    op = v.facts["operand"]
    total = 0
    for reg, val, scale in re.findall(r"%(\w+) \((0x[0-9a-f]+)\)(?: \* (\d+))?", op):
        assert gregs[reg] == int(val, 16), (reg, op, regs)
        total += int(val, 16) * int(scale or 1)
    disp = re.search(r" ([+-]) (0x[0-9a-f]+) =", op)
    if disp:
        total += int(disp.group(2), 16) * (1 if disp.group(1) == "+" else -1)
    assert total % 2**64 == hexval(op.rsplit("=", 1)[1]), op


@pytest.mark.parametrize("name,var,member", [
    ("az_null_member_O0", "st", "st_bytes"), ("az_null_member_O2", "st", "st_bytes"),
    ("az_null_read_O0", "p", None), ("az_null_read_O2", "p", None),
    ("az_cxx_null_O0", "this", "m_balance")])
def test_variable_against_gdb(name, var, member):
    """The variable the analysis blames is NULL in gdb too, and the member
    is at the displacement."""
    v = analyze(name)
    cmds = [f"p {var}"]
    if member:
        cmds.append(f"p/x (unsigned long)&(({var})->{member})")
    got = gdb(name, *cmds)
    assert gdb_value(got[0]) == 0, got
    if member:
        assert gdb_value(got[1]) == hexval(v.facts["displacement"]), got


@pytest.mark.parametrize("name", ["az_jump_null", "az_jump_dangling", "az_jump_ret"])
def test_jump_target_is_gdbs_pc(name):
    v = analyze(name)
    pc, addr = gdb(name, "p/x $pc", "p/x (unsigned long)$_siginfo._sifields._sigfault.si_addr")
    assert hexval(v.facts["jump_target"]) == gdb_value(pc) == gdb_value(addr)
    if "target_from" in v.facts and "which holds" in v.facts["target_from"]:
        reg = re.match(r"%(\w+)", v.facts["target_from"]).group(1)
        # the register is the caller's: gdb's frame 1 has it (call-clobbered
        # registers are not unwound, but the call was the last instruction)
        val = gdb(name, f"p/x ${reg}")[0]
        assert gdb_value(val) == hexval(v.facts["target_from"].split("holds", 1)[1])


def test_alloca_depth_is_gdbs_frame_count():
    v = analyze("az_recurse_alloca")
    bt = gdb("az_recurse_alloca", "set backtrace past-main on", "set backtrace past-entry on",
             "bt")[2]
    frames = re.findall(r"^#(\d+)", bt, re.M)
    assert int(v.facts["depth"].split()[0]) == len(frames), bt


def test_thread_overflow_is_on_the_threads_stack():
    v = analyze("az_recurse_thread")
    core = make("az_recurse_thread")
    assert int(v.facts["thread"]) != core.pid
    lo, hi = (int(x, 16) for x in re.match(r"0x([0-9a-f]+)-0x([0-9a-f]+)", v.facts["stack"]).groups())
    sp = gdb_value(gdb("az_recurse_thread", "p/x $sp")[0])
    assert lo - 4096 <= sp < hi and hi - lo == 256 * 1024


def test_killed_by_another_process():
    v = analyze("az_signal_killed")
    pid = gdb("az_signal_killed", "p $_siginfo._sifields._kill.si_pid")[0]
    assert int(v.facts["sender_pid"]) == gdb_value(pid) != make("az_signal_killed").pid
    assert "another process" in v.summary


def test_divisor_register_against_gdb():
    v = analyze("az_fpe_intmin")
    reg = re.match(r"%(\w+)", v.facts["divisor"]).group(1)
    val = gdb_value(gdb("az_fpe_intmin", f"p/x ${reg}")[0])
    assert val & 0xffffffff == 0xffffffff
    assert "overflow" in v.summary


def test_bus_fault_address_against_gdb():
    v = analyze("az_bus")
    addr = gdb("az_bus", "p/x (unsigned long)$_siginfo._sifields._sigfault.si_addr")[0]
    assert hexval(v.facts["fault_address"]) == gdb_value(addr)


@pytest.mark.parametrize("name,token", [("az_panic_explicit", "panic!"),
                                        ("az_panic_unwrap", "unwrap()"),
                                        ("az_panic_index", "v[i]")])
def test_panic_location_is_the_source(name, token):
    v = analyze(name)
    line, col = source_pos("az_panic.rs", token)
    assert v.facts["panic_location"].endswith(f"az_panic.rs:{line}:{col}"), v


def test_assert_location_is_the_source():
    v = analyze("az_abort_assert")
    line, _ = source_pos("az_abort.c", "assert(q->q_len")
    assert v.facts["assert_location"].endswith(f"az_abort.c:{line}: queue_push")


ASAN_CASES = ["az_null_member_O2", "az_dlclose", "az_recurse_mutual", "az_signal_nodefer",
              "az_signal_reraise", "az_panic_unwrap", "az_cxx_exc_custom", "az_trap_int3",
              "az_fpe_mem", "az_abort_dfree", "az_trap_junk", "az_signal_killed"]


@pytest.mark.parametrize("name", ASAN_CASES)
def test_asan_build_agrees(name):
    if not os.path.exists(pmdb.ASAN):
        pytest.skip("no ASan build (make asan)")
    v = analyze(name)
    a = analyze(name, pmdb.ASAN)
    err = _verdicts[(name, pmdb.ASAN)][1]
    assert "Sanitizer" not in err, err
    assert (a.cls, a.summary, a.facts) == (v.cls, v.summary, v.facts)
