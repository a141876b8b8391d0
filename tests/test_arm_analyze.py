"""::analyze on 32-bit ARM crashes: the programs of tests/progs built with
arm-linux-gnueabihf-gcc in ARM state (-marm) and Thumb state (-mthumb) and
crashed under qemu-arm, whose own core writer makes the cores
(tests/lib/arm_cores.py); and vfp_crash, a compat task a real arm64
kernel dumped (tests/lib/sve_core_arm64.py), whose core has NT_SIGINFO.

gdb-multiarch on the same core is the oracle: the signal, the pc, the
registers and the CPSR's T bit, the faulting instruction as its
disassembler reads it, the address it computes (base register + offset
with gdb's register values; QEMU's cores carry no siginfo), offsetof of
the member and the variable, the caller of a jump to no code, the frame
count of a stack overflow; the kernel's si_addr in the real core; the
programs' stderr for assertion messages.  ILP32 moves the members:
null_write's ev_count is at 0x10 here (0x18 on LP64), as gdb's offsetof
says.  Hostile cases: the pc on unreadable text, on bytes that are no
instruction, on half of a 32-bit Thumb instruction, in the wrong state."""
import json
import os
import re
import shutil
import struct
import subprocess

import pytest

import arm_cores
import arm_oracle
import cores
import pmdb
from arm_oracle import Verdict, gdb_frames, gdb_insn, gdb_regs, gdb_value, norm_insn

SYSROOT = arm_cores.ARMHF.sysroot
T_BIT = 1 << 5

# name -> (class, signal, function ::analyze names as the crash site)
CASES = {
    "arm32_null_write": ("null-deref", "SIGSEGV", "store_event"),
    "arm32_null_write_thumb": ("null-deref", "SIGSEGV", "store_event"),
    "arm32_null_read": ("null-deref", "SIGSEGV", "inner"),
    "arm32_null_member_O2": ("null-deref", "SIGSEGV", "conn_bytes"),
    "arm32_null_write_O2": ("null-deref", "SIGSEGV", "write_value"),
    # every 32-bit address can be mapped: a poisoned pointer is an access
    # to no mapping, not a non-canonical one
    "arm32_wild": ("bad-access", "SIGSEGV", "slot"),
    "arm32_jump_null": ("bad-jump", "SIGSEGV", "call_handler"),
    "arm32_jump_null_arm": ("bad-jump", "SIGSEGV", "call_handler"),
    "arm32_jump_slot": ("bad-jump", "SIGSEGV", "close_conn"),
    "arm32_recurse": ("stack-overflow", "SIGSEGV", "parse_expr"),
    "arm32_recurse_mutual": ("stack-overflow", "SIGSEGV", "visit_attr"),
    "arm32_abort_assert": ("abort", "SIGABRT", None),
    "arm32_abort_plain": ("abort", "SIGABRT", None),
    "arm32_trap": ("illegal-instruction", "SIGILL", "check_state"),
    "arm32_trap_arm": ("illegal-instruction", "SIGILL", "check_state"),
}
NULLS = ["arm32_null_write", "arm32_null_write_thumb", "arm32_null_read", "arm32_null_member_O2",
         "arm32_null_write_O2"]
JUMPS = ["arm32_jump_null", "arm32_jump_null_arm", "arm32_jump_slot"]
OVERFLOWS = ["arm32_recurse", "arm32_recurse_mutual"]


def make(name):
    try:
        return arm_cores.make_core(name)
    except cores.ProgUnavailable as e:
        pytest.skip(str(e))


def thumb_build(name):
    """armhf's gcc makes Thumb-2 code unless told -marm."""
    return "-marm" not in arm_cores._prog(name).flags


def gdb(core, *cmds):
    return arm_oracle.gdb(core, cmds, SYSROOT)


def basic(name):
    """The core and gdb's registers, first 7 frames (6 of the program when
    the stack ran out in memset) and x/i $pc."""
    c = make(name)
    _, (regs, bt, xi) = gdb(c, "info registers", "bt 7", "x/i $pc")
    return c, gdb_regs(regs), bt, xi


