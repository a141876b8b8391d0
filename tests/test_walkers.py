"""Walkers (::walk, ::walkers): thread, mapping, module, link_map and list,
checked against gdb on the same cores; and error cases, also under ASan."""
import os
import re
import subprocess

import pytest

import cores
import oracles
import pmdb



def walk(core, cmd):
    r = pmdb.run(pmdb.core_args(core), cmd)
    return r, [int(w, 16) for w in r.out.split()]


def test_walkers_lists_builtins(nullread):
    r = pmdb.run(pmdb.core_args(nullread), "::walkers")
    assert r.rc == 0, r
    names = [line.split()[0] for line in r.out.splitlines()]
    assert names == ["thread", "mapping", "module", "link_map", "list", "task"]


def test_walk_thread_matches_gdb():
    core = cores.make_core("threads")
    r = pmdb.run(pmdb.core_args(core), "::walk thread")
    assert r.rc == 0, r
    tids = sorted(int(w[2:]) for w in r.out.split())
    out = oracles.gdb(core, "info threads")
    assert tids == sorted({int(t) for t in re.findall(r"LWP (\d+)", out)})


def test_walk_mapping_covers_gdb_mappings(nullread):
    r, bases = walk(nullread, "::walk mapping")
    assert r.rc == 0, r
    maps = pmdb.run(pmdb.core_args(nullread), "::mappings").out
    assert bases == [int(line.split()[0], 16) for line in maps.splitlines()[1:]]
    for start, _, _, _ in oracles.gdb_file_mappings(nullread):
        assert start in bases


def test_walk_module_is_each_load_base(nullread):
    r, bases = walk(nullread, "::walk module")
    assert r.rc == 0, r
    files = {p for _, _, _, p in oracles.gdb_file_mappings(nullread)}
    for path in files:
        assert oracles.load_base(nullread, path) in bases, path


@pytest.mark.parametrize("name", ["null_read", "threads", "linked_list"])
def test_link_map_matches_gdb(name, tmp_path):
    core = cores.make_core(name)
    r, nodes = walk(core, "::walk link_map")
    assert r.rc == 0, r
    g = oracles.gdb_link_map(core, tmp_path)
    assert g and nodes == [n for n, _, _ in g]
    # each node's l_addr and l_name as pmdb reads them
    script = "\n".join(f"{n:#x}/K\n*({n:#x}+8)/s" for n in nodes)
    out = pmdb.run(pmdb.core_args(core), script).out.splitlines()
    for i, (node, l_addr, l_name) in enumerate(g):
        assert int(out[2 * i].split()[-1], 16) == l_addr
        assert out[2 * i + 1].split(":", 1)[1].strip() == l_name
    libs = re.findall(r"^0x[0-9a-f]+\s+0x[0-9a-f]+\s+\w+\s+(?:\(\*\)\s+)?(/\S+)",
                      oracles.gdb(core, "info sharedlibrary"), re.M)
    assert libs and set(libs) <= {n for _, _, n in g}
    for _, l_addr, l_name in g:
        if l_name.startswith("/") and l_addr:
            assert l_addr == oracles.load_base(core, os.path.realpath(l_name)) or \
                l_addr == oracles.load_base(core, l_name)


def test_link_map_from_a_node(nullread):
    r, nodes = walk(nullread, "::walk link_map")
    r2, rest = walk(nullread, f"{nodes[1]:#x}::walk link_map")
    assert r2.rc == 0 and rest == nodes[1:], r2


def test_link_map_static_is_a_clear_error():
    core = cores.make_core("static")
    r = pmdb.run(pmdb.core_args(core), "::walk link_map")
    # a static binary may still keep _r_debug; either a list or a clear error
    if r.rc != 0:
        assert "r_debug" in r.err and r.out == "", r


def gdb_chain(core, var, n):
    exprs = [var + "->next" * i for i in range(n)]
    out = oracles.gdb(core, *[f"p/x (long){e}" for e in exprs])
    return [int(v, 16) for v in re.findall(r"^\$\d+ = (0x[0-9a-f]+|0)$", out, re.M)]


def test_list_walk_matches_gdb(lists):
    r, nodes = walk(lists, "*head::walk list 8")
    assert r.rc == 0 and r.err == "", r
    g = gdb_chain(lists, "head", 6)
    assert g[-1] == 0 and nodes == g[:-1] and len(nodes) == 5
    vals = oracles.gdb(lists, *[f"p ((struct node *){n:#x})->value" for n in nodes])
    assert [int(v) for v in re.findall(r"= (\d+)$", vals, re.M)] == [100, 200, 300, 400, 500]
    # pipelines: each node's value word
    r = pmdb.run(pmdb.core_args(lists), "*head::walk list 8 | /E")
    assert [int(line.split()[-1]) for line in r.out.splitlines()] == [100, 200, 300, 400, 500]


def test_list_walk_stops_at_a_cycle(lists):
    r, nodes = walk(lists, "*cycle::walk list 8")
    assert r.rc == 0, r
    g = gdb_chain(lists, "cycle", 4)
    assert nodes == g[:3] and g[3] == g[0]
    assert "cycle" in r.err and f"{g[0]:#x}" in r.err


def test_list_walk_unreadable_node(lists):
    r, nodes = walk(lists, "*broken::walk list 8")
    assert r.rc == 1, r
    assert nodes == gdb_chain(lists, "broken", 2)
    assert "node at 0x10" in r.err and "0x18" in r.err


@pytest.mark.parametrize("binary", ["plain", "asan"])
@pytest.mark.parametrize("cmd,msg", [
    ("::walk nosuch", "unknown walker 'nosuch'"),
    ("::walk", "usage"),
    ("::walk list", "needs the first node"),
    ("0x10::walk list", "node at 0x10"),
    ("*head::walk list zz", "zz"),
    ("12345::walk link_map", "node at 0x12345"),
])
def test_walk_errors(lists, binary, cmd, msg):
    exe = pmdb.PMDB if binary == "plain" else pmdb.ASAN
    if not os.path.exists(exe):
        pytest.skip(f"{exe} not built (make asan)")
    p = subprocess.run([exe] + pmdb.core_args(lists) + ["-e", cmd], capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert msg in p.stderr and "runtime error" not in p.stderr and "Sanitizer" not in p.stderr
