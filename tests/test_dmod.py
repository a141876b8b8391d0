"""Loadable modules: the example module (examples/dmod) built by `make
dmod-example`, loaded into pmdb, its dcmd and walker checked against gdb
and the arguments the crash program was run with; bad modules refused
with a clear message, also under ASan."""
import os
import re
import subprocess

import pytest

import cores
import oracles
import pmdb

EXAMPLE = os.path.join(pmdb.ROOT, "build", "dmod", "example.so")
ARGS = ("alpha", "beta gamma", "")


@pytest.fixture(scope="module")
def example():
    subprocess.run(["make", "-s", "-C", pmdb.ROOT, "dmod-example"], check=True)
    return EXAMPLE


@pytest.fixture(scope="module")
def with_args(tmp_path_factory):
    """linked_list crashed with ARGS."""
    b = cores.build_prog("linked_list")
    wd = tmp_path_factory.mktemp("argv")
    core = cores.crash_in_dir(b["exe"], wd, args=ARGS)
    return cores.Core("linked_list_args", b["exe"], core)


def build_module(tmp_path, name, body):
    src = tmp_path / f"{name}.c"
    src.write_text("#include <pmdb/module.h>\n#include <stddef.h>\n" + body)
    so = tmp_path / f"{name}.so"
    subprocess.run(["cc", "-shared", "-fPIC", "-I", os.path.join(pmdb.ROOT, "include"),
                    "-o", str(so), str(src)], check=True)
    return str(so)


def test_load_lists_and_help(example, lists):
    r = pmdb.run(pmdb.core_args(lists), f"::load {example}\n::dmods\n::dcmds\n::walkers\n"
                 "::help argv")
    assert r.rc == 0, r
    assert re.search(r"^example - .*\n  file: .*example.so\n  dcmds: ::argv\n  walkers: ptrs$",
                     r.out, re.M), r.out
    assert re.search(r"^::argv\s+- the process's arguments \(module example\)$", r.out, re.M)
    assert re.search(r"^::status\s+- ", r.out, re.M)
    assert re.search(r"^ptrs\s+- .*\(module example\)$", r.out, re.M)
    assert "SYNOPSIS\n  [addr]::argv" in r.out


def test_argv_dcmd(example, with_args):
    r = pmdb.run(pmdb.core_args(with_args), f"::load {example}\n::argv")
    assert r.rc == 0, r
    args = re.findall(r'^argv\[\d+\] = "(.*)"$', r.out, re.M)
    assert args == [with_args.exe, *ARGS]
    g = oracles.gdb(with_args, "p ((char **)_dl_argv)[2]")
    assert '"beta gamma"' in g


def test_ptrs_walker_matches_gdb(example, lists):
    r = pmdb.run(pmdb.core_args(lists), f"::load {example}\ntable::walk ptrs")
    assert r.rc == 0, r
    g = oracles.gdb(lists, "p/x (long)table[0]", "p/x (long)table[1]", "p/x (long)table[2]")
    assert [int(v, 16) for v in r.out.split()] == \
        [int(v, 16) for v in re.findall(r"= (0x[0-9a-f]+)", g)]
    # the module's walker feeds the built-in list walker, through a pipeline
    r = pmdb.run(pmdb.core_args(lists), f"::load {example}\ntable::walk ptrs | ::walk list 8")
    assert r.rc == 1 and "cycle" in r.err and "node at 0x10" in r.err


def test_unload(example, lists):
    r = pmdb.run(pmdb.core_args(lists), f"::load {example}\n::unload example\n::dmods\n::argv")
    assert r.rc == 1 and r.out == "" and "unknown dcmd '::argv'" in r.err, r
    r = pmdb.run(pmdb.core_args(lists), f"::load {example}\n::unload example\n::load {example}\n"
                 "::argv")
    assert r.rc == 0 and "argv[0]" in r.out, r


