"""The python3.11-dbg workload of bench.py (--only python): a core of
Debian's debug interpreter, every thread's backtrace.

Installs python3.11-dbg (python3.11d, which carries its own DWARF; the
package's /usr/lib/debug/.build-id files cover its extension modules,
_ctypes among them) and libc6-dbg with apt-get when missing, runs
bench/progs/py_crash.py (four threads waiting deep in Python calls, the
main thread crashing in strlen under ctypes.string_at 30 Python calls
down) and keeps the core in build/bench/python/ until the interpreter, the
program or this file change.  Its tool columns are those of
bench/columns.py."""
import os
import shutil
import subprocess

from columns import tool_columns

PY = "/usr/bin/python3.11d"
PACKAGES = ["python3.11-dbg", "libc6-dbg"]
PROG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "progs", "py_crash.py")
# the eval loop's C function, the crashing C function (strlen's name
# depends on the CPU: __strlen_avx2, __strlen_evex, ...) and its caller
EXPECT = ["_PyEval_EvalFrameDefault", "strlen", "string_at"]
WORKERS = 4


def _install(log):
    missing = []
    for pkg in PACKAGES:
        st = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg],
                            capture_output=True, text=True).stdout
        if "installed" not in st:
            missing.append(pkg)
    if not missing:
        return
    log(f"installing {' '.join(missing)} with apt-get")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    p = subprocess.run(["apt-get", "install", "-y", "--no-install-recommends"] + missing,
                       capture_output=True, text=True, env=env)
    if p.returncode != 0:
        raise RuntimeError(f"apt-get install {' '.join(missing)} failed:\n{p.stdout[-2000:]}"
                           f"{p.stderr[-2000:]}")


def make_core(out, crash, core_pattern, log):
    """build/bench/python/core; returns the core dict bench.py benchmarks
    (with its own tool columns).  crash is bench.py's: run a program until
    it dies of a signal, return its core."""
    _install(log)
    top = os.path.join(out, "python")
    core = os.path.join(top, "core")
    newest = max(os.path.getmtime(p) for p in (PY, PROG, __file__))
    if not (os.path.exists(core) and os.path.getmtime(core) >= newest):
        shutil.rmtree(top, ignore_errors=True)
        os.makedirs(top)
        with core_pattern():
            log(f"crashing {os.path.basename(PROG)} under {PY}")
            crash([PY, PROG], top)
    # each worker thread starts in start_thread: fewer means a tool did not
    # show every thread
    return dict(name="python", core=core, exe=PY, mode="all",
                source="python3.11-dbg (apt) running bench/progs/py_crash.py", expect=EXPECT,
                lines=[("start_thread", WORKERS, "start_thread frames")],
                own_tools=tool_columns(PY, core), threads=WORKERS + 1, min_timeout=300)
