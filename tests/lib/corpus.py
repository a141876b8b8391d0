"""The shared real-core conformance corpus (../shared/corpus, or $PMDB_CORPUS): a scratch
copy decompressed under build/corpus, and the `expected/*.expected` files
parsed into assertions (format: /work/shared/corpus/README.md).

The shared corpus is only read; everything is written under build/corpus."""
import fcntl
import os
import re
import shutil
import struct
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SRC = os.environ.get("PMDB_CORPUS", os.path.normpath(os.path.join(ROOT, "..", "shared", "corpus")))
DEST = os.path.join(ROOT, "build", "corpus")
STAMP = os.path.join(DEST, ".prepared")

DECOMPRESS = [  # suffix, command writing the decompressed data to stdout
    (".bz2", ["bzip2", "-dc"]),
    (".zst", ["zstd", "-qdc"]),
    (".gz", ["gzip", "-dc"]),
]
SYSROOT_TAR = os.path.join("elfutils", "testfile-sysroot.tar.bz2")


def available():
    return os.path.isfile(os.path.join(SRC, "README.md"))


def _fingerprint():
    """Names, sizes and mtimes of the shared corpus: a re-run with the same
    fingerprint has nothing to do."""
    items = []
    for d, dirs, files in os.walk(SRC):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(d, f)
            st = os.stat(p)
            items.append(f"{os.path.relpath(p, SRC)} {st.st_size} {int(st.st_mtime)}")
    return "\n".join(items) + "\n"


def _atomic_decompress(cmd, src, dst):
    tmp = dst + ".tmp"
    with open(tmp, "wb") as out:
        subprocess.run(cmd + [src], stdout=out, check=True)
    os.replace(tmp, dst)


