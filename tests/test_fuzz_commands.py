"""Random and mutated command lines through the ASan/UBSan build against the
types core: whatever the input, pmdb reports an error or an answer, never a
sanitizer report, a signal, a hang or an exit status other than 0 or 1.

The generator follows the real syntax (numbers in every radix, operators,
registers, symbols, formats with counts, pipelines, ::p C expressions,
::print member paths, quotes, deep nesting, huge counts).  The seed is fixed,
so a run is repeatable.  For a longer local session:

    PMDB_FUZZ_SEED=7 PMDB_FUZZ_N=20000 python3 -m pytest -q tests/test_fuzz_commands.py

No line contains '!' (a shell escape) or ::load."""
import os
import random
import subprocess

import pytest

import cores
import pmdb

ASAN = pmdb.ASAN
ENV = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=99",
           UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=98")
SEED = int(os.environ.get("PMDB_FUZZ_SEED", "1"))
COUNT = int(os.environ.get("PMDB_FUZZ_N", "2500"))
BATCH = 50
TIMEOUT = 30

SYMBOLS = ["global_record", "counter", "greeting", "numbers", "list_a", "list_b",
           "loop_a", "loop_b", "walk", "main", "twice", "fill", "types`main", "nosuch",
           "_start", "errno"]
REGS = ["rip", "rsp", "rbp", "rax", "rdi", "eflags", "fs_base", "nosuchreg", "0", "1"]
TYPES = ["struct node", "record_t", "struct record", "struct flags", "enum color",
         "enum sign", "enum perm", "handler_t", "int", "char", "long", "\"unsigned long\"",
         "\"unsigned int\"", "short", "double", "struct node *", "record_t * *", "void",
         "struct nosuch", "union", "struct", "enum", "uint8_t", "int64_t", "float"]
MEMBERS = ["kind", "count", "big", "ratio", "name", "name[3]", "matrix[1][2]",
           "matrix[9][9]", "inline_node.label", "head->next->value", "head->next",
           "fl.mode", "fl.delta", "fl.tint", "u.as_float", "anon_x", "on_event", "motto",
           "pair[1].label", "pair[-1]", "pair[ffffffffffffffff]", "value", "next", "label",
           "next->next->next", "nosuch", "a.b.c", "[0]", "->", ".", "pair[", "name]"]
FORMATS = "+-BCDEFGHIJKNOPQRSTUVWXYZ^abcdefghinopqrstuvwxyz"
DCMDS = ["::status", "$c", "$C", "::stack -a", "::stack -s", "::stack -n 2", "::findstack",
         "::stacks", "$r", "::regs", "::fpregs", "::walkers", "::threads", "$l", "::mappings",
         "$m", "::modules", "::dis", "::whatis", "::nm main", "::nm -s", "::nm -n -m types *e*",
         "::dmods", "::help print", "::formats", "$d", "$v", "::which p", "$G", "::frame",
         "::walk thread", "::walk mapping", "::walk module", "::walk link_map", "::walk list",
         "::walk list 10", "::walk nosuch", "::context", "::unload nosuch", "::help",
         "$< /nonexistent", "$<< /dev/null", "::frame 1", "::frame 0t99", "::offsetof"]


def number(r):
    v = r.choice([0, 1, 2, 7, 8, 0x10, 0x7f, 0xff, 0x1000, 0x7fffffff, 0x80000000,
                  0xffffffff, 1 << 40, 1 << 60, (1 << 63) - 1, 1 << 63, (1 << 64) - 1,
                  r.getrandbits(r.choice([4, 8, 16, 32, 64]))])
    kind = r.randrange(8)
    if kind == 0:
        return f"0t{v}"
    if kind == 1:
        return f"0o{v:o}"
    if kind == 2:
        return f"0i{v:b}"
    if kind == 3:
        return f"0x{v:x}"
    if kind == 4:
        return f"{v:x}"
    if kind == 5:
        s = f"{v:x}"
        return "_".join(s[i:i + 2] for i in range(0, len(s), 2))
    if kind == 6:
        return r.choice(["0t", "0x", "0i2", "0o9", "1_", "_1", "0tffff", "1" * 30,
                         "0t99999999999999999999", "'ab'", "'abcdefghi'", "'\\n'", "'",
                         "'\\377'", "''", "'\\"])
    return str(v % 1000)


def expr(r, depth=0):
    if depth > 4 or r.random() < 0.3:
        k = r.randrange(7)
        if k == 0:
            return r.choice(SYMBOLS)
        if k == 1:
            return "<" + r.choice(REGS)
        if k == 2:
            return r.choice([".", "&", "+", "^"])
        if k == 3:
            return r.choice(SYMBOLS) + "+" + number(r)
        return number(r)
    k = r.randrange(6)
    if k == 0:
        return r.choice(["-", "~", "#", "*", "*/4/", "*/8/", "*/3/", "*/1"]) + expr(r, depth + 1)
    if k == 1:
        return "(" + expr(r, depth + 1) + ")"
    op = r.choice(["+", "-", "*", "%", "#", "<<", ">>", "==", "&", "^", "|", "<", ">"])
    return expr(r, depth + 1) + r.choice(["", " "]) + op + r.choice(["", " "]) + expr(r, depth + 1)


