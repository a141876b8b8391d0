"""The triage workload of bench.py (--only triage): 1,000 small cores of
five bugs (bench/progs/triage_crash.c, each crashed 200 times with varying
recursion depths), analysed by `pmdb triage -j CPUS`; reports cores per
second (the issue's target: >= 100 on 2 CPUs) and checks that the cores
fall into exactly five buckets.

The cores are made once into build/bench/triage/ (about 300 MB, 20-40 s)
and reused while the program is unchanged."""
import json
import os
import resource
import subprocess
import time

BUGS = 5
PER_BUG = 200


def _crash(exe, workdir, bug, depth):
    os.makedirs(workdir, exist_ok=True)

    def limits():
        resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))

    p = subprocess.run([exe, str(bug), str(depth)], cwd=workdir, preexec_fn=limits,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=60)
    core = os.path.join(workdir, "core")
    if p.returncode >= 0 or not os.path.exists(core):
        raise RuntimeError(f"{exe} {bug} {depth}: no core (exit {p.returncode}) in {workdir}")


def make_cores(out, progs, run, core_pattern, log):
    """build/bench/triage/BUG-N/core for every bug and run; returns the folder."""
    top = os.path.join(out, "triage")
    src = os.path.join(progs, "triage_crash.c")
    exe = os.path.join(top, "triage_crash")
    stamp = os.path.join(top, ".complete")
    if (os.path.exists(stamp) and os.path.getmtime(stamp) >= os.path.getmtime(src)
            and os.path.getmtime(stamp) >= os.path.getmtime(__file__)):
        return top
    subprocess.run(["rm", "-rf", top], check=True)
    os.makedirs(top)
    run(["gcc", "-Wall", "-O0", "-g", "-o", exe, src])
    log(f"crashing triage_crash {BUGS * PER_BUG} times into {top}")
    with core_pattern():
        for bug in range(BUGS):
            for n in range(PER_BUG):
                _crash(exe, os.path.join(top, f"bug{bug}-{n:03d}"), bug, n % 17)
    open(stamp, "w").close()
    return top


def run_triage(pmdb, top, env, cpus, timeout):
    t0 = time.monotonic()
    p = subprocess.run([pmdb, "triage", "-j", str(cpus), top], capture_output=True, text=True,
                       env=env, timeout=timeout)
    wall = time.monotonic() - t0
    lines = [json.loads(l) for l in p.stdout.splitlines() if l.startswith('{"core"')]
    return wall, lines, p


def bench(pmdb, out, progs, run, core_pattern, log, env, runs, timeout):
    """Run the workload; print and return its figures."""
    top = make_cores(out, progs, run, core_pattern, log)
    cpus = os.cpu_count() or 1
    run_triage(pmdb, top, env, cpus, timeout)      # warm the page and debug caches
    walls = []
    for _ in range(runs):
        wall, lines, p = run_triage(pmdb, top, env, cpus, timeout)
        walls.append(wall)
    errors = [l for l in lines if l["error"]]
    hashes = {l["hash"] for l in lines if not l["error"]}
    ok = len(lines) == BUGS * PER_BUG and not errors and len(hashes) == BUGS
    best = min(walls)
    rate = len(lines) / best if best > 0 else 0.0
    print(f"\ntriage: {len(lines)} cores ({BUGS} bugs x {PER_BUG}), pmdb triage -j {cpus}: "
          f"best of {runs} {best:.2f} s = {rate:.0f} cores/s "
          f"({rate / cpus:.0f} per CPU; target >= 100 cores/s on 2 CPUs); "
          f"{len(hashes)} signatures, {len(errors)} errors: {'ok' if ok else 'FAILED'}")
    if not ok:
        log(f"triage output: rc={p.returncode} {p.stderr[-2000:]}")
    return dict(cores=len(lines), cpus=cpus, runs_s=[round(w, 3) for w in walls],
                cores_per_s=round(rate, 1), signatures=len(hashes), errors=len(errors),
                status="ok" if ok else "FAILED")
