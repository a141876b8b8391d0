"""gdb-multiarch as the oracle for ::analyze on QEMU's AArch64 and 32-bit
ARM cores (tests/test_aarch64_analyze.py, tests/test_arm_analyze.py): one
batch run per core and command list, its answers split per command; and
::analyze's verdict parsed into class, summary, facts and signature."""
import re
import subprocess

import arm_cores
import pmdb


def run_pmdb(core, cmds, sysroot):
    argv = [pmdb.PMDB, "-q"] + (["--sysroot", sysroot] if sysroot else [])
    argv += [core.exe, core.core, "-e", cmds]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=120, errors="replace")
    assert p.returncode == 0, p.stdout + p.stderr
    return p.stdout


_gdb_cache = {}


def gdb(core, cmds, sysroot):
    """gdb-multiarch's whole output and its answers, one per command."""
    key = (core.exe, core.core, tuple(cmds), sysroot)
    if key not in _gdb_cache:
        argv = [arm_cores.GDB, "-batch", "-nx", "-q"]
        argv += (["-iex", f"set sysroot {sysroot}"] if sysroot else [])
        argv += ["-ex", "set pagination off", "-ex", "set width 0"]
        for i, c in enumerate(cmds):
            argv += ["-ex", f"echo =={i}==\\n", "-ex", c]
        argv += ["-ex", f"echo =={len(cmds)}==\\n", core.exe, core.core]
        out = subprocess.run(argv, capture_output=True, text=True, timeout=300,
                             errors="replace").stdout
        _gdb_cache[key] = out, [
            out.split(f"=={i}==\n", 1)[1].split(f"=={i + 1}==\n", 1)[0].strip()
            for i in range(len(cmds))]
    return _gdb_cache[key]


def gdb_regs(text):
    return {m.group(1): int(m.group(2), 16)
            for m in re.finditer(r"^(\w+)\s+(0x[0-9a-f]+)", text, re.M)}


def gdb_value(text):
    return int(re.search(r"= (?:\([^)]*\) )?(-?(?:0x[0-9a-f]+|\d+))", text).group(1), 0)


def gdb_frames(bt):
    """Function names of gdb's backtrace, None for ?? frames."""
    names = []
    for line in bt.splitlines():
        m = re.match(r"^#\d+\s+(?:0x[0-9a-f]+ in )?(\S+) \(", line)
        if m:
            names.append(None if m.group(1) == "??" else m.group(1))
    return names


# capstone's names of ARM's r9-r12, which gdb calls by number
ARM_ALIASES = {"sb": "r9", "sl": "r10", "fp": "r11", "ip": "r12"}


def norm_insn(text):
    """'ldr\tx0, [x0, #16]' and 'ldr x0, [x0, #0x10]' alike: numbers as
    ints, ARM's register aliases by number, register ranges spelled out,
    '[r0, #0]' as '[r0]', no width suffix (.w), ldm for ldmia, cs/cc for
    hs/lo, ldrd's
    first register only, no comments ('// ...', '@ ...') or symbols."""
    text = re.sub(r"\s*(//|@).*$|\s*<[^>]*>$", "", text.strip())
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"#(-?0x[0-9a-f]+|-?\d+)", lambda m: "#%d" % int(m.group(1), 0), text)
    text = re.sub(r"\b(sb|sl|fp|ip)\b", lambda m: ARM_ALIASES[m.group(1)], text)
    # gdb's register ranges '{d0-d2}', capstone's '{d0, d1, d2}'
    text = re.sub(r"\b([rdsq])(\d+)-\1(\d+)\b", lambda m: ", ".join(
        f"{m.group(1)}{i}" for i in range(int(m.group(2)), int(m.group(3)) + 1)), text)
    # gdb's 'ldr.w', 'ldmia', ARM state's 'ldrd r0, [...]'; capstone's
    # 'ldr', 'ldm', 'ldrd r0, r1, [...]'
    text = re.sub(r"^(\w+)\.[wn] ", r"\1 ", text)
    text = re.sub(r"^(ld|st)mia(\w*) ", r"\1m\2 ", text)
    # the condition's two spellings: gdb's 'cs'/'cc', capstone's 'hs'/'lo'
    text = re.sub(r"^(\w+?)(hs|lo) ", lambda m: m.group(1) + {"hs": "cs", "lo": "cc"}[m.group(2)] + " ",
                  text)
    text = re.sub(r"^((?:ld|st)rd\w*) (r\d+), r\d+, \[", r"\1 \2, [", text)
    return text.replace(", #0]", "]")


def gdb_insn(xi):
    """The instruction of gdb's `x/i` line '=> 0x400690 <inner+12>:\tldr\tx0, [x0, #8]'."""
    return norm_insn(xi.split(":", 1)[1]) if ":" in xi else None


class Verdict:
    def __init__(self, out):
        self.out = out
        self.cls = re.search(r"^class: (.*)$", out, re.M).group(1)
        self.summary = re.search(r"^summary: (.*)$", out, re.M).group(1)
        ev = out.split("evidence:\n", 1)[1].split("\nstack of thread", 1)[0]
        self.facts = dict(re.findall(r"^  (\w+): (.*)$", ev, re.M))
        m = re.search(r"^signature: (.*)$", out, re.M)
        self.signature = m.group(1) if m else None

    def __repr__(self):
        return self.out


def core_segments(core, sysroot, loads_only=True):
    """gdb's `info files`: the core's segments (and the files' sections
    unless loads_only), as (start, end)."""
    _, (files,) = gdb(core, ("info files",), sysroot)
    kind = r"load\d+" if loads_only else r""
    return [(int(a, 16), int(b, 16)) for a, b in
            re.findall(rf"^\s+(0x[0-9a-f]+) - (0x[0-9a-f]+) is {kind}", files, re.M)]


def check_overflow(v, core, sysroot, ea, bt, func):
    """A stack overflow's verdict: the fault address ea is below the main
    stack, the core segment of AT_RANDOM's bytes (sp itself may be in
    QEMU's guard page already), by below_stack's distance; the recursion
    is gdb's: func calling itself, or (func None) a cycle of 3 functions."""
    _, (auxv,) = gdb(core, ("info auxv",), sysroot)
    rnd = int(re.search(r"AT_RANDOM\s.*?(0x[0-9a-f]+)", auxv).group(1), 16)
    stack = [s for s in core_segments(core, sysroot) if s[0] <= rnd < s[1]][0]
    assert ea < stack[0], (hex(ea), stack)
    m = re.match(r"the fault address is 0x([0-9a-f]+) bytes below", v.facts["below_stack"])
    assert int(m.group(1), 16) == stack[0] - ea, v
    names = gdb_frames(bt)
    if names and names[0] not in names[1:]:
        names = names[1:]       # the stack ran out in a callee (memset)
    if func:
        assert set(names[:6]) == {func}
        assert v.facts["recursion"].startswith(f"{func} called itself"), v
    else:
        cycle = names[:3]
        assert len(set(cycle)) == 3 and names[3:6] == cycle
        assert v.facts["recursion"].startswith(
            f"a cycle of 3 functions ({' <- '.join(cycle)}) repeated"), v
    # the biggest frames are gdb's functions, or a module and an offset in
    # it for a frame with no symbol (the signature's spelling), never "??"
    biggest = re.findall(r"(?:^|, )(\S+) \d+ bytes", v.facts["largest_frames"])
    assert biggest, v.facts["largest_frames"]
    for name in biggest:
        assert name in names or re.match(r"^[\w.+-]+\+0x[0-9a-f]+$", name), v.facts["largest_frames"]
