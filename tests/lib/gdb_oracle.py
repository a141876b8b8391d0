"""gdb as the oracle: one batch run per core, parsed into threads,
registers, frames, signal facts and NT_FILE mappings."""
import re
import subprocess

def _gdb_cmds(all_threads_bt=True):
    cmds = [
        "set pagination off", "set width 0", "set print frame-arguments none",
        "set print entry-values no", "set backtrace past-main on",
        "set backtrace past-entry on",
        "echo ===threads===\\n", "info threads",
        "echo ===regs===\\n", "thread apply all -ascending info registers",
        "echo ===bt===\\n",
        # 'info frame' on every frame says which are inline and which are
        # tail-call frames gdb rebuilt from DW_TAG_call_site
        "thread apply all -ascending frame apply all -s info frame" if all_threads_bt
        else "frame apply all -s info frame",
        "echo ===siginfo===\\n", "thread 1",
        "p $_siginfo.si_signo", "p $_siginfo.si_code",
        "p/x $_siginfo._sifields._sigfault.si_addr",
        "echo ===mappings===\\n", "info proc mappings",
        "echo ===end===\\n",
    ]
    return cmds


def run_gdb(exe, core, debugdir=None, timeout=300):
    argv = ["gdb", "-batch", "-nx", "-q"]
    if debugdir:
        argv += ["-iex", f"set debug-file-directory {debugdir}:/usr/lib/debug"]
    for c in _gdb_cmds():
        argv += ["-ex", c]
    argv += [exe, core]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                          errors="replace")
    return parse(proc.stdout), proc.stdout + proc.stderr


def _split(text):
    out, cur = {}, None
    for line in text.splitlines():
        m = re.match(r"^===(\w+)===$", line)
        if m:
            cur = m.group(1)
            out[cur] = []
        elif cur:
            out[cur].append(line)
    return out


THREAD_HDR = re.compile(r"^Thread (\d+) \(.*?LWP (\d+)\)")


def parse(text):
    s = _split(text)
    res = {"threads": [], "current": None, "regs": {}, "frames": {}, "signo": None,
           "code": None, "addr": None, "mappings": []}
    for line in s.get("threads", []):
        m = re.match(r"^(\*?)\s*\d+\s+(?:Thread 0x[0-9a-f]+ )?\(?LWP (\d+)\)?", line.strip())
        if m:
            tid = int(m.group(2))
            res["threads"].append(tid)
            if m.group(1):
                res["current"] = tid
    tid = None
    for line in s.get("regs", []):
        m = THREAD_HDR.match(line)
        if m:
            tid = int(m.group(2))
            res["regs"][tid] = {}
            continue
        m = re.match(r"^(\w+)\s+(0x[0-9a-f]+)", line)
        if m and tid is not None:
            res["regs"][tid][m.group(1)] = int(m.group(2), 16)
    tid = None
    for line in s.get("bt", []):
        m = THREAD_HDR.match(line)
        if m:
            tid = int(m.group(2))
            res["frames"][tid] = []
            continue
        if tid is None:
            continue
        frames = res["frames"][tid]
        m = re.match(r"^#(\d+)\s+(.*)$", line)
        if m:
            rest = m.group(2)
            pm = re.match(r"^(0x[0-9a-f]+) in (.*)$", rest)
            if pm:
                rest = pm.group(2)
            if rest.startswith("<signal handler called>"):
                frames.append({"name": "<signal handler called>", "kind": "signal", "pc": None})
            else:
                frames.append({"name": _func_name(rest), "kind": "normal", "pc": None})
            continue
        if not frames:
            continue
        m = re.match(r"^ (?:rip|pc) = (0x[0-9a-f]+)", line)
        if m:
            frames[-1]["pc"] = int(m.group(1), 16)
        elif line.startswith(" inlined into frame"):
            frames[-1]["kind"] = "inline"
        elif line.startswith(" tail call frame"):
            frames[-1]["kind"] = "tailcall"
    vals = []
    for line in s.get("siginfo", []):
        m = re.match(r"^\$\d+ = (-?\w+)", line)
        if m:
            vals.append(m.group(1))
    if len(vals) == 3:
        res["signo"], res["code"] = int(vals[0], 0), int(vals[1], 0)
        res["addr"] = int(vals[2], 16)
    for line in s.get("mappings", []):
        parts = line.split()
        if len(parts) >= 5 and parts[0].startswith("0x") and parts[1].startswith("0x"):
            res["mappings"].append((int(parts[0], 16), int(parts[1], 16), parts[-1]))
    return res


def _func_name(rest):
    """The function name at the start of a gdb frame line: up to the
    argument list that follows the name (a C++ name may contain parens
    and spaces inside templates, so track nesting)."""
    depth = 0
    for i, ch in enumerate(rest):
        if ch in "<[":
            depth += 1
        elif ch in ">]":
            depth -= 1
        elif ch == " " and depth == 0 and rest[i + 1:i + 2] == "(":
            return rest[:i]
        elif ch == " " and depth == 0 and rest[i + 1:].startswith("from "):
            return rest[:i]
        elif ch == " " and depth == 0 and rest[i + 1:].startswith("at "):
            return rest[:i]
    return rest.split(" ")[0]
