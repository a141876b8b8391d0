"""::analyze on real AArch64 crashes: the programs of tests/progs built
with aarch64-linux-gnu-gcc and crashed under qemu-aarch64, whose own core
writer makes the cores (tests/lib/arm_cores.py).  gdb-multiarch on the same
core is the oracle: signal, pc, registers, the faulting instruction as its
disassembler reads it (mnemonic, base register, offset), the backtrace's
function names, the DWARF member offsets and variables; the programs' own
stderr for assertion messages.  QEMU's cores have no siginfo: pmdb's
fault address is the one it computes, checked against gdb's operands and
registers."""
import json
import os
import re
import subprocess

import pytest

import arm_cores
import arm_oracle
import cores
import pmdb
from arm_oracle import Verdict, gdb_frames, gdb_insn, gdb_regs, gdb_value, norm_insn

SYSROOT = arm_cores.SYSROOT


def make(name):
    try:
        return arm_cores.make_core(name)
    except cores.ProgUnavailable as e:
        pytest.skip(str(e))


def run_pmdb(core, cmds):
    return arm_oracle.run_pmdb(core, cmds, SYSROOT)


def gdb(core, *cmds):
    """gdb-multiarch's answers, one per command."""
    return arm_oracle.gdb(core, cmds, SYSROOT)


_verdicts = {}


def analyze(name):
    if name not in _verdicts:
        _verdicts[name] = Verdict(run_pmdb(make(name), "::analyze"))
    return _verdicts[name]


BASIC = ["info registers", "bt", "x/i $pc"]

# name -> (class, signal, source of the crash site)
CASES = {
    "a64_null_read": ("null-deref", "SIGSEGV", "inner"),
    "a64_null_write": ("null-deref", "SIGSEGV", "store_event"),
    "a64_null_member_O2": ("null-deref", "SIGSEGV", "conn_bytes"),
    "a64_null_write_O2": ("null-deref", "SIGSEGV", "write_value"),
    "a64_wild": ("wild-pointer", "SIGSEGV", "slot"),
    "a64_jump_null": ("bad-jump", "SIGSEGV", "call_handler"),
    "a64_jump_slot": ("bad-jump", "SIGSEGV", "close_conn"),
    "a64_jump_ret": ("bad-jump", "SIGSEGV", None),
    "a64_recurse": ("stack-overflow", "SIGSEGV", "parse_expr"),
    "a64_recurse_mutual": ("stack-overflow", "SIGSEGV", "visit_list"),
    "a64_abort_assert": ("abort", "SIGABRT", "queue_push"),
    "a64_abort_plain": ("abort", "SIGABRT", "give_up"),
    "a64_trap": ("illegal-instruction", "SIGTRAP", "check_state"),
    "a64_junk": ("illegal-instruction", "SIGILL", None),
}
DEEP = {"a64_recurse", "a64_recurse_mutual"}


def basic(name):
    """The core, gdb's whole output, and its registers, backtrace and x/i $pc."""
    c = make(name)
    bt = "bt 6" if name in DEEP else "bt"
    whole, answers = gdb(c, "info registers", bt, "x/i $pc")
    return c, whole, answers


def test_cores_are_aarch64_and_gdb_reads_them():
    """The fixture cores are QEMU's AArch64 ELF cores, and gdb-multiarch
    reads registers and frames from them."""
    for name in CASES:
        c = make(name)
        out = subprocess.run(["readelf", "-h", "-n", c.core], capture_output=True, text=True).stdout
        assert re.search(r"Type:\s+CORE", out) and re.search(r"Machine:\s+AArch64", out), out
        assert "NT_PRSTATUS" in out and "NT_AUXV" in out, out
        _, whole, (regs, bt, _) = basic(name)
        assert "pc" in gdb_regs(regs), whole
        assert re.search(r"^#0 ", bt, re.M), whole


