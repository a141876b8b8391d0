"""Smoke tests of the crash programs themselves (tests/progs, built and
crashed by tests/lib/cores.py), checked with gdb rather than pmdb: each one
leaves a core, dies by the intended signal with the intended si_code and
fault address, and its stack shows the intended functions.  When one of
these fails, the fixture is broken, not pmdb."""
import os
import re
import signal
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import cores  # noqa: E402

GDB = "/usr/bin/gdb" if os.path.exists("/usr/bin/gdb") else "gdb"

# si_code values (asm-generic/siginfo.h)
SEGV_MAPERR, SI_KERNEL, FPE_INTDIV, BUS_ADRERR, SI_TKILL = 1, 0x80, 1, 2, -6
SI_USER, ILL_ILLOPN = 0, 2

# name -> (signal, si_code or None, fault address or None,
#          functions that must appear in `bt`, in order from the innermost;
#          each is matched as a substring of gdb's frame name)
EXPECT = {
    "null_read": ("SIGSEGV", SEGV_MAPERR, 0x8, ["inner", "middle", "outer", "main"]),
    "null_write": ("SIGSEGV", SEGV_MAPERR, 0x18, ["store_event", "record_event", "main"]),
    "wild_ptr": ("SIGSEGV", SI_KERNEL, 0x0, ["item_next_id", "walk", "main"]),
    "sigfpe": ("SIGFPE", FPE_INTDIV, None, ["bucket_of", "average", "main"]),
    "abort_assert": ("SIGABRT", SI_TKILL, None,
                     ["abort", "__assert_fail", "check_invariant", "withdraw", "main"]),
    "sigbus": ("SIGBUS", BUS_ADRERR, None, ["read_header", "main"]),
    "threads": ("SIGSEGV", SEGV_MAPERR, 0x8, ["config_name", "crasher"]),
    "omitfp": ("SIGSEGV", SEGV_MAPERR, 0x8,
               ["commit_result", "stage5", "stage4", "stage3", "stage2", "stage1", "main"]),
    "static": ("SIGSEGV", SEGV_MAPERR, 0x8,
               ["section_size", "find_section", "parse_config", "main"]),
    "cxx_throw": ("SIGABRT", SI_TKILL, None,
                  ["abort", "__cxa_throw", "widgets::Factory::check_part",
                   "widgets::Factory::assemble<int>", "widgets::Factory::build", "main"]),
    "rust_panic_legacy": ("SIGABRT", SI_TKILL, None,
                          ["abort", "rust_panic::warehouse::check_index",
                           "rust_panic::warehouse::Shelf", "rust_panic::warehouse::restock",
                           "rust_panic::main"]),
    "rust_panic_v0": ("SIGABRT", SI_TKILL, None,
                      ["abort", "rust_panic::warehouse::check_index",
                       "rust_panic::warehouse::Shelf", "rust_panic::warehouse::restock",
                       "rust_panic::main"]),
    "stripped": ("SIGSEGV", SEGV_MAPERR, 0x8,
                 ["plugin_version", "plugin_init", "load_plugin", "main"]),
    "sighandler": ("SIGSEGV", SEGV_MAPERR, 0x8,
                   ["handler_work", "on_usr1", "<signal handler called>", "raise",
                    "do_raise", "send_signal", "main"]),
    "deep": ("SIGSEGV", SEGV_MAPERR, 0x8, ["at_bottom", "descend", "descend"]),
    "deep_overflow": ("SIGSEGV", SEGV_MAPERR, None, ["descend", "descend", "descend"]),
    "inline": ("SIGSEGV", SEGV_MAPERR, 0x8, ["widget_set_size", "widget_resize", "resize_all"]),
    "types": ("SIGSEGV", SEGV_MAPERR, 0x0, ["walk", "main"]),
    "static_types": ("SIGSEGV", SEGV_MAPERR, 0x0, ["walk", "main"]),
    "split_null_read": ("SIGSEGV", SEGV_MAPERR, 0x8, ["inner", "middle", "outer", "main"]),
    "split_types": ("SIGSEGV", SEGV_MAPERR, 0x0, ["walk", "main"]),
    "hugetypes": ("SIGSEGV", SEGV_MAPERR, 0x0, ["main"]),
    "lang_data": ("SIGSEGV", SEGV_MAPERR, 0x8, ["read_config", "main"]),
    "linked_list": ("SIGSEGV", SEGV_MAPERR, 0x0, ["main"]),
    # ::analyze's cases (tests/test_analyze.py)
    **{f"az_null_{case}_{o}": ("SIGSEGV", SEGV_MAPERR, addr, [func, "main"])
       for case, addr, func in (("read", 0, "read_value"), ("write", 0, "write_value"),
                                ("member", 0x10, "conn_bytes"))
       for o in ("O0", "O2")},
    "az_cxx_null_O0": ("SIGSEGV", SEGV_MAPERR, 0x10, ["Account::balance", "report", "main"]),
    "az_cxx_null_O2": ("SIGSEGV", SEGV_MAPERR, 0x10, ["report", "main"]),
    "az_wild": ("SIGSEGV", SI_KERNEL, 0x0, ["slot", "main"]),
    "az_jump_null": ("SIGSEGV", SEGV_MAPERR, 0x0, ["call_handler", "main"]),
    "az_jump_dangling": ("SIGSEGV", SEGV_MAPERR, None, ["call_handler", "main"]),
    "az_jump_slot": ("SIGSEGV", SEGV_MAPERR, None, ["close_conn", "main"]),
    "az_jump_ret": ("SIGSEGV", SEGV_MAPERR, 0x414141414141, []),
    "az_dlclose": ("SIGSEGV", SEGV_MAPERR, None, ["run_codec", "main"]),
    "az_recurse_self_O0": ("SIGSEGV", SEGV_MAPERR, None, ["parse_expr"] * 3),
    "az_recurse_self_O2": ("SIGSEGV", SEGV_MAPERR, None, ["parse_expr"] * 3),
    "az_recurse_mutual": ("SIGSEGV", SEGV_MAPERR, None, ["visit_"] * 3),
    "az_recurse_thread": ("SIGSEGV", None, None, ["parse_expr"] * 3),
    "az_recurse_alloca": ("SIGSEGV", SEGV_MAPERR, None, ["expand_macro"] * 3),
    "az_abort_assert": ("SIGABRT", SI_TKILL, None, ["abort", "__assert_fail", "queue_push", "main"]),
    "az_abort_dfree": ("SIGABRT", SI_TKILL, None, ["abort", "free", "release", "main"]),
    "az_abort_plain": ("SIGABRT", SI_TKILL, None, ["abort", "give_up", "main"]),
    "az_cxx_exc_runtime": ("SIGABRT", SI_TKILL, None, ["abort", "__cxa_throw", "save_file", "main"]),
    "az_cxx_exc_custom": ("SIGABRT", SI_TKILL, None, ["abort", "__cxa_throw", "load_config", "main"]),
    "az_cxx_exc_nonstd": ("SIGABRT", SI_TKILL, None, ["abort", "__cxa_throw", "parse_line", "main"]),
    "az_panic_explicit": ("SIGABRT", SI_TKILL, None, ["abort", "az_panic::check_reactor"]),
    "az_panic_unwrap": ("SIGABRT", SI_TKILL, None, ["abort", "az_panic::find_user"]),
    "az_panic_index": ("SIGABRT", SI_TKILL, None, ["abort", "az_panic::nth_reading"]),
    "az_signal_reraise": ("SIGSEGV", SI_TKILL, None, ["lookup_port", "main"]),
    "az_signal_nodefer": ("SIGSEGV", SI_TKILL, None,
                          ["raise", "log_and_reraise", "<signal handler called>", "lookup_port",
                           "main"]),
    "az_signal_resethand": ("SIGSEGV", SEGV_MAPERR, 0x8, ["lookup_port", "main"]),
    "az_signal_quit": ("SIGQUIT", SI_USER, None, ["kill", "send_quit", "main"]),
    "az_signal_xcpu": ("SIGXCPU", SI_TKILL, None, ["raise", "main"]),
    "az_signal_killed": ("SIGSEGV", SI_USER, None, ["pause", "main"]),
    "az_fpe_reg": ("SIGFPE", FPE_INTDIV, None, ["average", "main"]),
    "az_fpe_mem": ("SIGFPE", FPE_INTDIV, None, ["per_divisor", "main"]),
    "az_fpe_intmin": ("SIGFPE", FPE_INTDIV, None, ["average", "main"]),
    "az_trap_ud2": ("SIGILL", ILL_ILLOPN, None, ["check_state", "main"]),
    "az_trap_junk": ("SIGILL", ILL_ILLOPN, None, ["main"]),
    "az_trap_int3": ("SIGTRAP", SI_KERNEL, None, ["stop_here", "main"]),
    "az_bus": ("SIGBUS", BUS_ADRERR, None, ["put_record", "main"]),
}

