"""The cache of inflated debug files (src/dwarf/debugcache.c).

A separate debug file with zlib-compressed DWARF (as Debian's -dbg
packages ship them) is inflated once into PMDB_CACHE_DIR/debug/BUILD-ID.debug
and used from there on later runs.  The oracles are binutils: readelf says
which sections are compressed, and objcopy --decompress-debug-sections
gives the bytes the cached sections must hold.  Broken or foreign cache
files must be rejected and rebuilt.  Runs the ASan/UBSan build."""
import os
import shutil
import subprocess

import pytest

import cores
import pmdb
from test_badinput import ASAN, ENV

CMDS = "::status; $C -s; ::modules"


def run(args, cache, cmds=CMDS):
    env = dict(ENV, PMDB_CACHE_DIR=str(cache))
    p = subprocess.run([ASAN] + args + ["-e", cmds], capture_output=True, text=True,
                       timeout=120, env=env, errors="replace")
    assert p.returncode >= 0 and "Sanitizer" not in p.stderr and "runtime error" not in p.stderr, \
        p.stderr[-3000:]
    return p


def debug_sections(path):
    """{name: flags} of the .debug_* sections, from readelf."""
    out = subprocess.run(["readelf", "-S", "-W", str(path)], capture_output=True, text=True,
                         check=True).stdout
    secs = {}
    for line in out.splitlines():
        if "] .debug_" not in line:
            continue
        rest = line.split("]", 1)[1].split()
        # name type addr off size es [flags] lk inf al
        secs[rest[0]] = rest[6] if len(rest) == 10 else ""
    return secs


def section_bytes(path, name, tmp):
    out = tmp / (os.path.basename(str(path)) + name)
    subprocess.run(["objcopy", "-O", "binary", f"--only-section={name}", str(path), str(out)],
                   check=True, capture_output=True)
    return out.read_bytes()


@pytest.fixture
def setup(tmp_path):
    core = cores.make_core("stripped")
    orig = next((p for p in cores.Path(core.debugdir).rglob("*.debug")))
    bid = orig.parent.name + orig.stem
    zdir = tmp_path / "zdebug"
    zfile = zdir / ".build-id" / orig.parent.name / orig.name
    zfile.parent.mkdir(parents=True)
    subprocess.run(["objcopy", "--compress-debug-sections=zlib", str(orig), str(zfile)],
                   check=True, capture_output=True)
    assert any("C" in f for f in debug_sections(zfile).values()), "objcopy did not compress"
    # the oracle: what pmdb says with the plain, uncompressed debug file
    want = run(["-d", core.debugdir, core.exe, core.core], tmp_path / "unused", "::status; $C -s")
    assert want.returncode == 0 and "plugin_version" in want.stdout and "stripped.c:" in want.stdout
    return dict(core=core, zdir=zdir, zfile=zfile, bid=bid, want=want.stdout,
                args=["-d", str(zdir), core.exe, core.core], cache=tmp_path / "cache",
                cached=tmp_path / "cache" / "debug" / (bid + ".debug"), tmp=tmp_path)



def same_answer(s, p):
    assert p.returncode == 0, p.stderr
    got = p.stdout[:p.stdout.index("BASE")] if "BASE" in p.stdout else p.stdout
    assert got.strip() == s["want"].strip()


def test_first_run_fills_cache_with_inflated_copy(setup):
    s = setup
    same_answer(s, run(s["args"], s["cache"]))
    assert s["cached"].exists(), list(s["cache"].rglob("*"))
    secs = debug_sections(s["cached"])
    assert secs and not any("C" in f for f in secs.values()), secs
    plain = s["tmp"] / "plain.debug"
    subprocess.run(["objcopy", "--decompress-debug-sections", str(s["zfile"]), str(plain)],
                   check=True, capture_output=True)
    for name in secs:
        assert section_bytes(s["cached"], name, s["tmp"]) == section_bytes(plain, name, s["tmp"]), name


def test_second_run_uses_cache(setup):
    s = setup
    run(s["args"], s["cache"])
    # Without the compressed original, only the cache can supply the
    # source lines and the module's debug file.
    s["zfile"].unlink()
    p = run(s["args"], s["cache"])
    same_answer(s, p)
    assert str(s["cached"]) in p.stdout


def test_no_cache_option_and_env(setup):
    s = setup
    p = run(["--no-cache"] + s["args"], s["cache"])
    same_answer(s, p)
    assert not s["cache"].exists()
    env_off = run(s["args"], "")
    same_answer(s, env_off)


@pytest.mark.parametrize("damage", ["truncated", "foreign", "no-dwarf", "empty", "directory"])
def test_broken_cache_file_is_rebuilt(setup, damage):
    s = setup
    run(s["args"], s["cache"])
    good = s["cached"].read_bytes()
    if damage == "truncated":
        s["cached"].write_bytes(good[:len(good) // 2])
    elif damage == "foreign":
        shutil.copy(shutil.which("true"), s["cached"])  # ELF, another build-id
    elif damage == "no-dwarf":
        shutil.copy(s["core"].exe, s["cached"])      # the build-id, no DWARF
    elif damage == "empty":
        s["cached"].write_bytes(b"")
    else:
        s["cached"].unlink()
        s["cached"].mkdir()
    p = run(s["args"], s["cache"])
    same_answer(s, p)
    if damage != "directory":      # rename() cannot replace a directory
        assert s["cached"].read_bytes() == good


def test_unwritable_cache_dir(setup):
    s = setup
    blocker = s["tmp"] / "a-file"
    blocker.write_text("not a folder\n")
    p = run(s["args"], blocker)
    same_answer(s, p)
    assert p.stderr == ""
