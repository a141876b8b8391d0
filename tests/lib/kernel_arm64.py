"""An AArch64 kernel crash dump made here: Debian's linux-image-KVER-arm64
and busybox-static (arm64 .debs, fetched with apt after `dpkg
--add-architecture arm64`), an initramfs whose /init
(tests/kernel_lab_arm64/init) prints the oracles to the console and then
crashes the kernel with sysrq from CPU 1, booted with qemu-system-aarch64
-M virt -cpu cortex-a57 under TCG with QEMU's vmcoreinfo device, and the
guest's memory dumped over QMP (ELF and kdump-zlib) once it panicked.

Everything lands in build/kernel-lab-arm64 (or $PMDB_KERNEL_LAB_ARM64):
kernel/ (the unpacked image), dump/{vmcore.elf, vmcore.kdump-zlib,
console.log} and a key hashing the init script, the kernel version and
QEMU's command line, so a second run boots nothing; a lock keeps
concurrent test runs from booting twice.  unavailable() says why a
machine cannot make the dump (tests skip with that reason)."""
import fcntl
import glob
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass

import corpus
import kernel_lab

SRC = os.path.join(corpus.ROOT, "tests", "kernel_lab_arm64")
DEST = os.environ.get("PMDB_KERNEL_LAB_ARM64", os.path.join(corpus.ROOT, "build", "kernel-lab-arm64"))
QEMU = "qemu-system-aarch64"
APPEND = "console=ttyAMA0 panic=0 loglevel=7 oops=panic panic_on_oops=1"
QEMU_ARGS = ["-M", "virt", "-cpu", "cortex-a57", "-accel", "tcg", "-smp", "2", "-m", "256",
             "-display", "none", "-monitor", "none", "-no-reboot", "-device", "vmcoreinfo"]
FORMATS = ["elf", "kdump-zlib"]
BOOT_TIMEOUT = 600
ENV = dict(os.environ, DEBIAN_FRONTEND="noninteractive")


class Unavailable(RuntimeError):
    """The packages cannot be had here (no root, no network, no arm64 in
    the mirror): the tests skip, where a failed boot is an error."""


@dataclass
class Dump:
    kver: str
    dir: str
    elf: str
    kdump: str
    console: str
    boot_seconds: float

    def console_text(self):
        with open(self.console, errors="replace") as f:
            return f.read()


def _run(cmd, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=ENV, **kw)
    if r.returncode != 0:
        raise RuntimeError("%s failed:\n%s" % (" ".join(cmd), r.stdout[-3000:]))
    return r.stdout


def _apt_ready():
    """qemu-system-aarch64 and apt's arm64 package lists, installed when
    missing; a string saying why not, or None."""
    if os.geteuid() != 0 and (not shutil.which(QEMU) or not shutil.which("cpio") or
                              "arm64" not in _foreign()):
        return "not root: cannot install qemu-system-arm and cpio or add dpkg's arm64 architecture"
    try:
        if "arm64" not in _foreign():
            _run(["dpkg", "--add-architecture", "arm64"])
            _run(["apt-get", "update", "-qq"])
        missing = [p for p, tool in (("qemu-system-arm", QEMU), ("cpio", "cpio")) if not shutil.which(tool)]
        if missing:
            _run(["apt-get", "install", "-y", "-qq", "--no-install-recommends"] + missing)
    except (RuntimeError, OSError) as e:
        return "cannot install %s or arm64 package lists: %s" % (QEMU, str(e)[-300:])
    return None


def _foreign():
    try:
        return subprocess.run(["dpkg", "--print-foreign-architectures"], stdout=subprocess.PIPE,
                               text=True).stdout.split()
    except OSError:
        return []


def _kver():
    """Debian's current arm64 kernel ABI (6.1.0-NN-arm64)."""
    try:
        out = _run(["apt-cache", "depends", "linux-image-arm64:arm64"])
    except RuntimeError as e:
        raise Unavailable(str(e)) from e
    for ln in out.splitlines():
        ln = ln.strip()
        if ln.startswith("Depends: linux-image-") and ln[len("Depends: linux-image-"):][:1].isdigit():
            return ln.split("linux-image-", 1)[1].split(":")[0]
    raise Unavailable("apt knows no linux-image-arm64:arm64:\n" + out[-1000:])


def _download(pkgs, into):
    os.makedirs(into, exist_ok=True)
    for p in pkgs:
        if not glob.glob(os.path.join(into, p.split(":")[0] + "_*_arm64.deb")):
            try:
                _run(["apt-get", "download", "-qq", p], cwd=into)
            except RuntimeError as e:
                raise Unavailable("cannot download %s: %s" % (p, str(e)[-300:])) from e


def _unpack(kver):
    debs = os.path.join(DEST, "debs")
    _download(["linux-image-%s:arm64" % kver, "busybox-static:arm64"], debs)
    root = os.path.join(DEST, "kernel")
    if not os.path.exists(os.path.join(root, "boot", "vmlinuz-" + kver)):
        shutil.rmtree(root, ignore_errors=True)
        _run(["dpkg", "-x", glob.glob(os.path.join(debs, "linux-image-%s_*_arm64.deb" % kver))[0], root])
    bb = os.path.join(DEST, "busybox")
    if not os.path.exists(os.path.join(bb, "bin", "busybox")):
        _run(["dpkg", "-x", glob.glob(os.path.join(debs, "busybox-static_*_arm64.deb"))[0], bb])
    return root, os.path.join(bb, "bin", "busybox")