BAD_VERSION = """
static const struct pmdb_module m = { 99, "future", "", NULL, NULL, NULL };
const struct pmdb_module *pmdb_module_init(const struct pmdb_services *s)
{ (void)s; return &m; }
"""

CLASH_DCMD = """
static int f(pmdb_ctx *c, const struct pmdb_call *k) { (void)c; (void)k; return 0; }
static const struct pmdb_dcmd d[] = { { "status", "", "", NULL, f }, { NULL, NULL, NULL, NULL, NULL } };
static const struct pmdb_module m = { PMDB_API_VERSION, "clash", "", d, NULL, NULL };
const struct pmdb_module *pmdb_module_init(const struct pmdb_services *s)
{ (void)s; return &m; }
"""

CLASH_WALKER = """
static int st(pmdb_ctx *c, struct pmdb_walk_state *w, uint64_t *e)
{ (void)c; (void)w; (void)e; return PMDB_WALK_DONE; }
static const struct pmdb_walker w[] = { { "thread", "", NULL, st, NULL, 0 }, { NULL, NULL, NULL, NULL, NULL, 0 } };
static const struct pmdb_module m = { PMDB_API_VERSION, "clashw", "", NULL, w, NULL };
const struct pmdb_module *pmdb_module_init(const struct pmdb_services *s)
{ (void)s; return &m; }
"""

REFUSES = """
const struct pmdb_module *pmdb_module_init(const struct pmdb_services *s)
{ s->fail(NULL, "needs a newer kernel"); return NULL; }
"""

@pytest.mark.parametrize("binary", ["plain", "asan"])
@pytest.mark.parametrize("case", ["missing", "not_elf", "not_module", "version", "clash_dcmd",
                                  "clash_walker", "twice", "refuses", "unload_unknown",
                                  "dcmd_fails"])
def test_bad_modules(example, lists, tmp_path, binary, case):
    exe = pmdb.PMDB if binary == "plain" else pmdb.ASAN
    if not os.path.exists(exe):
        pytest.skip(f"{exe} not built (make asan)")
    if case == "missing":
        cmd, msg = f"::load {tmp_path}/none.so", "cannot read module"
    elif case == "not_elf":
        (tmp_path / "text.so").write_text("not a shared object\n")
        cmd, msg = f"::load {tmp_path}/text.so", "cannot load module"
    elif case == "not_module":
        so = build_module(tmp_path, "plain", "int answer(void) { return 42; }\n")
        cmd, msg = f"::load {so}", "is not a pmdb module: it has no pmdb_module_init"
    elif case == "version":
        so = build_module(tmp_path, "future", BAD_VERSION)
        cmd, msg = f"::load {so}", "built for pmdb module API version 99, this pmdb has version 1"
    elif case == "clash_dcmd":
        so = build_module(tmp_path, "clash", CLASH_DCMD)
        cmd, msg = f"::load {so}\n::dmods", "dcmd status clashes with the built-in dcmd"
    elif case == "clash_walker":
        so = build_module(tmp_path, "clashw", CLASH_WALKER)
        cmd, msg = f"::load {so}", "walker thread clashes with the built-in walker"
    elif case == "twice":
        cmd, msg = f"::load {example}\n::load {example}", "a module named example is already loaded"
    elif case == "refuses":
        so = build_module(tmp_path, "refuses", REFUSES)
        cmd, msg = f"::load {so}", "the module refused to load: needs a newer kernel"
    elif case == "unload_unknown":
        cmd, msg = "::unload nosuch", "no module named nosuch is loaded"
    else:
        cmd, msg = f"::load {example}\n0x10::argv", "no mapping for address 0x10"
    p = subprocess.run([exe] + pmdb.core_args(lists) + ["-e", cmd], capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert msg in p.stderr, p.stderr
    assert "runtime error" not in p.stderr and "Sanitizer" not in p.stderr, p.stderr
    if case.startswith("clash"):
        assert "clash" not in p.stdout   # ::dmods lists nothing