_verdicts = {}


def analyze(name):
    if name not in _verdicts:
        _verdicts[name] = Verdict(arm_oracle.run_pmdb(make(name), "::analyze", SYSROOT))
    return _verdicts[name]


def operand(insn, g):
    """(base register, offset, address) of gdb's '[r3, #16]', '[r0]',
    'push {r4, r5, lr}' (stmdb sp!: 4 bytes a register below sp) or
    'stm r3!, {r1, r12}' (memset's stores, where the stack may run out)."""
    m = re.match(r"push(?:\.w)? \{(.*)\}", insn)
    if m:
        off = -4 * len(m.group(1).split(","))
        return "sp", off, (g["sp"] + off) & 0xffffffff
    m = re.match(r"stm(?:cs|cc|\w\w)? (\w+)!?, \{", insn)
    if m:       # stm (ia): the first register goes to the base's address
        return m.group(1), 0, g[m.group(1)] & 0xffffffff
    m = re.search(r"\[(\w+)(?:, #(-?\d+))?\]", insn)
    base, off = m.group(1), int(m.group(2) or 0)
    return base, off, (g[base] + off) & 0xffffffff


@pytest.mark.parametrize("name", sorted(CASES))
def test_class_state_and_instruction(name):
    """The class; the signal and pc are gdb's; the build's state (ARM or
    Thumb) is the one the CPSR's T bit says (for a jump to no code, the
    return address's bit 0: blx to an even address leaves Thumb state);
    the instruction decoded is gdb's x/i."""
    c, g, bt, xi = basic(name)
    v = analyze(name)
    cls, sig, _ = CASES[name]
    assert v.cls == cls, v
    assert v.facts["signal"].startswith(f"{sig} ("), v
    if sig == "SIGABRT":
        assert "instruction" not in v.facts, v         # the instruction is raise's svc
        return
    if sig == "SIGSEGV":
        assert int(v.facts["pc"].split()[0], 16) == g["pc"], v
    if sig == "SIGILL":         # the trap's place: gdb's <function+offset> of the pc
        at = re.search(r"<(\w+)\+(\d+)>", xi)
        assert at and v.facts["instruction"].startswith(f"{at.group(1)}+{int(at.group(2)):#x}: "), (xi, v)
    thumb = bool(g["lr"] & 1) if name in JUMPS else bool(g["cpsr"] & T_BIT)
    # where the stack runs out varies from run to run: in the program's
    # code (built ARM or Thumb) or in libc's memset (ARM), whose frame gdb
    # shows "from" the library
    frame0 = re.search(r"^#0 .*$", bt, re.M).group(0)
    if " from /" not in frame0:
        assert thumb == thumb_build(name), (hex(g["cpsr"]), hex(g["lr"]))
    want = gdb_insn(xi)
    if name in JUMPS:
        # gdb cannot read the pc (its error goes to stderr): no code there
        assert not want and "instruction" not in v.facts, (xi, v)
        assert not any(lo <= g["pc"] < hi for lo, hi in core_segments(c)), hex(g["pc"])
    else:
        got = norm_insn(v.facts["instruction"].split(": ", 1)[1])
        assert want and got == want, (got, want, v)


@pytest.mark.parametrize("name", NULLS + ["arm32_wild"])
def test_operand_is_gdbs_address(name):
    """The operand: gdb's base register with gdb's value, plus the offset
    gdb's disassembly shows, is the address ::analyze analyses (for a
    stack overflow, test_stack_overflow checks it)."""
    c, g, bt, xi = basic(name)
    v = analyze(name)
    insn = gdb_insn(xi)
    base, off, ea = operand(insn, g)
    assert re.match(rf"%{base} \({g[base]:#x}\)", v.facts["operand"]), (insn, v)
    assert v.facts["operand"].endswith(f" = {ea:#x}"), (insn, hex(ea), v)
    assert v.facts["access"] == ("write" if insn.startswith(("str", "push")) else "read"), v


