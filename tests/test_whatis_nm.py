"""addr::whatis and ::nm against gdb (`info symbol`, mappings), readelf and
the frames' stack pointers."""
import re

import pytest

import oracles
import pmdb


def whatis(core, expr):
    r = pmdb.run(pmdb.core_args(core), f"{expr}::whatis")
    assert r.rc == 0, r
    return r.out


@pytest.mark.parametrize("expr,gexpr", [("main", None), ("main+4", None), ("push+0x10", None),
                                        ("malloc+0x20", None), ("head", "&head"),
                                        ("table+0x10", "(char *)&table+0x10")])
def test_whatis_symbol_matches_gdb(lists, expr, gexpr):
    out = whatis(lists, expr)
    g = oracles.gdb(lists, f"info symbol {gexpr or expr}")
    m = re.search(r"^(\S+)(?: \+ (\d+))? in section", g, re.M)
    assert m, g
    name, off = m.group(1), int(m.group(2) or 0)
    p = re.search(r" is ([\w.@]+)(?:\+(0x[0-9a-f]+))? in \S+ \(symbol at 0x[0-9a-f]+, "
                  r"0x[0-9a-f]+ bytes\)", out)
    assert p and int(p.group(2) or "0", 16) == off, (out, g)
    if p.group(1) != name:   # an alias (__libc_malloc for malloc): the same address for gdb
        assert oracles.gdb(lists, f"p/x &{p.group(1)}").split()[-1] == \
            oracles.gdb(lists, f"p/x &{name}").split()[-1], (out, g)


def test_whatis_file_offset_matches_readelf(lists):
    out = whatis(lists, "main+4")
    main = [s for s in oracles.readelf_symbols(lists.exe) if s[4] == "main"][0][0]
    off = [o + main + 4 - v for o, v, sz in oracles.load_segments(lists.exe)
           if v <= main < v + sz][0]
    assert f"{lists.exe} at file offset {off:#x}" in out, out


def test_whatis_heap(lists):
    out = whatis(lists, "*head")
    assert "[ heap ]: the heap" in out, out
    g = oracles.gdb(lists, "info symbol *(long*)&head")
    assert "No symbol matches" in g
    addr = int(re.match(r"0x([0-9a-f]+)", out).group(1), 16)
    assert not any(s <= addr < e for s, e, _, _ in oracles.gdb_file_mappings(lists))


def test_whatis_stack_frames(nullread):
    r = pmdb.run(pmdb.core_args(nullread), "::findstack")
    frames = re.findall(r"^\W*([0-9a-f]{16}) (\w+)", r.out, re.M)
    tid = pmdb.run(pmdb.core_args(nullread), "$l").out.strip()
    assert len(frames) >= 4, r
    for i, (sp, func) in enumerate(frames[:4]):
        out = whatis(nullread, f"0x{sp}+8")
        assert f"on the stack of thread {tid}, in frame {i} ({func}), sp {int(sp, 16):#x}" in out, out
    out = whatis(nullread, "<rsp-0x40")
    assert "below its stack pointer" in out


def test_whatis_unmapped(nullread):
    assert "not in any mapping" in whatis(nullread, "0x10")


def nm_rows(core, args):
    r = pmdb.run(pmdb.core_args(core), f"::nm {args}")
    assert r.rc == 0, r
    rows = []
    for line in r.out.splitlines()[1:]:
        v, size, typ, bind, name = line.split()
        rows.append((int(v, 16), int(size, 16), typ, bind, name.split("`", 1)[1]))
    return rows


def test_nm_matches_readelf_with_bias(lists):
    bias = oracles.load_base(lists, lists.exe)
    rows = set(nm_rows(lists, "-m linked_list"))
    want = [(v + bias, sz, t, b, n) for v, sz, t, b, n in oracles.readelf_symbols(lists.exe)
            if t not in ("FILE", "SECTION") and n]
    assert want and set(want) <= rows
    assert {r[4] for r in rows} >= {"main", "push", "head", "cycle", "table"}


def test_nm_shared_library_dynsym(lists):
    libc = [p for _, _, _, p in oracles.gdb_file_mappings(lists) if "/libc.so" in p][0]
    bias = oracles.load_base(lists, libc)
    rows = {(r[4], r[0]) for r in nm_rows(lists, "-m libc.so.6 'mall*'")}
    want = {(n, v + bias) for v, _, t, _, n in oracles.readelf_symbols(libc, dyn=True)
            if t == "FUNC" and n.startswith("mall")}
    assert want and want <= rows
    g = oracles.gdb(lists, "info address malloc")
    assert ("malloc", int(re.search(r"is at (0x[0-9a-f]+)", g).group(1), 16)) in rows


def test_nm_sorting_and_pattern(lists):
    by_value = nm_rows(lists, "-m linked_list")
    assert [r[0] for r in by_value] == sorted(r[0] for r in by_value)
    by_name = nm_rows(lists, "-n -m linked_list")
    assert [r[4] for r in by_name] == sorted(r[4] for r in by_name)
    by_size = nm_rows(lists, "-s -m linked_list")
    assert [r[1] for r in by_size] == sorted(r[1] for r in by_size)
    assert {r[4] for r in nm_rows(lists, "-m linked_list 'p?sh'")} == {"push"}


@pytest.mark.parametrize("cmd,msg", [
    ("::nm -m nosuchmodule", "no module matches 'nosuchmodule'"),
    ("::nm -x", "unexpected '-x'"),
    ("::nm -m", "needs a module name"),
    ("::whatis", "usage: addr::whatis"),
])
def test_errors(lists, cmd, msg):
    r = pmdb.run(pmdb.core_args(lists), cmd)
    assert r.rc == 1 and msg in r.err, r
