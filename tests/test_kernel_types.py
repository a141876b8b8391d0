"""Typed data on a kernel dump: the typed dcmds (::print, ::p, ::sizeof,
::offsetof, ::enum, ::array, ::list) without vmlinux, from the dump's BTF
written out as DWARF (src/dwarf/btf2dwarf.c), and with -k VMLINUX from its
DWARF (src/dwarf/kdwarf.c), plus vmlinux's source lines and inline frames
in kernel stacks.

Oracles: crash run with the debug vmlinux (every task's pid, comm and more
members, p init_task.comm, p jiffies, struct list_head, list, sym with its
file:line, struct -o, enum), gdb on the vmlinux file alone (ptype, sizeof,
member offsets) and addr2line -i on vmlinux (inline chains)."""
import os
import re
import shutil
import subprocess

import pytest

import corpus
import kernel_lab
import pmdb

REF = os.path.join(corpus.SRC, "kernel", "reference")

pytestmark = pytest.mark.skipif(not corpus.available() or not kernel_lab.available(),
                                reason="the shared corpus or the kernel test-bed is missing")

TYPES = ["task_struct", "file", "rq", "callback_head", "page", "mm_struct", "sk_buff",
         "list_head", "pid"]
MEMBERS = [("task_struct", "tasks"), ("task_struct", "comm"), ("task_struct", "se.vruntime"),
           ("task_struct", "thread.sp"), ("task_struct", "thread_info.flags"),
           ("task_struct", "stack"), ("page", "lru"), ("page", "mapping"),
           ("page", "compound_head"), ("sk_buff", "len"), ("sk_buff", "headers"),
           ("mm_struct", "pgd"), ("file", "f_inode"), ("rq", "cfs.nr_running")]
ENUMS = ["pid_type", "perf_event_state", "perf_callchain_context"]
# task_struct members crash prints for every task: ints, bit-fields, a pointer
TASK_MEMBERS = ["pid", "tgid", "prio", "__state", "in_execve", "in_iowait",
                "sched_reset_on_fork", "mm"]


def notes():
    with open(os.path.join(REF, "qemu-kaslr-96m.notes.txt")) as f:
        return dict(ln.strip().split("=", 1) for ln in f if "=" in ln)


@pytest.fixture(scope="module")
def dump():
    d = corpus.prepare()
    path = os.path.join(d, "kernel", "qemu-kaslr-96m.vmcore.elf")
    assert os.path.exists(path), "corpus preparation did not decompress the kernel dump"
    return path


@pytest.fixture(scope="module")
def lab():
    return kernel_lab.for_corpus()


@pytest.fixture(scope="module", params=["btf", "vmlinux"])
def mode(request):
    """pmdb's arguments for each source of types (the vmlinux one needs the
    lab's vmlinux to be the corpus dump's kernel)."""
    if request.param == "btf":
        return "btf", ["--no-vmlinux"]
    return "vmlinux", ["-k", request.getfixturevalue("lab").vmlinux]


def run(args, dump, cmds):
    r = pmdb.run(list(args) + [dump], cmds, timeout=300)
    assert r.rc == 0, r
    return r.out


@pytest.fixture(scope="module")
def crash(lab, dump):
    """One crash run for the facts pmdb is compared with, a second for
    those at addresses the first gave."""
    first = ["list task_struct.tasks -s task_struct.pid,comm -h init_task",
             "p init_task.comm", "p jiffies", "p &init_task", "p &init_task.tasks",
             "whatis jiffies", "sym jiffies", "sym runqueues", "struct -o task_struct"] + \
            [f"enum {e}" for e in ENUMS]
    text = kernel_lab.crash(lab, dump, first)
    tasks = re.findall(r"^([0-9a-f]{16})\n  pid = (\d+),\n  comm = \"(.*?)(?:\\000)*\",", text, re.M)
    assert len(tasks) >= 50, text[:2000]
    tasks_head = int(re.search(r"\(struct list_head \*\) (0x[0-9a-f]+) <init_task\+", text).group(1), 16)
    second = [f"struct list_head {tasks_head:x}", f"list {tasks_head:x}"] + \
             [f"struct task_struct.{','.join(TASK_MEMBERS)} {a}" for a, _, _ in tasks]
    return {"text": text, "tasks": tasks, "tasks_head": tasks_head,
            "more": kernel_lab.crash(lab, dump, second)}


