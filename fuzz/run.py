#!/usr/bin/python3
"""Run libFuzzer harnesses for a while each, FUZZ_JOBS at a time.

    fuzz/run.py --seconds N [--jobs J] HARNESS...

Each runs on build/fuzz/corpus/HARNESS (grown in place) plus fuzz/seeds/HARNESS
and fuzz/regressions/HARNESS; crashes, leaks, timeouts and out-of-memory inputs
land in build/fuzz/artifacts/HARNESS/, the log in build/fuzz/logs/HARNESS.log;
the last line of each log has the executions and the time."""
import argparse
import concurrent.futures
import os
import re
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
B = os.path.join(ROOT, "build", "fuzz")


def run(h, seconds):
    dirs = [os.path.join(B, "corpus", h)] + [os.path.join(ROOT, "fuzz", d, h)
                                             for d in ("seeds", "regressions")]
    dirs = [d for d in dirs if os.path.isdir(d)]
    os.makedirs(dirs[0], exist_ok=True)
    art = os.path.join(B, "artifacts", h) + "/"
    os.makedirs(art, exist_ok=True)
    os.makedirs(os.path.join(B, "logs"), exist_ok=True)
    log = os.path.join(B, "logs", h + ".log")
    cmd = [os.path.join(B, "fuzz_" + h), f"-max_total_time={seconds}", "-timeout=20",
           "-rss_limit_mb=3072", "-close_fd_mask=3", "-print_final_stats=1",
           f"-artifact_prefix={art}"] + dirs
    # the slow unwinder sees through libelf/libdw (no frame pointers), so
    # fuzz/lsan.supp can name the library function that leaked
    env = dict(os.environ, ASAN_OPTIONS="allocator_may_return_null=1:detect_leaks=1:fast_unwind_on_malloc=0",
               LSAN_OPTIONS="suppressions=" + os.path.join(ROOT, "fuzz", "lsan.supp"),
               UBSAN_OPTIONS="print_stacktrace=1")
    with open(log, "w") as f:
        p = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, cwd=ROOT, env=env)
    text = open(log, errors="replace").read()
    execs = re.findall(r"stat::number_of_executed_units:\s*(\d+)", text)
    secs = re.findall(r"Done (\d+) runs in (\d+) second", text)
    return h, p.returncode, execs[-1] if execs else "?", secs[-1][1] if secs else "?"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("harness", nargs="+")
    a = ap.parse_args()
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as ex:
        for h, rc, execs, secs in ex.map(lambda h: run(h, a.seconds), a.harness):
            print(f"fuzz {h}: exit {rc}, {execs} executions, {secs} s"
                  + ("" if rc == 0 else f" -- see build/fuzz/logs/{h}.log"))


if __name__ == "__main__":
    main()
