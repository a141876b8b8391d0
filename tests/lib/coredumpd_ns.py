"""Run the real systemd-coredump (and, if asked, the real systemd-journald)
in a private mount namespace, so the machine's /run/systemd, journal and
core folder are never touched:

    unshare -m --propagation private python3 coredumpd_ns.py JOB.json

JOB.json: {"journal": bool, "storage": "external"|"journal", "cores":
[{"exe": ..., "core": ..., "signal": N}, ...], "commands": [[argv...], ...],
"out": RESULT.json}.  Each core is handed to systemd-coredump as the kernel
would (its argv, the core on stdin) on behalf of a live process of the same
executable, held at its exec by ptrace, which systemd-coredump reads /proc
of.  systemd-coredump is started the way systemd's socket activation does
(systemd-coredump.socket, Accept=yes): one instance per connection to
/run/systemd/coredump, the connection as fd 3.  Then each command runs and
its output goes to RESULT.json."""
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

COREDUMP = "/lib/systemd/systemd-coredump"
JOURNALD = "/lib/systemd/systemd-journald"


def mount_tmpfs(path):
    os.makedirs(path, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "tmpfs", path], check=True)


def wait_for(path, timeout=10):
    deadline = time.time() + timeout
    while not os.path.exists(path):
        if time.time() > deadline:
            raise SystemExit(f"{path} did not appear")
        time.sleep(0.05)


def activator(sock, log):
    """systemd's socket activation of systemd-coredump@.service."""
    while True:
        try:
            conn, _ = sock.accept()
        except OSError:
            return
        fd = conn.detach()
        p = subprocess.run(["/bin/sh", "-c", 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$0"', COREDUMP],
                           pass_fds=(3, fd), preexec_fn=lambda: os.dup2(fd, 3),
                           capture_output=True, text=True)
        os.close(fd)
        log.append({"rc": p.returncode, "stderr": p.stderr[-2000:]})


def donor(exe):
    """A process of exe stopped at its exec (PTRACE_TRACEME): what the
    kernel's crashing process is to systemd-coredump."""
    libc = ctypes.CDLL(None, use_errno=True)
    p = subprocess.Popen([exe], preexec_fn=lambda: libc.ptrace(0, 0, None, None),
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while True:
        stat = open(f"/proc/{p.pid}/stat").read()
        if stat[stat.rindex(")") + 2] in "tT" and os.readlink(f"/proc/{p.pid}/exe") == os.path.realpath(exe):
            return p
        if time.time() > deadline:
            raise SystemExit(f"{exe} did not stop at exec")
        time.sleep(0.01)


def main():
    job = json.load(open(sys.argv[1]))
    mount_tmpfs("/run/systemd")
    mount_tmpfs("/run/log/journal")
    if os.path.isdir("/var/log/journal"):
        mount_tmpfs("/var/log/journal")
    mount_tmpfs("/var/lib/systemd/coredump")
    mount_tmpfs("/etc/systemd")     # systemd's defaults, and our Storage=
    with open("/etc/systemd/coredump.conf", "w") as f:
        f.write(f"[Coredump]\nStorage={job.get('storage', 'external')}\n")
    journald = None
    if job.get("journal"):
        journald = subprocess.Popen([JOURNALD], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for("/run/systemd/journal/socket")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    sock.bind("/run/systemd/coredump")
    sock.listen(8)
    log = []
    threading.Thread(target=activator, args=(sock, log), daemon=True).start()

    result = {"coredump": [], "commands": []}
    for c in job["cores"]:
        d = donor(c["exe"])
        with open(c["core"], "rb") as core:
            p = subprocess.run([COREDUMP, str(d.pid), str(os.getuid()), str(os.getgid()), str(c["signal"]),
                                str(int(time.time())), str(1 << 63), "pmdb-test", "1"],
                               stdin=core, capture_output=True, text=True, timeout=120)
        deadline = time.time() + 30      # its socket-activated instance finishes the job
        while len(log) < len(result["coredump"]) + 1 and time.time() < deadline:
            time.sleep(0.05)
        k = len(result["coredump"])      # this core's instance, not an earlier one's
        result["coredump"].append({"pid": d.pid, "rc": p.returncode, "stderr": p.stderr[-2000:],
                                   "instance": log[k] if len(log) > k else None})
        d.kill()
        d.wait()
        time.sleep(1.1)     # distinct timestamps (seconds), as between real crashes
    if journald:
        subprocess.run(["journalctl", "--flush"], capture_output=True)
        subprocess.run(["journalctl", "--sync"], capture_output=True)
    folder = "/var/lib/systemd/coredump"
    result["files"] = {f: {a: os.getxattr(os.path.join(folder, f), a).decode(errors="replace")
                           for a in os.listxattr(os.path.join(folder, f))}
                       for f in sorted(os.listdir(folder))}
    pids = {f"{{pid{i}}}": str(c["pid"]) for i, c in enumerate(result["coredump"])}
    for argv in job["commands"]:
        argv = [pids.get(a, a) for a in argv]
        p = subprocess.run(argv, capture_output=True, text=True, timeout=300, errors="replace",
                           env=dict(os.environ, TZ="UTC", SYSTEMD_COLORS="0", LC_ALL="C"))
        result["commands"].append({"argv": argv, "rc": p.returncode, "stdout": p.stdout, "stderr": p.stderr})
    sock.close()
    if journald:
        journald.send_signal(signal.SIGTERM)
        journald.wait()
    with open(job["out"], "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
