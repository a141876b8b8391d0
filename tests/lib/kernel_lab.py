"""The kernel test-bed (../shared/kernel-lab) as the tests use it: Debian's
kernel image and its debug vmlinux, unpacked once under build/kernel-lab,
and `crash` (the oracle) run on a dump with its output kept beside it.

Everything is written under build/kernel-lab; a stamp makes a second run a
no-op, and a lock keeps concurrent test runs from setting it up twice."""
import fcntl
import hashlib
import os
import subprocess
from dataclasses import dataclass

import corpus

LAB_SCRIPTS = os.path.normpath(os.path.join(corpus.SRC, "..", "kernel-lab"))
DEST = os.environ.get("PMDB_KERNEL_LAB", os.path.join(corpus.ROOT, "build", "kernel-lab"))
STAMP = os.path.join(DEST, ".setup-done")


@dataclass
class Lab:
    kver: str
    kroot: str     # dpkg -x of linux-image-KVER: boot/vmlinuz-KVER, lib/modules/KVER
    vmlinuz: str
    vmlinux: str   # the debug vmlinux (DWARF), cut out of linux-image-KVER-dbg
    sysmap: str


def available():
    return os.path.isfile(os.path.join(LAB_SCRIPTS, "setup.sh"))


def _lab(kver):
    dbg = os.path.join(DEST, "dbg", "usr", "lib", "debug", "boot")
    return Lab(kver=kver, kroot=os.path.join(DEST, "kernel"),
               vmlinuz=os.path.join(DEST, "kernel", "boot", "vmlinuz-" + kver),
               vmlinux=os.path.join(dbg, "vmlinux-" + kver),
               sysmap=os.path.join(dbg, "System.map-" + kver))


def setup():
    """Run kernel-lab's setup.sh (apt installs qemu, crash, busybox, ...;
    downloads the kernel image and cuts vmlinux out of the -dbg package)
    once.  About a minute on a fresh machine."""
    os.makedirs(DEST, exist_ok=True)
    with open(os.path.join(DEST, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.exists(STAMP):
            with open(STAMP) as f:
                lab = _lab(f.read().strip())
            if os.path.exists(lab.vmlinux) and os.path.exists(lab.vmlinuz):
                return lab
        r = subprocess.run(["bash", os.path.join(LAB_SCRIPTS, "setup.sh"), DEST],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            raise RuntimeError("kernel-lab setup.sh failed:\n" + r.stderr[-3000:])
        kver = [ln for ln in r.stdout.splitlines() if ln.startswith("KVER=")][-1][5:]
        lab = _lab(kver)
        for p in (lab.vmlinux, lab.vmlinuz):
            if not os.path.exists(p):
                raise RuntimeError("kernel-lab setup.sh did not produce " + p)
        with open(STAMP + ".tmp", "w") as f:
            f.write(kver + "\n")
        os.replace(STAMP + ".tmp", STAMP)
        return lab


def for_corpus():
    """The lab, for tests that pair the corpus's ready-made dumps with the
    lab's debug vmlinux: they need the same kernel build.  When Debian has
    moved on to a newer kernel than the corpus's, those tests are skipped,
    saying why (the lab's own fresh dumps still test everything)."""
    import pytest
    lab = setup()
    notes = os.path.join(corpus.SRC, "kernel", "reference", "qemu-kaslr-96m.notes.txt")
    with open(notes, errors="replace") as f:
        release = next((ln.split("=", 1)[1].strip() for ln in f if ln.startswith("OSRELEASE=")), None)
    if release != lab.kver:
        pytest.skip(f"the corpus's dumps are of kernel {release}, Debian's current kernel "
                    f"(the lab's debug vmlinux) is {lab.kver}")
    return lab


def crash(lab, dump, commands, timeout=300):
    """`crash -s VMLINUX DUMP` running COMMANDS (a list of lines); the
    output is kept under build/kernel-lab/crash-out keyed by the dump's
    identity and the commands, since crash takes 10-30 s a run."""
    st = os.stat(dump)
    key = hashlib.sha256(("\n".join([os.path.abspath(dump), str(st.st_size),
                                     str(int(st.st_mtime))] + list(commands))).encode()).hexdigest()[:20]
    outdir = os.path.join(DEST, "crash-out")
    os.makedirs(outdir, exist_ok=True)
    out = os.path.join(outdir, key + ".txt")
    if os.path.exists(out):
        with open(out, errors="replace") as f:
            return f.read()
    cmdfile = out + ".cmds"
    with open(cmdfile, "w") as f:
        f.write("\n".join(list(commands) + ["quit"]) + "\n")
    r = subprocess.run(["crash", "-s", lab.vmlinux, dump, "-i", cmdfile],
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=timeout)
    text = r.stdout.decode(errors="replace")
    if "crash: " in text and r.returncode != 0 and len(text) < 2000:
        raise RuntimeError("crash failed on %s:\n%s" % (dump, text))
    with open(out + ".tmp", "w") as f:
        f.write(text)
    os.replace(out + ".tmp", out)
    os.unlink(cmdfile)
    return text


def gdb(lab, commands, timeout=600):
    """gdb -batch on the debug vmlinux alone (no dump): one output per
    command, for type layouts.  gdb reads vmlinux's DWARF for ~30 s, so
    the outputs are kept under build/kernel-lab/gdb-out like crash's."""
    st = os.stat(lab.vmlinux)
    key = hashlib.sha256(("\n".join([lab.vmlinux, str(st.st_size), str(int(st.st_mtime))] +
                                    list(commands))).encode()).hexdigest()[:20]
    outdir = os.path.join(DEST, "gdb-out")
    os.makedirs(outdir, exist_ok=True)
    out = os.path.join(outdir, key + ".txt")
    if not os.path.exists(out):
        argv = ["gdb", "-nx", "-batch"]
        for i, c in enumerate(commands):
            argv += ["-ex", f"echo @@gdb-command {i}\\n", "-ex", c]
        r = subprocess.run(argv + [lab.vmlinux], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout)
        with open(out + ".tmp", "w") as f:
            f.write(r.stdout.decode(errors="replace"))
        os.replace(out + ".tmp", out)
    with open(out, errors="replace") as f:
        text = f.read()
    parts = text.split("@@gdb-command ")[1:]
    return [p.split("\n", 1)[1] if "\n" in p else "" for p in parts]
