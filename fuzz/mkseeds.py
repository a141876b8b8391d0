#!/usr/bin/python3
"""Make the fuzzers' seed corpora under build/fuzz/corpus/HARNESS/ (nothing
here is committed; fuzz/seeds/ holds the small hand-made seeds).

core:   the tests' user cores (tests/lib/cores.py builds them), and the
        arm64 kernel's cores with SVE and ARM VFP state
        (tests/lib/sve_core_arm64.py, when it can boot them).
kernel: the QEMU vmcore of the shared corpus shrunk to the pages pmdb reads.
        build/fuzz/pagetrace runs a set of commands and lists the pages of
        the dump they read; each set gives one seed keeping the ELF header,
        the notes and only those pages (as one PT_LOAD per run of pages);
        one more seed keeps the pages read without VMCOREINFO, the note
        renamed away.
        The arm64 lab's dump (tests/lib/kernel_arm64.py) gives one more.
kdump:  the smallest shrunk vmcores rewritten as kdump-compressed (zlib
        pages) and flattened files, with the harness's format byte.
expr:   every line of tests/scripts/*.mdb; build/fuzz/types{,.core} is the
        core the harness opens.
dwp:    the split DWARF package of tests/progs/dwp_{main,audit}.c (gcc
        -gdwarf-4 -gsplit-dwarf -fdebug-types-section, packed by binutils'
        dwp with its type units, the .dwo files
        deleted) and the program and its core in build/fuzz/dwp/.
dwarf:  the types program linked statically (its DWARF and CFI are what
        gets mutated); the harness opens it with
        build/fuzz/static_types.core."""
import glob
import os
import struct
import subprocess
import sys
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
import cores    # noqa: E402
import kernel_arm64  # noqa: E402
import sve_core_arm64  # noqa: E402
import corpus   # noqa: E402

OUT = os.path.join(ROOT, "build", "fuzz")
CORPUS = os.path.join(OUT, "corpus")
USER_CORES = ["null_read", "types", "static_types", "sighandler", "cxx_throw", "inline", "omitfp",
              "stripped", "linked_list"]
# One kernel seed per command set: small ones first (the kdump seeds are made
# from the smallest).
KERNEL_CMDS = {
    "open": "",
    "status": "::status",
    "msgbuf": "::msgbuf",
    "stack": "$c",
    "ps": "::ps",
    "slab": "::kmastat; <rsp::whatis; init_task::whatis",
    "types": "init_task::print struct task_struct; ::p ((struct task_struct *)&init_task)->tasks; "
             "::print struct sk_buff; ::enum pid_type",
    "all": "::status; ::msgbuf; ::ps; $c; ::stacks; ::analyze; ::kmastat; <rsp::whatis; init_task::whatis",
}
PAGE = 4096


def write(path, data):
    # a new file renamed into place: a fuzzer may have the old one mapped
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.replace(path + ".tmp", path)


def put(harness, name, data):
    d = os.path.join(CORPUS, harness)
    os.makedirs(d, exist_ok=True)
    write(os.path.join(d, name), data)


def user_seeds():
    for name in USER_CORES:
        try:
            c = cores.make_core(name)
        except (cores.BuildError, cores.CoreError) as e:
            print(f"mkseeds: no {name} core: {e}", file=sys.stderr)
            continue
        put("core", name + ".core", open(c.core, "rb").read())
        if name in ("types", "static_types"):
            write(os.path.join(OUT, name), open(c.exe, "rb").read())
            os.chmod(os.path.join(OUT, name), 0o755)
            write(os.path.join(OUT, name + ".core"), open(c.core, "rb").read())
        if name == "static_types":
            put("dwarf", name, open(c.exe, "rb").read())
    arm64_seeds()
    n = 0
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "scripts", "*.mdb"))):
        for line in open(path, errors="replace"):
            line = line.strip()
            if line and "!" not in line and "load" not in line and "$<" not in line:
                put("expr", f"line{n:04d}", line.encode())
                n += 1