NULL_MEMBERS = {
    "arm32_null_write": ("event", "ev_count", "ev"),
    "arm32_null_write_thumb": ("event", "ev_count", "ev"),
    "arm32_null_read": ("ipnet_stack", "ips_ndv6", "s"),
    "arm32_null_member_O2": ("stats", "st_bytes", "st"),
}


@pytest.mark.parametrize("name", NULLS)
def test_null_deref_facts(name):
    """The base register holds 0 in gdb, the displacement is gdb's offset
    and offsetof of the member; the summary names them."""
    c, g, bt, xi = basic(name)
    v = analyze(name)
    base, off, ea = operand(gdb_insn(xi), g)
    assert g[base] == 0
    assert v.facts["base_register"] == f"%{base} = 0x0 (NULL)", v
    assert int(v.facts["displacement"], 16) == off == ea, v
    site = CASES[name][2]
    assert gdb_frames(bt)[0] == site, bt
    assert v.summary == (f"NULL pointer {v.facts['access']} at {off:#x}: %{base} (0x0) + {off:#x} "
                         f"in {site}"), v
    if name in NULL_MEMBERS:
        struct_, member, var = NULL_MEMBERS[name]
        _, (offsetof, value) = gdb(c, f"p &((struct {struct_} *)0)->{member}", f"p {var}")
        assert gdb_value(offsetof) == off
        assert gdb_value(value) == 0
        assert v.facts["variable"].startswith(
            f"{var}->{member} (member at offset {off:#x} of struct {struct_}"), v
    else:
        assert v.facts["variable"].startswith("p (int *, 0x0)"), v
    assert v.signature.startswith(f"null-deref: {site} < "), v


def core_segments(core):
    """The core's segments and the files' sections gdb knows."""
    return arm_oracle.core_segments(core, SYSROOT, loads_only=False)


def test_poisoned_pointer():
    """az_wild's table pointer is the poison 0x6b6b6b6b (the 64-bit pattern
    cut to 32 bits): the address read is gdb's &tablep->t_slots[5], which
    is in none of the core's segments or the files' sections."""
    c, g, bt, xi = basic("arm32_wild")
    v = analyze("arm32_wild")
    _, (ptr, slot) = gdb(c, "p/x tablep", "p/x &tablep->t_slots[5]")
    assert gdb_value(ptr) == 0x6b6b6b6b
    ea = gdb_value(slot)
    assert v.facts["operand"].endswith(f" = {ea:#x}"), v
    assert not any(lo <= ea < hi for lo, hi in core_segments(c)), hex(ea)
    assert v.facts["mapping"].startswith(f"{ea:#x} is in no mapping"), v
    assert v.summary.startswith(f"read of unmapped address {ea:#x} "), v


@pytest.mark.parametrize("name", JUMPS)
def test_bad_jump(name):
    """The caller is gdb's frame 1 and the call before lr (Thumb's 2-byte
    blx when lr's bit 0 is set); its register holds gdb's pc."""
    c, g, bt, xi = basic(name)
    v = analyze(name)
    ret = g["lr"] & ~1
    _, (call,) = gdb(c, f"x/i {ret - (2 if g['lr'] & 1 else 4):#x}")
    call_insn = gdb_insn(call)
    reg = re.match(r"blx (r\d+)", call_insn).group(1)
    assert g[reg] == g["pc"]
    caller = gdb_frames(bt)[1]
    assert caller == CASES[name][2], bt
    assert v.facts["caller"].startswith(caller + "+"), v
    assert norm_insn(v.facts["caller"].split(": ", 1)[1]) == call_insn, v
    assert v.facts["target_from"] == f"%{reg}, which holds {g['pc']:#x}", v
    assert v.facts["jump_target"] == f"{g['pc']:#x}, in no mapping", v
    if g["pc"] == 0:
        assert v.summary == "called 0x0: a NULL function pointer", v
    else:
        assert v.summary == f"called {g['pc']:#x}, where there is no code (unmapped)", v
    assert v.signature.startswith(f"bad-jump: {caller} < "), v


@pytest.mark.parametrize("name,func", [("arm32_recurse", "parse_expr"),
                                       ("arm32_recurse_mutual", None)])
