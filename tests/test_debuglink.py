"""Separate debug info found by .gnu_debuglink name (src/dwarf/debuglink.c),
not by build-id: next to the executable, in its .debug/ folder, flat in a
-d folder, and in a -d folder mirroring the executable's path.  The oracle
is gdb, which searches the same places (with its debug-file-directory set
to the -d folder); a debug file of another program under the right name
must be refused."""
import os
import re
import shutil
import subprocess

import pytest

import cores
import pmdb


@pytest.fixture(scope="module")
def stripped():
    core = cores.make_core("stripped")
    dbg = next(cores.Path(core.debugdir).rglob("*.debug"))
    link = subprocess.run(["readelf", "--string-dump=.gnu_debuglink", core.exe],
                          capture_output=True, text=True, check=True, errors="replace").stdout
    name = re.search(r"\]\s+(\S+\.debug)", link).group(1)
    return core, dbg, name


def place(tmp_path, stripped, where):
    """Copy the executable into tmp_path/bin and its debug file to WHERE;
    returns (exe, extra pmdb args, gdb debug-file-directory or None)."""
    core, dbg, name = stripped
    bindir = tmp_path / "bin"
    bindir.mkdir()
    exe = bindir / "stripped"
    shutil.copy(core.exe, exe)
    ddir = tmp_path / "dbg"
    if where == "beside":
        target, args, gdbdir = bindir / name, [], None
    elif where == "dot-debug":
        target, args, gdbdir = bindir / ".debug" / name, [], None
    elif where == "flat":
        target, args, gdbdir = ddir / name, ["-d", str(ddir)], None
    else:  # mirrored under the -d folder, as under /usr/lib/debug
        target, args, gdbdir = ddir / str(bindir).lstrip("/") / name, ["-d", str(ddir)], str(ddir)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(dbg, target)
    return str(exe), args, gdbdir


def gdb_frames(exe, core, gdbdir):
    argv = ["gdb", "-batch", "-nx"]
    if gdbdir:
        # -iex: before gdb loads the files named on its command line
        argv += ["-iex", f"set debug-file-directory {gdbdir}"]
    argv += ["-ex", "bt", exe, core]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=120).stdout
    bt = out[out.rindex("\n#0 "):]    # the bt, not the frame shown on loading
    return [f for f in re.findall(r"^#\d+\s+(?:0x[0-9a-f]+ in )?(\w+) \(.*\) at \S*?([\w.]+):(\d+)",
                                  bt, re.M) if f[1] == "stripped.c"]


def pmdb_frames(out):
    return [f for f in re.findall(r"^[0-9a-f]{16} (\w+)\+0x[0-9a-f]+\(\) \[\S*?([\w.]+):(\d+)\]", out, re.M)
            if f[1] == "stripped.c"]


@pytest.mark.parametrize("where", ["beside", "dot-debug", "flat", "mirrored"])
def test_debuglink_found(tmp_path, stripped, where):
    core = stripped[0]
    exe, args, gdbdir = place(tmp_path, stripped, where)
    r = pmdb.run(args + [exe, core.core], "$C -s", )
    assert r.rc == 0, r
    got = pmdb_frames(r.out)
    assert got and got[0][0] == "plugin_version", r.out
    # gdb has no flat search of a debug folder: there it finds the file by build-id
    want = gdb_frames(exe, core.core, core.debugdir if where == "flat" else gdbdir)
    assert want and got == want, (got, want)


def test_foreign_file_under_link_name_refused(tmp_path, stripped):
    core, dbg, name = stripped
    other = cores.build_prog("null_read")["exe"]     # has DWARF, another build-id
    bindir = tmp_path / "bin"
    bindir.mkdir()
    exe = bindir / "stripped"
    shutil.copy(core.exe, exe)
    shutil.copy(other, bindir / name)
    r = pmdb.run([str(exe), core.core], "$C -s")
    assert r.rc == 0, r
    assert "null_read.c" not in r.out and "plugin_version" not in r.out, r.out
    # and with the right file beside it, lines appear: the refusal was the build-id
    shutil.copy(dbg, bindir / name)
    assert "stripped.c:" in pmdb.run([str(exe), core.core], "$C -s").out


def test_relative_debug_dir(tmp_path, stripped):
    """-d is relative to where pmdb runs (libdwfl alone would read it as a
    folder beside each module)."""
    core = stripped[0]
    rel = os.path.relpath(core.debugdir, tmp_path)
    p = subprocess.run([pmdb.PMDB, "-d", rel, core.exe, core.core, "-e", "$c"],
                       capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert p.returncode == 0 and p.stdout.startswith("plugin_version+"), p


def test_set_debug_path(tmp_path, stripped):
    """::set debug-path during a session: before it the stripped program
    has no lines, after it the frames gdb gives with the debug file."""
    core = stripped[0]
    exe, args, _ = place(tmp_path, stripped, "flat")
    ddir = args[1]
    r = pmdb.run([exe, core.core], f"$C -s\n!echo @@\n::set debug-path {ddir}; ::set; $C -s")
    assert r.rc == 0, r
    before, after = r.out.split("@@\n")
    assert pmdb_frames(before) == []
    assert f"debug-path {ddir}" in after
    want = gdb_frames(exe, core.core, core.debugdir)
    assert want and pmdb_frames(after) == want, (after, want)


def test_set_refuses_what_it_does_not_know(stripped):
    core = stripped[0]
    r = pmdb.run([core.exe, core.core], "::set colour red")
    assert r.rc != 0 and "unknown setting 'colour'" in r.err
    r = pmdb.run([core.exe, core.core], "::set debug-path")
    assert r.rc != 0 and "usage: ::set debug-path" in r.err