def prepare():
    """Copy the corpus into build/corpus and decompress it (as the corpus
    README does with `bzip2 -dk`, `zstd -qdk`, `gzip -dk` and tar, but into
    temporary names renamed into place, so that an interrupted run never
    leaves a truncated file that a later run would take as done).  Files
    already there are kept; a stamp makes an unchanged corpus a no-op.
    A lock keeps concurrent test runs from preparing it twice."""
    os.makedirs(DEST, exist_ok=True)
    with open(os.path.join(DEST, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        fp = _fingerprint()
        if os.path.exists(STAMP) and open(STAMP).read() == fp:
            return DEST
        for d, dirs, files in os.walk(SRC):
            rel = os.path.relpath(d, SRC)
            os.makedirs(os.path.join(DEST, rel), exist_ok=True)
            for f in files:
                s = os.path.join(d, f)
                t = os.path.join(DEST, rel, f)
                st = os.stat(s)
                if not (os.path.exists(t) and os.path.getsize(t) == st.st_size):
                    shutil.copyfile(s, t + ".tmp")
                    os.chmod(t + ".tmp", 0o644)
                    os.replace(t + ".tmp", t)
                if os.path.join(rel, f) == SYSROOT_TAR:
                    continue
                for suffix, cmd in DECOMPRESS:
                    if f.endswith(suffix) and not f.endswith(".tar" + suffix):
                        out = t[: -len(suffix)]
                        if not os.path.exists(out):
                            _atomic_decompress(cmd, t, out)
        sysroot = os.path.join(DEST, "elfutils", "testfile-sysroot")
        if os.path.exists(os.path.join(SRC, SYSROOT_TAR)) and not os.path.isdir(sysroot):
            tmp = sysroot + ".tmp"
            shutil.rmtree(tmp, ignore_errors=True)
            os.makedirs(tmp)
            subprocess.run(["tar", "xjf", os.path.join(DEST, SYSROOT_TAR), "-C", tmp], check=True)
            os.replace(tmp, sysroot)
        with open(STAMP + ".tmp", "w") as f:
            f.write(fp)
        os.replace(STAMP + ".tmp", STAMP)
    return DEST


# --- expected files -----------------------------------------------------------

class Line:
    """One assertion: keyword, fields, its comment, the section it is in
    (upstream / derived / frames), a condition, and where it comes from."""

    def __init__(self, kw, fields, comment, section, cond, where):
        self.kw, self.fields, self.comment = kw, fields, comment
        self.section, self.cond, self.where = section, cond, where

    def __repr__(self):
        return f"{self.where}: {self.kw} {' '.join(self.fields)}" + (
            f"   # {self.comment}" if self.comment else "")


class Fixture:
    def __init__(self, source, path):
        self.source = source          # corpus source directory, e.g. "drgn"
        self.path = path              # the .expected file (in the shared corpus)
        self.id = None
        self.core = None              # relative to the source directory
        self.exe = None
        self.exe_optional = None      # "exe - (X may be supplied)"
        self.libs = []
        self.sysroot = None
        self.arch = None
        self.lines = []

    @property
    def name(self):
        return f"{self.source}/{self.id}"

    def workdir(self):
        return os.path.join(DEST, self.source)

    def get(self, *kws):
        return [l for l in self.lines if l.kw in kws]

    def __repr__(self):
        return f"<Fixture {self.name} arch={self.arch}>"


HEADER = {"fixture", "core", "exe", "libs", "sysroot", "arch", "origin"}


def parse_expected(source, path):
    fx = Fixture(source, path)
    section = "upstream"
    cond = None
    with open(path) as f:
        for n, raw in enumerate(f, 1):
            text, _, comment = raw.rstrip("\n").partition("#")
            comment = comment.strip()
            if not text.strip():
                c = raw.strip().lstrip("#").strip().lower()
                if c.startswith("--- upstream"):
                    section, cond = "upstream", None
                elif c.startswith("--- derived facts"):
                    section, cond = "derived", None
                elif c.startswith("--- derived frames"):
                    section, cond = "frames", None
                elif "supplied" in c and ("once" in c or "with" in c):
                    # crashme_pie_no_headers: what holds once the executable
                    # is given (until the next section)
                    cond = "with_exe"
                continue
            fields = text.split()
            kw, fields = fields[0], fields[1:]
            where = f"{os.path.relpath(path, SRC)}:{n}"
            if kw in HEADER:
                val = " ".join(fields)
                if kw == "fixture":
                    fx.id = val
                elif kw == "core":
                    fx.core = fields[0]
                elif kw == "exe":
                    if fields[0] != "-":
                        fx.exe = fields[0]
                    else:
                        m = re.search(r"\((\S+) may be supplied\)", val)
                        fx.exe_optional = m.group(1) if m else None
                elif kw == "libs":
                    fx.libs = [x for x in fields if x != "-"]
                elif kw == "sysroot":
                    fx.sysroot = fields[0]
                elif kw == "arch":
                    fx.arch = val
                continue
            fx.lines.append(Line(kw, fields, comment, section, cond, where))
    return fx


def fixtures():
    """Every fixture of every source directory, sorted by name."""
    out = []
    if not available():
        return out
    for source in sorted(os.listdir(SRC)):
        edir = os.path.join(SRC, source, "expected")
        if not os.path.isdir(edir):
            continue
        for f in sorted(os.listdir(edir)):
            if f.endswith(".expected"):
                out.append(parse_expected(source, os.path.join(edir, f)))
    return out


def all_core_files():
    """Every core file of the corpus, relative to DEST: the `core` of every
    fixture, plus the kernel dumps (which have no .expected file)."""
    cores = []
    for fx in fixtures():
        cores.append(os.path.join(fx.source, fx.core))
    kdir = os.path.join(SRC, "kernel")
    if os.path.isdir(kdir):
        for f in sorted(os.listdir(kdir)):
            if ".vmcore" in f:
                for suffix, _ in DECOMPRESS:
                    if f.endswith(suffix):
                        f = f[: -len(suffix)]
                cores.append(os.path.join("kernel", f))
    return sorted(set(cores))


# --- ELF build-ids, to make shipped shared objects findable -------------------

def elf_build_id(path):
    """The NT_GNU_BUILD_ID of an ELF file (from its PT_NOTE segments), or None."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF":
        return None
    cls, enc = data[4], data[5]
    e = "<" if enc == 1 else ">"
    if cls == 2:
        phoff, = struct.unpack_from(e + "Q", data, 0x20)
        phentsize, phnum = struct.unpack_from(e + "HH", data, 0x36)
        phfmt, poff = e + "IIQQQQQQ", (2, 5)   # type, flags, offset, vaddr, paddr, filesz
    else:
        phoff, = struct.unpack_from(e + "I", data, 0x1c)
        phentsize, phnum = struct.unpack_from(e + "HH", data, 0x2a)
        phfmt, poff = e + "IIIIIIII", (1, 4)
    for i in range(phnum):
        ph = struct.unpack_from(phfmt, data, phoff + i * phentsize)
        if ph[0] != 4:  # PT_NOTE
            continue
        off, size = ph[poff[0]], ph[poff[1]]
        pos, end = off, off + size
        while pos + 12 <= end:
            namesz, descsz, ntype = struct.unpack_from(e + "III", data, pos)
            name = data[pos + 12: pos + 12 + namesz]
            dpos = pos + 12 + ((namesz + 3) & ~3)
            if ntype == 3 and name.rstrip(b"\0") == b"GNU":
                return data[dpos: dpos + descsz].hex()
            pos = dpos + ((descsz + 3) & ~3)
    return None


def libs_debug_dir(fx):
    """A directory DIR with DIR/.build-id/xx/rest -> each shipped shared
    object of the fixture (the layout libdwfl's build-id lookup searches),
    so that pmdb -d DIR finds libraries whose recorded path (e.g.
    /home/osandov/crashme.so) does not exist here.  None if no lib has a
    build-id."""
    made = False
    d = os.path.join(DEST, ".libs", fx.source, fx.id)
    for lib in fx.libs:
        p = os.path.join(fx.workdir(), lib)
        if not os.path.exists(p):
            continue
        bid = elf_build_id(p)
        if not bid:
            continue
        link = os.path.join(d, ".build-id", bid[:2], bid[2:])
        os.makedirs(os.path.dirname(link), exist_ok=True)
        if not (os.path.islink(link) and os.readlink(link) == p):
            tmp = f"{link}.{os.getpid()}.tmp"
            os.symlink(p, tmp)
            os.replace(tmp, link)
        made = True
    return d if made else None


def kernel_dump(name):
    """The corpus's kernel dump NAME, decompressed; skips the test when the
    corpus is not on this machine."""
    import pytest
    if not available():
        pytest.skip("the shared corpus is not on this machine")
    path = os.path.join(prepare(), "kernel", name)
    assert os.path.exists(path), "corpus preparation did not decompress the kernel dump"
    return path