def test_stack_overflow(name, func):
    """The store or push below sp falls below the stack segment that holds
    AT_RANDOM; the depth is gdb's frame count; the recursion names gdb's
    frames.  gdb 13 dies (SIGSEGV) unwinding the 30000 frames of the
    mutual recursion: there the count of visitor frames is checked against
    the program's own counter n, which gdb reads in frame 0 (main called
    visit_node(0))."""
    c, g, bt, xi = basic(name)
    v = analyze(name)
    if func:
        _, (_, tail) = gdb(c, "set backtrace past-main on", "bt -2")
        depth = int(re.findall(r"^#(\d+)", tail, re.M)[-1]) + 1
        assert v.facts["depth"] == f"{depth} frames", v
    else:
        # n of the innermost visitor: frame 0, or frame 1 when the stack
        # ran out inside its memset
        _, (n0, _, n1) = gdb(c, "p n", "up", "p n")
        n = n0 if "= " in n0 else n1
        frames = pmdb.parse_stack(arm_oracle.run_pmdb(c, "::stack -p", SYSROOT))
        visitors = [f for f in frames if f[1] in ("visit_node", "visit_list", "visit_attr")]
        assert len(visitors) == gdb_value(n) + 1, (len(visitors), n0, n1)
        assert int(v.facts["depth"].split()[0]) == len(frames), v
    assert int(v.facts["stack_pointer"], 16) == g["sp"]
    _, _, ea = operand(gdb_insn(xi), g)
    arm_oracle.check_overflow(v, c, SYSROOT, ea, bt, func)


def test_abort_assert():
    """The assertion message is the one the program printed on stderr."""
    c = make("arm32_abort_assert")
    printed = open(os.path.join(os.path.dirname(c.core), "output.txt")).read()
    v = analyze("arm32_abort_assert")
    assert v.facts["abort_message"].strip() and v.facts["abort_message"] in printed, (v, printed)
    assert v.facts["assertion"] == re.search(r"Assertion `(.*)' failed", printed).group(1)


@pytest.mark.xfail(strict=True, reason="armhf libc's abort() has no .ARM.exidx entry (gdb goes "
                   "on by prologue analysis): pmdb's stack ends in abort, so abort's caller "
                   "is not known")
def test_abort_names_caller():
    c, g, bt, xi = basic("arm32_abort_plain")
    names = gdb_frames(bt)
    caller = names[names.index("abort") + 1]
    assert caller == "give_up", bt
    v = analyze("arm32_abort_plain")
    assert v.summary == f"abort() called by {caller}, with no message recorded", v


@pytest.mark.parametrize("name", ["arm32_trap", "arm32_trap_arm"])
def test_builtin_trap(name):
    """GCC's __builtin_trap is udf #255 in Thumb state, udf #0 (0xe7f000f0)
    in ARM state: SIGILL, named as the trap the compiler placed."""
    c, g, bt, xi = basic(name)
    assert gdb_insn(xi).startswith("udf #")
    v = analyze(name)
    text = v.facts["instruction"].split(": ", 1)[1]
    assert v.summary.startswith(f"{text} in check_state: a trap the compiler placed"), v


def test_json_report():
    """::analyze -j carries the verdict ::analyze prints and gdb's pc and sp."""
    c, g, bt, xi = basic("arm32_null_write_thumb")
    v = analyze("arm32_null_write_thumb")
    j = json.loads(arm_oracle.run_pmdb(c, "::analyze -j", SYSROOT))
    assert j["verdict"]["class"] == v.cls and j["verdict"]["summary"] == v.summary
    for k, val in v.facts.items():
        assert j["verdict"]["facts"][k] == val, k
    regs = j["threads"][0]["registers"]
    assert int(regs["pc"], 16) == g["pc"] and int(regs["sp"], 16) == g["sp"]


# --- a core the arm64 kernel wrote for a 32-bit task: NT_SIGINFO ----------------------

