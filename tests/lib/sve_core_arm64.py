"""User cores written by a real arm64 kernel: tests/progs/sve_crash.c
built static with aarch64-linux-gnu-gcc (+sve, pac-ret; SVE and PAC
state) and tests/progs/vfp_crash.c built static with
arm-linux-gnueabihf-gcc (a 32-bit compat task: NT_ARM_VFP), run by the
initramfs /init tests/kernel_lab_arm64/sve_init on Debian's arm64 kernel
under qemu-system-aarch64 -M virt -cpu max (SVE, pointer authentication,
AArch32 at EL0) with TCG.  The guest prints the cores gzipped and
base64-encoded on its serial console and powers off; they are decoded
from the console log here.

Everything lands in build/sve-core-arm64 (or $PMDB_SVE_CORE_ARM64): the
programs, console.log, the cores and a key hashing the init script, the
programs' sources and flags, the kernel version and QEMU's command line,
so a second run boots nothing; a lock keeps concurrent runs from booting
twice.  The kernel .debs come from tests/lib/kernel_arm64.py's cache.
Raises kernel_arm64.Unavailable when the packages cannot be had."""
import base64
import fcntl
import gzip
import hashlib
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass

import arm_cores
import corpus
import kernel_arm64

SRC_INIT = os.path.join(corpus.ROOT, "tests", "kernel_lab_arm64", "sve_init")
PROGS = {  # name in the guest: (compiler, flags); the source is tests/progs/NAME.c
    "sve_crash": ("aarch64-linux-gnu-gcc", ["-static", "-O1", "-g", "-march=armv8-a+sve",
                                            "-mbranch-protection=pac-ret", "-pthread"]),
    "vfp_crash": ("arm-linux-gnueabihf-gcc", ["-static", "-O1", "-g", "-mfpu=neon"]),
}
DEST = os.environ.get("PMDB_SVE_CORE_ARM64", os.path.join(corpus.ROOT, "build", "sve-core-arm64"))
# pauth-impdef: QEMU's fast stand-in for the QARMA cipher (the kernel signs
# its own return addresses too; QARMA under TCG is slow)
QEMU_ARGS = ["-M", "virt", "-cpu", "max,pauth-impdef=on", "-accel", "tcg", "-smp", "1",
             "-m", "256", "-display", "none", "-monitor", "none", "-no-reboot"]
APPEND = "console=ttyAMA0 panic=-1 loglevel=4"
BOOT_TIMEOUT = 900


@dataclass
class SveCore:
    exe: str
    core: str
    exe32: str              # vfp_crash, the 32-bit ARM compat task
    core32: str
    console: str
    vl: int                 # the guest's default vector length (bytes)
    boot_seconds: float


def unavailable():
    """Why this machine cannot make the core (None if it can)."""
    if os.path.exists(os.path.join(DEST, "out", ".key")) and os.path.exists(
            os.path.join(DEST, "out", "core32")):
        return None
    why = arm_cores.tools_missing(arm_cores.A64) or arm_cores.tools_missing(arm_cores.ARMHF)
    if why:
        return why
    if not shutil.which("apt-get"):
        return "no apt-get: cannot fetch Debian's arm64 kernel"
    return kernel_arm64._apt_ready()


def _key(kver):
    h = hashlib.sha256()
    with open(SRC_INIT, "rb") as f:
        h.update(f.read())
    for name, (cc, flags) in sorted(PROGS.items()):
        with open(_src(name), "rb") as f:
            h.update(f.read())
        for part in [cc] + flags:
            h.update(b"\0" + part.encode())
    for part in [kver, APPEND] + QEMU_ARGS:
        h.update(b"\0" + part.encode())
    return h.hexdigest()[:24]


def _src(name):
    return os.path.join(corpus.ROOT, "tests", "progs", name + ".c")