# full backtraces, except for the deep ones (`bt 3` is enough there)
BT_LIMIT = {"deep": 3, "deep_overflow": 3, "az_recurse_self_O0": 3, "az_recurse_self_O2": 3,
            "az_recurse_mutual": 3, "az_recurse_thread": 3, "az_recurse_alloca": 3}


def test_every_program_has_expectations():
    assert sorted(EXPECT) == sorted(cores.all_prog_names())


def make(name):
    try:
        return cores.make_core(name)
    except cores.ProgUnavailable as e:
        pytest.skip(str(e))


def gdb(core, *cmds):
    argv = [GDB, "-batch", "-nx", "-q"]
    if core.debugdir:
        argv += ["-iex", f"set debug-file-directory {core.debugdir}:/usr/lib/debug"]
    for c in cmds:
        argv += ["-ex", c]
    argv += [core.exe, core.core]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    return p.stdout + p.stderr


def section(out, tag):
    return out.split(f"=={tag}==\n", 1)[1].split("\n==", 1)[0]


def frame_names(bt):
    """Function names from gdb `bt` lines, in order."""
    names = []
    for line in bt.splitlines():
        m = re.match(r"#\d+\s+(?:0x[0-9a-f]+ in )?(.+?)(?: \(.*)?$", line)
        if m:
            names.append(m.group(1).strip())
    return names