def test_kernel_core_siginfo():
    """vfp_crash stores through NULL at 0x18 in Thumb state: the kernel's
    si_addr (gdb's $_siginfo) is the fault address ::analyze reports, and
    the address the instruction computes from gdb's registers."""
    import sve_core_arm64
    k = sve_core_arm64.setup_or_skip()
    notes = subprocess.run(["readelf", "-n", k.core32], capture_output=True, text=True).stdout
    assert "NT_SIGINFO" in notes, notes
    c = cores.Core("vfp_crash", k.exe32, k.core32, None, 0, 11)
    _, (regs, xi, signo, addr) = arm_oracle.gdb(
        c, ("info registers", "x/i $pc", "p $_siginfo.si_signo",
            "p/x $_siginfo._sifields._sigfault.si_addr"), None)
    g = gdb_regs(regs)
    assert g["cpsr"] & T_BIT
    si_addr = gdb_value(addr)
    assert gdb_value(signo) == 11 and si_addr == 0x18
    base, off, ea = operand(gdb_insn(xi), g)
    assert ea == si_addr
    v = Verdict(arm_oracle.run_pmdb(c, "::analyze", None))
    assert v.cls == "null-deref", v
    assert v.facts["fault_address"] == f"{si_addr:#x}", v
    assert "no_siginfo" not in v.facts, v
    assert norm_insn(v.facts["instruction"].split(": ", 1)[1]) == gdb_insn(xi), v
    assert v.facts["operand"] == f"%{base} (0x0) + {off:#x} = {ea:#x}", v
    assert v.summary == f"NULL pointer write at {ea:#x}: %{base} (0x0) + {off:#x} in fill_and_crash", v


# --- hostile: what the pc points at ------------------------------------------------------

def file_offset(exe, addr):
    """The file offset of addr in a 32-bit ELF's PT_LOAD segments."""
    data = open(exe, "rb").read()
    phoff, = struct.unpack_from("<I", data, 0x1c)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x2a)
    for i in range(phnum):
        ptype, off, vaddr, _, filesz = struct.unpack_from("<IIIII", data, phoff + i * phentsize)
        if ptype == 1 and vaddr <= addr < vaddr + filesz:
            return off + addr - vaddr
    raise AssertionError(f"{addr:#x} is in no PT_LOAD of {exe}")


def prstatus_cpsr_offset(core):
    """The file offset of the CPSR in the core's first NT_PRSTATUS (pr_reg
    at 72, cpsr its 17th word)."""
    data = open(core, "rb").read()
    phoff, = struct.unpack_from("<I", data, 0x1c)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x2a)
    for i in range(phnum):
        ptype, off, _, _, size = struct.unpack_from("<IIIII", data, phoff + i * phentsize)
        pos = off
        while ptype == 4 and pos + 12 <= off + size:
            namesz, descsz, ntype = struct.unpack_from("<III", data, pos)
            desc = pos + 12 + ((namesz + 3) & ~3)
            if ntype == 1:
                return desc + 72 + 16 * 4
            pos = desc + ((descsz + 3) & ~3)
    raise AssertionError("no NT_PRSTATUS")


def run_hostile(exe, core):
    p = subprocess.run([pmdb.PMDB, "-q", "--sysroot", SYSROOT, exe, core, "-e", "::analyze"],
                       capture_output=True, text=True, timeout=120, errors="replace")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "Sanitizer" not in p.stderr and "runtime error" not in p.stderr, p.stderr[-3000:]
    return Verdict(p.stdout)


@pytest.mark.parametrize("name,state", [("arm32_null_write", "ARM"),
                                        ("arm32_null_write_thumb", "Thumb")])
def test_pc_on_junk(tmp_path, name, state):
    """The instruction at the pc overwritten with 0xffffffff in a copy of
    the executable (QEMU's cores leave the text out: it is read from the
    file): gdb calls it undefined, ::analyze says it cannot decode it."""
    c, g, _, _ = basic(name)
    exe = tmp_path / os.path.basename(c.exe)
    shutil.copy(c.exe, exe)
    data = bytearray(exe.read_bytes())
    off = file_offset(str(exe), g["pc"])
    data[off:off + 4] = b"\xff" * 4
    exe.write_bytes(bytes(data))
    _, (xi,) = gdb(cores.Core(name, str(exe), c.core, None, 0, 11), "x/i $pc")
    assert "UNDEFINED" in xi, xi
    v = run_hostile(str(exe), c.core)
    assert v.cls == "unknown", v
    assert v.facts["instruction"] == (f"unreadable: no valid {state} instruction at {g['pc']:#x} "
                                      "(0xffffffff)"), v