def _kernel():
    """Debian's arm64 kernel and busybox, unpacked in kernel_arm64's cache
    under its lock."""
    os.makedirs(kernel_arm64.DEST, exist_ok=True)
    with open(os.path.join(kernel_arm64.DEST, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        why = kernel_arm64._apt_ready()
        if why:
            raise kernel_arm64.Unavailable(why)
        kver = kernel_arm64._kver()
        kroot, busybox = kernel_arm64._unpack(kver)
        return kver, os.path.join(kroot, "boot", "vmlinuz-" + kver), busybox


def _initramfs(busybox, progs, out):
    d = out + ".d"
    shutil.rmtree(d, ignore_errors=True)
    for sub in ("bin", "proc", "sys", "dev", "tmp"):
        os.makedirs(os.path.join(d, sub))
    shutil.copy(busybox, os.path.join(d, "bin", "busybox"))
    shutil.copy(SRC_INIT, os.path.join(d, "init"))
    os.chmod(os.path.join(d, "init"), 0o755)
    for p in progs:
        shutil.copy(p, os.path.join(d, os.path.basename(p)))
        os.chmod(os.path.join(d, os.path.basename(p)), 0o755)
    subprocess.run("find . -print0 | sort -z | cpio --null -o -H newc --quiet | gzip -9 > '%s'"
                   % out, shell=True, cwd=d, check=True)
    shutil.rmtree(d)


def _boot(vmlinuz, initrd, console):
    cmd = [kernel_arm64.QEMU] + QEMU_ARGS + ["-kernel", vmlinuz, "-initrd", initrd,
                                             "-append", APPEND, "-serial", "file:" + console]
    t0 = time.time()
    try:
        subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=BOOT_TIMEOUT)
    except subprocess.TimeoutExpired as e:
        raise RuntimeError("the SVE guest did not power off in %d s:\n%s"
                           % (BOOT_TIMEOUT, kernel_arm64._read(console)[-3000:])) from e
    return round(time.time() - t0, 1)


def _cores(text):
    """{name: bytes} of the cores between the console's markers."""
    out = {}
    for m in re.finditer(r"PMDB-CORE-BEGIN (\S+) (\d+)\r?\n(.*?)PMDB-CORE-END", text, re.S):
        data = gzip.decompress(base64.b64decode(re.sub(r"\s+", "", m.group(3))))
        if len(data) != int(m.group(2)):
            raise RuntimeError("core %s: %d bytes decoded, the guest wrote %s"
                               % (m.group(1), len(data), m.group(2)))
        out[m.group(1)] = data
    return out


def _result(out):
    text = kernel_arm64._read(os.path.join(out, "console.log"))
    vl = re.search(r"PMDB-SVE-VL (\d+)", text)
    try:
        with open(os.path.join(out, "boot_seconds")) as f:
            secs = float(f.read())
    except (OSError, ValueError):
        secs = 0.0
    return SveCore(exe=os.path.join(out, "sve_crash"), core=os.path.join(out, "core"),
                   exe32=os.path.join(out, "vfp_crash"), core32=os.path.join(out, "core32"),
                   console=os.path.join(out, "console.log"), vl=int(vl.group(1)) if vl else 0,
                   boot_seconds=secs)


def setup():
    """The core, booting QEMU only when the key changed."""
    os.makedirs(DEST, exist_ok=True)
    with open(os.path.join(DEST, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        why = arm_cores.tools_missing(arm_cores.A64) or arm_cores.tools_missing(arm_cores.ARMHF)
        if why:
            raise kernel_arm64.Unavailable(why)
        kver, vmlinuz, busybox = _kernel()
        key = _key(kver)
        out = os.path.join(DEST, "out")
        if kernel_arm64._read(os.path.join(out, ".key")).strip() == key and \
           all(os.path.exists(os.path.join(out, f)) for f in ("core", "core32")):
            return _result(out)
        tmp = out + ".tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(tmp)
        exes = []
        for name, (cc, flags) in sorted(PROGS.items()):
            exes.append(os.path.join(tmp, name))
            r = subprocess.run([cc] + flags + ["-o", exes[-1], _src(name)], capture_output=True,
                               text=True)
            if r.returncode != 0:
                raise RuntimeError("%s failed:\n%s" % (cc, r.stderr[-3000:]))
        initrd = os.path.join(tmp, "initrd.cpio.gz")
        _initramfs(busybox, exes, initrd)
        console = os.path.join(tmp, "console.log")
        secs = _boot(vmlinuz, initrd, console)
        cores = _cores(kernel_arm64._read(console))
        for prog, dest in (("sve_crash", "core"), ("vfp_crash", "core32")):
            data = [v for k, v in cores.items() if k.startswith("core.%s." % prog)]
            if len(data) != 1:
                raise RuntimeError("the guest printed %d cores of %s:\n%s"
                                   % (len(data), prog, kernel_arm64._read(console)[-3000:]))
            with open(os.path.join(tmp, dest), "wb") as f:
                f.write(data[0])
        with open(os.path.join(tmp, "boot_seconds"), "w") as f:
            f.write(str(secs))
        os.unlink(initrd)
        with open(os.path.join(tmp, ".key"), "w") as f:
            f.write(key + "\n")
        shutil.rmtree(out, ignore_errors=True)
        os.replace(tmp, out)
        return _result(out)


def setup_or_skip():
    """The cores, or pytest.skip saying why they cannot be made here."""
    import pytest
    why = unavailable()
    if why:
        pytest.skip(why)
    try:
        return setup()
    except kernel_arm64.Unavailable as e:
        pytest.skip(str(e))


if __name__ == "__main__":
    print(setup())
