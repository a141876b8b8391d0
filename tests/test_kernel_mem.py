"""Kernel memory dcmds on the corpus's QEMU dump, with no vmlinux (layouts
from the dump's BTF): ::kmastat, ::whatis on kernel addresses, and
addr\\fmt (physical memory).  The oracle is crash, run with Debian's debug
vmlinux through tests/lib/kernel_lab.py: `kmem -s`, `kmem -S CACHE`,
`kmem ADDR`, `vtop`, `rd -p`.  The dump was taken after the panic, so
nothing moved between what crash and pmdb read.  Then corrupted copies of
the dump: slab lists that loop or point outside their slab must give a
warning, never a hang."""
import os
import re
import struct

import pytest

import corpus
import kernel_lab
import pmdb
from test_badinput import run_asan

ELF = "qemu-kaslr-96m.vmcore.elf"
# caches whose every listed slab (CPU slabs, CPU partial slabs) ::whatis
# must describe as crash's kmem -S does: big and small objects, CPU
# caches, an all-free cache
SLAB_CACHES = ["task_struct", "kmalloc-8", "kmalloc-64", "sigqueue", "vm_area_struct", "filp"]


def corpus_dump(name):
    path = corpus.kernel_dump(name)
    if not kernel_lab.available():
        pytest.skip("the kernel test-bed (../shared/kernel-lab) is not on this machine")
    return path


@pytest.fixture(scope="module")
def lab():
    corpus_dump(ELF)
    return kernel_lab.for_corpus()


@pytest.fixture(scope="module")
def elf():
    return corpus_dump(ELF)


# pmdb reads the same crash in two formats; crash's answers (on the ELF
# dump) hold for both
@pytest.fixture(scope="module", params=["elf", "kdump-flat"])
def dump(request):
    return corpus_dump(ELF if request.param == "elf" else "qemu-kaslr-96m.vmcore.kdump-flat")


def run(dump, cmds):
    r = pmdb.run([dump], cmds)
    assert r.rc == 0, r
    return r.out


def whatis_each(dump, addrs):
    """::whatis of each address, one output per address."""
    out = run(dump, "".join(f"{a:x}::whatis\n!echo @@\n" for a in addrs))
    parts = out.split("@@\n")
    assert len(parts) == len(addrs) + 1
    return parts[:-1]


# --- crash's answers --------------------------------------------------------

CACHE_ROW = re.compile(r"^([0-9a-f]{16})\s+(\d+)\s+(\d+|\?)\s+(\d+|\?)\s+(\d+|\?)\s+(\d+)k\s+(\S+)$", re.M)


def cache_rows(text):
    return [dict(cache=int(m[1], 16), objsize=int(m[2]), allocated=m[3], total=m[4], slabs=m[5],
                 ssize=int(m[6]), name=m[7]) for m in CACHE_ROW.finditer(text)]


def crash_slab_objects(text):
    """kmem -S output: every object crash lists, with its cache, its slab
    (address, memory, node, total, allocated, free), whether it is free,
    and the CPU whose slab it is."""
    objs, cache, slab, cpu = {}, None, None, None
    for line in text.splitlines():
        m = CACHE_ROW.match(line)
        if m:
            cache, cpu = (int(m[1], 16), int(m[2]), m[7]), None
            continue
        m = re.match(r"^CPU (\d+) (SLAB|PARTIAL):$", line)
        if m:
            cpu = int(m[1]) if m[2] == "SLAB" else None
            continue
        if re.match(r"^NODE \d+ (PARTIAL|FULL):$", line):
            cpu = None
            continue
        m = re.match(r"^  ([0-9a-f]{16})  ([0-9a-f]{16})\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$", line)
        if m:
            slab = (int(m[1], 16), int(m[2], 16), int(m[3]), int(m[4]), int(m[5]), int(m[6]), cpu)
            continue
        m = re.match(r"^  \[([0-9a-f]{16})\]$", line) or re.match(r"^   ([0-9a-f]{16})  (\(cpu \d+ cache\))?$", line)
        if m:
            objs[int(m[1], 16)] = dict(cache=cache, slab=slab, free=not line.startswith("  ["))
    return objs