def test_pc_on_unreadable_text(tmp_path):
    """The executable cut before its text: the pc's mapping is known (from
    the program headers) but its bytes are not."""
    c, g, _, _ = basic("arm32_null_write_thumb")
    exe = tmp_path / "cut"
    exe.write_bytes(open(c.exe, "rb").read()[:768])
    assert file_offset(c.exe, g["pc"]) >= 768
    v = run_hostile(str(exe), c.core)
    assert v.cls == "unknown", v
    assert v.facts["instruction"] == f"unreadable: no mapping for address {g['pc']:#x} (reading instruction)", v


def test_pc_on_half_a_thumb_instruction(tmp_path):
    """The first halfword of a 32-bit Thumb instruction (ldr.w's 0xf851) as
    the last bytes of the file: the second halfword is not there to read."""
    c, g, _, _ = basic("arm32_null_write_thumb")
    off = file_offset(c.exe, g["pc"])
    exe = tmp_path / "half"
    exe.write_bytes(open(c.exe, "rb").read()[:off] + b"\x51\xf8")
    v = run_hostile(str(exe), c.core)
    assert v.cls == "unknown", v
    assert v.facts["instruction"] == (f"unreadable: no mapping for address {g['pc'] + 2:#x} "
                                      "(reading instruction)"), v


@pytest.mark.parametrize("name", ["arm32_null_write", "arm32_null_write_thumb"])
def test_wrong_state(tmp_path, name):
    """The CPSR's T bit flipped in the core: the code is decoded in the
    other state (whatever it means there), with no crash and an
    instruction fact either way."""
    c, g, _, _ = basic(name)
    data = bytearray(open(c.core, "rb").read())
    pos = prstatus_cpsr_offset(c.core)
    cpsr, = struct.unpack_from("<I", data, pos)
    assert cpsr == g["cpsr"]
    struct.pack_into("<I", data, pos, cpsr ^ T_BIT)
    core = tmp_path / "core"
    core.write_bytes(bytes(data))
    v = run_hostile(c.exe, str(core))
    assert v.facts["instruction"], v


# --- addressing forms: instructions written over the crashing one -----------------------

ARM_FORMS = [
    "ldr r0, [r12, #-8]", "ldr r0, [r12, -r2, lsl #2]", "ldr r0, [r4, r1, lsr #3]",
    "ldr r0, [r4, r1, asr #1]", "ldr r0, [r4, r1, ror #8]", "ldrh r0, [r12, -r1]",
    "ldr r0, [r7], #-4", "ldrh r0, [r7], -r1", "ldr r0, [r11, #4]!", "ldrd r0, r1, [r12, #-16]",
    "strb r0, [r12, r1]", "stmdb r12, {r0, r1, r2}", "stmib r12, {r0, r1}",
    "ldmda r12, {r0, r1, r2}", "ldm r12, {r0, r1}", "vldmdb r12!, {d0-d2}",
    "vstr d0, [r12, #-8]", "push {r4, r5, r6, lr}", "pop {r4, pc}", "ldr r0, [pc, #-16]",
]
THUMB_FORMS = [
    "ldr.w r0, [r7, r2, lsl #2]", "ldr r0, [pc, #8]", "ldr.w r0, [pc, #-12]",
    "ldrd r0, r1, [r7, #-8]", "ldr r0, [r7], #-4", "push {r4, r5, lr}", "vpush {d8, d9}",
    "ldm r7!, {r0, r1}", "str r0, [r7, #-4]!",
]


