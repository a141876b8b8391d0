"""Kernel dumps without a VMCOREINFO note (src/kernel/kfind.c and
vmcoreinfo_rebuild.c): the corpus's QEMU dump of a guest that had not
loaded qemu_fw_cfg, where drgn and makedumpfile give up and crash needs the
debug vmlinux; pmdb finds the kernel from the CPUs' CR3 and kallsyms by
their layout, with no vmlinux.

Oracles: the kernel's own VMCOREINFO note of the same kernel (the corpus's
other dump, opened with --ignore-vmcoreinfo, must rebuild the same lines),
the console log (the kernel's "Kernel Offset"), and crash 8.0.2 with the
debug vmlinux on the note-less dump (sys, bt, log, a walk of init_task.tasks)."""
import os
import re
import shutil
import struct

import pytest

import corpus
import kernel_lab
import pmdb
from test_badinput import run_asan

REF = os.path.join(corpus.SRC, "kernel", "reference")
NAME = "qemu-novmcoreinfo-96m"


def ref(name):
    with open(os.path.join(REF, name), errors="replace") as f:
        return f.read()


@pytest.fixture(scope="module")
def nov():
    return corpus.kernel_dump(NAME + ".vmcore.elf")


@pytest.fixture(scope="module")
def with_note():
    return corpus.kernel_dump("qemu-kaslr-96m.vmcore.elf")


def run(args, cmds):
    r = pmdb.run(args, cmds)
    assert r.rc == 0, r
    return r.out


def real_vmcoreinfo():
    text = ref("qemu-kaslr-96m.notes.txt").split("--- VMCOREINFO ---\n")[1]
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


# what pmdb's kernel code reads from VMCOREINFO: a rebuild must give them all
NEEDED = ["OSRELEASE", "BUILD-ID", "KERNELOFFSET", "NUMBER(phys_base)", "SYMBOL(init_top_pgt)",
          "SYMBOL(kallsyms_names)", "SYMBOL(kallsyms_num_syms)", "SYMBOL(kallsyms_token_table)",
          "SYMBOL(kallsyms_token_index)", "SYMBOL(kallsyms_offsets)",
          "SYMBOL(kallsyms_relative_base)", "SYMBOL(prb)", "SYMBOL(init_uts_ns)",
          "OFFSET(uts_namespace.name)", "SYMBOL(node_data)", "LENGTH(node_data)",
          "SYMBOL(node_online_map)", "OFFSET(pglist_data.node_start_pfn)",
          "OFFSET(pglist_data.node_spanned_pages)", "SYMBOL(vmap_area_list)",
          "OFFSET(vmap_area.va_start)", "OFFSET(vmap_area.list)", "SIZE(page)", "OFFSET(page.flags)",
          "OFFSET(page.compound_head)", "NUMBER(PG_slab)", "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)",
          "SIZE(prb_desc)", "SIZE(printk_info)", "OFFSET(printk_info.ts_nsec)",
          "OFFSET(printk_info.text_len)", "OFFSET(prb_desc_ring.descs)", "OFFSET(prb_data_ring.data)"]


def test_rebuilt_vmcoreinfo_is_the_kernels_own(with_note):
    """Every line rebuilt equals the line the kernel wrote in its note."""
    real = real_vmcoreinfo()
    got = dict(line.split("=", 1) for line in
               run(["--ignore-vmcoreinfo", with_note], "::vmcoreinfo").splitlines())
    wrong = {k: (v, real.get(k)) for k, v in got.items() if real.get(k) != v}
    assert not wrong
    assert [k for k in NEEDED if k not in got] == []
    assert len(got) >= 0.9 * len(real), sorted(set(real) - set(got))


def test_same_answers_with_and_without_the_note(with_note):
    cmds = "::status; ::ps; ::msgbuf; 0t2::context; $C; ::lsmod; ::kmastat"
    a = run([with_note], cmds)
    b = run(["--ignore-vmcoreinfo", with_note], cmds)
    assert "VMCOREINFO: none used" in b
    assert b.replace("  VMCOREINFO: none used: rebuilt from the CPUs' page tables, kallsyms and BTF\n",
                     "") == a


def crash_sys(text):
    return {m.group(1).strip(): m.group(2).strip() for m in
            re.finditer(r"^\s*([A-Z ]+?): (.*)$", text, re.M)}


def test_status_without_the_note(nov):
    """KASLR offset as the kernel printed it; release, version and panic
    as crash (with the debug vmlinux) printed them."""
    out = run([nov], "::status")
    got = {k.strip(): v.strip() for k, v in re.findall(r"^\s*([A-Z -]+?): (.*)$", out, re.M)}
    offset = re.search(r"Kernel Offset: (0x[0-9a-f]+) from", ref(NAME + ".console.log")).group(1)
    assert got["KERNELOFFSET"] == offset
    want = crash_sys(ref(NAME + ".crash.txt"))
    for key in ("RELEASE", "VERSION", "PANIC", "NODENAME"):
        assert got[key] == want[key], key
    # the same Debian kernel package as the dump with the note
    assert got["BUILD-ID"] == real_vmcoreinfo()["BUILD-ID"]
    assert "VMCOREINFO: none used" in out


