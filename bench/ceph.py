"""The ceph-mon workload of bench.py (--only ceph-mon): a real C++ server's
core with its distribution debug files, every thread's backtrace.

Installs ceph-mon and ceph-mon-dbg with apt-get when missing (Debian
bookworm), starts a one-monitor cluster on loopback from a throwaway monmap
and keyring in a temporary folder, waits until its threads are up, kills it
with SIGSEGV (ceph's handler re-raises it, so the kernel dumps core) and
keeps the core in build/bench/ceph/ until ceph-mon changes.

Its tool columns are those of bench/columns.py."""
import glob
import os
import resource
import shutil
import signal
import subprocess
import tempfile
import time
import uuid

from columns import tool_columns

MON = "/usr/bin/ceph-mon"
PORT = 6799
# frames every sane all-thread backtrace of this core shows: the crashing
# thread's handler, the main thread's wait, and the worker threads' start
EXPECT = ["handle_fatal_signal", "AsyncMessenger::wait", "start_thread"]


def _install(log):
    if os.path.exists(MON) and glob.glob("/usr/lib/debug/.build-id/*/*.debug"):
        dbg = subprocess.run(["dpkg-query", "-W", "-f=${Status}", "ceph-mon-dbg"],
                             capture_output=True, text=True).stdout
        if "installed" in dbg:
            return
    log("installing ceph-mon and ceph-mon-dbg with apt-get")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    p = subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "ceph-mon",
                        "ceph-mon-dbg"], capture_output=True, text=True, env=env)
    if p.returncode != 0:
        raise RuntimeError(f"apt-get install ceph-mon ceph-mon-dbg failed:\n{p.stdout[-2000:]}"
                           f"{p.stderr[-2000:]}")


def _start_mon(tmp, run):
    """A monitor 'a' on 127.0.0.1:PORT with its data under tmp; returns
    (Popen, thread count once it is up)."""
    fsid = str(uuid.uuid4())
    monmap, keyring, conf = (os.path.join(tmp, n) for n in ("monmap", "keyring", "ceph.conf"))
    with open(conf, "w") as f:
        f.write(f"[global]\nfsid = {fsid}\nmon host = 127.0.0.1:{PORT}\n"
                "auth cluster required = none\nauth service required = none\n"
                "auth client required = none\n"
                f"[mon]\nmon data = {tmp}/mon-a\nlog file = {tmp}/mon.log\n"
                f"run dir = {tmp}\nadmin socket = {tmp}/mon.asok\n")
    run(["monmaptool", "--create", "--fsid", fsid, "--add", "a", f"127.0.0.1:{PORT}", monmap])
    run(["ceph-authtool", "--create-keyring", keyring, "--gen-key", "-n", "mon.",
         "--cap", "mon", "allow *"])
    run([MON, "-c", conf, "--mkfs", "-i", "a", "--monmap", monmap, "--keyring", keyring])

    def limits():
        resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))

    p = subprocess.Popen([MON, "-c", conf, "-i", "a", "-f", "--public-addr", f"127.0.0.1:{PORT}"],
                         cwd=tmp, preexec_fn=limits, stdin=subprocess.DEVNULL,
                         stdout=open(os.path.join(tmp, "out.txt"), "w"), stderr=subprocess.STDOUT)
    # up: its thread count has stopped growing for a second
    last, stable = 0, 0
    for _ in range(300):
        time.sleep(0.1)
        if p.poll() is not None:
            with open(os.path.join(tmp, "out.txt")) as f:
                raise RuntimeError(f"ceph-mon exited with {p.returncode}:\n{f.read()[-2000:]}")
        n = len(os.listdir(f"/proc/{p.pid}/task"))
        stable = stable + 1 if n == last else 0
        last = n
        if n > 10 and stable >= 10:
            return p, n
    p.kill()
    p.wait()
    raise RuntimeError(f"ceph-mon did not settle in 30 s ({last} threads)")


def make_core(out, run, core_pattern, log):
    """build/bench/ceph/core of a ceph-mon killed by SIGSEGV; returns the
    core dict bench.py benchmarks (with its own tool columns)."""
    _install(log)
    top = os.path.join(out, "ceph")
    core = os.path.join(top, "core")
    stamp = os.path.join(top, "threads")
    if not (os.path.exists(stamp) and os.path.getmtime(stamp) >= os.path.getmtime(MON)
            and os.path.getmtime(stamp) >= os.path.getmtime(__file__)):
        shutil.rmtree(top, ignore_errors=True)
        os.makedirs(top)
        tmp = tempfile.mkdtemp(prefix="ceph-mon.")
        try:
            with core_pattern():
                p, nthreads = _start_mon(tmp, run)
                log(f"ceph-mon up with {nthreads} threads; SIGSEGV")
                p.send_signal(signal.SIGSEGV)
                rc = p.wait(timeout=120)
            found = glob.glob(os.path.join(tmp, "core*"))
            if rc != -signal.SIGSEGV or not found:
                raise RuntimeError(f"ceph-mon ended with {rc} and left {found or 'no core'} in {tmp}")
            shutil.move(found[0], core)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        with open(stamp, "w") as f:
            f.write(f"{nthreads}\n")
    with open(stamp) as f:
        nthreads = int(f.read())
    return core_spec(core, nthreads)


def core_spec(core, nthreads):
    tools = tool_columns(MON, core)
    # every thread but the main one starts in start_thread: a tool that shows
    # fewer did not show every thread
    return dict(name="ceph-mon", core=core, exe=MON, mode="all", source="ceph-mon 16.2 (apt)",
                expect=EXPECT, lines=[("start_thread", nthreads - 1, "start_thread frames")],
                own_tools=tools, threads=nthreads, min_timeout=900)