def list_bytes(regs):
    """Bytes of a register list '{d0-d2}' or '{r4, r5, lr}': d registers 8."""
    n = 0
    for item in regs.split(","):
        lo, _, hi = item.strip().partition("-")
        count = int(hi[1:]) - int(lo[1:]) + 1 if hi else 1
        n += count * (8 if lo[0] == "d" else 4)
    return n


def arm_address(insn, g):
    """The lowest address gdb's disassembled instruction accesses, by ARM's
    rules, from gdb's registers; a literal's is gdb's own '@ 0x...'."""
    text = re.sub(r"\s+", " ", insn.split(":", 1)[1].strip())
    lit = re.search(r"\[pc, #-?\d+\]\s*@ \(?(0x[0-9a-f]+)", text)
    if lit:
        return int(lit.group(1), 16)
    mn, ops = text.split(" ", 1)
    mn = mn.split(".")[0]
    m = re.match(r"(\w+)!?, \{(.*)\}", ops)
    if mn in ("push", "vpush", "pop", "vpop"):
        size = list_bytes(ops.strip("{}"))
        return g["sp"] - size if "push" in mn else g["sp"]
    if m:          # ldm/stm (ia when no suffix), vldm/vstm
        base, size = g[m.group(1)], list_bytes(m.group(2))
        way = mn[-2:] if mn[-2:] in ("ia", "ib", "da", "db") else "ia"
        return {"ia": base, "ib": base + 4, "da": base - size + 4, "db": base - size}[way]
    m = re.search(r"\[(\w+)(?:, (.*?))?\](!?)", ops)
    base, rest = g[m.group(1)], m.group(2)
    if not rest:                      # [rn] or post-indexed [rn], ...: rn itself
        return base
    if rest.startswith("#"):
        return (base + int(rest[1:], 0)) & 0xffffffff
    r = re.match(r"(-?)(\w+)(?:, (lsl|lsr|asr|ror) #(\d+))?$", rest)
    idx, k = g[r.group(2)], int(r.group(4) or 0)
    idx = {None: idx, "lsl": idx << k, "lsr": idx >> k,
           "asr": (idx - (1 << 32) if idx >> 31 else idx) >> k,
           "ror": (idx >> k | idx << (32 - k))}[r.group(3)] & 0xffffffff
    return (base - idx if r.group(1) else base + idx) & 0xffffffff


@pytest.mark.parametrize("name,form", [("arm32_null_write", f) for f in ARM_FORMS] +
                         [("arm32_null_write_thumb", f) for f in THUMB_FORMS])
def test_addressing_form(tmp_path, name, form):
    """Each form assembled and written over the instruction at the pc (in a
    copy of the executable): the address ::analyze's operand computes is
    the one gdb's disassembly of it gives with gdb's registers."""
    c, g, _, _ = basic(name)
    thumb = name.endswith("thumb")
    src = tmp_path / "form.s"
    src.write_text(".syntax unified\n.fpu vfpv3-d16\n.cpu cortex-a15\n"
                   f"{'.thumb' if thumb else '.arm'}\n{form}\n")
    obj, raw = tmp_path / "form.o", tmp_path / "form.bin"
    subprocess.run(["arm-linux-gnueabihf-as", "-o", str(obj), str(src)], check=True)
    subprocess.run(["arm-linux-gnueabihf-objcopy", "-O", "binary", "-j", ".text", str(obj),
                    str(raw)], check=True)
    code = raw.read_bytes()
    exe = tmp_path / os.path.basename(c.exe)
    data = bytearray(open(c.exe, "rb").read())
    off = file_offset(c.exe, g["pc"])
    data[off:off + len(code)] = code
    exe.write_bytes(bytes(data))
    _, (xi,) = gdb(cores.Core(name, str(exe), c.core, None, 0, 11), "x/i $pc")
    want = arm_address(xi, g)
    v = run_hostile(str(exe), c.core)
    assert norm_insn(v.facts["instruction"].split(": ", 1)[1]) == gdb_insn(xi), (xi, v)
    got = v.facts.get("operand", "").rsplit(" = ", 1)[-1]
    assert got == f"{want:#x}", (xi, hex(want), v)