@pytest.fixture(scope="module")
def gdb(lab):
    cmds = [f"ptype struct {t}" for t in TYPES] + [f"p sizeof(struct {t})" for t in TYPES] + \
           [f"p &((struct {s} *)0)->{m}" for s, m in MEMBERS]
    out = kernel_lab.gdb(lab, cmds)
    assert len(out) == len(cmds), out[-1:]
    n = len(TYPES)
    return {"ptype": dict(zip(TYPES, out[:n])),
            "sizeof": {t: int(re.search(r"= (\d+)", o).group(1)) for t, o in zip(TYPES, out[n:2 * n])},
            "offset": {sm: int(re.search(r"\) (0x[0-9a-f]+)", o).group(1), 16)
                       for sm, o in zip(MEMBERS, out[2 * n:])}}


# ---- types and layouts ----

GCC_TO_GDB = [("long long unsigned int", "unsigned long long"), ("long long int", "long long"),
              ("long unsigned int", "unsigned long"), ("short unsigned int", "unsigned short"),
              ("long int", "long"), ("short int", "short")]


def gdb_spelling(text):
    """GCC's DWARF (and pahole's BTF) names base types 'long unsigned int',
    gdb prints 'unsigned long'."""
    for a, b in GCC_TO_GDB:
        text = re.sub(r"\b%s\b" % a, b, text)
    return text


def gdb_nesting(text):
    """gdb's ptype shows anonymous structs and unions nested two deep as
    'struct {...}': the same of pmdb's full listing."""
    out, skip = [], None
    for line in text.splitlines():
        indent = len(line) - len(line.lstrip())
        if skip is not None:
            if indent == skip and line.strip().startswith("}"):
                out.append(" " * skip + kw + " {...}" + line.strip()[1:])
                skip = None
            continue
        m = re.match(r"^( {8,})(struct|union) \{$", line)
        if m:
            skip, kw = len(m.group(1)), m.group(2)
            continue
        out.append(line)
    return "\n".join(out)


def test_type_definitions_match_gdb_ptype(mode, dump, gdb):
    args = mode[1]
    for t in TYPES:
        got = run(args, dump, f"::print struct {t}")
        # gdb writes a zero-length array [0] where BTF, which cannot tell
        # [0] from [], and pmdb write []
        want = gdb["ptype"][t].replace("type = ", "", 1).replace("[0];", "[];").strip()
        assert gdb_nesting(gdb_spelling(got)).strip() == want, (mode[0], t)


def test_sizeof_and_offsetof_match_gdb(mode, dump, gdb):
    args = mode[1]
    out = run(args, dump, ";".join([f"::sizeof struct {t}" for t in TYPES] +
                                   [f"::offsetof struct {s} {m}" for s, m in MEMBERS]))
    sizes = [int(x, 16) for x in re.findall(r"^sizeof \(struct \w+\) = (0x[0-9a-f]+)$", out, re.M)]
    assert sizes == [gdb["sizeof"][t] for t in TYPES]
    offs = [int(x, 16) for x in re.findall(r"^offsetof \(struct \w+, [\w.]+\) = (0x[0-9a-f]+)", out, re.M)]
    assert offs == [gdb["offset"][sm] for sm in MEMBERS]


def test_every_task_struct_member_offset_matches_crash(mode, dump, crash):
    """crash's struct -o task_struct: the offset of each member, the
    members of anonymous structs and unions and bit-fields included."""
    rows = re.findall(r"^\s+\[(\d+)\] .*?[ *](\w+)(?:\[\d*\])*(?: : \d+)?;$",
                      crash["text"].split("struct task_struct {", 1)[1].split("\nSIZE:", 1)[0], re.M)
    assert len(rows) > 150
    out = run(mode[1], dump, ";".join(f"::offsetof struct task_struct {m}" for _, m in rows))
    got = re.findall(r"^offsetof \(struct task_struct, (\w+)\) = (0x[0-9a-f]+)", out, re.M)
    assert [(m, int(o, 16)) for m, o in got] == [(m, int(o)) for o, m in rows]


