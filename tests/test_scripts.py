"""Script tests in the style of mdb's own suite: each tests/scripts/NAME.mdb
runs with `pmdb -f` against the lang_data core (static data with known
values, tests/progs/lang_data.c) from inside tests/scripts, and its standard
output must equal NAME.out exactly.  Each err.NAME.mdb must fail (exit 1)
with the text of err.NAME.err in its standard error.  Both run under the
plain and the ASan/UBSan build."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "lib"))
import cores  # noqa: E402
from pmdb import ROOT  # noqa: E402

SCRIPTS = Path(__file__).parent / "scripts"
BUILDS = {"plain": os.path.join(ROOT, "build", "pmdb"),
          "asan": os.path.join(ROOT, "build", "asan", "pmdb")}
OK = sorted(p.stem for p in SCRIPTS.glob("*.mdb") if not p.name.startswith("err."))
ERR = sorted(p.stem for p in SCRIPTS.glob("err.*.mdb"))


def run_script(build, name):
    core = cores.make_core("lang_data")
    return subprocess.run([BUILDS[build], core.exe, core.core, "-f", name + ".mdb"],
                          cwd=SCRIPTS, capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, TZ="UTC"))


def test_every_script_has_an_expectation():
    assert OK and ERR
    for name in OK:
        assert (SCRIPTS / (name + ".out")).exists(), name
    for name in ERR:
        assert (SCRIPTS / (name + ".err")).read_text().strip(), name


@pytest.mark.parametrize("build", sorted(BUILDS))
@pytest.mark.parametrize("name", OK)
def test_script_output(name, build):
    p = run_script(build, name)
    assert p.stderr == "" and p.returncode == 0, p.stderr
    assert p.stdout == (SCRIPTS / (name + ".out")).read_text()


@pytest.mark.parametrize("build", sorted(BUILDS))
@pytest.mark.parametrize("name", ERR)
def test_script_error(name, build):
    p = run_script(build, name)
    want = (SCRIPTS / (name + ".err")).read_text().strip()
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert want in p.stderr
    assert "runtime error" not in p.stderr and "AddressSanitizer" not in p.stderr
