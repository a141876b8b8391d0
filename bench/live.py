"""The live workload of bench.py (--only live): how long each tool keeps a
running process stopped while it reads every thread's stack.

bench/progs/stopwatch.c runs 4 threads that sleep 100 us at a time and
record how late they wake up; a stopped thread wakes up late by about the
time it was held.  For each tool: reset the records, run the tool on the
process, read the worst lateness.  A run with no tool at all gives the
noise floor of this machine.  Reported: the median over the runs of the
worst lateness (ms), and the tool's wall time."""
import os
import statistics
import subprocess
import time

THREADS = 4


def _tools(pmdb, pid, out):
    core = os.path.join(out, "live.core")
    return [
        ("(no tool: noise floor)", ["sleep", "0.05"]),
        ("pmdb -p, ::stacks", [pmdb, "-p", str(pid), "-e", "::stacks"]),
        ("pmdb -p -o nostop, ::stacks", [pmdb, "-p", str(pid), "-o", "nostop", "-e", "::stacks"]),
        ("pmdb --gcore", [pmdb, "--gcore", str(pid), core]),
        ("eu-stack -p", ["eu-stack", "-p", str(pid)]),
        ("gdb -p, thread apply all bt", ["gdb", "-batch", "-nx", "-q", "-p", str(pid),
                                         "-ex", "thread apply all bt"]),
        ("gdb -p, gcore", ["gdb", "-batch", "-nx", "-q", "-p", str(pid), "-ex", f"gcore {core}"]),
    ]


def bench(pmdb, out, progs, run, log, runs):
    exe = os.path.join(out, "stopwatch")
    src = os.path.join(progs, "stopwatch.c")
    if not os.path.exists(exe) or os.path.getmtime(exe) < os.path.getmtime(src):
        run(["cc", "-O2", "-g", "-pthread", "-o", exe, src])
    victim = subprocess.Popen([exe, str(THREADS)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert victim.stdout.readline().strip() == "ready"

    def ask(cmd):
        victim.stdin.write(cmd + "\n")
        victim.stdin.flush()
        return victim.stdout.readline().strip()

    results = {}
    print(f"\nlive process, {THREADS} threads: worst time a thread was held (its wake-up lateness), "
          f"median of {runs} runs")
    print(f"  {'tool':32} {'held ms':>9} {'wall ms':>9}")
    try:
        for name, argv in _tools(pmdb, victim.pid, out):
            if not os.path.isabs(argv[0]) and subprocess.run(["which", argv[0]],
                                                             capture_output=True).returncode:
                log(f"{argv[0]} is not installed: left out")
                continue
            held, wall = [], []
            for _ in range(runs + 1):        # the first run warms caches
                ask("reset")
                time.sleep(0.02)
                t0 = time.monotonic()
                subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
                wall.append((time.monotonic() - t0) * 1000)
                time.sleep(0.02)
                held.append(int(ask("report")) / 1000)
            held, wall = held[1:], wall[1:]
            results[name] = dict(held_ms=statistics.median(held), wall_ms=statistics.median(wall))
            print(f"  {name:32} {results[name]['held_ms']:9.2f} {results[name]['wall_ms']:9.1f}")
    finally:
        victim.kill()
        victim.wait()
    return results