def test_enums_match_crash(mode, dump, crash):
    for e in ENUMS:
        want = re.findall(r"^  (\w+) = (-?\d+)", crash["text"].split(f"enum {e} {{", 1)[1].split("}", 1)[0], re.M)
        assert len(want) >= 3, e
        out = run(mode[1], dump, f"::enum {e}")
        got = re.findall(r"^(-?0x[0-9a-f]+)\s+(\w+)$", out, re.M)
        # the same bits: crash writes perf_callchain_context's (__u64)-32
        # as -32, from the DWARF's signed constant
        m = (1 << 64) - 1
        assert [(n, int(v, 16) & m) for v, n in got] == [(n, int(v) & m) for n, v in want], (mode[0], e)
        # a value names its enumerator
        name, value = want[-1]
        assert run(mode[1], dump, f"0t{value}::enum {e}" if int(value) >= 0 else
                   f"-0t{-int(value)}::enum {e}").strip() == name


# ---- values ----

def test_every_task_printed_like_crash(mode, dump, crash):
    """::print of several members of every task crash lists, and the
    pipeline from ::walk task."""
    tasks = crash["tasks"]
    want = {}
    for block in re.split(r"^(?=  pid = )", crash["more"], flags=re.M)[1:]:
        vals = dict(re.findall(r"^  (\w+) = (0x[0-9a-f]+|-?\d+),$", block, re.M))
        want[len(want)] = vals
    assert len(want) == len(tasks)
    out = run(mode[1], dump, ";".join(f"{a}::print -d struct task_struct {' '.join(TASK_MEMBERS)}"
                                      for a, _, _ in tasks))
    got = re.findall(r"^(\w+) = (\S+)", out, re.M)
    assert len(got) == len(tasks) * len(TASK_MEMBERS)
    for i, (a, pid, comm) in enumerate(tasks):
        for k, (name, value) in enumerate(got[i * len(TASK_MEMBERS):(i + 1) * len(TASK_MEMBERS)]):
            assert name == TASK_MEMBERS[k]
            assert int(value, 0) == int(want[i][name], 0), (a, name, value, want[i][name])
    walked = run(mode[1], dump, "::walk task | ::print -d struct task_struct pid comm")
    pairs = re.findall(r"^pid = (\d+)\ncomm = \[ \"(.*?)\" \]$", walked, re.M)
    assert set(pairs) >= {(pid, comm) for _, pid, comm in tasks}


def test_p_of_kernel_globals(mode, dump, crash):
    name, args = mode
    text = crash["text"]
    comm = re.search(r'^\$\d+ = "(.*?)(?:\\000)*"$', text, re.M).group(1)
    init_task = int(re.search(r"\(struct task_struct \*\) (0x[0-9a-f]+) <init_task>", text).group(1), 16)
    jiffies = int(re.search(r"^jiffies = \$\d+ = (\d+)$", text, re.M).group(1))
    # the cast works with and without vmlinux
    out = run(args, dump, "::p ((struct task_struct *)&init_task)->comm; ::p &init_task; "
                          "init_task::print struct task_struct comm")
    lines = out.splitlines()
    assert lines[0] == f'(char [16]) [ "{comm}" ]'
    assert int(re.search(r"(0x[0-9a-f]+)", lines[1]).group(1), 16) == init_task
    assert lines[2] == f'comm = [ "{comm}" ]'
    if name == "vmlinux":
        # globals with their DWARF types; jiffies has only a declaration
        # (the linker script defines it): its type, at its symbol
        out = run(args, dump, "::p init_task.comm; ::p &init_task; ::p jiffies; ::print -t jiffies")
        lines = out.splitlines()
        assert lines[0] == f'(char [16]) [ "{comm}" ]'
        assert lines[1] == f"(struct task_struct *) 0x{init_task:x}"
        assert lines[2] == f"(volatile long unsigned int) {jiffies}"
        assert gdb_spelling(lines[3]) == f"volatile unsigned long jiffies = 0x{jiffies:x}"
        assert "volatile unsigned long jiffies;" in text       # crash's whatis
    else:
        # BTF types no global but the per-cpu ones: a symbol is its address
        sym = int(re.search(r"^([0-9a-f]+) \(\w\) jiffies$", text, re.M).group(1), 16)
        assert run(args, dump, "::p jiffies").strip() == \
            f"(<data variable, no debug info> *) 0x{sym:x} <jiffies>"
        p = pmdb.run(args + [dump], "::p init_task.comm")
        assert p.rc == 1 and "cast its address" in p.err, p
    # per-cpu variables stay at their offset in the per-cpu area
    runqueues = int(re.search(r"^([0-9a-f]+) \(\w\) runqueues$", text, re.M).group(1), 16)
    assert run(args, dump, "::p &runqueues").strip() == f"(struct rq *) 0x{runqueues:x}"