def test_tasks_without_the_note(nov):
    """crash's walk of init_task.tasks: every task's address, pid and comm."""
    rows = {}
    for line in run([nov], "::ps").splitlines()[1:]:
        m = re.match(r"^([> ])\s*(\d+)\s+(\d+)\s+(\d+)\s+([0-9a-f]{16})\s+(\w\w)\s+\[?(.*?)\]?$", line)
        assert m, line
        rows.setdefault(int(m.group(2)), (int(m.group(5), 16), m.group(7), m.group(1) == ">"))
    walk = re.findall(r"^([0-9a-f]{16})\n  pid = (\d+),\n  comm = \"(.*?)(?:\\000)*\",",
                      ref(NAME + ".crash.txt"), re.M)
    assert len(walk) >= 50
    assert {int(p) for _, p, _ in walk} == set(rows)
    for addr, pid, comm in walk:
        assert rows[int(pid)][:2] == (int(addr, 16), comm), (addr, pid, comm)
    active = re.findall(r"active task ([0-9a-f]+) on cpu (\d+)", ref(NAME + ".crash.txt"))
    assert active
    for addr, _ in active:
        assert any(task == int(addr, 16) and on for task, _, on in rows.values()), addr


def test_panic_stack_without_the_note(nov):
    """CPU 1 panicked: its return addresses are among crash's bt of the
    panic task, in order, down to the user pc crash prints."""
    frames = [l.split() for l in run([nov], "0t2::context; $C -p").splitlines()]
    pcs = [int(f[1], 16) for f in frames]
    text = ref(NAME + ".crash.txt")
    bt = text[text.index('COMMAND: "mdbcrash"'):]
    crash = [int(a, 16) for a in re.findall(r"^\s*#\d+ \[[0-9a-f]+\] \S+ at ([0-9a-f]+)$", bt, re.M)[:11]]
    it = iter(crash)
    assert all(pc in it for pc in pcs[1:-1]), (pcs, crash)
    assert len(pcs) >= 10
    user_rip = int(re.search(r"RIP: ([0-9a-f]{16})", bt).group(1), 16)
    assert pcs[-1] == user_rip


def test_log_without_the_note(nov):
    """::msgbuf is crash's `log`, line for line."""
    text = ref(NAME + ".crash.txt")
    start = text.index("[    0.000000] Linux version")
    want = text[start:text.index("no modules installed", start)]
    assert run([nov], "::msgbuf") == want


def test_debug_vmlinux_found_by_the_rebuilt_build_id(nov):
    """-k checks the vmlinux against the dump's build-id: the rebuilt one."""
    if not kernel_lab.available():
        pytest.skip("the kernel test-bed is not on this machine")
    lab = kernel_lab.for_corpus()
    out = run(["-k", lab.vmlinux, nov], "0t2::context; $C; init_task::print task_struct comm")
    assert "(inlined)" in out and "swapper/0" in out


def patch(src, dst, fn):
    shutil.copyfile(src, dst)
    with open(dst, "r+b") as f:
        data = bytearray(f.read(1 << 16))
        fn(data)
        f.seek(0)
        f.write(data)


def qemu_notes(data):
    """Offsets of the QEMU notes' descriptors in the first 64 KiB."""
    return [m.start() + 8 for m in re.finditer(rb"QEMU\0\0\0\0", data)]


def test_cr3_pointing_nowhere(nov, tmp_path):
    bad = tmp_path / "vmcore"

    def zero_cr3(data):
        offs = qemu_notes(data)
        assert len(offs) == 2
        for o in offs:
            struct.pack_into("<Q", data, o + 392 + 24, 0x7fff000)
    patch(nov, bad, zero_cr3)
    p = run_asan([str(bad)], "::status")
    assert p.returncode == 2, p.stderr
    assert "no CPU's page tables (CR3) map the kernel image" in p.stderr


def test_kallsyms_gone(nov, with_note, tmp_path):
    """The token table's digits overwritten: kallsyms cannot be found, and
    pmdb says so rather than guessing."""
    real = real_vmcoreinfo()
    phys = int(real["SYMBOL(kallsyms_token_table)"], 16) - 0xffffffff80000000 + int(real["NUMBER(phys_base)"])
    bad = tmp_path / "vmcore"
    shutil.copyfile(with_note, bad)
    with open(bad, "r+b") as f:
        # the ELF dump maps physical memory from offset p_offset of its first PT_LOAD
        f.seek(0x20)
        phoff = struct.unpack("<Q", f.read(8))[0]
        f.seek(phoff + 56)     # program header 1: the RAM
        ph = f.read(56)
        offset, paddr = struct.unpack_from("<QQ", ph, 8)[0], struct.unpack_from("<Q", ph, 24)[0]
        f.seek(offset + phys - paddr)
        table = f.read(1200)
        at = table.index(b"0\x001\x002\x003\x00")
        f.seek(offset + phys - paddr + at)
        f.write(b"x" * 20)
    p = run_asan(["--ignore-vmcoreinfo", str(bad)], "::status")
    assert p.returncode == 2, p.stderr
    assert "no kallsyms tables found" in p.stderr
    # with its note the same file still opens: only the search was defeated
    assert run_asan([str(bad)], "::status").returncode == 0


def test_under_asan(nov):
    p = run_asan([nov], "::status; ::ps; ::msgbuf; $C; ::kmastat; ::vmcoreinfo")
    assert p.returncode == 0, p.stderr
    assert "sysrq triggered crash" in p.stdout
