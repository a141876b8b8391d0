"""pmdb's ::ps table parsed: one dict a task (active, pid, ppid, cpu, task
address, two-letter state, comm with a kernel thread's brackets removed)."""
import re

# the state is two characters: "??" when a live kernel's task changed
# state while pmdb read it (/proc/kcore)
ROW = re.compile(r"^([> ])\s*(\d+)\s+(\d+)\s+(\d+)\s+([0-9a-f]{16})\s+(\S\S)\s+\[?(.*?)\]?$")


def parse_ps(text):
    """Every row after the header; a row that is not a task fails the test."""
    rows = []
    for line in text.splitlines()[1:]:
        m = ROW.match(line)
        assert m, line
        rows.append(dict(active=m.group(1) == ">", pid=int(m.group(2)), ppid=int(m.group(3)),
                         cpu=int(m.group(4)), task=int(m.group(5), 16), st=m.group(6),
                         comm=m.group(7)))
    return rows
