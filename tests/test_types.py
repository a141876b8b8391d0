"""Typed data from DWARF (::print, ::p, ::sizeof, ::offsetof, ::enum,
::list, ::array, ::frame) on the core of tests/progs/types.c, with gdb
answering the same questions on the same core as the oracle."""
import re
import subprocess

import pytest

import cores
import pmdb


@pytest.fixture(scope="module")
def core():
    return cores.make_core("types")


def gdb_answers(core, commands):
    """Each command's output from one gdb batch run, in order."""
    argv = ["gdb", "-batch", "-nx", "-q", "-ex", "set pagination off", "-ex", "set width 0"]
    for i, c in enumerate(commands):
        argv += ["-ex", f"echo @@{i}\\n", "-ex", c]
    argv += ["-ex", "echo @@end\\n", core.exe, core.core]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=300,
                         errors="replace").stdout
    parts = re.split(r"^@@\S+\n", out, flags=re.M)[1:-1]
    assert len(parts) == len(commands), out[-3000:]
    return [p.strip() for p in parts]


def pmdb_answers(core, commands):
    """Each command's output from one pmdb run."""
    script = ";".join(f"!echo @@{i}\n{c}" for i, c in enumerate(commands)) + ";!echo @@end\n"
    r = pmdb.run([core.exe, core.core], script)
    assert r.rc == 0, r
    parts = re.split(r"^@@\S+\n", r.out, flags=re.M)[1:-1]
    assert len(parts) == len(commands), r
    return [p.strip() for p in parts]


def last_number(text):
    m = re.search(r"= (?:\([^)]*\) )?(-?(?:0x[0-9a-f]+|\d+))", text) or \
        re.search(r"^(?:\([^)]*\) )?(-?(?:0x[0-9a-f]+|\d+))", text)
    assert m, text
    return int(m.group(1), 0)


# Scalars reached through members, arrays, pointers, casts, arithmetic.
SCALARS = [
    "global_record.kind", "global_record.count", "global_record.big",
    "global_record.matrix[1][2]", "global_record.inline_node.value",
    "global_record.head->next->value", "global_record.fl.mode", "global_record.fl.delta",
    "global_record.fl.tail", "global_record.u.as_u32", "global_record.anon_y",
    "global_record.pair[1].value", "numbers[3]", "*(numbers + 2)", "counter",
    "list_a.next->next->value", "((struct node *)&list_b)->value", "&global_record.pair[1]",
    "(long)&global_record.fl - (long)&global_record", "list_b.next - &list_a",
    "global_record.head", "&numbers[4]", "sizeof(struct record)", "(char)global_record.kind",
    "(unsigned short)-1", "loop_b.next->next->value",
]


def test_scalar_values_match_gdb(core):
    want = gdb_answers(core, [f"p/x {e}" for e in SCALARS])
    got = pmdb_answers(core, [f"::p -x {e}" for e in SCALARS])
    for e, w, g in zip(SCALARS, want, got):
        assert "No symbol" not in w and "error" not in w.lower(), (e, w)
        wv, gv = last_number(w), last_number(g)
        assert gv & 0xffffffffffffffff == wv & 0xffffffffffffffff, (e, w, g)


def norm_type(t):
    """gdb abbreviates C's base type names; DWARF (and pmdb) spell them out."""
    t = t.strip()
    for long_, short in [("long long unsigned int", "unsigned long long"),
                         ("long unsigned int", "unsigned long"),
                         ("long long int", "long long"), ("long int", "long"),
                         ("short unsigned int", "unsigned short"), ("short int", "short")]:
        t = t.replace(long_, short)
    return re.sub(r"\s+", " ", t)


TYPED = ["global_record", "global_record.name", "global_record.matrix", "global_record.matrix[0]",
         "global_record.head", "global_record.fl", "global_record.col", "global_record.on_event",
         "greeting", "numbers", "&numbers", "counter", "list_a.label", "&global_record.u",
         "*global_record.head"]


def test_types_of_expressions_match_gdb(core):
    want = gdb_answers(core, [f"whatis {e}" for e in TYPED])
    got = pmdb_answers(core, [f"::p {e}" for e in TYPED])
    for e, w, g in zip(TYPED, want, got):
        wt = w.split("type = ", 1)[1]
        gt = re.match(r"^\((.*?)\) ", g.splitlines()[0] + " ").group(1)
        assert norm_type(gt) == norm_type(wt), (e, w, g)