def fmt(r):
    out = ""
    for _ in range(r.randrange(1, 5)):
        if r.random() < 0.3:
            out += str(r.choice([0, 1, 2, 4, 16, 100, 1000000, 1000001, 99999999999]))
        out += r.choice(FORMATS)
    return out


def cexpr(r, depth=0):
    if depth > 4 or r.random() < 0.3:
        return r.choice(SYMBOLS + ["$rip", "$rsp", "$nosuch", "n", "steps", "total", "i", "local",
                                   "argc", "argv", number(r), "1", "0", "-1", "0x10",
                                   "'a'", "\"str\"", "sizeof(int)", "sizeof(struct node)"])
    k = r.randrange(9)
    if k == 0:
        return f"({r.choice(TYPES).strip(chr(34))}){cexpr(r, depth + 1)}"
    if k == 1:
        return cexpr(r, depth + 1) + r.choice(["->", "."]) + r.choice(MEMBERS)
    if k == 2:
        return f"{cexpr(r, depth + 1)}[{cexpr(r, depth + 1)}]"
    if k == 3:
        return r.choice(["&", "*", "-", "!", "~", "&*", "**"]) + cexpr(r, depth + 1)
    if k == 4:
        return "(" + cexpr(r, depth + 1) + ")"
    if k == 5:
        return f"sizeof({r.choice([cexpr(r, depth + 1), r.choice(TYPES).strip(chr(34))])})"
    op = r.choice(["+", "-", "*", "/", "%", "==", "<", "&&", "||", "&", "|", "<<", ">>", ","])
    return cexpr(r, depth + 1) + op + cexpr(r, depth + 1)


def count(r):
    return "," + r.choice([number(r), "ffffffffffffffff", "0", "1", "3", "10", "0t1000",
                           expr(r)])


def command(r):
    k = r.randrange(16)
    addr = expr(r) if r.random() < 0.7 else ""
    if k == 0:
        return addr + (count(r) if r.random() < 0.5 else "") + r.choice(["/", "=", "?"]) + fmt(r)
    if k == 1:
        return f"{addr}::print {r.choice(['', '-a ', '-t ', '-d ', '-x ', '-atdx ', '-q '])}" \
               f"{r.choice(TYPES)} " + " ".join(r.choice(MEMBERS) for _ in range(r.randrange(3)))
    if k == 2:
        return f"::p {r.choice(['', '-x '])}{cexpr(r)}"
    if k == 3:
        return f"::sizeof {r.choice(TYPES)}"
    if k == 4:
        return f"::offsetof {r.choice(TYPES)} {r.choice(MEMBERS)}"
    if k == 5:
        return f"{addr}::enum {r.choice(TYPES)}"
    if k == 6:
        return f"{r.choice(SYMBOLS)}::array {r.choice(TYPES)} {r.choice([number(r), '10', 'ffffffffffffffff', '0', '0t10000001', expr(r)])}"
    if k == 7:
        return f"{r.choice(SYMBOLS)}::list {r.choice(TYPES)} {r.choice(MEMBERS)}"
    if k == 8:
        return f"{expr(r)}>{r.choice(['x', 'y', '/c/x', '/s/y', '/i/z', '/q/x', '', '9'])}"
    if k == 9:
        return f"{addr}{r.choice(DCMDS)}"
    if k == 10:
        return f"::eval '{command(r)}'"
    if k == 11:
        return f"{r.choice(SYMBOLS)}::walk list | ::{r.choice(['grep', 'map'])} {expr(r)}"
    if k == 12:
        return f"{expr(r)},{r.choice(['0', '1', '2', '3'])}=X | {command(r)}"
    if k == 13:
        return f"0t{r.randrange(40)}$d"
    if k == 14:
        return f"{addr}$c {r.choice(['', '-a', '0t1', 'x y'])}"
    return expr(r)


