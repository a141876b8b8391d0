"""Debug files from a real debuginfod server (Debian's debuginfod, on
loopback at a free port) serving a folder that holds the "stripped"
program's split debug file: pmdb, with DEBUGINFOD_URLS and no -d, fetches
it into DEBUGINFOD_CACHE_PATH, uses it as it uses the file -d names, says
where it came from in ::modules, and on a second run with the server gone
uses the cached copy.  A server that refuses or never answers costs a
warning and a short timeout, nothing more."""
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

import cores
import pmdb

pytestmark = pytest.mark.skipif(not shutil.which("debuginfod"), reason="no debuginfod server")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """debuginfod scanning SRV once (-t 0), until stop()."""

    def __init__(self, srv, workdir, build_id):
        self.proc = None
        for _ in range(5):     # another process may take the port we picked first
            self.port = free_port()
            self.log = open(workdir / f"debuginfod-{self.port}.log", "w")
            self.proc = subprocess.Popen(
                ["debuginfod", "-F", str(srv), "-p", str(self.port), "-t", "0", "-g", "0",
                 "-d", str(workdir / f"db-{self.port}.sqlite")],
                stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            if self.wait_for(build_id):
                return
            self.stop()
        raise RuntimeError("debuginfod did not start; see " + self.log.name)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def wait_for(self, build_id):
        deadline = time.time() + 30
        while time.time() < deadline and self.proc.poll() is None:
            try:
                with urllib.request.urlopen(f"{self.url}/buildid/{build_id}/debuginfo", timeout=5):
                    return True
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        return False

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
        self.log.close()


@pytest.fixture(scope="module")
def stripped():
    core = cores.make_core("stripped")
    dbg = next(cores.Path(core.debugdir).rglob("*.debug"))
    return core, dbg, dbg.parent.name + dbg.name[: -len(".debug")]


@pytest.fixture
def server(tmp_path, stripped):
    srv = tmp_path / "srv"
    srv.mkdir()
    shutil.copy(stripped[1], srv / "stripped.debug")   # the scan skips dot folders
    s = Server(srv, tmp_path, stripped[2])
    yield s
    s.stop()


def run(core, env, cmds, timeout=60):
    full = {k: v for k, v in os.environ.items() if not k.startswith("DEBUGINFOD_")}
    full.update(env)
    argv = [pmdb.PMDB, "--no-cache", core.exe, core.core, "-e", cmds]
    t0 = time.time()
    p = subprocess.run(argv, capture_output=True, text=True, env=full, timeout=timeout)
    return p, time.time() - t0


def frames(out):
    return [line.split(" ", 1)[1] for line in out.splitlines() if "stripped.c:" in line]


def test_fetch_cache_and_use(tmp_path, stripped, server):
    core, _, build_id = stripped
    cache = tmp_path / "cache"
    env = {"DEBUGINFOD_URLS": server.url, "DEBUGINFOD_CACHE_PATH": str(cache)}
    local = pmdb.run(["--no-cache", "-d", core.debugdir, core.exe, core.core], "$C -s")
    bare, _ = run(core, {}, "$C -s")
    assert frames(local.out) and not frames(bare.stdout), (local, bare.stdout)

    p, _ = run(core, env, "$C -s; ::modules")
    assert p.returncode == 0 and p.stderr == "", p.stderr
    cached = cache / build_id / "debuginfo"
    assert cached.is_file()
    assert frames(p.stdout) == frames(local.out)
    assert f"debug: {cached} (from debuginfod)" in p.stdout

    server.stop()
    p, _ = run(core, env, "$C -s; ::modules")
    assert p.returncode == 0 and p.stderr == "", p.stderr
    assert frames(p.stdout) == frames(local.out)
    assert f"debug: {cached} (from debuginfod)" in p.stdout


def test_refused(tmp_path, stripped):
    core = stripped[0]
    env = {"DEBUGINFOD_URLS": f"http://127.0.0.1:{free_port()}",
           "DEBUGINFOD_CACHE_PATH": str(tmp_path / "cache")}
    p, took = run(core, env, "$C")
    assert p.returncode == 0 and "plugin_version" not in p.stdout
    assert p.stderr.count("pmdb: warning: debuginfod") == 1, p.stderr
    assert "not asked again" in p.stderr
    assert took < 10


def test_silent_server_times_out(tmp_path, stripped):
    """A server that takes the connection and never answers."""
    core = stripped[0]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(16)
        env = {"DEBUGINFOD_URLS": f"http://127.0.0.1:{s.getsockname()[1]}",
               "DEBUGINFOD_CACHE_PATH": str(tmp_path / "cache"), "DEBUGINFOD_TIMEOUT": "2"}
        p, took = run(core, env, "$C")
    assert p.returncode == 0 and "_start" in p.stdout
    assert p.stderr.count("pmdb: warning: debuginfod") == 1, p.stderr
    assert "no answer within DEBUGINFOD_TIMEOUT=2 s" in p.stderr
    assert took < 8, took
