"""The language against gdb on the same core: memory read with formats
(gdb's x) and arithmetic (gdb's p/x), on the lang_data core."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "lib"))
import cores  # noqa: E402
import pmdb  # noqa: E402

# (gdb x command, pmdb format command); both print integers
MEMORY = [
    ("x/16xb &lang_bytes", "lang_bytes/16B"),
    ("x/4dh &lang_shorts", "lang_shorts/4d"),
    ("x/4uh &lang_shorts", "lang_shorts/4u"),
    ("x/4xw &lang_words", "lang_words/4X"),
    ("x/4dw &lang_words", "lang_words/4D"),
    ("x/2xg &lang_quads", "lang_quads/2J"),
    ("x/2dg &lang_quads", "lang_quads/2e"),
    ("x/4db &lang_bytes[12]", "lang_bytes+0t12/4v"),
]
# (gdb C expression, pmdb expression) with the same value
ARITH = [
    ("0x10*3", "0x10*3"),
    ("(0x100>>4)|1", "(0x100>>4)|1"),
    ("0x1234&0xff", "0x1234&0xff"),
    ("17/5", "0t17%0t5"),
    ("~0x0ULL", "~0"),
    ("-1ULL", "-1"),
    ("0x7^0x2", "0x7^0x2"),
    ("'a'", "'a'"),
    ("1000000", "0t1_000_000"),
    ("(unsigned long)&lang_words + 8", "lang_words+8"),
    ("*(unsigned int *)&lang_words", "*/4/lang_words"),
    ("lang_counter", "*lang_counter"),
]


@pytest.fixture(scope="module")
def core():
    return cores.make_core("lang_data")


def gdb(core, cmds):
    argv = ["gdb", "-batch", "-nx", "-q"]
    for c in cmds:
        argv += ["-ex", "echo ===\\n", "-ex", c]
    argv += [core.exe, core.core]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=120).stdout
    return out.split("===\n")[1:]


def ints(text, base):
    vals = []
    for line in text.splitlines():
        body = line.split(":", 1)[1] if ":" in line else line
        vals += [int(w, base) for w in body.split()]
    return vals


def test_memory_formats(core):
    outs = gdb(core, [g for g, _ in MEMORY])
    assert len(outs) == len(MEMORY)
    for (g, m), gout in zip(MEMORY, outs):
        r = pmdb.run(pmdb.core_args(core), m)
        assert r.rc == 0, r
        base = 16 if re.search(r"[BXJ]$", m) else 10
        assert ints(gout, 0) and ints(r.out, base) == ints(gout, 0), (g, m, gout, r.out)


def test_arithmetic(core):
    outs = gdb(core, ["p/x " + g for g, _ in ARITH])
    for (g, m), gout in zip(ARITH, outs):
        want = int(re.search(r"= (0x[0-9a-f]+)", gout).group(1), 16)
        r = pmdb.run(pmdb.core_args(core), m + "=J")
        assert r.rc == 0, r
        assert int(r.out.strip(), 16) == want, (g, m, gout, r.out)


def test_object_file_reads(core):
    """'?' reads the file: the code is the same as in memory, the data as
    the program started (gdb's exec-file view agrees)."""
    r = pmdb.run(pmdb.core_args(core), "main?6i")
    m = pmdb.run(pmdb.core_args(core), "main/6i")
    assert r.rc == 0 and r.out == m.out and r.out.count("\n") == 6
    r = pmdb.run(pmdb.core_args(core), "lang_counter?E; lang_counter/E")
    assert r.out.split() == ["lang_counter:", "1", "lang_counter:", "2"]
    p = subprocess.run(["gdb", "-batch", "-nx", "-q", "-ex", "p lang_counter", core.exe],
                       capture_output=True, text=True, timeout=60).stdout
    assert "= 1" in p