def extreme(r):
    n = r.choice([100, 1000, 10000])
    return r.choice([
        "(" * n + "1" + ")" * n + "=X",
        "(" * n + "=X",
        "-" * n + "1=X",
        "~#" * n + "1=X",
        "*" * n + "global_record=X",
        "::p " + "(" * n + "1" + ")" * n,
        "::p " + "(" * n,
        "::p " + "*" * n + "global_record",
        "::p " + "&" * n + "global_record",
        "::p " + "-" * n + "1",
        "::p " + "(char)" * n + "1",
        "::p global_record" + ".pair[1]" * n,
        "::p list_a" + ".next->next" * n,
        "global_record::print record_t " + "pair[0]." * n + "value",
        "::eval '" * 40 + "1=X" + "'" * 40,
        "::eval \"::eval '::eval 1=X'\"",
        "1" * n + "=X",
        "0t" + "9" * n + "=X",
        "'" + "a" * n + "'=X",
        "1=" + "X" * n,
        "1=" + "9" * n + "X",
        "numbers/" + "X" * n,
        "numbers," + "f" * 16 + "/X",
        "numbers::array int " + "f" * 16,
        "numbers::array int 0t" + "9" * 30,
        "list_a::list struct node next " * 10,
        "<" + "a" * n + "=X",
        "::print " + "x" * n,
        "::print struct " + "x" * n,
        "::sizeof " + "* " * n,
        "1" + "|::map ." * 100,
        "1" + ";" * n,
        "numbers::print int " + "[0]" * n,
        "::p numbers" + "[0]" * n,
        " " * n + "::status",
        "\"" * n,
        "::nm " + "*" * n,
    ])


def mutate(r, line):
    b = bytearray(line.encode())
    for _ in range(r.randrange(1, 6)):
        k = r.randrange(5)
        pos = r.randrange(len(b) + 1)
        if k == 0 and b:
            del b[min(pos, len(b) - 1)]
        elif k == 1:
            b[pos:pos] = bytes([r.randrange(1, 256)])
        elif k == 2:
            b[pos:pos] = r.choice([b"(", b")", b"'", b'"', b"|", b";", b"::", b"$", b"<",
                                   b">", b"/", b",", b"[", b"]", b"->", b"*", b"&", b"\\",
                                   b",ffffffffffffffff", b" ", b"\t", b"%", b"#", b"0t"])
        elif k == 3 and b:
            i = min(pos, len(b) - 1)
            b[i] = r.randrange(1, 256)
        else:
            b[pos:pos] = b[pos:pos + r.randrange(1, 20)] * r.randrange(2, 10)
    return b.decode("latin-1")


def clean(line):
    """No shell escapes, no module loading, no quitting; one line."""
    line = line.replace("!", "").replace("\n", " ").replace("\r", " ").replace("\0", "")
    line = line.replace("::load", "::lo").replace("$q", "$Q")
    return line


def lines(seed, n):
    r = random.Random(seed)
    out = []
    for _ in range(n):
        k = r.random()
        if k < 0.6:
            line = command(r)
        elif k < 0.65:
            line = extreme(r)
        else:
            line = mutate(r, command(r) if r.random() < 0.8 else extreme(r))
        out.append(clean(line))
    return out


# Inputs that once crashed, hung or leaked; kept as they were found.
REGRESSIONS = [
    "-" * 100000 + "1=X",                       # expr.c: recursion without a bound
    "*" * 100000 + "1=X",
    "(" * 100000 + "1=X",
    "numbers::list \"unsigned int\" na\" na\"\x0b name]",  # '\v' between words: endless empty words
    "::p\v1\f+\r2",
    "1,ffffffffffffffff=X",                     # no memory read bounds these counts
    "numbers,ffffffffffffffff/X-",
    "numbers,ffffffffffffffff/+",
    "1,fffff=1000000N",
    "numbers::array int ffffffffffffffff",
    "numbers::array char 0t10000001",
    ",ff_ff_ff_ff?0Wn0N",                       # a format item repeated 0 times reads nothing
]


@pytest.fixture(scope="module")
def core():
    return cores.make_core("types")


def run_batch(core, batch):
    text = "\n".join(batch) + "\n"
    try:
        p = subprocess.run([ASAN, "-q", core.exe, core.core], input=text.encode("latin-1"),
                           capture_output=True, timeout=TIMEOUT, env=ENV)
    except subprocess.TimeoutExpired:
        pytest.fail(f"hang (>{TIMEOUT}s) in batch:\n" + "\n".join(l[:300] for l in batch))
    err = p.stderr.decode("latin-1")
    where = "\n".join(l[:300] for l in batch)
    assert p.returncode >= 0, f"signal {-p.returncode}:\n{err[-3000:]}\nbatch:\n{where}"
    assert "Sanitizer" not in err and "runtime error" not in err, f"{err[-5000:]}\nbatch:\n{where}"
    assert p.returncode in (0, 1), f"exit {p.returncode}:\n{err[-3000:]}\nbatch:\n{where}"


def test_regressions(core):
    for line in REGRESSIONS:
        run_batch(core, [line])


@pytest.mark.parametrize("part", range(4))
def test_fuzz(core, part):
    all_lines = lines(SEED, COUNT)
    share = all_lines[part::4]
    for i in range(0, len(share), BATCH):
        run_batch(core, share[i:i + BATCH])
