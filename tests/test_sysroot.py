"""--sysroot and --solib-path (src/target/resolve.c), and ::modinfo.

A core whose recorded files are not on this machine any more: the program
is copied to a temporary folder, crashed there and deleted; its files
(from the core's NT_FILE list) are copied under a sysroot folder with
their full paths.  gdb, told the same sysroot or solib-search-path, is
the oracle for the stack and the shared libraries."""
import os
import re
import shutil
import subprocess

import pytest

import cores
import pmdb


def ntfiles(core):
    """The paths the core's NT_FILE note records, once each (::mappings
    names them; binutils' readelf here cannot decode 64-bit notes)."""
    out = pmdb.run([core], "::mappings").out
    # merged /usr: the link_map (::modules' file: lines) says /lib/...,
    # NT_FILE /usr/lib/...; a sysroot holds both names
    out += pmdb.run([core], "::modules").out
    seen = []
    for p in re.findall(r" (/\S+)$", out, re.M):
        if p not in seen:
            seen.append(p)
    return seen


def make_sysroot(files, root):
    for f in files:
        if os.path.exists(f):
            dst = root / f.lstrip("/")
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(f, dst)


def gdb(core, exe, *settings):
    argv = ["gdb", "-batch", "-nx"]
    for s in settings:
        argv += ["-iex", s]
    argv += ["-ex", "bt", "-ex", "info sharedlibrary", exe, core]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120).stdout


def gdb_funcs(out):
    bt = out[out.rindex("\n#0 "):]
    return re.findall(r"^#\d+\s+(?:0x[0-9a-f]+ in )?(\w+) \(", bt, re.M)


def gdb_libs(out):
    return sorted(os.path.basename(p)
                  for p in re.findall(r"^0x[0-9a-f]+\s+0x[0-9a-f]+\s+Yes.*?\s(/\S+)$", out, re.M))


def pmdb_funcs(out):
    return re.findall(r"^(?:[0-9a-f]{8}){1,2} (\w+)\+0x[0-9a-f]+\(", out, re.M)


def pmdb_libs(out, exe_name):
    names = re.findall(r"^\s*[0-9a-f]+\s+[0-9a-f]+\s+\S+\s+(\S+)$", out, re.M)
    return sorted(os.path.basename(n) for n in names
                  if os.path.basename(n) != exe_name and "vdso" not in n)


@pytest.fixture(scope="module")
def moved(tmp_path_factory):
    """null_read crashed from a folder that is then deleted, and a sysroot
    holding the executable and libraries it used."""
    tmp = tmp_path_factory.mktemp("sysroot")
    orig = cores.make_core("null_read").exe
    bindir = tmp / "gone"
    bindir.mkdir()
    exe = bindir / "null_read"
    shutil.copy(orig, exe)
    core = cores.crash_in_dir(str(exe), tmp / "run")
    files = ntfiles(core)
    assert str(exe) in files
    root = tmp / "root"
    make_sysroot(files, root)
    shutil.rmtree(bindir)
    return core, str(exe), root


def test_sysroot_matches_gdb(moved):
    core, exe, root = moved
    bare = pmdb.run([core], "$C")
    assert "is not on disk" in bare.err and "inner" not in bare.out, bare
    r = pmdb.run(["--sysroot", str(root), core], "$C; ::modules; ::mappings; ::modinfo")
    assert r.rc == 0, r
    g = gdb(core, str(root) + exe, f"set sysroot {root}")
    want = gdb_funcs(g)
    assert want[:4] == ["inner", "middle", "outer", "main"], g
    assert pmdb_funcs(r.out)[:4] == want[:4], r.out
    assert pmdb_libs(r.out, "null_read") == gdb_libs(g), (r.out, g)
    # the executable's text is read from the sysroot copy, not missing
    text = [l for l in r.out.splitlines() if l.endswith(" " + exe) and " r-x " in l]
    assert text and " none " not in text[0], r.out
    assert re.search(r"sysroot\s+" + re.escape(str(root) + exe) + r": used", r.out), r.out