def in_order(wanted, names):
    """Each wanted name is part of some frame name, in this order (libc's
    functions may be named __GI_raise etc. when gdb finds libc's debug info)."""
    i = 0
    for w in wanted:
        while i < len(names) and w not in names[i]:
            i += 1
        if i == len(names):
            return False
        i += 1
    return True


@pytest.mark.parametrize("name", sorted(EXPECT))
def test_core_and_signal(name):
    sig, code, addr, funcs = EXPECT[name]
    core = make(name)
    assert os.path.getsize(core.core) > 0
    assert os.path.getmtime(core.core) >= os.path.getmtime(core.exe)
    assert core.pid > 0 and core.signal == signal.Signals[sig].value
    limit = BT_LIMIT.get(name, "")
    out = gdb(core, "info registers rip",
              "echo ==code==\\n", "p $_siginfo.si_code",
              "echo ==addr==\\n", "p/x (unsigned long)$_siginfo._sifields._sigfault.si_addr",
              "echo ==threads==\\n", "info threads",
              "echo ==bt==\\n", f"bt {limit}".strip(), "echo ==end==\\n")
    m = re.search(r"^Program terminated with signal (SIG\w+)", out, re.M)
    assert m, out
    assert m.group(1) == sig, out
    assert re.search(r"^rip\s+0x[0-9a-f]+", out, re.M), out
    assert re.search(rf"\bLWP {core.pid}\b", section(out, "threads")), out
    if code is not None:
        assert re.search(rf"= {code}$", section(out, "code").strip()), out
    if addr is not None:
        assert section(out, "addr").strip().endswith(f"= {addr:#x}"), out
    names = frame_names(section(out, "bt"))
    assert in_order(funcs, names), (funcs, names, out)


def test_threads_count():
    core = make("threads")
    out = gdb(core, "info threads")
    lwps = re.findall(r"\(LWP (\d+)\)", out)
    assert len(set(lwps)) >= 33, out
    # the crashing thread is a worker, not the main thread (whose LWP is the pid)
    cur = re.search(r"^\*\s+\d+\s+Thread 0x[0-9a-f]+ \(LWP (\d+)\)", out, re.M)
    assert cur and int(cur.group(1)) != core.pid, out


def test_threads_all_parked():
    """Every thread but the crasher is inside a blocking wait."""
    core = make("threads")
    out = gdb(core, "thread apply all bt 12")
    blocks = re.split(r"^Thread \d+ ", out, flags=re.M)[1:]
    assert len(blocks) >= 33
    waits = ("wait_", "pthread_join", "main")
    for b in blocks:
        names = frame_names(b)
        if "config_name" in names:
            continue
        assert any(n.startswith(w) for n in names for w in waits), b


def test_inline_frame_is_innermost():
    core = make("inline")
    out = gdb(core, "bt 2", "echo ==frame==\\n", "frame 0", "info frame")
    # gdb marks a frame made from DW_TAG_inlined_subroutine as an inline frame
    assert "inlined into frame 1" in out, out


def test_stripped_has_no_debug_but_debugdir_has():
    core = make("stripped")
    secs = subprocess.run(["readelf", "-S", "-W", core.exe], capture_output=True,
                          text=True).stdout
    assert ".debug_info" not in secs and ".symtab" not in secs
    assert ".gnu_debuglink" in secs
    bid = re.search(r"Build ID: ([0-9a-f]+)",
                    subprocess.run(["readelf", "-n", core.exe], capture_output=True,
                                   text=True).stdout).group(1)
    dbg = os.path.join(core.debugdir, ".build-id", bid[:2], bid[2:] + ".debug")
    assert os.path.exists(dbg)
    dsecs = subprocess.run(["readelf", "-S", "-W", dbg], capture_output=True, text=True).stdout
    assert ".debug_info" in dsecs


@pytest.mark.parametrize("name,pattern", [("rust_panic_legacy", rb"_ZN10rust_panic9warehouse"),
                                          ("rust_panic_v0", rb"_R[0-9A-Za-z_]*10rust_panic")])
def test_rust_mangling(name, pattern):
    core = make(name)
    data = open(core.exe, "rb").read()
    assert re.search(pattern, data)


def test_non_pie_and_pie():
    def etype(path):
        with open(path, "rb") as f:
            return int.from_bytes(f.read(18)[16:18], "little")
    assert etype(make("null_write").exe) == 2   # ET_EXEC
    assert etype(make("null_read").exe) == 3    # ET_DYN (PIE)


def test_core_is_reused():
    a = make("null_read")
    b = make("null_read")
    assert a == b
    assert os.path.getmtime(a.core) == os.path.getmtime(b.core)