@pytest.fixture(scope="module")
def crash1(lab, elf):
    """The first crash run: caches, a few symbols and variables, the tasks
    with their stacks, and the slabs of SLAB_CACHES."""
    text = kernel_lab.crash(lab, elf, ["kmem -s", "sym panic", "p/x page_offset_base",
                                       "list task_struct.tasks -s task_struct.pid,comm,stack -h init_task"]
                            + [f"kmem -S {c}" for c in SLAB_CACHES])
    tasks = {int(pid): (int(addr, 16), comm, int(stack, 16)) for addr, pid, comm, stack in re.findall(
        r"^([0-9a-f]{16})\n  pid = (\d+),\n  comm = \"(.*?)(?:\\000)*\",\n  stack = 0x([0-9a-f]+),", text, re.M)}
    return dict(text=text, tasks=tasks,
                panic=int(re.search(r"^([0-9a-f]{16}) \(T\) panic ", text, re.M)[1], 16),
                pob=int(re.search(r"^\$\d+ = 0x([0-9a-f]+)$", text, re.M)[1], 16))


# --- ::kmastat ----------------------------------------------------------------

def test_kmastat_matches_crash_kmem_s(dump, crash1):
    """Every cache, in the same order, with the same object size, allocated
    and total objects, slabs and slab size."""
    want = cache_rows(crash1["text"].split("CACHE ")[1])
    assert len(want) >= 100 and all(w["allocated"] != "?" for w in want)
    out = run(dump, "::kmastat")
    got = cache_rows(out)
    assert got == want
    m = re.search(r"^Total: (\d+) caches, (\d+) slabs, (\d+) KiB of slabs", out, re.M)
    assert int(m[1]) == len(want)
    assert int(m[2]) == sum(int(w["slabs"]) for w in want)
    assert int(m[3]) == sum(int(w["slabs"]) * w["ssize"] for w in want)


def test_kmastat_pattern(dump, crash1):
    want = [w for w in cache_rows(crash1["text"].split("CACHE ")[1]) if w["name"].startswith("kmalloc-")]
    assert cache_rows(run(dump, "::kmastat 'kmalloc-*'")) == want
    p = pmdb.run([dump], "1::kmastat")
    assert p.rc == 1 and "usage: ::kmastat [PATTERN]" in p.err


# --- ::whatis -----------------------------------------------------------------

WHATIS_OBJ = re.compile(r"^0x([0-9a-f]+) is (?:0x([0-9a-f]+)[+-]0x[0-9a-f]+, )?(allocated|freed) from (\S+)$", re.M)
WHATIS_CACHE = re.compile(r"^  cache 0x([0-9a-f]+): object size (\d+)", re.M)
WHATIS_SLAB = re.compile(r"^  slab 0x([0-9a-f]+): memory 0x([0-9a-f]+), node (\d+), (\d+) objects, "
                         r"(\d+) allocated, (\d+) free(?:; CPU (\d+)'s slab)?", re.M)


def parse_object(text):
    m, c, s = WHATIS_OBJ.search(text), WHATIS_CACHE.search(text), WHATIS_SLAB.search(text)
    assert m and c and s, text
    start = int(m[2] or m[1], 16)
    slab = (int(s[1], 16), int(s[2], 16), int(s[3]), int(s[4]), int(s[5]), int(s[6]),
            int(s[7]) if s[7] else None)
    return dict(object=start, free=m[3] == "freed", cache=(int(c[1], 16), int(c[2]), m[4]), slab=slab)