def test_list_head_like_crash(mode, dump, crash):
    head = crash["tasks_head"]
    more = crash["more"]
    want = dict(re.findall(r"^  (next|prev) = (0x[0-9a-f]+)", more.split("struct list_head {", 1)[1], re.M))
    out = run(mode[1], dump, f"::p *(struct list_head *)0x{head:x}")
    assert out == ("(struct list_head) {\n    next = %s\n    prev = %s\n}\n" % (want["next"], want["prev"]))
    # ::list follows next from node to node until it is back at the head,
    # as crash's list does (its nodes: the 16-digit lines of that output)
    nodes = [int(x, 16) for x in re.findall(r"^([0-9a-f]{16})$", more, re.M)]
    assert nodes[0] == head and len(nodes) == len(crash["tasks"])
    r = pmdb.run(mode[1] + [dump], f"{head:x}::list struct list_head next")
    assert r.rc == 0 and "loops back" in r.err, r
    assert [int(x, 16) for x in r.out.split()] == nodes


def test_array_steps_by_sizeof(mode, dump, gdb):
    out = run(mode[1], dump, "init_task::array struct task_struct 3")
    a = [int(x, 16) for x in out.split()]
    assert a[1] - a[0] == a[2] - a[1] == gdb["sizeof"]["task_struct"]


# ---- vmlinux: source lines and inline frames ----

def addr2line(lab, addr):
    r = subprocess.run(["addr2line", "-i", "-f", "-e", lab.vmlinux, f"0x{addr:x}"],
                       capture_output=True, text=True, check=True)
    lines = r.stdout.splitlines()
    return [(lines[i], lines[i + 1].split(" (discriminator")[0]) for i in range(0, len(lines), 2)]


def same_place(ours, theirs):
    """pmdb prints the line table's file name, relative to the CU's folder;
    the others join the folder in front."""
    f, ln = ours.rsplit(":", 1)
    g, ln2 = theirs.replace(": ", ":").rsplit(":", 1)
    return ln == ln2.strip() and g.strip().endswith(f)


def test_stack_lines_and_inline_frames(lab, dump):
    """Each CPU's stack with -k: the innermost frame of each pc has the
    file:line crash's sym gives for that pc (the call's own address, pc - 1,
    for return addresses), and the inline chain is addr2line -i's."""
    kaslr = int(notes()["KERNELOFFSET"], 16)
    groups_all = []
    for cpu in (1, 2):
        out = run(["-k", lab.vmlinux], dump, f"0t{cpu}::context; ::stack -s -p")
        frames = re.findall(r"^([0-9a-f]{16}) (\S+?)\(\)( \(inlined\))?(?: \[(.*)\])?$", out, re.M)
        assert len(frames) >= 4, out
        groups, cur = [], []
        for pc, name, inl, place in frames:
            cur.append((int(pc, 16), name, bool(inl), place))
            if not inl:
                groups.append(cur)
                cur = []
        kernel = [g for g in groups if g[-1][0] >= 0xffff800000000000]
        assert any(len(g) > 1 for g in kernel), out       # some inline frames
        for i, g in enumerate(kernel):
            groups_all.append((g, g[0][0] if i == 0 else g[0][0] - 1))
    sym = kernel_lab.crash(lab, dump, [f"sym {lookup:x}" for _, lookup in groups_all])
    places = dict((int(a, 16), p) for a, p in
                  re.findall(r"^([0-9a-f]{16}) \(\w\) \S+ (\S+: \d+)$", sym, re.M))
    for g, lookup in groups_all:
        assert same_place(g[0][3], places[lookup]), (g, places[lookup])
        chain = addr2line(lab, lookup - kaslr)
        assert len(chain) == len(g), (g, chain)
        for (pc, name, inl, place), (func, where) in zip(g, chain):
            assert same_place(place, where), (g, chain)
            if inl:
                assert name == func, (g, chain)
            else:     # the physical frame is named by kallsyms: __handle_sysrq.cold
                assert name.split("+")[0].split(".")[0] == func, (g, chain)


