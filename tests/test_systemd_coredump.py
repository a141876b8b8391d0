"""pmdb --list / --latest / --pid / --exe against the real systemd-coredump
and systemd-journald, run in a private mount namespace by
tests/lib/coredumpd_ns.py (the machine's journal and core folder are never
touched).  Oracles: coredumpctl on the same journal, the file names and
user.coredump.* attributes systemd-coredump wrote, and the cores' own
contents (pid, signal) as pmdb reads them from a plain copy."""
import json
import os
import re
import shutil
import subprocess
import sys

import pytest

import cores
import pmdb

DRIVER = os.path.join(os.path.dirname(__file__), "lib", "coredumpd_ns.py")
NAMES = ["null_read", "threads", "sigfpe"]


def ready():
    for tool in ("/lib/systemd/systemd-coredump", "/lib/systemd/systemd-journald"):
        if not os.path.exists(tool):
            return f"{tool} is missing (scripts/deps.sh test installs systemd-coredump)"
    if not shutil.which("unshare") or os.getuid() != 0:
        return "needs root and unshare for a private mount namespace"
    return None


@pytest.fixture(scope="module")
def made():
    why = ready()
    assert why is None, why
    return {n: cores.make_core(n) for n in NAMES}


def run_job(tmp_path, made, journal, storage, commands):
    job = {"journal": journal, "storage": storage, "out": str(tmp_path / "result.json"),
           "cores": [{"exe": made[n].exe, "core": made[n].core, "signal": int(made[n].signal)} for n in NAMES],
           "commands": commands}
    (tmp_path / "job.json").write_text(json.dumps(job))
    p = subprocess.run(["unshare", "-m", "--propagation", "private", sys.executable, DRIVER,
                        str(tmp_path / "job.json")], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
    res = json.loads((tmp_path / "result.json").read_text())
    for c in res["coredump"]:
        assert c["rc"] == 0 and c["instance"] and c["instance"]["rc"] == 0, c
    return res


def rows(text, header_word="TIME"):
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith(header_word)]
    return [ln.split() for ln in lines]


PMDB = pmdb.PMDB


def human(n):
    """A size as pmdb --list prints it (coredumpctl's units)."""
    v, units = float(n), "BKMGT"
    u = 0
    while v >= 1024 and u < len(units) - 1:
        v /= 1024
        u += 1
    return f"{n}B" if u == 0 else f"{v:.1f}{units[u]}"


def test_journal_and_folder(tmp_path, made):
    res = run_job(tmp_path, made, journal=True, storage="external", commands=[
        ["coredumpctl", "list", "--no-pager", "--no-legend"],
        [PMDB, "--list"],
        [PMDB, "--latest", "-e", "::status"],
        [PMDB, "--pid", "{pid0}", "-e", "::status;$c"],
        [PMDB, "--exe", "threads", "-e", "::status"],
    ])
    ctl, lst, latest, bypid, byexe = res["commands"]
    assert ctl["rc"] == 0 and lst["rc"] == 0, (ctl, lst)
    theirs, mine = rows(ctl["stdout"]), rows(lst["stdout"])
    assert len(theirs) == len(mine) == 3, (ctl["stdout"], lst["stdout"])
    for t, m in zip(theirs, mine):
        # coredumpctl: DAY DATE TIME TZ PID UID GID SIG COREFILE EXE SIZE
        # pmdb:        DAY DATE TIME TZ PID UID GID SIG COREFILE SIZE EXE
        assert m[:9] == t[:9], (m, t)
        assert m[10] == t[9], (m, t)
    assert "pmdb: the journal was not read" not in lst["stderr"]
    pids = [str(c["pid"]) for c in res["coredump"]]
    assert [m[4] for m in mine] == pids
    # the newest is sigfpe's; --pid and --exe pick theirs; ::status names the file
    assert latest["rc"] == 0 and "SIGFPE" in latest["stdout"], latest
    assert bypid["rc"] == 0 and "SIGSEGV" in bypid["stdout"] and "inner" in bypid["stdout"], bypid
    assert byexe["rc"] == 0 and re.search(r"threads: \d+", byexe["stdout"]), byexe
    for r in (latest, bypid, byexe):
        assert re.search(r"^coredump: systemd-coredump's, of \S+ pid \d+", r["stdout"], re.M), r["stdout"]


def test_core_kept_in_the_journal(tmp_path, made):
    res = run_job(tmp_path, made, journal=True, storage="journal", commands=[
        ["coredumpctl", "list", "--no-pager", "--no-legend"],
        [PMDB, "--list"],
        [PMDB, "--pid", "{pid0}", "-e", "::status;$c"],
    ])
    ctl, lst, bypid = res["commands"]
    assert res["files"] == {}, res["files"]          # nothing in the folder
    theirs, mine = rows(ctl["stdout"]), rows(lst["stdout"])
    assert [t[8] for t in theirs] == [m[8] for m in mine] == ["journal"] * 3, (ctl["stdout"], lst["stdout"])
    # coredumpctl shows no size for these ("-"); pmdb reads it from the
    # first 64 KiB of each (journald keeps them compressed): the size of the
    # core the kernel wrote
    assert [m[9] for m in mine] == [human(os.path.getsize(made[n].core)) for n in NAMES], lst["stdout"]
    # the core, copied out of the journal, is null_read's: its stack and signal
    assert bypid["rc"] == 0, bypid
    assert "SIGSEGV" in bypid["stdout"] and "inner" in bypid["stdout"] and "middle" in bypid["stdout"], bypid


def test_no_journal(tmp_path, made):
    """No journald: systemd-coredump still keeps the files, pmdb lists them
    from the folder and says the journal was not read."""
    res = run_job(tmp_path, made, journal=False, storage="external", commands=[
        [PMDB, "--list"],
        [PMDB, "--exe", "null_read", "-e", "::status"],
    ])
    lst, byexe = res["commands"]
    assert lst["rc"] == 0, lst
    assert "pmdb: the journal was not read" in lst["stderr"], lst["stderr"]
    mine = rows(lst["stdout"])
    assert len(mine) == len(res["files"]) == 3
    for (name, attrs), m in zip(sorted(res["files"].items(), key=lambda kv: int(kv[0].split(".")[-2])), mine):
        assert m[4] == attrs["user.coredump.pid"] and m[5] == attrs["user.coredump.uid"], (m, attrs)
        assert m[8] == "present" and m[-1] == attrs["user.coredump.exe"], (m, attrs)
    assert byexe["rc"] == 0 and "SIGSEGV" in byexe["stdout"], byexe
