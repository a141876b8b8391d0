"""DWARF types far larger than memory (tests/progs/hugetypes.c) through the
ASan/UBSan build: sizes are exact, output stays bounded, nothing overflows."""
import os
import subprocess

import pytest

import cores
import pmdb

ENV = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=99",
           UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=98")


@pytest.fixture(scope="module")
def core():
    return cores.make_core("hugetypes")


def run(core, cmds):
    p = subprocess.run([pmdb.ASAN, "-q", core.exe, core.core, "-e", cmds], capture_output=True,
                       text=True, timeout=60, env=ENV, errors="replace")
    assert "Sanitizer" not in p.stderr and "runtime error" not in p.stderr, p.stderr[-4000:]
    assert p.returncode in (0, 1), p
    return p


def test_sizes(core):
    p = run(core, "::sizeof huge_t; ::sizeof square_t; ::sizeof struct holder")
    assert p.stdout.split("\n")[:3] == [
        "sizeof (huge_t) = 0x4000000000000", "sizeof (square_t) = 0x40000000000",
        "sizeof (struct holder) = 0x40000000008"]


@pytest.mark.parametrize("cmd", ["::p *huge_p", "::p *wide_p", "::p *square_p", "::p *holder_p",
                                 "holder_p::print struct holder",
                                 "*square_p::print square_t", "::print -t square_t"])
def test_huge_values_are_bounded(core, cmd):
    p = run(core, cmd)
    assert len(p.stdout) < 2_000_000


def test_square_rows_elided(core):
    out = run(core, "::p *square_p").stdout
    assert "    ... (1047552 more)\n]" in out
    assert out.startswith("(square_t) [\n    [ 1, 2, 3, 0,")


def test_pointer_arithmetic_on_huge_elements(core):
    out = run(core, "::p &huge_p[1] - &huge_p[0]; ::p (long)&huge_p[1] - (long)huge_p").stdout
    assert out.split("\n")[:2] == ["1", "(long int) 1125899906842624"]


def test_array_of_huge_elements_stops_at_the_end_of_memory(core):
    p = run(core, "small::array huge_t 0t10; small::array huge_t 0t100000")
    assert len(p.stdout.split()) == 10
    assert "pass the end of the address space" in p.stderr
