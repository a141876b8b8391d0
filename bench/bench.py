#!/usr/bin/env python3
"""pmdb against gdb, eu-stack and lldb on the same cores, in one run.

Each tool prints the crash's status and backtrace(s); we take the median
wall time of N runs and the peak RSS of the child (wait4's ru_maxrss), and
print ratios tool/pmdb.  Cores come from tests/progs (built and crashed
here) and from the shared corpus when it is present."""
import argparse
import bz2
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
import cores  # noqa: E402

PMDB = os.path.join(ROOT, "build", "pmdb")
CORPUS = os.path.join(ROOT, "..", "shared", "corpus")


def corpus_cores():
    out = []
    src = os.path.join(CORPUS, "elfutils")
    dst = os.path.join(ROOT, "build", "bench", "corpus")
    os.makedirs(dst, exist_ok=True)
    pair = [("backtrace.x86_64.core.bz2", "backtrace.x86_64.exec.bz2")]
    for c, e in pair:
        if not os.path.exists(os.path.join(src, c)):
            continue
        paths = []
        for f in (c, e):
            p = os.path.join(dst, f[:-4])
            if not os.path.exists(p):
                with bz2.open(os.path.join(src, f)) as i, open(p, "wb") as o:
                    o.write(i.read())
            paths.append(p)
        out.append(("corpus-backtrace", paths[1], paths[0], "backtracegen", False))
    return out


def commands(exe, core, all_threads):
    pm = "::status; ::walk thread | ::findstack" if all_threads else "::status; $C"
    return {
        "pmdb": [PMDB, exe, core, "-e", pm],
        "gdb": ["gdb", "-batch", "-nx", "-ex", "thread apply all bt" if all_threads else "bt",
                exe, core],
        # -i: inline frames, as pmdb shows them; -n: eu-stack stops at 256 frames
        "eu-stack": ["eu-stack", "-i", "-n", "1000000", "--core", core, "-e", exe],
        "lldb": ["lldb", "--batch", "-o", "bt all" if all_threads else "bt", "-c", core, exe],
    }


def measure(argv, expect):
    """Wall time, peak RSS in KiB (from GNU time, so that the measured
    process is not a fork of this Python, whose pages would count), and
    whether the output holds the expected function name."""
    rssfile = os.path.join(ROOT, "build", "bench", "rss")
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rssfile] + argv,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    with open(rssfile) as f:
        lines = f.read().split()
    rss = int(lines[-1]) if lines and lines[-1].isdigit() else 0
    ok = expect.encode() in p.stdout and "Command terminated" not in " ".join(lines)
    return wall, rss, ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json")
    args = ap.parse_args()
    cases = []
    for name, func, allt in [("null_read", "inner", False), ("deep", "descend", False),
                             ("threads", "crash_now", True), ("cxx_throw", "assemble", False)]:
        c = cores.make_core(name)
        cases.append((name, c.exe, c.core, func, allt))
    cases += corpus_cores()
    results = {}
    for name, exe, core, func, allt in cases:
        row = {}
        for tool, argv in commands(exe, core, allt).items():
            # gdb needs about 30 s for the 100k-frame core: fewer runs there
            n = 1 if name == "deep" else args.runs
            if name != "deep":
                measure(argv, func)  # warm-up: page cache
            runs = [measure(argv, func) for _ in range(n)]
            row[tool] = {"ms": statistics.median(r[0] for r in runs) * 1000,
                         "rss_mib": max(r[1] for r in runs) / 1024,
                         "ok": all(r[2] for r in runs)}
        results[name] = row
        base = row["pmdb"]
        print(f"\n{name} ({os.path.getsize(core) >> 10} KiB core)")
        print(f"  {'tool':10} {'ms':>9} {'RSS MiB':>9} {'time x':>8} {'rss x':>8}")
        for tool, r in row.items():
            flag = "" if r["ok"] else "  FAILED (no backtrace)"
            print(f"  {tool:10} {r['ms']:9.1f} {r['rss_mib']:9.1f} {r['ms'] / base['ms']:8.1f}"
                  f" {r['rss_mib'] / base['rss_mib']:8.1f}{flag}")
    print("\nsummary (tool/pmdb, time and peak RSS):")
    for name, row in results.items():
        parts = [f"{t}/pmdb time {r['ms'] / row['pmdb']['ms']:.1f}x rss "
                 f"{r['rss_mib'] / row['pmdb']['rss_mib']:.1f}x" + ("" if r["ok"] else " (FAILED)")
                 for t, r in row.items() if t != "pmdb"]
        print(f"  {name}: " + "; ".join(parts))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