def notes_end(core):
    """Where the last PT_NOTE of an ELF core (32- or 64-bit) ends."""
    if core[4] == 2:
        phoff, = struct.unpack_from("<Q", core, 32)
        phentsize, phnum = struct.unpack_from("<HH", core, 54)
        hdrs = [struct.unpack_from("<IIQQQQ", core, phoff + i * phentsize) for i in range(phnum)]
        ends = [h[2] + h[5] for h in hdrs if h[0] == 4]
    else:
        phoff, = struct.unpack_from("<I", core, 28)
        phentsize, phnum = struct.unpack_from("<HH", core, 42)
        hdrs = [struct.unpack_from("<IIIIII", core, phoff + i * phentsize) for i in range(phnum)]
        ends = [h[1] + h[4] for h in hdrs if h[0] == 4]
    return max(ends) if ends else len(core)


def arm64_seeds():
    why = sve_core_arm64.unavailable()
    if why:
        print(f"mkseeds: no arm64 SVE/VFP cores: {why}", file=sys.stderr)
        return
    try:
        c = sve_core_arm64.setup()
    except Exception as e:      # a failed boot costs these two seeds only
        print(f"mkseeds: no arm64 SVE/VFP cores: {e}", file=sys.stderr)
        return
    # the notes are what is new there: the cores cut after them (8.7 MB
    # of the SVE program's memory would slow every mutation)
    for name, path in (("arm64-sve.core", c.core), ("arm-vfp.core", c.core32)):
        data = open(path, "rb").read()
        put("core", name, data[:notes_end(data)])


def dwp_seed():
    d = os.path.join(OUT, "dwp")
    os.makedirs(d, exist_ok=True)
    srcs = [os.path.join(ROOT, "tests", "progs", f) for f in ("dwp_main.c", "dwp_audit.c")]
    exe = os.path.join(d, "prog")
    try:
        # static: no shared libc whose DWARF would be read again per input
        # with type units: the package has a .debug_tu_index too
        subprocess.run(["gcc", "-O0", "-gdwarf-4", "-gsplit-dwarf", "-fdebug-types-section",
                        "-fno-omit-frame-pointer", "-static", "-o", exe] + srcs, cwd=d, check=True,
                       capture_output=True)
        dwos = sorted(f for f in os.listdir(d) if f.endswith(".dwo"))
        subprocess.run(["dwp", "-o", "prog.dwp"] + dwos, cwd=d, check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"mkseeds: no dwp seed: {e}", file=sys.stderr)
        return
    for f in dwos:
        os.unlink(os.path.join(d, f))
    core = cores.crash_in_dir(exe, os.path.join(d, "run"))
    os.replace(core, exe + ".core")
    put("dwp", "prog.dwp", open(exe + ".dwp", "rb").read())


def vmcore():
    p = os.path.join(corpus.DEST, "kernel", "qemu-kaslr-96m.vmcore.elf")
    if os.path.isfile(p):
        return p
    zst = os.path.join(corpus.SRC, "kernel", "qemu-kaslr-96m.vmcore.elf.zst")
    if not os.path.isfile(zst):
        return None
    p = os.path.join(OUT, "qemu-kaslr-96m.vmcore.elf")
    if not os.path.isfile(p):
        with open(p + ".tmp", "wb") as f:
            subprocess.run(["zstd", "-qdc", zst], stdout=f, check=True)
        os.replace(p + ".tmp", p)
    return p


def phdrs(data):
    phoff, = struct.unpack_from("<Q", data, 32)
    phentsize, phnum = struct.unpack_from("<HH", data, 54)
    return [struct.unpack_from("<IIQQQQQQ", data, phoff + i * phentsize) for i in range(phnum)]