def _initramfs(kroot, busybox, out):
    """busybox, qemu_fw_cfg.ko (decompressed) and /init, as a newc cpio."""
    d = out + ".d"
    shutil.rmtree(d, ignore_errors=True)
    for sub in ("bin", "proc", "sys", "dev", "tmp", "lib/modules"):
        os.makedirs(os.path.join(d, sub))
    shutil.copy(busybox, os.path.join(d, "bin", "busybox"))
    shutil.copy(os.path.join(SRC, "init"), os.path.join(d, "init"))
    os.chmod(os.path.join(d, "init"), 0o755)
    fw = glob.glob(os.path.join(kroot, "lib", "modules", "*", "**", "qemu_fw_cfg.ko*"), recursive=True)
    if not fw:
        raise RuntimeError("qemu_fw_cfg.ko is not in " + kroot)
    ko = os.path.join(d, "lib", "modules", "qemu_fw_cfg.ko")
    unz = {".xz": ["xz", "-dc"], ".zst": ["zstd", "-qdc"]}.get(os.path.splitext(fw[0])[1])
    if unz:
        with open(ko, "wb") as f:
            subprocess.run(unz + [fw[0]], stdout=f, check=True)
    else:
        shutil.copy(fw[0], ko)
    subprocess.run("find . -print0 | sort -z | cpio --null -o -H newc --quiet | gzip -9 > %s"
                   % _q(out), shell=True, cwd=d, check=True)
    shutil.rmtree(d)


def _q(s):
    return "'" + s.replace("'", "'\\''") + "'"


def _qmp_class():
    """The x86 lab's QMP client (crash-and-dump.py), imported from its file."""
    spec = importlib.util.spec_from_file_location(
        "crash_and_dump", os.path.join(kernel_lab.LAB_SCRIPTS, "crash-and-dump.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.QMP


def _boot(vmlinuz, initrd, out):
    """QEMU to the panic, then dump-guest-memory in FORMATS."""
    QMP = _qmp_class()
    os.makedirs(out)
    sock, console = os.path.join(out, "qmp.sock"), os.path.join(out, "console.log")
    cmd = [QEMU] + QEMU_ARGS + ["-kernel", vmlinuz, "-initrd", initrd, "-append", APPEND,
                                "-serial", "file:" + console,
                                "-qmp", "unix:%s,server=on,wait=off" % sock]
    rep = {"qemu_cmd": cmd, "dumps": {}}
    t0 = time.time()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    try:
        q = QMP(sock, t0 + 30, p)
        while "end Kernel panic" not in _read(console):
            if p.poll() is not None or time.time() > t0 + BOOT_TIMEOUT:
                raise RuntimeError("no panic (QEMU rc %s):\n%s" % (p.poll(), _read(console)[-3000:]))
            time.sleep(0.5)
        rep["boot_to_panic_s"] = round(time.time() - t0, 1)
        time.sleep(1)
        for fmt in FORMATS:
            args = {"paging": False, "protocol": "file:" + os.path.join(out, "vmcore." + fmt)}
            if fmt != "elf":
                args["format"] = fmt
            rep["dumps"][fmt] = q.cmd("dump-guest-memory", **args)
        q.cmd("quit")
    finally:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
        with open(os.path.join(out, "dump-report.json"), "w") as f:
            json.dump(rep, f, indent=1)
    if os.path.exists(sock):
        os.unlink(sock)


def _read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def _key(kver):
    h = hashlib.sha256()
    with open(os.path.join(SRC, "init"), "rb") as f:
        h.update(f.read())
    for part in [kver, APPEND] + QEMU_ARGS + FORMATS:
        h.update(b"\0" + part.encode())
    return h.hexdigest()[:24]


def _dump(kver):
    d = os.path.join(DEST, "dump")
    try:
        with open(os.path.join(d, "dump-report.json")) as f:
            boot = json.load(f).get("boot_to_panic_s", 0.0)
    except (OSError, ValueError):
        boot = 0.0
    return Dump(kver=kver, dir=d, elf=os.path.join(d, "vmcore.elf"),
                kdump=os.path.join(d, "vmcore.kdump-zlib"),
                console=os.path.join(d, "console.log"), boot_seconds=boot)


def unavailable():
    """Why this machine cannot make the dump (None if it can)."""
    if not kernel_lab.available():
        return "the kernel lab's scripts (../shared/kernel-lab) are not here"
    stamp = os.path.join(DEST, "dump", ".key")
    if os.path.exists(stamp) and shutil.which(QEMU):
        return None
    if not shutil.which("apt-get"):
        return "no apt-get: cannot fetch Debian's arm64 kernel"
    return _apt_ready()


def setup():
    """The dump, booting QEMU only when the key changed (about two minutes
    under TCG)."""
    os.makedirs(DEST, exist_ok=True)
    with open(os.path.join(DEST, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        why = _apt_ready()
        if why:
            raise Unavailable(why)
        kver = _kver()
        key = _key(kver)
        dump = _dump(kver)
        if _read(os.path.join(dump.dir, ".key")).strip() == key and \
           all(os.path.exists(p) for p in (dump.elf, dump.kdump, dump.console)):
            return dump
        kroot, busybox = _unpack(kver)
        initrd = os.path.join(DEST, "initrd.cpio.gz")
        _initramfs(kroot, busybox, initrd)
        tmp = dump.dir + ".tmp"
        for attempt in range(2):
            shutil.rmtree(tmp, ignore_errors=True)
            try:
                _boot(os.path.join(kroot, "boot", "vmlinuz-" + kver), initrd, tmp)
                break
            except RuntimeError:
                if attempt == 1:
                    raise
        with open(os.path.join(tmp, ".key"), "w") as f:
            f.write(key + "\n")
        shutil.rmtree(dump.dir, ignore_errors=True)
        os.replace(tmp, dump.dir)
        return _dump(kver)
