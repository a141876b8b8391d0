"""Running pmdb from the tests, and parsing what it prints."""
import os
import re
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# PMDB_BIN=build/asan/pmdb runs the whole suite on the ASan/UBSan build
PMDB = os.environ.get("PMDB_BIN") or os.path.join(ROOT, "build", "pmdb")
ASAN = os.path.join(ROOT, "build", "asan", "pmdb")   # make asan


class Result:
    def __init__(self, proc):
        self.rc = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    def __repr__(self):
        return f"<pmdb rc={self.rc}\nstdout:\n{self.out}\nstderr:\n{self.err}>"


def run(args, cmds=None, timeout=60, stdin=None):
    """Run pmdb with args (list) and -e cmds; never raises on failure."""
    argv = [PMDB] + list(args)
    if cmds is not None:
        argv += ["-e", cmds]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                          input=stdin, errors="replace")
    return Result(proc)


def core_args(core):
    """pmdb arguments for a cores.Core."""
    args = []
    if getattr(core, "debugdir", None):
        args += ["-d", core.debugdir]
    return args + [core.exe, core.core]


REG_RE = re.compile(r"%(\w+)\s*=\s*(0x[0-9a-f]+)")


def parse_regs(text):
    return {m.group(1): int(m.group(2), 16) for m in REG_RE.finditer(text)}


FRAME_RE = re.compile(r"^((?:[0-9a-f]{8}){1,2}) (.*)$")   # 8 digits on 32-bit targets


def parse_stack(text):
    """::stack -p output -> list of (pc, name, kind, offset in function)."""
    frames = []
    for line in text.splitlines():
        m = FRAME_RE.match(line)
        if not m:
            continue
        pc, rest = int(m.group(1), 16), m.group(2)
        if rest == "<signal handler called>":
            frames.append((pc, rest, "signal", 0))
        elif rest.endswith("() (inlined)"):
            frames.append((pc, rest[: -len("() (inlined)")], "inline", 0))
        else:
            name = rest[:-2] if rest.endswith("()") else rest
            off = re.search(r"\+0x([0-9a-f]+)$", name)
            name = re.sub(r"\+0x[0-9a-f]+$", "", name)
            frames.append((pc, name, "normal", int(off.group(1), 16) if off else 0))
    return frames


def status_fields(text):
    fields = {}
    for line in text.splitlines():
        if ": " in line:
            k, v = line.split(": ", 1)
            fields.setdefault(k, v)
    return fields
