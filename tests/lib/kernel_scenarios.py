"""Fresh kernel crash dumps of known bugs: tests/kernel_lab's pmdbcrash
module (built out of tree against Debian's linux-headers-KVER) in a busybox
initramfs, booted under QEMU (TCG) once per scenario by the kernel lab's
crash-and-dump.py, which waits for the panic and writes the dumps with
QMP dump-guest-memory.

Each scenario lands in build/kernel-lab/scenarios/NAME: vmcore.elf,
vmcore.kdump-zlib (QEMU's flattened kdump), console.log (the serial
console: the kernel's own Oops text, the oracle) and a key file.  The key
hashes tests/kernel_lab, the scenario's command line and the kernel
version, so a second run boots nothing; a lock keeps concurrent test runs
from booting twice."""
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass

import corpus
import kernel_lab

SRC = os.path.join(corpus.ROOT, "tests", "kernel_lab")
DEST = os.path.join(corpus.ROOT, "build", "kernel-lab", "scenarios")
SOURCES = ["pmdbcrash.c", "Kbuild", "Makefile", "pmdbtrigger.c", "init", "mkinitramfs.sh"]
CRASH_AND_DUMP = os.path.join(kernel_lab.LAB_SCRIPTS, "crash-and-dump.py")

# the panic on every Oops; slab poisoning, red zones, sanity checks and
# owner tracking for the module's own cache only (the rest of the boot
# stays fast)
COMMON = "oops=panic panic_on_oops=1 slub_debug=FZPU,pmdb_uaf"
# QEMU: 128 MiB (a 128 MiB ELF dump), 2 CPUs (the bug runs on CPU 1), no VGA
# framebuffer in the dump
QEMU_ARGS = ["--mem", "128", "--smp", "2", "--no-vga", "--formats", "elf,kdump-zlib", "--timeout", "90"]
SCENARIOS = {
    "null": "",
    "uaf": "",
    # softlockup after 2 * watchdog_thresh seconds
    "lockup": "softlockup_panic=1 watchdog_thresh=1",
    "hung": "hung_task_panic=1",
}


@dataclass
class Scenario:
    name: str
    dir: str
    elf: str
    kdump: str
    console: str
    boot_seconds: float   # QEMU start to the panic on the console, when booted

    def console_text(self):
        with open(self.console, errors="replace") as f:
            return f.read()


def _key(lab, name):
    h = hashlib.sha256()
    for src in SOURCES:
        h.update(src.encode() + b"\0")
        with open(os.path.join(SRC, src), "rb") as f:
            h.update(f.read() + b"\0")
    for part in [lab.kver, COMMON, SCENARIOS[name], name] + QEMU_ARGS:
        h.update(part.encode() + b"\0")
    return h.hexdigest()[:24]


def _scenario(name):
    d = os.path.join(DEST, name)
    boot = 0.0
    try:
        with open(os.path.join(d, "dump-report.json")) as f:
            boot = json.load(f).get("boot_to_panic_s", 0.0)
    except (OSError, ValueError):
        pass
    return Scenario(name=name, dir=d, elf=os.path.join(d, "vmcore.elf"),
                    kdump=os.path.join(d, "vmcore.kdump-zlib"),
                    console=os.path.join(d, "console.log"), boot_seconds=boot)


def _fresh(lab, name):
    s = _scenario(name)
    try:
        with open(os.path.join(s.dir, ".key")) as f:
            key = f.read().strip()
    except OSError:
        return False
    return key == _key(lab, name) and all(os.path.exists(p) for p in (s.elf, s.kdump, s.console))


def _run(cmd, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if r.returncode != 0:
        raise RuntimeError("%s failed:\n%s" % (" ".join(cmd), r.stdout[-3000:]))
    return r.stdout


def headers(kver):
    """Debian's linux-headers-KVER, installed by apt when missing."""
    kdir = "/usr/src/linux-headers-" + kver
    if not os.path.isfile(os.path.join(kdir, "Makefile")):
        _run(["apt-get", "install", "-y", "-qq", "linux-headers-" + kver],
             env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    return kdir


def build_initramfs(lab, b=os.path.join(DEST, "build")):
    """pmdbcrash.ko (out of tree, in a copy of tests/kernel_lab made in B),
    the static pmdbtrigger, and the initramfs holding them."""
    kdir = headers(lab.kver)
    shutil.rmtree(b, ignore_errors=True)
    os.makedirs(b)
    for name in SOURCES:
        shutil.copy(os.path.join(SRC, name), b)
    _run(["make", "-s", "-C", b, "KVER=" + lab.kver, "KDIR=" + kdir])
    _run(["gcc", "-static", "-O2", "-Wall", "-Wextra", "-Werror", "-o",
          os.path.join(b, "pmdbtrigger"), os.path.join(b, "pmdbtrigger.c")])
    initrd = os.path.join(b, "initrd.cpio.gz")
    _run(["bash", os.path.join(b, "mkinitramfs.sh"), lab.kroot, os.path.join(b, "pmdbcrash.ko"),
          os.path.join(b, "pmdbtrigger"), initrd])
    return initrd


def boot(lab, name, initrd, attempts=2):
    """One QEMU boot to the panic and its dumps, into DEST/NAME."""
    s = _scenario(name)
    tmp = s.dir + ".tmp"
    for attempt in range(attempts):
        shutil.rmtree(tmp, ignore_errors=True)
        r = subprocess.run([
            sys.executable, CRASH_AND_DUMP, "--kernel", lab.vmlinuz, "--initrd", initrd,
            "--outdir", tmp] + QEMU_ARGS + [
            "--append-extra", " ".join(filter(None, [COMMON, SCENARIOS[name],
                                                      "pmdbscenario=" + name]))],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        dumps = [os.path.join(tmp, f) for f in ("vmcore.elf", "vmcore.kdump-zlib")]
        if r.returncode == 0 and all(os.path.exists(d) and os.path.getsize(d) > 0 for d in dumps):
            break
        if attempt == attempts - 1:
            try:
                with open(os.path.join(tmp, "console.log"), errors="replace") as f:
                    console = f.read()[-3000:]
            except OSError:
                console = "(no console log)"
            raise RuntimeError("scenario %s: no dump:\n%s\n--- console:\n%s" %
                               (name, r.stdout[-3000:], console))
    if os.path.exists(os.path.join(tmp, "qmp.sock")):
        os.unlink(os.path.join(tmp, "qmp.sock"))
    with open(os.path.join(tmp, ".key"), "w") as f:
        f.write(_key(lab, name) + "\n")
    shutil.rmtree(s.dir, ignore_errors=True)
    os.replace(tmp, s.dir)
    return _scenario(name)


def setup(names=None):
    """The scenarios' dumps (all of SCENARIOS, or NAMES), booting only those
    whose key changed.  Returns {name: Scenario}."""
    lab = kernel_lab.setup()
    names = list(names or SCENARIOS)
    os.makedirs(DEST, exist_ok=True)
    with open(os.path.join(DEST, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stale = [n for n in names if not _fresh(lab, n)]
        if stale:
            initrd = build_initramfs(lab)
            for n in stale:
                boot(lab, n, initrd)
        return {n: _scenario(n) for n in names}