def shrink(data, pages):
    """The ELF vmcore with its notes and only the given file pages."""
    hdrs = phdrs(data)
    notes = [h for h in hdrs if h[0] == 4]
    runs = []    # (paddr, vaddr, file offset, length)
    for h in hdrs:
        typ, flags, off, vaddr, paddr, filesz = h[:6]
        if typ != 1:
            continue
        inside = sorted(p for p in pages if off <= p < off + filesz)
        for p in inside:
            start = max(p, off)
            end = min(p + PAGE, off + filesz)
            if runs and runs[-1][2] + runs[-1][3] == start and runs[-1][4] is h:
                r = runs[-1]
                runs[-1] = (r[0], r[1], r[2], r[3] + end - start, h)
            else:
                runs.append((paddr + start - off, vaddr + start - off, start, end - start, h))
    nph = len(notes) + len(runs)
    pos = 64 + 56 * nph
    out_ph, blobs = [], []
    for typ, flags, off, vaddr, paddr, filesz, memsz, align in notes:
        out_ph.append(struct.pack("<IIQQQQQQ", typ, flags, pos, vaddr, paddr, filesz, filesz, align))
        blobs.append(data[off:off + filesz])
        pos += filesz
    for paddr, vaddr, off, length, h in runs:
        out_ph.append(struct.pack("<IIQQQQQQ", 1, h[1], pos, vaddr, paddr, length, length, 0))
        blobs.append(data[off:off + length])
        pos += length
    eh = bytearray(data[:64])
    struct.pack_into("<Q", eh, 32, 64)          # e_phoff
    struct.pack_into("<Q", eh, 40, 0)           # e_shoff: no sections
    struct.pack_into("<HHHH", eh, 54, 56, nph, 0, 0)
    return bytes(eh) + b"".join(out_ph) + b"".join(blobs)


