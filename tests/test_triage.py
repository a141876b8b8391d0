"""pmdb triage: finding cores, one line per core in input order, buckets,
errors and timeouts reported per core, and the whole shared corpus
analysed without a worker dying."""
import json
import os
import shutil
import subprocess

import pytest

import corpus
import cores
import pmdb


def triage(args, binary=pmdb.PMDB, timeout=600):
    r = subprocess.run([binary, "triage"] + list(args), capture_output=True, text=True,
                       timeout=timeout, errors="replace")
    lines, rest = [], []
    for line in r.stdout.splitlines():
        (lines if line.startswith('{"core"') else rest).append(line)
    return r, [json.loads(l) for l in lines], rest


def is_core(path):
    try:
        with open(path, "rb") as f:
            h = f.read(18)
    except OSError:
        return False
    order = "big" if h[5:6] == b"\x02" else "little"
    return len(h) == 18 and h[:4] == b"\x7fELF" and int.from_bytes(h[16:18], order) == 4


def cores_under(top):
    found = []
    for d, dirs, files in os.walk(top):
        found += [os.path.join(d, f) for f in files if is_core(os.path.join(d, f))]
    return sorted(found)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    """A folder of cores: null_read three times (two fresh crashes), two
    other bugs, a file that is not a core and a compressed core."""
    d = tmp_path_factory.mktemp("fleet")
    nr = cores.make_core("null_read")
    shutil.copyfile(nr.core, d / "a.core")
    for i in range(2):
        cores.crash_in_dir(nr.exe, d / f"run{i}")
    (d / "sub").mkdir()
    shutil.copyfile(cores.make_core("abort_assert").core, d / "sub" / "b.core")
    shutil.copyfile(cores.make_core("sigfpe").core, d / "sub" / "c.core")
    (d / "notes.txt").write_text("not a core\n")
    subprocess.run(["gzip", "-k", str(d / "sub" / "c.core")], check=True)
    os.rename(d / "sub" / "c.core.gz", d / "old.core.gz")
    return d


def test_finds_and_buckets(fleet):
    r, lines, rest = triage(["-j", "2", str(fleet)])
    assert r.returncode == 0, r
    assert [l["core"] for l in lines] == cores_under(str(fleet))
    assert len(lines) == 5
    assert all(l["error"] is None and len(l["hash"]) == 16 for l in lines)
    by_hash = {}
    for l in lines:
        by_hash.setdefault(l["hash"], []).append(l)
    counts = sorted(len(v) for v in by_hash.values())
    assert counts == [1, 1, 3]
    assert "skipped 1 compressed file" in r.stderr
    assert "5 cores, 3 signatures, 0 not analysed" in "\n".join(rest)
    # the biggest bucket first, with its example and signature
    top = rest.index(next(x for x in rest if x.lstrip().startswith("3 ")))
    assert "null-deref: inner < middle < outer < main" in rest[top + 1]


def test_json_buckets_and_full_reports(fleet):
    r, lines, rest = triage(["--json", "-j", "3", str(fleet)])
    assert r.returncode == 0, r
    assert len(lines) == 5 and all("threads" in l and "verdict" in l for l in lines)
    buckets = [json.loads(x) for x in rest]
    assert [b["count"] for b in buckets] == [3, 1, 1]
    assert buckets[0]["signature"] == "null-deref: inner < middle < outer < main"
    assert buckets[0]["bucket"] == lines[0]["signature"]["hash"]


def test_bad_inputs_reported_and_run_goes_on(fleet, tmp_path):
    fifo = tmp_path / "fifo.core"
    os.mkfifo(fifo)          # opening it blocks: the worker times out
    trunc = tmp_path / "trunc.core"
    trunc.write_bytes(open(fleet / "a.core", "rb").read()[:200])
    args = ["-t", "1", str(fleet / "notes.txt"), str(fifo), str(trunc), "/nonexistent",
            str(fleet / "a.core")]
    r, lines, rest = triage(args)
    assert r.returncode == 1
    assert [l["core"] for l in lines] == args[2:]
    assert "not an ELF" in lines[0]["error"]
    assert "timed out" in lines[1]["error"]
    assert lines[2]["error"] and lines[3]["error"]
    assert lines[4]["error"] is None and lines[4]["class"] == "null-deref"


def test_no_cores_is_a_usage_error(tmp_path):
    r, lines, rest = triage([str(tmp_path)])
    assert r.returncode == 2 and not lines


@pytest.mark.skipif(not corpus.available(), reason="no shared corpus")
@pytest.mark.parametrize("binary", ["pmdb", "asan"])
def test_whole_corpus(binary):
    path = pmdb.PMDB if binary == "pmdb" else pmdb.ASAN
    if not os.path.exists(path):
        pytest.skip("make asan first")
    top = corpus.prepare()
    r, lines, rest = triage(["-t", "300", top], binary=path, timeout=1800)
    assert r.returncode in (0, 1), r.stderr
    assert [l["core"] for l in lines] == cores_under(top)
    died = [l for l in lines if l["error"] and ("worker" in l["error"] or "timed out" in l["error"])]
    assert not died, died
    analysed = [l for l in lines if not l["error"]]
    assert analysed and all(l["class"] and l["hash"] for l in analysed)
