"""systemd-coredump's folder (src/target/coredumpdir.c): --list, --latest,
--pid, --exe and the coredump: line of ::status.  The folder is a temporary
one (--coredump-dir or PMDB_COREDUMP_DIR) that the test fills as
systemd-coredump does: zstd-compressed cores named
core.COMM.UID.BOOTID.PID.USEC.zst, with user.coredump.* attributes on some,
so the machine's core_pattern is never touched."""
import os
import subprocess

import pytest

import cores
import pmdb

BOOT = "0123456789abcdef0123456789abcdef"
T0 = 1_700_000_000_000_000      # Tue 2023-11-14 22:13:20 UTC


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    d = tmp_path_factory.mktemp("coredump")
    made = {}
    for i, (name, comm, xattrs) in enumerate([("threads", "threads", True),
                                              ("null_read", "null_read", True),
                                              ("sigfpe", "my\\x2eprog", False)]):
        c = cores.make_core(name)
        path = d / f"core.{comm}.1000.{BOOT}.{c.pid}.{T0 + i * 60_000_000}.zst"
        with open(path, "wb") as out:
            subprocess.run(["zstd", "-q", "-c", c.core], stdout=out, check=True)
        if xattrs:
            os.setxattr(path, "user.coredump.signal", str(int(c.signal)).encode())
            os.setxattr(path, "user.coredump.exe", c.exe.encode())
        made[name] = (c, path)
    (d / "core.not.a.systemd.name").write_text("x")
    (d / "README").write_text("x")
    return d, made


def run(args, cmds=None, env=None):
    full = dict(os.environ, TZ="UTC")
    full.update(env or {})
    argv = [pmdb.PMDB] + args + (["-e", cmds] if cmds else [])
    return subprocess.run(argv, capture_output=True, text=True, env=full, timeout=60)


def test_list(folder):
    d, made = folder
    p = run(["--list", "--coredump-dir", str(d)])
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0].split() == ["TIME", "PID", "UID", "GID", "SIG", "COREFILE", "SIZE", "EXE"]
    assert len(lines) == 4, p.stdout
    t, n, s = made["threads"][0], made["null_read"][0], made["sigfpe"][0]
    assert lines[1].startswith("Tue 2023-11-14 22:13:20 UTC")
    assert lines[2].startswith("Tue 2023-11-14 22:14:20 UTC")
    # the folder alone (not the journal) does not know the gid
    assert lines[1].split()[4:9] == [str(t.pid), "1000", "-", "SIGSEGV", "present"]
    assert lines[1].endswith(" " + t.exe) and lines[2].endswith(" " + n.exe)
    # no attributes: the name's command, unescaped; no signal
    assert lines[3].split()[4:8] == [str(s.pid), "1000", "-", "-"]
    assert lines[3].endswith(" my.prog")
    size = os.path.getsize(made["threads"][1])
    assert lines[1].split()[9] == (f"{size / 1024:.1f}K" if size < 1 << 20 else f"{size / (1 << 20):.1f}M")


def test_list_env_and_empty(tmp_path, folder):
    p = run(["--list"], env={"PMDB_COREDUMP_DIR": str(folder[0])})
    assert p.returncode == 0 and len(p.stdout.splitlines()) == 4
    p = run(["--list", "--coredump-dir", str(tmp_path)])
    assert p.returncode == 0 and p.stdout == f"no cores in {tmp_path}\n"
    p = run(["--list", "--coredump-dir", str(tmp_path / "nope")])
    assert p.returncode == 1 and "cannot read the core folder" in p.stderr


def status(args):
    p = run(args, "::status")
    assert p.returncode == 0, p.stderr
    return p.stdout


@pytest.mark.parametrize("how", ["latest", "pid", "exe-comm", "exe-path", "exe-base"])
def test_pick(folder, how):
    d, made = folder
    want = "sigfpe" if how == "latest" else "null_read"
    c, path = made[want]
    sel = {"latest": ["--latest"], "pid": ["--pid", str(c.pid)], "exe-comm": ["--exe", "null_read"],
           "exe-path": ["--exe", c.exe], "exe-base": ["--exe", os.path.basename(c.exe)]}[how]
    out = status(["--coredump-dir", str(d)] + sel)
    assert f"core file: {path} (zstd-compressed)\n" in out
    assert f"pid: {c.pid}\n" in out
    comm = "my.prog" if want == "sigfpe" else want
    assert (f"coredump: systemd-coredump's, of {comm} pid {c.pid} uid 1000 at "
            f"Tue 2023-11-14 22:1{4 if want == 'null_read' else 5}:20 UTC, boot {BOOT}\n") in out
    if want != "sigfpe":
        assert f"executable: {c.exe}\n" in out


def test_pick_with_executable_argument(folder):
    d, made = folder
    c, path = made["threads"]
    out = status(["--coredump-dir", str(d), "--exe", "threads", c.exe])
    assert f"core file: {path}" in out and f"executable: {c.exe}" in out


def test_no_match(folder):
    d = str(folder[0])
    p = run(["--coredump-dir", d, "--pid", "1"])
    assert p.returncode == 2 and p.stderr == f"pmdb: no core of pid 1 in {d}\n"
    p = run(["--coredump-dir", d, "--exe", "nothing"])
    assert p.returncode == 2 and p.stderr == f"pmdb: no core of nothing in {d}\n"


def test_plain_core_has_no_coredump_line(folder):
    c = folder[1]["threads"][0]
    assert "coredump:" not in status([c.exe, c.core])


def test_asan_build(folder):
    if not os.path.exists(pmdb.ASAN):
        pytest.skip("no ASan build (make asan)")
    d = str(folder[0])
    for args in (["--list"], ["--latest", "-e", "::status"], ["--pid", "1"]):
        p = subprocess.run([pmdb.ASAN, "--coredump-dir", d] + args, capture_output=True,
                           text=True, timeout=120)
        assert "Sanitizer" not in p.stderr and p.returncode in (0, 2), p.stderr


def test_pid_typo(folder):
    p = run(["--pid", "abc", "--coredump-dir", str(folder[0])], "::status")
    assert p.returncode == 2 and "--pid abc: not a process id" in p.stderr, p.stderr