def elf_memory(data):
    """(pfn -> page bytes) and the note bytes of an ELF vmcore."""
    pages, note = {}, b""
    # overlapping PT_LOADs: the one starting lower wins, as in pmdb's memmap
    for typ, flags, off, vaddr, paddr, filesz, memsz, align in sorted(phdrs(data), key=lambda h: h[4]):
        if typ == 4:
            note += data[off:off + filesz]
        elif typ == 1:
            for o in range(0, filesz, PAGE):
                pages.setdefault((paddr + o) // PAGE, data[off + o:off + min(o + PAGE, filesz)].ljust(PAGE, b"\0"))
    return pages, note


def kdump_compressed(data):
    """makedumpfile's kdump-compressed format (header version 6), zlib pages."""
    pages, note = elf_memory(data)
    max_mapnr = max(pages) + 1
    bitmap_len = (max_mapnr + 7) // 8
    bitmap_blocks = 2 * ((bitmap_len + PAGE - 1) // PAGE)
    hdr = bytearray(PAGE)
    hdr[0:8] = b"KDUMP   "
    struct.pack_into("<i", hdr, 8, 6)
    hdr[12:17] = b"Linux"
    struct.pack_into("<IiiIIIIIIi", hdr, 424, 0, PAGE, 1, bitmap_blocks, max_mapnr, 0, 0, 0, 0, 1)
    note_off = 2 * PAGE
    sub = bytearray(PAGE)
    struct.pack_into("<QiiQQQQQQQQQQQ", sub, 0, 0, 31, 0, 0, max_mapnr, 0, 0, note_off,
                     len(note), 0, 0, 0, max_mapnr, max_mapnr)
    notes = note.ljust((len(note) + PAGE - 1) // PAGE * PAGE, b"\0")
    # sub_hdr_size covers the sub header and the notes
    struct.pack_into("<i", hdr, 432, 1 + len(notes) // PAGE)
    bitmap = bytearray(bitmap_blocks // 2 * PAGE)
    for pfn in pages:
        bitmap[pfn // 8] |= 1 << (pfn % 8)
    desc_at = PAGE * (2 + len(notes) // PAGE + bitmap_blocks)
    data_at = desc_at + 24 * len(pages)
    descs, blobs = [], []
    for pfn in sorted(pages):
        z = zlib.compress(pages[pfn], 9)
        descs.append(struct.pack("<QIIQ", data_at, len(z), 1, 0))
        blobs.append(z)
        data_at += len(z)
    return bytes(hdr) + bytes(sub) + notes + bytes(bitmap) * 2 + b"".join(descs) + b"".join(blobs)


def flatten(data):
    head = b"makedumpfile".ljust(16, b"\0") + struct.pack(">qq", 1, 1)
    out = [head.ljust(PAGE, b"\0")]
    step = 1 << 16
    for off in range(0, len(data), step):
        chunk = data[off:off + step]
        out.append(struct.pack(">qq", off, len(chunk)) + chunk)
    out.append(struct.pack(">qq", -1, -1))
    return b"".join(out)


def arm64_kernel_seed(trace):
    """The arm64 lab's dump shrunk the same way: its kallsyms without data
    symbols, the data found in the kernel's code (kcode_a64.c)."""
    why = kernel_arm64.unavailable()
    if why:
        print(f"mkseeds: no arm64 kernel seed: {why}", file=sys.stderr)
        return
    try:
        path = kernel_arm64.setup().elf
    except Exception as e:      # a failed boot costs this seed only
        print(f"mkseeds: no arm64 kernel seed: {e}", file=sys.stderr)
        return
    p = subprocess.run([trace, path, KERNEL_CMDS["all"]], capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        print(f"mkseeds: pagetrace arm64: {p.stderr}", file=sys.stderr)
        return
    seed = shrink(open(path, "rb").read(), {int(x, 16) for x in p.stdout.split()})
    put("kernel", "arm64-all.vmcore", seed)
    print(f"mkseeds: kernel/arm64-all.vmcore: {len(seed)} bytes")


def kernel_seeds():
    path = vmcore()
    if not path:
        print("mkseeds: no kernel vmcore in the corpus: no kernel seeds", file=sys.stderr)
        return
    data = open(path, "rb").read()
    trace = os.path.join(OUT, "pagetrace")
    sizes = {}
    for name, cmds in KERNEL_CMDS.items():
        p = subprocess.run([trace, path, cmds], capture_output=True, text=True, timeout=600)
        if p.returncode != 0:
            print(f"mkseeds: pagetrace {name}: {p.stderr}", file=sys.stderr)
            continue
        pages = {int(x, 16) for x in p.stdout.split()}
        seed = shrink(data, pages)
        put("kernel", name + ".vmcore", seed)
        sizes[name] = seed
        print(f"mkseeds: kernel/{name}.vmcore: {len(pages)} pages, {len(seed)} bytes")
    # the pages ::status reads when the kernel is found without VMCOREINFO
    # (from CR3, and kallsyms by their layout), the note's owner renamed away
    p = subprocess.run([trace, "--ignore-vmcoreinfo", path, "::status"], capture_output=True, text=True,
                       timeout=600)
    if p.returncode == 0:
        seed = shrink(data, {int(x, 16) for x in p.stdout.split()})
        put("kernel", "status-nonote.vmcore", seed.replace(b"VMCOREINFO\0", b"VMCOREINFX\0", 1))
        print(f"mkseeds: kernel/status-nonote.vmcore: {len(seed)} bytes")
    else:
        print(f"mkseeds: pagetrace --ignore-vmcoreinfo: {p.stderr}", file=sys.stderr)
    arm64_kernel_seed(trace)
    for name in ("open", "status", "stack"):
        if name in sizes:
            kd = kdump_compressed(sizes[name])
            put("kdump", name + ".kdump", b"\0" + kd)
            put("kdump", name + ".flat", b"\2" + flatten(kd))
            print(f"mkseeds: kdump/{name}.kdump: {len(kd)} bytes")


def main():
    os.makedirs(OUT, exist_ok=True)
    user_seeds()
    dwp_seed()
    kernel_seeds()


if __name__ == "__main__":
    main()