def test_sysroot_wrong_build_id_refused(moved, tmp_path):
    core, exe, root = moved
    bad = tmp_path / "root"
    shutil.copytree(root, bad, symlinks=True)
    libc = next(f for f in ntfiles(core) if "/libc.so" in f)
    ld = next(f for f in ntfiles(core) if "/ld-linux" in f)
    shutil.copy(bad / ld.lstrip("/"), bad / libc.lstrip("/"))
    r = pmdb.run(["--sysroot", str(bad), core], "$C; ::modinfo")
    assert r.rc == 0, r
    wrong = str(bad) + libc
    assert re.search(re.escape(wrong) + r" does not match the core \(build-id", r.err), r.err
    assert re.search(re.escape(wrong) + r": build-id mismatch", r.out), r.out
    # the host's own libc, with the right build-id, is used instead
    assert re.search(r"recorded path\s+" + re.escape(libc) + r": used", r.out), r.out
    assert pmdb_funcs(r.out)[:4] == ["inner", "middle", "outer", "main"], r.out


LIB_C = "int crash_in_lib(int *p) { return *p + 1; }\n"
MAIN_C = """int crash_in_lib(int *p);
__attribute__((noinline)) int call_lib(void) { return crash_in_lib(0); }
int main(void) { return call_lib(); }
"""


@pytest.fixture(scope="module")
def libprog(tmp_path_factory):
    """A program whose own shared library is deleted after the crash and
    kept only in a flat folder."""
    tmp = tmp_path_factory.mktemp("solib")
    libdir = tmp / "lib"
    libdir.mkdir()
    (tmp / "lib.c").write_text(LIB_C)
    (tmp / "main.c").write_text(MAIN_C)
    lib = libdir / "libcrashlib.so"
    subprocess.run(["cc", "-g", "-O0", "-shared", "-fPIC", "-Wl,--build-id", "-o", str(lib),
                    str(tmp / "lib.c")], check=True)
    exe = tmp / "uselib"
    subprocess.run(["cc", "-g", "-O0", "-o", str(exe), str(tmp / "main.c"), f"-L{libdir}",
                    "-lcrashlib", f"-Wl,-rpath,{libdir}"], check=True)
    core = cores.crash_in_dir(str(exe), tmp / "run")
    flat = tmp / "flat"
    flat.mkdir()
    shutil.copy(lib, flat)
    shutil.rmtree(libdir)
    return core, str(exe), str(lib), flat


def test_solib_path_by_name(libprog):
    core, exe, lib, flat = libprog
    bare = pmdb.run([exe, core], "$C")
    assert "crash_in_lib" not in bare.out, bare
    r = pmdb.run(["--solib-path", f"/nonexistent:{flat}", exe, core], "$C; ::mappings; ::modinfo")
    assert r.rc == 0, r
    g = gdb(core, exe, f"set solib-search-path {flat}")
    want = gdb_funcs(g)
    assert want[:3] == ["crash_in_lib", "call_lib", "main"], g
    assert pmdb_funcs(r.out)[:3] == want[:3], r.out
    text = [l for l in r.out.splitlines() if l.endswith(" " + lib) and " r-x " in l]
    assert text and " none " not in text[0], r.out
    assert re.search(r"solib-path\s+/nonexistent/libcrashlib.so: missing", r.out), r.out
    assert re.search(r"solib-path\s+" + re.escape(f"{flat}/libcrashlib.so") + ": used", r.out), r.out


def test_sysroot_finds_missing_library(libprog, tmp_path):
    core, exe, lib, flat = libprog
    dst = tmp_path / lib.lstrip("/")
    dst.parent.mkdir(parents=True)
    shutil.copy(flat / "libcrashlib.so", dst)
    r = pmdb.run(["--sysroot", str(tmp_path), exe, core], "$C")
    g = gdb(core, exe, f"set sysroot {tmp_path}")
    assert pmdb_funcs(r.out)[:3] == gdb_funcs(g)[:3] == ["crash_in_lib", "call_lib", "main"], (r, g)


