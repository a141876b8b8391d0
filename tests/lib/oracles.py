"""Small oracles for the walker, whatis and nm tests: gdb (with its own
Python for walking target memory), readelf and nm on the same files."""
import re
import subprocess

GDB_LINK_MAP = r'''
python
inf = gdb.selected_inferior()
def u64(a):
    return int.from_bytes(bytes(inf.read_memory(a, 8)), "little")
m = u64(int(gdb.parse_and_eval("(long)&_r_debug")) + 8)
while m:
    name = gdb.parse_and_eval("(char *)%d" % u64(m + 8)).string()
    print("LM %#x %#x %s" % (m, u64(m), name))
    m = u64(m + 24)
end
'''


def gdb(core, *cmds, script=None):
    argv = ["gdb", "-batch", "-nx", "-q"]
    for c in cmds:
        argv += ["-ex", c]
    if script:
        argv += ["-x", script]
    argv += [core.exe, core.core]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120,
                          errors="replace").stdout


def gdb_link_map(core, tmp_path):
    """[(node, l_addr, l_name)] walked by gdb from ld.so's _r_debug."""
    script = tmp_path / "link_map.gdb"
    script.write_text(GDB_LINK_MAP)
    out = gdb(core, script=str(script))
    res = []
    for line in out.splitlines():
        if line.startswith("LM "):
            parts = line.split(" ", 3)
            res.append((int(parts[1], 16), int(parts[2], 16), parts[3] if len(parts) > 3 else ""))
    return res


def gdb_file_mappings(core):
    """gdb's `info proc mappings` on the core: [(start, end, offset, path)]."""
    out = gdb(core, "info proc mappings")
    res = []
    for line in out.splitlines():
        p = line.split()
        if len(p) >= 5 and p[0].startswith("0x") and p[-1].startswith("/"):
            res.append((int(p[0], 16), int(p[1], 16), int(p[-2], 16), p[-1]))
    return res


def load_base(core, path):
    """Where the file at path is mapped from offset 0 (its load bias for PIE
    executables and shared libraries), from gdb's mappings."""
    return min(s for s, _, off, p in gdb_file_mappings(core) if p == path and off == 0)


SYM_RE = re.compile(r"^\s*\d+:\s+([0-9a-f]+)\s+(\d+|0x[0-9a-f]+)\s+(\w+)\s+(\w+)\s+\w+\s+(\w+)\s+(\S+)")


def readelf_symbols(path, dyn=False):
    """Defined, named symbols: [(value, size, type, bind, name)] of .symtab
    (or .dynsym), version suffixes dropped."""
    out = subprocess.run(["readelf", "-sW", "--dyn-syms" if dyn else "--syms", path],
                         capture_output=True, text=True, check=True).stdout
    res = []
    for line in out.splitlines():
        m = SYM_RE.match(line)
        if not m or m.group(5) == "UND":
            continue
        size = int(m.group(2), 0)
        name = m.group(6).split("@")[0]
        res.append((int(m.group(1), 16), size, m.group(3), m.group(4), name))
    return res


def load_segments(path):
    """PT_LOAD (offset, vaddr, filesz) of an ELF file."""
    out = subprocess.run(["readelf", "-lW", path], capture_output=True, text=True,
                         check=True).stdout
    res = []
    for line in out.splitlines():
        p = line.split()
        if p and p[0] == "LOAD":
            res.append((int(p[1], 16), int(p[2], 16), int(p[4], 16)))
    return res