# Values gdb prints by name: enums, flags, strings, function pointers.
NAMED = ["global_record.col", "global_record.sg", "global_record.perms", "global_record.fl.tint",
         "global_record.motto", "global_record.on_event", "list_c.label", "greeting"]


def test_named_values_match_gdb(core):
    want = gdb_answers(core, [f"p {e}" for e in NAMED])
    got = pmdb_answers(core, [f"::p {e}" for e in NAMED])
    for e, w, g in zip(NAMED, want, got):
        wv = w.split(" = ", 1)[1]
        if wv.startswith("0x"):        # pointer: 0x... "text" or 0x... <sym>
            assert g.split(") ", 1)[1] == wv, (e, w, g)
        else:                          # an enumerator or flags: GREEN, (PERM_R | PERM_X)
            name = wv if wv.startswith("(") else f"({wv})"
            assert g.endswith(name), (e, w, g)


def test_char_array_and_struct_members(core):
    out = pmdb.run([core.exe, core.core], "global_record::print record_t name inline_node.label pair[1]").out
    w = gdb_answers(core, ["p global_record.name", "p global_record.inline_node.label",
                           "p/x global_record.pair[1].value"])
    assert w[0].startswith('$1 = "widget\\000'), w[0]
    assert 'name = [ "widget" ]' in out
    assert out.splitlines()[1] == "inline_node.label = " + w[1].split(" = ", 1)[1]
    assert re.search(r"pair\[1\] = \{\n    value = %s\n" % w[2].split(" = ")[1], out), out


def test_sizeof_offsetof_match_gdb(core):
    q = [("struct record", "pair[1].label"), ("record_t", "fl"), ("struct flags", "tail"),
         ("struct record", "matrix[1][1]"), ("struct record", "anon_y"), ("struct node", "next")]
    want = gdb_answers(core, [f"p sizeof({t})" for t, _ in q] +
                       [f"p/x (long)&(({t} *)0)->{m}" for t, m in q])
    got = pmdb_answers(core, [f"::sizeof {t}" for t, _ in q] + [f"::offsetof {t} {m}" for t, m in q])
    for i, (t, m) in enumerate(q):
        assert int(re.search(r"= (0x[0-9a-f]+)$", got[i]).group(1), 16) == last_number(want[i]), (t, got[i])
        k = len(q) + i
        assert int(re.search(r"= (0x[0-9a-f]+)", got[k]).group(1), 16) == last_number(want[k]), (t, m, got[k])


def test_enum_listing_and_lookup(core):
    got = pmdb_answers(core, ["::enum enum color", "5::enum enum color", "5::enum enum perm",
                              "::enum enum sign"])
    want = gdb_answers(core, ["p/d RED", "p/d GREEN", "p/d BLUE", "p (enum color)5",
                              "p (enum perm)5", "p/d MINUS_ONE"])
    rows = dict(reversed(line.split()) for line in got[0].splitlines()[1:])
    assert {k: int(v, 16) for k, v in rows.items()} == \
        {"RED": last_number(want[0]), "GREEN": last_number(want[1]), "BLUE": last_number(want[2])}
    assert got[1] == want[3].split(" = ")[1]
    assert f"({got[2]})" == want[4].split(" = ")[1]
    assert "-0x1" in got[3] and last_number(want[5]) == -1


def gdb_chain(core, start, n):
    exprs, cur = [], f"&{start}"
    for _ in range(n):
        exprs.append(f"p/x (long){cur}")
        cur = f"(({cur})->next)"
    return [last_number(w) for w in gdb_answers(core, exprs)]


def test_list_walk_matches_gdb(core):
    out = pmdb.run([core.exe, core.core], "list_a::list struct node next")
    assert out.rc == 0, out
    assert [int(x, 16) for x in out.out.split()] == gdb_chain(core, "list_a", 3)


def test_list_walk_stops_at_a_loop(core):
    r = pmdb.run([core.exe, core.core], "loop_a::list struct node next")
    assert r.rc == 0 and "loops back" in r.err, r
    assert [int(x, 16) for x in r.out.split()] == gdb_chain(core, "loop_a", 2)


def test_array_and_pipeline_to_print(core):
    r = pmdb.run([core.exe, core.core], "numbers::array int 5 | ::print -d int")
    assert r.rc == 0, r
    assert r.out.split() == ["10", "20", "30", "40", "50"]
    r = pmdb.run([core.exe, core.core], "list_a::list struct node next | ::print -d struct node value")
    assert r.out.splitlines() == ["value = 1", "value = 2", "value = 3"], r


