"""The tool columns of the real-program workloads (ceph.py, python.py):
every thread's backtrace of CORE of executable EXE, with inline frames and
source lines, and with names only.

pmdb `::walk thread | ::stack -s` (what gdb's `thread apply all bt`
shows) with its cache of inflated debug files warm and, as pmdb-nocache,
without it; gdb `thread apply all bt`; eu-stack -i -s; lldb `bt all`; and
names only: pmdb `::walk thread | ::stack` against eu-stack without -i/-s."""


def tool_columns(exe, core):
    """tool -> (argv maker taking the pmdb path, the bench.py tool whose
    environment and availability it takes)."""
    every = "::walk thread | ::stack -s"
    names = "::walk thread | ::stack"
    gdb = ["gdb", "-batch", "-nx", "-ex", "thread apply all bt", exe, "-c", core]
    eu = ["eu-stack", "-n", "0", "--core", core, "-e", exe]
    lldb = ["lldb", "--batch", "-x", "-o", "bt all", "-c", core, exe]

    def pmdb(opts, cmds):
        return lambda path: [path] + opts + [exe, core, "-e", cmds]

    return {
        "pmdb": (pmdb([], every), "pmdb"),
        "pmdb-nocache": (pmdb(["--no-cache"], every), "pmdb-nocache"),
        "gdb": (lambda _: gdb, "gdb"),
        "eu-stack": (lambda _: eu[:1] + ["-i", "-s"] + eu[1:], "eu-stack"),
        "lldb": (lambda _: lldb, "lldb"),
        "pmdb-names": (pmdb([], names), "pmdb"),
        "eu-names": (lambda _: eu, "eu-stack"),
    }