@pytest.fixture(scope="module")
def stripped():
    return cores.make_core("stripped")


def modinfo_of(out, name):
    block = re.search(r"^" + re.escape(name) + r"  .*?(?=^\S|\Z)", out, re.M | re.S)
    assert block, out
    return block.group(0)


def test_modinfo_build_id_dir(stripped):
    r = pmdb.run(["--no-cache", "-d", stripped.debugdir, stripped.exe, stripped.core], "::modinfo")
    assert r.rc == 0, r
    b = modinfo_of(r.out, "stripped")
    assert re.search(r"1\. command line\s+" + re.escape(stripped.exe) + r": used \(build-id matches\)", b), b
    assert re.search(r"1\. module's file\s+\S+: no DWARF", b), b
    used = re.search(r"\d\. build-id dir\s+(" + re.escape(stripped.debugdir) + r"/\.build-id/\S+\.debug): used", b)
    assert used, b
    assert b.rstrip().endswith("=> " + used.group(1)), b


def test_modinfo_debuglink(stripped, tmp_path):
    dbg = next(cores.Path(stripped.debugdir).rglob("*.debug"))
    # the section ends with the CRC's 4 bytes, not text
    link = subprocess.run(["readelf", "--string-dump=.gnu_debuglink", stripped.exe],
                          capture_output=True, text=True, check=True, errors="replace").stdout
    name = re.search(r"\]\s+(\S+\.debug)", link).group(1)
    exe = tmp_path / "stripped"
    shutil.copy(stripped.exe, exe)
    shutil.copy(dbg, tmp_path / name)
    r = pmdb.run(["--no-cache", str(exe), stripped.core], "::modinfo")
    assert r.rc == 0, r
    b = modinfo_of(r.out, "stripped")
    places = re.findall(r"^\s+\d+\. (command line|sysroot|solib-path|recorded path|module's file|"
                        r"cache|build-id dir|debuglink|debuginfod)\s", b, re.M)
    assert places == ["command line", "module's file", "cache", "build-id dir", "debuglink"], b
    assert re.search(r"build-id dir\s+/usr/lib/debug/\.build-id/\S+: missing", b), b
    assert re.search(r"debuglink\s+" + re.escape(str(tmp_path / name)) + ": used", b), b


@pytest.mark.parametrize("prog", ["static_types"])
def test_given_executable_beats_a_stripped_one_at_the_recorded_path(prog, tmp_path):
    """A static program has no link_map entry: libdwfl opens the file the
    core names if its build-id matches.  Stripped there (a deployed binary),
    the unstripped one given on the command line must still be the one
    read, as gdb reads it."""
    orig = cores.make_core(prog).exe
    exe = tmp_path / "bin" / prog
    exe.parent.mkdir()
    shutil.copy(orig, exe)
    core = cores.crash_in_dir(str(exe), tmp_path / "run")
    subprocess.run(["strip", str(exe)], check=True)
    r = pmdb.run([orig, core], "$c; ::p counter; ::modules")
    assert r.rc == 0, r
    g = subprocess.run(["gdb", "-batch", "-nx", "-ex", "bt", "-ex", "p counter", orig, core],
                       capture_output=True, text=True, timeout=120).stdout
    want = gdb_funcs(g)
    assert want[:2] == ["walk", "main"], g
    assert re.findall(r"^(\w+)\+0x[0-9a-f]+\(", r.out, re.M)[:2] == want[:2], r.out
    value = re.search(r"^\$1 = (-?\d+)$", g, re.M)
    assert value and f"(long int) {value.group(1)}" in r.out, (r.out, g)
    assert re.search(r"file: " + re.escape(orig) + "$", r.out, re.M), r.out
    # without the given file, the stripped one is all there is: no symbols
    bare = pmdb.run([core], "$c")
    assert not re.search(r"^walk\+", bare.out, re.M), bare.out
