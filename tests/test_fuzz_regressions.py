"""Every input the fuzzers (fuzz/) found a crash, leak or hang with, run
through the ASan/UBSan build of pmdb: a clean exit (0, 1 or 2), no sanitizer
report, no hang.  The file is what the harness was given: for kdump the first
byte picks the signature the harness writes over the start, for expr it is
the command line run on the types core; a .zst file is decompressed first."""
import glob
import os
import subprocess

import pytest

import cores
import pmdb
from test_badinput import run_asan

REG = os.path.join(pmdb.ROOT, "fuzz", "regressions")
CMDS = {
    "core": "::status; $c; ::mappings; ::modules; $r; ::threads",
    "kernel": "::status; ::msgbuf; ::ps; $c; ::stacks; ::analyze; ::kmastat; <rsp::whatis; init_task::whatis",
    "kdump": "::status; ::msgbuf; ::ps; $c",
}
MAGIC = [b"KDUMP   ", b"DISKDUMP", b"makedumpfile"]
INPUTS = sorted(os.path.relpath(p, REG) for p in glob.glob(os.path.join(REG, "*", "*")))


def load(path):
    if path.endswith(".zst"):
        return subprocess.run(["zstd", "-qdc", path], capture_output=True, check=True).stdout
    return open(path, "rb").read()


@pytest.mark.parametrize("name", INPUTS)
def test_regression(name, tmp_path):
    harness = name.split(os.sep)[0]
    data = load(os.path.join(REG, name))
    if harness == "expr":
        types = cores.make_core("types")
        run_asan([types.exe, types.core], data.decode("latin-1"), timeout=60)
        return
    if harness == "kdump":
        m = MAGIC[data[0] % 3] if data else MAGIC[0]
        data = data[1:]
        data = m + data[len(m):] if len(data) >= len(m) else m
    f = tmp_path / "input"
    f.write_bytes(data)
    run_asan([str(f)], CMDS[harness], timeout=60)


def test_kdump_subheader_cut_short(tmp_path):
    """fuzz_kernel's kdump header whose sub-header runs past the file's end
    (62 of its 80 bytes there): libkdumpfile failed on it and then crashed
    in kdump_free (the plain build; under ASan its 3.6 GB allocation failed
    first). pmdb refuses it before libkdumpfile opens it."""
    f = tmp_path / "input"
    f.write_bytes(load(os.path.join(REG, "kernel", "kdump-subheader-cut-short.zst")))
    r = pmdb.run([str(f)], "::status")
    assert r.rc == 2, r
    assert "the kdump sub-header (version 4587520) is cut short: 62 of its first 80 bytes" in r.err, r