def test_locals_and_frames_match_gdb(core):
    want = gdb_answers(core, ["p steps", "p total", "p i", "p n", "frame 1", "p local.count",
                              "p limit", "p/x local.big"])
    got = pmdb_answers(core, ["::p steps", "::p total", "::p i", "::p n", "1::frame",
                              "::p local.count", "::p limit", "::p -x local.big"])
    for k in (0, 1, 2, 3, 5, 6, 7):
        assert last_number(got[k]) == last_number(want[k]), (k, want[k], got[k])


def test_ptype_matches_gdb(core):
    for t in ["struct record", "struct flags", "enum color", "record_t"]:
        w = gdb_answers(core, [f"ptype {t}"])[0].split("type = ", 1)[1]
        g = pmdb.run([core.exe, core.core], f"::print {t}").out
        if t.startswith("enum"):
            # gdb: {RED, GREEN = 5, BLUE}; pmdb gives every value
            names = re.findall(r"(\w+)(?: = \d+)?[,}]", w)
            assert re.findall(r"(\w+) = -?\d+", g) == names, (w, g)
            continue
        assert norm_type(g) == norm_type(w), (w, g)


ERRORS = [
    ("::print struct nosuch", "no type 'struct nosuch'"),
    ("::p nosuch_var", "no variable 'nosuch_var'"),
    ("::p global_record.nosuch", "no member 'nosuch'"),
    ("::p *counter", "needs a pointer"),
    ("::p (struct node *)0x10->value", "needs a pointer"),   # -> binds first, as in C
    ("::p ((struct node *)0x10)->value", "no mapping for address 0x10"),
    ("::p global_record.", "member name expected"),
    ("::offsetof struct node next->value", "would follow a pointer"),
    ("::sizeof struct", "no type"),
    ("::enum struct node", "not an enum"),
    ("0t99::frame", "no frame"),
    ("0::print struct node", "no mapping for address 0x0 (reading struct node)"),
    ("0::print struct node next", "no mapping for address 0x0 (reading struct node)"),
    ("::p (", "syntax error"),
]


@pytest.mark.parametrize("cmd,msg", ERRORS)
def test_errors_are_clear(core, cmd, msg):
    from test_badinput import run_asan
    p = run_asan([core.exe, core.core], cmd)
    assert p.returncode == 1 and msg in p.stderr, (cmd, p.stderr)


def split_args(text):
    """'a=1, b=0x2 "s", c=...' -> {name: value}, commas inside quotes or
    braces kept."""
    args, depth, cur, quote = [], 0, "", False
    for ch in text:
        if ch == '"':
            quote = not quote
        elif not quote and ch in "{<(":
            depth += 1
        elif not quote and ch in "}>)":
            depth -= 1
        if ch == "," and depth == 0 and not quote:
            args.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        args.append(cur.strip())
    return dict(a.split("=", 1) for a in args if "=" in a)


@pytest.mark.parametrize("name,funcs", [
    ("types", ["walk", "main"]),
    ("cxx_throw", ["widgets::Factory::check_part", "widgets::Factory::build"]),
    ("null_read", ["inner", "middle", "outer"]),
])
def test_stack_arguments_match_gdb(name, funcs):
    c = cores.make_core(name)
    gdb = subprocess.run(["gdb", "-batch", "-nx", "-iex", "set auto-load python-scripts off",
                          "-ex", "set print frame-arguments scalars",
                          "-ex", "bt", c.exe, c.core], capture_output=True, text=True,
                         timeout=120, errors="replace").stdout
    mine = pmdb.run([c.exe, c.core], "$c -a").out
    checked = 0
    for f in funcs:
        g = re.search(r"^#\d+\s+(?:0x[0-9a-f]+ in )?%s(?:<[^(]*>)? \((.*)\) at " % re.escape(f), gdb, re.M)
        m = re.search(r"^(?:\S+ )?%s(?:<[^(]*>)?(?:\([^)]*\))?(?:\+0x[0-9a-f]+)?\((.*)\)$" % re.escape(f),
                      mine, re.M)
        assert g and m, (f, gdb, mine)
        want, got = split_args(g.group(1)), split_args(m.group(1))
        assert list(got) == list(want), (f, got, want)
        for k, v in want.items():
            if re.fullmatch(r"-?\d+|0x[0-9a-f]+", v):
                assert got[k] == v, (f, k, got[k], v)
                checked += 1
    assert checked >= len(funcs)