def test_btf_stacks_have_no_lines(dump):
    out = run(["--no-vmlinux"], dump, "0t2::context; ::stack -s")
    # a whole stack (panic on CPU 1 from the sysrq write), just no lines
    assert len(re.findall(r"^\w[\w.]*\+0x[0-9a-f]+\(\)$", out, re.M)) >= 4, out
    assert "panic+" in out, out
    assert "(inlined)" not in out and "[" not in out


# ---- finding vmlinux, refusing the wrong one ----

def elf_with_build_id(tmp_path, name, build_id, debug):
    src = tmp_path / "empty.c"
    src.write_text("int main(void) { return 0; }\n")
    out = tmp_path / name
    subprocess.run(["gcc", "-o", str(out), str(src), f"-Wl,--build-id=0x{build_id}"] +
                   (["-g"] if debug else []), check=True)
    return str(out)


def test_wrong_vmlinux_refused(dump, tmp_path, nullread):
    bid = notes()["BUILD-ID"]
    other = elf_with_build_id(tmp_path, "other", "1234" * 10, True)
    p = pmdb.run(["-k", other, dump], "::status")
    assert p.rc == 2 and p.out == "" and "build-id mismatch" in p.err and bid in p.err, p
    # crash's order names the kernel first: the same check
    p = pmdb.run([other, dump], "::status")
    assert p.rc == 2 and "build-id mismatch" in p.err, p
    stripped = elf_with_build_id(tmp_path, "stripped", bid, False)
    p = pmdb.run(["-k", stripped, dump], "::status")
    assert p.rc == 2 and "no DWARF" in p.err, p
    text = tmp_path / "notelf"
    text.write_text("not a kernel\n")
    p = pmdb.run(["-k", str(text), dump], "::status")
    assert p.rc == 2 and "no build-id" in p.err, p
    p = pmdb.run(["-k", str(tmp_path / "missing"), dump], "::status")
    assert p.rc == 2 and "missing" in p.err, p
    p = pmdb.run(["--no-vmlinux", "-k", other, dump], "::status")
    assert p.rc == 2 and "choose one" in p.err, p
    p = pmdb.run(["-k", other, nullread.exe, nullread.core], "::status")
    assert p.rc == 2 and "not a kernel crash dump" in p.err, p


def test_vmlinux_found_by_build_id_and_release(lab, dump, tmp_path):
    bid, release = notes()["BUILD-ID"], notes()["OSRELEASE"]
    comm = "swapper/0"
    # by build-id under a -d folder; a wrong file there is passed over
    d = tmp_path / "dbg"
    (d / ".build-id" / bid[:2]).mkdir(parents=True)
    os.symlink(lab.vmlinux, d / ".build-id" / bid[:2] / (bid[2:] + ".debug"))
    out = run(["-d", str(d)], dump, "::p init_task.comm; ::modinfo")
    assert f'(char [16]) [ "{comm}" ]' in out
    assert re.search(r"build-id dir\s+%s\S*: used" % re.escape(str(d)), out), out
    # by release, with a mismatching file at the build-id path first
    d2 = tmp_path / "dbg2"
    (d2 / ".build-id" / bid[:2]).mkdir(parents=True)
    shutil.copy(elf_with_build_id(tmp_path, "x", "5678" * 10, True),
                d2 / ".build-id" / bid[:2] / (bid[2:] + ".debug"))
    (d2 / "boot").mkdir()
    os.symlink(lab.vmlinux, d2 / "boot" / f"vmlinux-{release}")
    out = run(["-d", str(d2)], dump, "::p init_task.comm; ::modinfo")
    assert f'(char [16]) [ "{comm}" ]' in out
    assert re.search(r"build-id dir\s+%s\S*: build-id mismatch" % re.escape(str(d2)), out), out
    assert re.search(r"release\s+%s/boot/vmlinux-%s: used" % (re.escape(str(d2)), re.escape(release)),
                     out), out


