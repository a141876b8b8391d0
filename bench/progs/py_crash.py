"""py_crash: the python3.11-dbg workload of bench/python.py.  Four threads
wait on a condition deep in Python calls while the main thread recurses
30 Python calls down and reads address 0 through ctypes.string_at, which
crashes in libc's strlen called from _ctypes' string_at."""
import ctypes
import threading

DEPTH = 30
ready = threading.Barrier(5)
never = threading.Event()


def wait_deep(n):
    if n == 0:
        ready.wait()
        never.wait()
        return
    wait_deep(n - 1)


def crash_deep(n):
    if n == 0:
        return ctypes.string_at(0)
    return crash_deep(n - 1) + b""


def main():
    for i in range(4):
        threading.Thread(target=wait_deep, args=(5 + i,), daemon=True).start()
    ready.wait()
    crash_deep(DEPTH)


main()