def test_whatis_slab_objects_match_crash_kmem_S(dump, crash1):
    """Each object crash lists (at most 60 a cache), at its start and inside
    it: the same cache, object start, free or allocated, slab (memory, node,
    counts) and CPU slab."""
    objs = crash_slab_objects(crash1["text"])
    for name in SLAB_CACHES:
        assert any(o["cache"][2] == name for o in objs.values()), name
    assert any(o["free"] for o in objs.values()) and any(not o["free"] for o in objs.values())
    assert any(o["slab"][6] is not None for o in objs.values())     # some CPU slabs
    sample = []
    for name in SLAB_CACHES:
        mine = sorted(a for a, o in objs.items() if o["cache"][2] == name)
        sample += mine[::max(1, len(mine) // 60)]
    addrs = [a + off for a in sample for off in (0, objs[a]["cache"][1] // 2)]
    for a, text in zip(addrs, whatis_each(dump, addrs)):
        start = max(o for o in sample if o <= a)
        got, want = parse_object(text), objs[start]
        assert got == dict(object=start, free=want["free"], cache=want["cache"], slab=want["slab"]), (hex(a), text)


PAGE_ROW = re.compile(r"^([0-9a-f]{16})\s+([0-9a-f]+)\s+([0-9a-f]+)\s+\d+\s+\d+\s+([0-9a-f]+)((?: \w+)*)$", re.M)
WHATIS_PAGE = re.compile(r"^  physical 0x([0-9a-f]+), page 0x([0-9a-f]+) \(pfn 0x[0-9a-f]+\), flags 0x([0-9a-f]+)"
                         r"((?: \w+)*)(?:: (.*))?$", re.M)


def page_matches(text, crash_text):
    """pmdb's page line names a page that crash's kmem printed a PAGE row
    for: the same struct page, physical page and flags, and every flag
    name crash gives among pmdb's."""
    m = WHATIS_PAGE.search(text)
    assert m, text
    pa, page, flags, names = int(m[1], 16), int(m[2], 16), int(m[3], 16), m[4].split()
    rows = [r for r in PAGE_ROW.finditer(crash_text) if int(r[1], 16) == page]
    assert rows, (hex(page), text)
    r = rows[0]
    assert int(r[2], 16) == pa & ~0xfff and int(r[4], 16) == flags, (r[0], text)
    assert set(r[5].split()) <= set(names), (r[0], text)
    return m[5] or ""


@pytest.fixture(scope="module")
def crash2(lab, elf, crash1):
    """The second crash run, on addresses from the first: kmem of a task,
    a stack, kernel text, the direct map and the page tables of the task's
    address (vtop names them), and rd -p of physical memory."""
    task, _, _ = crash1["tasks"][96]
    _, _, stack = crash1["tasks"][1]
    pob = crash1["pob"]
    pre = kernel_lab.crash(lab, elf, [f"vtop {task:x}"])
    tables = [int(x, 16) & ~0xfff for x in re.findall(r"=> ([0-9a-f]+)", pre)][:-1]
    pud = int(re.search(r"^PAGE DIRECTORY: ([0-9a-f]+)$", pre, re.M)[1], 16) & ~0xfff
    tables = [pud] + tables                  # PUD, PMD and PTE tables
    task_pa = int(re.search(rf"^{task:x}\s+([0-9a-f]+)\s*$", pre, re.M)[1], 16)
    addrs = dict(task=task + 0x80, stack=stack + 0x100, text=crash1["panic"] + 4, page=pob + 0x1000,
                 **{f"table{i}": pob + t + 0x10 for i, t in enumerate(tables)})
    cmds = [f"kmem {a:x}" for a in addrs.values()] + [
        "rd -p 1000 4", f"rd -p {task_pa:x} 8", f"rd -p -8 {task_pa + 0x20:x} 16"]
    return dict(text=kernel_lab.crash(lab, elf, cmds), addrs=addrs, task=task, task_pa=task_pa,
                stack=stack, tables=tables)


def test_whatis_kernel_addresses_match_crash_kmem(dump, crash1, crash2):
    a = crash2["addrs"]
    ctext = crash2["text"]
    out = dict(zip(a, whatis_each(dump, list(a.values()))))
    task = crash2["task"]
    # a task_struct: the slab object, and the task crash names
    o = parse_object(out["task"])
    assert o["object"] == task and not o["free"] and o["cache"][2] == "task_struct"
    assert re.search(rf"^\s+TASK: {task:x}", ctext, re.M) and re.search(r"^\s+PID: 96$", ctext, re.M)
    assert f"is in the task_struct 0x{task:x} of pid 96 (mdbvictim)" in out["task"]
    # a stack in vmalloc space: crash's VMAP_AREA row
    stack = crash2["stack"]
    vm = re.search(rf"^([0-9a-f]{{16}})\s+([0-9a-f]{{16}})\s+([0-9a-f]+) - ([0-9a-f]+)\s+(\d+)$", ctext, re.M)
    assert vm and int(vm[3], 16) <= a["stack"] < int(vm[4], 16)
    assert (f"is in vmalloc area 0x{vm[3]}-0x{vm[4]} ({vm[5]} bytes, vmap_area 0x{vm[1]}, "
            f"vm_struct 0x{vm[2]})") in out["stack"], out["stack"]
    # whose stack: task_struct.stack as crash listed it (its kmem finds no
    # owner: crash 8.0.2's pid hash misses the tasks of this kernel)
    assert f"is on the stack of pid 1 (init, task 0x{crash1['tasks'][1][0]:x}), 0x{stack:x}-" in out["stack"]
    # kernel text: crash's sym+offset
    assert re.search(rf"^{a['text']:x} \(T\) panic\+4 ", ctext, re.M)
    assert f"0x{a['text']:x} is panic+0x4 in vmlinux" in out["text"]
    assert "is in the kernel image, text" in out["text"]
    # pages: the struct page and flags crash prints; page tables by level
    for name in ("task", "stack", "text", "page"):
        page_matches(out[name], ctext)
    assert "is in the direct map of physical memory" in out["page"]
    for i, level in enumerate(("PUD", "PMD", "PTE")):
        assert page_matches(out[f"table{i}"], ctext) == f"a page table of the kernel ({level})", out[f"table{i}"]


def test_whatis_kernel_errors(dump):
    out = run(dump, "1234::whatis")
    assert "0x1234 is not a kernel address" in out and "not mapped" in out
    p = pmdb.run([dump], "::whatis")
    assert p.rc == 1 and "usage: addr::whatis" in p.err


# --- addr\fmt -----------------------------------------------------------------

def rd_words(text, addr, count):
    """Words crash's rd -p printed from addr on."""
    words = []
    for m in re.finditer(r"^\s+([0-9a-f]+):  ((?:[0-9a-f]{16} ?)+)", text, re.M):
        base = int(m[1], 16)
        for i, w in enumerate(m[2].split()):
            if addr <= base + 8 * i < addr + 8 * count:
                words.append(int(w, 16))
    return words


def values(text):
    return [int(v, 16) for line in text.splitlines() for v in line.split(":", 1)[1].split()]


def test_physical_reads_match_crash_rd_p(dump, crash2):
    ctext, task, pa = crash2["text"], crash2["task"], crash2["task_pa"]
    assert values(run(dump, "1000\\4J")) == rd_words(ctext, 0x1000, 4)
    want = rd_words(ctext, pa, 8)
    assert len(want) == 8 and any(want)
    assert values(run(dump, f"{pa:x}\\8J")) == want
    # bytes, as rd -p -8
    m = re.search(rf"^\s+{pa + 0x20:x}:  ((?:[0-9a-f]{{2}} ){{16}})", ctext, re.M)
    assert any(int(b, 16) for b in m[1].split())
    assert values(run(dump, f"{pa + 0x20:x}\\16B")) == [int(b, 16) for b in m[1].split()]
    # vtop then \ reads what / reads at the virtual address
    vt = run(dump, f"{task:x}::vtop")
    assert int(vt.split()[3], 16) == pa
    assert values(run(dump, f"{task:x}/8J")) == want
    out = run(dump, f"{pa:x}\\J")
    assert out.startswith(f"0x{pa:x}:")       # physical labels are not symbolized


def test_physical_read_errors(dump, nullread):
    p = pmdb.run([dump], "fffffffff000\\J")
    assert p.rc == 1 and "physical address 0xfffffffff000 is not in the dump" in p.err
    p = pmdb.run([dump], "1000\\W 5")
    assert p.rc == 1 and "read-only" in p.err
    p = pmdb.run(pmdb.core_args(nullread), "<rsp\\K")
    assert p.rc == 1 and "only a kernel crash dump has it" in p.err


# --- hostile dumps --------------------------------------------------------------

class Patcher:
    """Writes into a copy of the ELF dump at kernel virtual addresses,
    translated by pmdb's ::vtop and the dump's PT_LOADs."""

    def __init__(self, src, dst):
        self.src, self.dst = src, dst
        with open(src, "rb") as f:
            hdr = f.read(64)
            phoff, = struct.unpack_from("<Q", hdr, 32)
            phentsize, phnum = struct.unpack_from("<HH", hdr, 54)
            f.seek(phoff)
            table = f.read(phentsize * phnum)
        self.loads = []
        for i in range(phnum):
            p_type, _, off, _, paddr, filesz = struct.unpack_from("<IIQQQQ", table, i * phentsize)
            if p_type == 1:
                self.loads.append((paddr, filesz, off))
        self.writes = []

    def q(self, cmd):
        return run(self.src, cmd)

    def u64(self, va):
        return int(self.q(f"{va:x}/J").split()[-1], 16)

    def put(self, va, value):
        pa = int(self.q(f"{va:x}::vtop").split()[3], 16)
        off = next(o + pa - p for p, n, o in self.loads if p <= pa < p + n)
        self.writes.append((off, struct.pack("<Q", value & (2**64 - 1))))

    def finish(self):
        with open(self.src, "rb") as s, open(self.dst, "wb") as d:
            while True:
                chunk = s.read(1 << 24)
                if not chunk:
                    break
                d.write(chunk)
            for off, data in self.writes:
                d.seek(off)
                d.write(data)
        return self.dst


def member(p, addr, typ, name):
    """A member's value, as pmdb prints it (the patcher's own lookups)."""
    out = p.q(f"{addr:x}::print {typ} {name}")
    return int(re.search(rf"{name} = (0x[0-9a-f]+)", out)[1], 16)


def offset(p, addr, typ, name):
    """A member's offset, from ::print -a of the structure at addr."""
    return int(re.search(rf"^\s+([0-9a-f]+) {name} = ", p.q(f"{addr:x}::print -a {typ}"), re.M)[1], 16) - addr


@pytest.fixture(scope="module")
def broken(elf, tmp_path_factory):
    """A copy of the dump with five slab structures broken: the slab_caches
    list loops at its end, kmalloc-8's CPU 0 freelist loops, kmalloc-64's
    points outside its slab, task_struct's CPU partial list loops, and the
    kmem_cache cache's node partial list enters a full slab whose
    slab_list points to itself."""
    p = Patcher(elf, str(tmp_path_factory.mktemp("broken") / "vmcore"))
    caches = {r["name"]: r["cache"] for r in cache_rows(run(elf, "::kmastat"))}
    names = list(caches)
    list_off = offset(p, caches[names[-1]], "struct kmem_cache", "list")
    p.put(caches[names[-1]] + list_off, caches[names[-2]] + list_off)
    percpu0 = p.u64(int(p.q("__per_cpu_offset=K"), 16))

    def cpu(cache):
        return member(p, caches[cache], "struct kmem_cache", "cpu_slab") + percpu0

    def free_ptr(cache, obj, target):
        """obj's free pointer made to point to target (hardened encoding)."""
        at = obj + member(p, caches[cache], "struct kmem_cache", "offset")
        swab = int.from_bytes(at.to_bytes(8, "little"), "big")
        p.put(at, target ^ member(p, caches[cache], "struct kmem_cache", "random") ^ swab)

    head8 = member(p, cpu("kmalloc-8"), "struct kmem_cache_cpu", "freelist")
    free_ptr("kmalloc-8", head8, head8)
    head64 = member(p, cpu("kmalloc-64"), "struct kmem_cache_cpu", "freelist")
    free_ptr("kmalloc-64", head64, head64 + 0x10000)
    tpart = member(p, cpu("task_struct"), "struct kmem_cache_cpu", "partial")
    p.put(tpart + offset(p, tpart, "struct slab", "next"), tpart)
    # the caches are the kmem_cache cache's objects: one of its full slabs
    full = None
    for text in whatis_each(elf, list(caches.values())):
        s = WHATIS_SLAB.search(text)
        if s and s[4] == s[5] and not s[7]:
            full = int(s[1], 16)
            break
    assert full
    node = int(re.search(r"node = \[ (0x[0-9a-f]+)", p.q(f"{caches['kmem_cache']:x}::print struct kmem_cache node"))[1], 16)
    slab_list = full + offset(p, full, "struct slab", "slab_list")
    p.put(node + offset(p, node, "struct kmem_cache_node", "partial"), slab_list)
    p.put(slab_list, slab_list)
    return dict(path=p.finish(), caches=caches, kmalloc8=head8, kmalloc64=head64)


def test_broken_slab_lists_are_bounded(broken):
    p = run_asan([broken["path"]], "::kmastat", timeout=120)
    assert p.returncode == 0, p.stderr
    rows = {r["name"]: r for r in cache_rows(p.stdout)}
    assert len(rows) == len(broken["caches"])
    assert "the slab_caches list loops back" in p.stderr
    broken_caches = [("kmalloc-8", "the freelist loops"), ("kmalloc-64", "not an object of the slab"),
                     ("task_struct", "partial slab list loops"), ("kmem_cache", "partial list of node")]
    for name, why in broken_caches:
        assert rows[name]["allocated"] == "?", (name, p.stdout)
        assert re.search(rf"{name}: cannot count its objects: .*{why}", p.stderr), (name, p.stderr)
    assert all(r["allocated"] != "?" for n, r in rows.items() if n not in dict(broken_caches))
    p = run_asan([broken["path"]], f"{broken['kmalloc8']:x}::whatis; {broken['kmalloc64']:x}::whatis")
    assert p.returncode == 0, p.stderr
    assert "is in a slab page, but: kmalloc-8: slab" in p.stdout and "the freelist loops" in p.stdout
    assert "is in a slab page, but: kmalloc-64: slab" in p.stdout and "points to" in p.stdout
    assert p.stderr.count("the slab_caches list loops back") == 1    # said once, not per command
