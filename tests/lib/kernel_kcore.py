"""pmdb on a running kernel's /proc/kcore, inside a QEMU (TCG) guest booted
from the kernel lab's Debian kernel: this machine has no /proc/kcore.

The guest's initramfs is the scenarios' (kernel_scenarios.build_initramfs:
busybox, qemu_fw_cfg.ko, pmdbcrash.ko) with a second cpio archive
appended, which the kernel unpacks over the first: tests/kernel_lab/
kcore_init as /init, build/pmdb as /bin/pmdb, and every shared library
`ldd` lists, the loader included, at its own path.  The guest runs pmdb
on /proc/kcore and prints its answers next to its own view of the same
facts in "=== BEGIN NAME ===" / "=== END NAME ===" sections on the serial
console, then powers off.

The console log is kept in build/kernel-lab/kcore named by a key hashing
the scenario sources, kcore_init, the pmdb binary, its libraries and the
QEMU command line, so a second run with the same pmdb boots nothing."""
import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import time

import corpus
import kernel_lab
import kernel_scenarios

INIT = os.path.join(kernel_scenarios.SRC, "kcore_init")
DEST = os.path.join(corpus.ROOT, "build", "kernel-lab", "kcore")
APPEND = "console=ttyS0 loglevel=1 panic=-1 oops=panic"
QEMU_ARGS = ["-accel", "tcg", "-m", "256", "-smp", "2", "-display", "none", "-monitor", "none",
             "-vga", "none", "-no-reboot"]
TIMEOUT = 400      # TCG: 35-90 s to boot and run pmdb's batch, more on a busy machine
SECTION = re.compile(r"^=== BEGIN (\S+) ===\r?\n(.*?)^=== END \1 ===", re.S | re.M)


def shared_libraries(binary):
    """(path on this machine, path in the guest) of each library ldd lists."""
    out = subprocess.run(["ldd", binary], stdout=subprocess.PIPE, text=True, check=True).stdout
    libs = []
    for line in out.splitlines():
        m = re.search(r"(?:=>\s*)?(/\S+)\s+\(0x", line)
        if m:
            libs.append((os.path.realpath(m.group(1)), m.group(1)))
    return libs


def _key(lab, pmdb_bin, libs):
    h = hashlib.sha256()
    for src in kernel_scenarios.SOURCES:
        with open(os.path.join(kernel_scenarios.SRC, src), "rb") as f:
            h.update(src.encode() + b"\0" + f.read() + b"\0")
    for path in [INIT, pmdb_bin] + [real for real, _ in libs]:
        with open(path, "rb") as f:
            h.update(path.encode() + b"\0" + f.read() + b"\0")
    for part in [lab.kver, APPEND] + QEMU_ARGS:
        h.update(part.encode() + b"\0")
    return h.hexdigest()[:24]


def _overlay(pmdb_bin, libs, out):
    """The second archive: /init, /bin/pmdb and the libraries (gzip'd cpio)."""
    stage = out + ".d"
    shutil.rmtree(stage, ignore_errors=True)
    for src, dst in [(INIT, "/init"), (pmdb_bin, "/bin/pmdb")] + libs:
        os.makedirs(os.path.dirname(stage + dst), exist_ok=True)
        shutil.copy(src, stage + dst)
    os.chmod(stage + "/init", 0o755)
    names = subprocess.run("cd %s && find . | sort" % stage, shell=True, check=True,
                           stdout=subprocess.PIPE).stdout
    cpio = subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], cwd=stage, input=names,
                          stdout=subprocess.PIPE, check=True).stdout
    subprocess.run(["gzip", "-1"], input=cpio, stdout=open(out, "wb"), check=True)
    shutil.rmtree(stage)


def _boot(lab, initrd, console):
    if os.path.exists(console):
        os.unlink(console)
    cmd = ["qemu-system-x86_64"] + QEMU_ARGS + [
        "-kernel", lab.vmlinuz, "-initrd", initrd, "-append", APPEND, "-serial", "file:" + console]
    t0 = time.time()
    try:
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise RuntimeError("the kcore guest did not power off in %d s; see %s" % (TIMEOUT, console))
    if r.returncode != 0:
        raise RuntimeError("qemu failed (%d):\n%s" % (r.returncode, r.stdout[-3000:]))
    return time.time() - t0


def console(pmdb_bin):
    """The guest's serial console text (booting only when the key changed)."""
    lab = kernel_lab.setup()
    libs = shared_libraries(pmdb_bin)
    os.makedirs(DEST, exist_ok=True)
    with open(os.path.join(DEST, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        # one log per key: the plain and the ASan build each keep theirs
        key = _key(lab, pmdb_bin, libs)
        log = os.path.join(DEST, "console-%s.log" % key)
        if not os.path.exists(log):
            base = kernel_scenarios.build_initramfs(lab, os.path.join(DEST, "build"))
            overlay = os.path.join(DEST, "build", "kcore.cpio.gz")
            _overlay(pmdb_bin, libs, overlay)
            initrd = os.path.join(DEST, "build", "initrd-kcore.cpio.gz")
            with open(initrd, "wb") as o:
                for part in (base, overlay):
                    with open(part, "rb") as f:
                        shutil.copyfileobj(f, o)
            seconds = _boot(lab, initrd, log + ".tmp")
            with open(log + ".tmp", errors="replace") as f:
                if "=== PMDB-KCORE DONE ===" not in f.read():
                    raise RuntimeError("the kcore guest stopped before its end; see %s.tmp" % log)
            with open(log + ".seconds", "w") as f:
                f.write("%.1f\n" % seconds)
            os.replace(log + ".tmp", log)
        with open(log, errors="replace") as f:
            return f.read()


def sections(text):
    """{NAME: the lines between its BEGIN and END markers}."""
    return {m.group(1): m.group(2).replace("\r", "") for m in SECTION.finditer(text)}