# ---- the cache ----

def test_btf_dwarf_cached_by_build_id(dump, tmp_path):
    bid = notes()["BUILD-ID"]
    cache = tmp_path / "cache"
    args = ["--no-vmlinux", "--cache-dir", str(cache)]
    first = run(args, dump, "::sizeof struct task_struct; ::modinfo")
    f = cache / "debug" / f"{bid}.btf1.debug"
    assert f.exists() and "BTF, written" in first
    st = f.stat()
    second = run(args, dump, "::sizeof struct task_struct; ::modinfo")
    assert "BTF, cached" in second and f.stat().st_mtime_ns == st.st_mtime_ns
    assert first.splitlines()[0] == second.splitlines()[0]
    # a copy cut short is made again
    with open(f, "r+b") as fh:
        fh.truncate(st.st_size // 2)
    third = run(args, dump, "::sizeof struct task_struct; ::modinfo")
    assert "BTF, written" in third and f.stat().st_size == st.st_size
    assert third.splitlines()[0] == first.splitlines()[0]
    out = run(["--no-vmlinux", "--no-cache"], dump, "::sizeof struct task_struct; ::modinfo")
    assert "in memory, not cached" in out and out.splitlines()[0] == first.splitlines()[0]


def test_vmlinux_name_index_cached(lab, dump, tmp_path):
    bid = notes()["BUILD-ID"]
    cache = tmp_path / "cache"
    args = ["-k", lab.vmlinux, "--cache-dir", str(cache)]
    first = run(args, dump, "::p init_task.comm; ::sizeof struct task_struct")
    idx = cache / "debug" / f"{bid}.names1"
    assert idx.exists()
    with open(idx, "r+b") as fh:        # a damaged index is made again
        fh.truncate(100)
    assert run(args, dump, "::p init_task.comm; ::sizeof struct task_struct") == first
    assert idx.stat().st_size > 100
    p = pmdb.run(args + [dump], "::sizeof struct no_such_thing")
    assert p.rc == 1 and "no type 'struct no_such_thing' in vmlinux's DWARF" in p.err


def test_kernel_types_under_asan(lab, dump):
    assert os.path.exists(pmdb.ASAN), "build/asan/pmdb is missing: make asan"
    for args in (["--no-vmlinux", "--no-cache"], ["-k", lab.vmlinux]):
        r = subprocess.run([pmdb.ASAN] + args + [dump, "-e",
                            "::p ((struct task_struct *)&init_task)->comm; ::print struct sk_buff; "
                            "::walk task | ::print struct task_struct pid; ::enum perf_event_state; "
                            "0t2::context; ::stack -s"],
                           capture_output=True, text=True, timeout=600,
                           env=dict(os.environ, LSAN_OPTIONS="suppressions=" +
                                    os.path.join(pmdb.ROOT, "tests", "lsan.supp")))
        assert r.returncode == 0 and "ERROR: AddressSanitizer" not in r.stderr and \
            "runtime error" not in r.stderr, r.stderr[-3000:]


def test_dump_without_build_id(lab, dump, tmp_path):
    """A VMCOREINFO without BUILD-ID (kernels before 5.9): no vmlinux is
    taken on trust from a search, -k is used with a warning, and the BTF's
    DWARF is made in memory, with nothing to key a cache file by."""
    data = open(dump, "rb").read()
    assert data.count(b"\nBUILD-ID=") >= 1     # the note, and copies in the kernel's memory
    copy = tmp_path / "nobuildid.vmcore"
    copy.write_bytes(data.replace(b"\nBUILD-ID=", b"\nBUILD-XX="))
    del data
    cache = tmp_path / "cache"
    out = run(["--cache-dir", str(cache)], str(copy),
              "::p ((struct task_struct *)&init_task)->comm; ::modinfo")
    assert '"swapper/0"' in out and "no BUILD-ID: vmlinux only with -k" in out
    assert "in memory, not cached" in out and not list(cache.glob("debug/*"))
    p = pmdb.run(["-k", lab.vmlinux, str(copy)], "::p init_task.comm")
    assert p.rc == 0 and '"swapper/0"' in p.out and "cannot check" in p.err, p