@pytest.mark.parametrize("name", sorted(CASES))
def test_signal_pc_registers(name):
    c, whole, (regs, bt, xi) = basic(name)
    sig = re.search(r"Program terminated with signal (SIG\w+)", whole).group(1)
    assert sig == CASES[name][1]
    assert c.signal == {"SIGSEGV": 11, "SIGABRT": 6, "SIGTRAP": 5, "SIGILL": 4}[sig]
    v = analyze(name)
    assert v.facts["signal"].startswith(f"{sig} ("), v
    g = gdb_regs(regs)
    r = pmdb.parse_regs(run_pmdb(c, "$r"))
    for i in range(31):
        assert r[f"x{i}"] == g[f"x{i}"], (i, r, g)
    assert (r["sp"], r["pc"], r["pstate"]) == (g["sp"], g["pc"], g["cpsr"])
    if "pc" in v.facts:
        assert int(v.facts["pc"].split()[0], 16) == g["pc"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_class_and_instruction(name):
    c, _, (regs, bt, xi) = basic(name)
    v = analyze(name)
    assert v.cls == CASES[name][0], v
    want = gdb_insn(xi)
    if CASES[name][1] == "SIGABRT":
        assert "instruction" not in v.facts, v         # the instruction is raise's svc
    elif not want:
        # gdb cannot read the pc (its error goes to stderr): a jump to no code
        assert "instruction" not in v.facts, v
    elif "undefined" in xi:
        assert "no valid instruction" in v.facts["instruction"], (v, xi)
    else:
        got = norm_insn(v.facts["instruction"].split(": ", 1)[1])
        assert got == want, (got, want, v)


@pytest.mark.parametrize("name", sorted(CASES))
def test_frames_match_gdb(name):
    """pmdb's frames carry gdb's function names, down to main."""
    c, _, (regs, bt, xi) = basic(name)
    g = gdb_frames(bt)
    p = [f[1] for f in pmdb.parse_stack(run_pmdb(c, "::stack -p"))]
    if g[1:] == [None]:
        # gdb finds no caller of code in anonymous memory; lr names it
        _, (sym,) = gdb(c, "info symbol $lr")
        g[1] = sym.split()[0]
    n = min(len(g), 6)
    if "main" in g[:n]:
        n = g.index("main") + 1
    assert n >= 1 and len(p) >= n, (p, g)
    for i in range(n):
        if g[i] is None:
            assert p[i].startswith("0x"), (i, p, g)
        else:
            assert p[i] == g[i], (i, p, g)


def operands(insn):
    """(base register, offset) of gdb's '[x0, #8]' or '[sp, #-48]!' or '[x0]'."""
    m = re.search(r"\[(\w+)(?:, #(-?\d+))?\]", insn)
    return m.group(1), int(m.group(2) or 0)


NULL_MEMBERS = {
    "a64_null_read": ("ipnet_stack", "ips_ndv6", "s"),
    "a64_null_write": ("event", "ev_count", "ev"),
    "a64_null_member_O2": ("stats", "st_bytes", "st"),
}


@pytest.mark.parametrize("name", ["a64_null_read", "a64_null_write", "a64_null_member_O2",
                                  "a64_null_write_O2"])
def test_null_deref_facts(name):
    """The base register and offset are those of gdb's disassembly, the
    register holds 0 in gdb, the member's offset is gdb's offsetof."""
    c, _, (regs, bt, xi) = basic(name)
    v = analyze(name)
    insn = gdb_insn(xi)
    base, off = operands(insn)
    g = gdb_regs(regs)
    assert g[base] == 0
    assert v.facts["base_register"] == f"%{base} = 0x0 (NULL)", v
    assert int(v.facts["displacement"], 16) == off, v
    assert v.facts["access"] == ("write" if insn.startswith("st") else "read"), v
    assert re.search(rf"NULL pointer {v.facts['access']} at {off:#x}: %{base} \(0x0\) \+ {off:#x} in "
                     + CASES[name][2], v.summary), v
    if name in NULL_MEMBERS:
        struct, member, var = NULL_MEMBERS[name]
        _, (offsetof, value) = gdb(c, f"p &((struct {struct} *)0)->{member}", f"p {var}")
        assert gdb_value(offsetof) == off
        assert gdb_value(value) == 0
        assert v.facts["variable"].startswith(
            f"{var}->{member} (member at offset {off:#x} of struct {struct}"), v
    else:
        assert v.facts["variable"].startswith("p (int *, 0x0)"), v


def test_wild_pointer_facts():
    c, _, (regs, bt, xi) = basic("a64_wild")
    v = analyze("a64_wild")
    base, off = operands(gdb_insn(xi))
    ea = gdb_regs(regs)[base] + off
    assert v.facts["operand"] == f"%{base} ({gdb_regs(regs)[base]:#x}) + {off:#x} = {ea:#x}", v
    # beyond the 52-bit user address space once the top byte is ignored
    assert (ea & ((1 << 56) - 1)) >> 52, hex(ea)
    assert v.facts["non_canonical"].startswith(f"{ea:#x} is beyond the user address space"), v


@pytest.mark.parametrize("name,reg_value", [("a64_jump_null", 0), ("a64_jump_slot", None)])
def test_bad_jump_through_register(name, reg_value):
    """The caller is gdb's frame 1 and the blr before lr; its register holds gdb's pc."""
    c, _, (regs, bt, xi) = basic(name)
    _, (call,) = gdb(c, "x/i $lr - 4")
    v = analyze(name)
    g = gdb_regs(regs)
    call_insn = gdb_insn(call)
    reg = re.match(r"blr (x\d+)", call_insn).group(1)
    assert g[reg] == g["pc"]
    if reg_value is not None:
        assert g["pc"] == reg_value
        assert v.summary == "called 0x0: a NULL function pointer", v
    caller = gdb_frames(bt)[1]
    assert v.facts["caller"].startswith(caller + "+"), v
    assert norm_insn(v.facts["caller"].split(": ", 1)[1]) == call_insn, v
    assert v.facts["target_from"] == f"%{reg}, which holds {g['pc']:#x}", v
    assert int(v.facts["jump_target"].split(",")[0].split()[0], 16) == g["pc"]
    assert v.signature.startswith(f"bad-jump: {caller} < "), v


def test_bad_jump_return():
    """main's return address was overwritten: pc and lr are gdb's, and the
    slot named holds that value in gdb's memory."""
    c, _, (regs, bt, xi) = basic("a64_jump_ret")
    g = gdb_regs(regs)
    v = analyze("a64_jump_ret")
    assert g["pc"] == g["x30"] == 0x414141414141
    m = re.match(r"0x([0-9a-f]+) at 0x([0-9a-f]+) ", v.facts["return_address"])
    assert int(m.group(1), 16) == g["pc"]
    slot = int(m.group(2), 16)
    _, (word,) = gdb(c, f"x/gx {slot:#x}")
    assert int(word.split(":")[1].strip(), 16) == g["pc"]
    assert g["sp"] - 512 <= slot < g["sp"]
    assert v.summary.startswith("returned to 0x414141414141"), v


@pytest.mark.parametrize("name,func", [("a64_recurse", "parse_expr"),
                                       ("a64_recurse_mutual", None)])
def test_stack_overflow(name, func):
    """The faulting store is below the stack segment that holds gdb's sp;
    the depth is gdb's frame count; the recursion names gdb's frames."""
    c, _, (regs, bt, xi) = basic(name)
    _, (_, tail) = gdb(c, "set backtrace past-main on", "bt -2")
    g = gdb_regs(regs)
    v = analyze(name)
    depth = int(re.findall(r"^#(\d+)", tail, re.M)[-1]) + 1
    assert v.facts["depth"] == f"{depth} frames", v
    assert int(v.facts["stack_pointer"], 16) == g["sp"]
    base, off = operands(gdb_insn(xi))
    assert base == "sp"
    ea = g["sp"] + off
    arm_oracle.check_overflow(v, c, SYSROOT, ea, bt, func)


def test_abort_assert():
    """The assertion message is the one the program printed on stderr;
    gdb's frames show abort() called from queue_push."""
    c, _, (regs, bt, xi) = basic("a64_abort_assert")
    printed = open(os.path.join(os.path.dirname(c.core), "output.txt")).read()
    v = analyze("a64_abort_assert")
    assert v.facts["abort_message"] in printed, (v, printed)
    m = re.search(r"Assertion `(.*)' failed", printed)
    assert v.facts["assertion"] == m.group(1)
    names = gdb_frames(bt)
    assert "abort" in names and "__assert_fail" in names, bt
    assert names[names.index("__assert_fail") + 1] == "queue_push", bt
    assert v.signature == "abort: queue_push < main", v


def test_abort_plain():
    c, _, (regs, bt, xi) = basic("a64_abort_plain")
    names = gdb_frames(bt)
    assert names[names.index("abort") + 1] == "give_up", bt
    v = analyze("a64_abort_plain")
    assert v.summary == "abort() called by give_up, with no message recorded", v


def test_builtin_trap():
    """GCC's __builtin_trap is brk #0x3e8 on AArch64, which raises SIGTRAP."""
    c, _, (regs, bt, xi) = basic("a64_trap")
    assert gdb_insn(xi) == "brk #1000"
    v = analyze("a64_trap")
    assert v.summary.startswith("brk #0x3e8 in check_state: a trap the compiler placed"), v


@pytest.mark.parametrize("name", ["a64_null_read", "a64_jump_null", "a64_recurse", "a64_abort_assert"])
def test_json_report(name):
    """::analyze -j carries the same verdict, gdb's registers and frames,
    and the signature ::analyze prints."""
    c, _, (regs, bt, xi) = basic(name)
    v = analyze(name)
    j = json.loads(run_pmdb(c, "::analyze -j"))
    assert j["verdict"]["class"] == v.cls and j["verdict"]["summary"] == v.summary
    for k, val in v.facts.items():
        assert j["verdict"]["facts"][k] == val, k
    assert j["signal"]["name"] == CASES[name][1]
    assert j["signal"]["code"] is None and j["signal"]["address"] is None   # no siginfo
    th = j["threads"][0]
    g = gdb_regs(regs)
    assert int(th["registers"]["pc"], 16) == g["pc"] and int(th["registers"]["sp"], 16) == g["sp"]
    fi = j["verdict"]["first_interesting_frame"]
    assert th["frames"][fi]["function"] == (CASES[name][2] or None)
    assert j["signature"]["text"] == v.signature
    assert j["modules"] and any(m["name"].endswith("libc.so.6") for m in j["modules"])


def test_no_nt_file_mappings():
    """QEMU's core names no files: the executable and the libraries are
    placed from the link_map where gdb's `info sharedlibrary` puts them."""
    c = make("a64_null_read")
    _, (libs,) = gdb(c, "info sharedlibrary")
    out = run_pmdb(c, "::mappings")
    for lo, _hi, path in re.findall(r"^(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+Yes.*?\s(/\S+)$", libs, re.M):
        lo = int(lo, 16)      # the start of .text
        name = path[len(SYSROOT):]
        rows = [l.split() for l in out.splitlines() if l.rstrip().endswith(" " + name)]
        assert any(int(r[0], 16) <= lo < int(r[1], 16) and r[3] == "r-x" for r in rows), (name, out)
    exe_rows = [l for l in out.splitlines() if l.rstrip().endswith(c.exe)]
    assert exe_rows and exe_rows[0].split()[4] == "file", out
    nlibs = len(re.findall(r"^0x[0-9a-f]+\s+0x[0-9a-f]+\s+Yes", libs, re.M))
    st = pmdb.status_fields(run_pmdb(c, "::status"))
    assert st["files"].endswith(f": {nlibs + 1} placed from the executable and the link_map"), st


def test_pac_signed_return_addresses():
    """Built with -mbranch-protection=pac-ret, the program saves signed
    return addresses (QEMU's CPU has PAuth; its core has no NT_ARM_PAC_MASK,
    and gdb 13 stops after frame 1).  The saved x30 in middle's frame
    record, read by gdb and stripped of Linux's bits 54-48, is in gdb's
    outer(); pmdb's frames are those gdb gives the same program built
    without PAC."""
    c = make("a64_pac_null_read")
    _, (words,) = gdb(c, "x/2gx $x29")      # inner has no frame record: x29 is middle's
    saved = int(words.split()[-1], 16)
    assert saved & 0x007f000000000000, hex(saved)          # really signed
    _, (sym,) = gdb(c, f"info symbol {saved & ~0x007f000000000000:#x}")
    assert sym.startswith("outer + "), sym
    _, _, (_, plain_bt, _) = basic("a64_null_read")
    want = gdb_frames(plain_bt)
    got = [f[1] for f in pmdb.parse_stack(run_pmdb(c, "::stack -p"))]
    assert want and got[:len(want)] == want, (got, want)
    v = Verdict(run_pmdb(c, "::analyze"))
    assert v.cls == "null-deref" and v.signature == analyze("a64_null_read").signature, v


def test_signal_frame():
    """A NULL read in a SIGUSR1 handler: QEMU's signal trampoline has no CFI
    (gdb 13 cannot unwind past the handler, and hangs trying), so pmdb reads
    the interrupted registers from the rt_sigframe.  gdb checks each frame
    pmdb gives: frame 1 is lr's function, the trampoline is `mov x8, #0x8b
    (rt_sigreturn); svc #0`, the interrupted pc follows the tgkill `svc`, and
    every return address below follows a `bl` to the function above it."""
    c = make("a64_sighandler")
    frames = pmdb.parse_stack(run_pmdb(c, "::stack -p"))
    names = [f[1] for f in frames]
    k = names.index("<signal handler called>")
    tramp, interrupted = frames[k][0], frames[k + 1][0]
    cmds = ["info symbol $pc", "info symbol $lr", f"x/2i {tramp:#x}", f"x/i {interrupted - 4:#x}"]
    callers = [f for f in frames[k + 2:] if f[1] in ("do_raise", "send_signal", "main")]
    for f in callers:
        cmds += [f"info symbol {f[0]:#x}", f"x/i {f[0] - 4:#x}"]
    _, ans = gdb(c, *cmds)
    assert ans[0].startswith(names[0] + " + ") and ans[1].startswith(names[1] + " + "), (ans, names)
    assert k == 2, names
    # both instructions of the trampoline, in order
    assert re.search(r"\tmov\s+x8, #0x8b.*\n.*\tsvc\s+#0x0", ans[2]), ans[2]
    assert re.search(r"\tsvc\s+#0x0", ans[3]), ans[3]
    assert [f[1] for f in callers] == ["do_raise", "send_signal", "main"], names
    for i, f in enumerate(callers):
        assert ans[4 + 2 * i].startswith(f[1] + " + "), ans[4 + 2 * i]
        above = names[names.index(f[1]) - 1]      # raise is called through its PLT entry
        assert re.search(rf"\tbl\s+0x[0-9a-f]+ <{above}[@>]", ans[5 + 2 * i]), ans[5 + 2 * i]
    v = analyze("a64_sighandler")
    assert v.cls == "null-deref" and v.facts["base_register"] == "%x0 = 0x0 (NULL)", v
    assert v.signature.startswith("null-deref: handler_work < on_usr1 < "), v


def test_truncated_qemu_core(tmp_path):
    """Cut inside the notes, the first segment, a third and two thirds in:
    a clean end with a message, never a crash (run under ASan by make test)."""
    c = make("a64_null_read")
    data = open(c.core, "rb").read()
    for cut in (0x500, 0x1800, len(data) // 3, 2 * len(data) // 3):
        part = tmp_path / f"cut{cut}.core"
        part.write_bytes(data[:cut])
        p = subprocess.run([pmdb.PMDB, "-q", "--sysroot", SYSROOT, c.exe, str(part), "-e",
                            "::status; $C; ::analyze; ::mappings"],
                           capture_output=True, text=True, timeout=120, errors="replace")
        assert p.returncode in (0, 1, 2), (cut, p.returncode, p.stderr[-2000:])
        assert "Sanitizer" not in p.stderr and "runtime error" not in p.stderr, p.stderr[-3000:]
        assert "truncated" in p.stderr, (cut, p.stderr)


DIVIDE = r"""
#include <stdio.h>
static volatile int zero, minus_one = -1, int_min = -2147483647 - 1;
int main(void) { printf("%d %d\n", 100 / zero, int_min / minus_one); return 0; }
"""


def test_division_does_not_trap(tmp_path):
    """docs/analyze.md: AArch64's sdiv by zero gives 0 and INT_MIN / -1
    gives INT_MIN, with no signal, so there is no SIGFPE core to analyse."""
    if arm_cores.tools_missing():
        pytest.skip(arm_cores.tools_missing())
    src = tmp_path / "divide.c"
    src.write_text(DIVIDE)
    exe = tmp_path / "divide"
    subprocess.run([arm_cores.CC, "-O0", "-o", str(exe), str(src)], check=True)
    r = subprocess.run([arm_cores.QEMU, "-L", SYSROOT, str(exe)], capture_output=True, text=True,
                       timeout=60)
    assert (r.returncode, r.stdout) == (0, "0 -2147483648\n"), r


def test_triage_sysroot():
    """pmdb triage --sysroot gives each QEMU core the signature and class
    ::analyze gives it (libc's symbols found under the sysroot)."""
    names = ["a64_abort_assert", "a64_jump_null", "a64_null_read"]
    paths = [make(n).core for n in names]
    p = subprocess.run([pmdb.PMDB, "triage", "--sysroot", SYSROOT, "-j", "2", *paths],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    rows = {j["core"]: j for j in map(json.loads, p.stdout.splitlines()[:len(paths)])}
    for n, path in zip(names, paths):
        v = analyze(n)
        assert rows[path]["class"] == v.cls and rows[path]["signature"] == v.signature, (n, rows)


def test_sent_signal_without_siginfo():
    """kill(getpid(), SIGQUIT): QEMU's core does not say who sent it, and
    ::analyze says so rather than naming a sender; gdb's frames show kill()."""
    c = make("a64_signal_quit")
    whole, (bt,) = gdb(c, "bt")
    assert "Program terminated with signal SIGQUIT" in whole
    assert "kill" in gdb_frames(bt), bt
    v = analyze("a64_signal_quit")
    assert v.cls == "signal-sent" and "sender_pid" not in v.facts, v
    assert v.summary == "SIGQUIT: no fault; the core has no siginfo to say who sent it", v
