"""Bad input gets a clear error and nothing else: no crash, no hang, no
sanitizer report.  The hostile-input cases run the ASan/UBSan build."""
import os
import random
import shutil
import signal
import subprocess

import pytest

import cores
import pmdb

ASAN = os.path.join(pmdb.ROOT, "build", "asan", "pmdb")
ENV = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=99",
           UBSAN_OPTIONS="halt_on_error=1:exitcode=98")


def run_asan(args, cmds="::status; $c; ::mappings; ::modules; $r", timeout=60):
    p = subprocess.run([ASAN] + args + ["-e", cmds], capture_output=True, text=True,
                       timeout=timeout, env=ENV, errors="replace")
    assert p.returncode >= 0, f"killed by signal {-p.returncode}: {p.stderr[-2000:]}"
    assert p.returncode not in (98, 99), p.stderr[-4000:]
    assert "Sanitizer" not in p.stderr, p.stderr[-4000:]
    assert "runtime error" not in p.stderr, p.stderr[-4000:]
    assert p.returncode in (0, 1, 2), (p.returncode, p.stderr[-2000:])
    return p


@pytest.fixture(scope="module")
def good():
    return cores.make_core("null_read")


def test_not_elf(tmp_path):
    f = tmp_path / "notes.txt"
    f.write_text("this is not a core file\n" * 10)
    p = run_asan([str(f)])
    assert p.returncode == 2
    assert "not an ELF file" in p.stderr


def test_missing_core(tmp_path):
    p = run_asan([str(tmp_path / "nothing")])
    assert p.returncode == 2
    assert "cannot open" in p.stderr and "No such file" in p.stderr


def test_elf_but_not_core(good, tmp_path):
    # an executable alone is a program to run (:r), not a dump: each command
    # that needs a process says so
    p = run_asan([good.exe])
    assert p.returncode == 1
    assert "::status: no process is running: :r starts the program" in p.stderr
    # an ELF that is neither a core nor a program
    obj = tmp_path / "x.o"
    subprocess.run(["cc", "-c", "-x", "c", "-o", str(obj), "-"], input=b"int x;\n", check=True)
    p = run_asan([str(obj)])
    assert p.returncode == 2
    assert "not a core file" in p.stderr


def test_empty_file(tmp_path):
    f = tmp_path / "empty"
    f.write_bytes(b"")
    p = run_asan([str(f)])
    assert p.returncode == 2 and "not an ELF file" in p.stderr


def test_missing_executable_argument(good, tmp_path):
    p = run_asan([str(tmp_path / "no-such-exe"), good.core])
    assert p.returncode == 2
    assert "cannot read executable" in p.stderr


def test_truncated_everywhere(good, tmp_path):
    """Truncate the core at points in its header, notes and memory."""
    data = open(good.core, "rb").read()
    points = sorted(set([1, 16, 63, 64, 100, 0x200, 0x400, 0x800, 0x1000, 0x1800]
                        + [len(data) * k // 16 for k in range(1, 16)] + [len(data) - 1]))
    seen_warning = False
    for n in points:
        if n >= len(data):
            continue
        f = tmp_path / f"core.{n}"
        f.write_bytes(data[:n])
        p = run_asan([good.exe, str(f)])
        assert p.stderr.strip(), f"truncated at {n}: no message at all"
        seen_warning |= "truncated" in p.stderr
    assert seen_warning


def test_corrupted_notes_and_headers(good, tmp_path):
    """Random byte flips in the first 16 KiB (ELF header, program headers,
    notes): every run must end cleanly."""
    data = bytearray(open(good.core, "rb").read())
    rng = random.Random(1234)
    head = min(len(data), 16384)
    for i in range(60):
        mutated = bytearray(data)
        for _ in range(rng.randint(1, 16)):
            pos = rng.randrange(0, head)
            mutated[pos] = rng.randrange(256)
        f = tmp_path / "core.mut"
        f.write_bytes(bytes(mutated))
        run_asan([good.exe, str(f)], cmds="::status; $C; ::stacks; ::mappings; $r; <rip::dis")


def test_executable_gone(tmp_path):
    """The executable named in the core no longer exists: warn once, go on."""
    src = tmp_path / "gone.c"
    src.write_text("int main(void) { volatile int *p = 0; return *p; }\n")
    exe = tmp_path / "gone"
    subprocess.run(["gcc", "-g", "-o", str(exe), str(src)], check=True)
    core = cores.crash_in_dir(str(exe), str(tmp_path))
    os.unlink(exe)
    p = run_asan([core], cmds="::status; $c")
    assert p.returncode == 0, p.stderr
    assert p.stderr.count("is not on disk") == 1, p.stderr
    assert "executable: not found" in p.stdout
    assert "SIGSEGV" in p.stdout


@pytest.mark.parametrize("cmd,message", [
    ("::nosuchdcmd", "unknown dcmd '::nosuchdcmd'"),
    ("1+", "syntax error"),
    ("(1", "')' expected"),
    ("1%0=K", "division by zero"),
    ("8/K", "no mapping for address 0x8"),
    ("<nosuchreg=K", "unknown variable or register 'nosuchreg'"),
    ("nosuchsymbol_xyz=K", "failed to find symbol 'nosuchsymbol_xyz'"),
    ("0t99999999::context", "not a thread id"),
    ("::walk nosuchwalker", "unknown walker"),
    ("::dis -z", "unknown option -z"),
    ("0/k", "unknown format character"),
    ("0/Z 1", "core files are read-only"),
    ("0x10=Kk", "unknown format character 'k'"),
])
def test_command_errors(good, cmd, message):
    p = run_asan(pmdb.core_args(good), cmds=cmd)
    assert p.returncode == 1, (cmd, p.stdout, p.stderr)
    assert message in p.stderr, (cmd, p.stderr)


def test_error_does_not_stop_later_commands(good):
    p = run_asan(pmdb.core_args(good), cmds="::nosuch; ::status")
    assert p.returncode == 1
    assert "status: process terminated by SIGSEGV" in p.stdout


def test_stdin_commands(good):
    r = pmdb.run(pmdb.core_args(good), stdin="::status\n$q\n::status\n")
    assert r.rc == 0
    assert r.out.count("debugging core file") == 1
