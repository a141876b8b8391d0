"""A dump's BTF is untrusted (src/kernel/btf.c): an array of itself made
pm_btf_size recurse until the stack ran out, a struct of its own anonymous
members made a member lookup take minutes, and a string section without a
final NUL let names run past it.  tests/progs/btf_hostile.c builds each blob;
built with ASan/UBSan, it must end at once with these answers."""
import os
import subprocess

import pmdb

SRC = [os.path.join(pmdb.ROOT, p) for p in
       ("tests/progs/btf_hostile.c", "src/kernel/btf.c", "src/base/util.c", "src/base/err.c")]


def test_hostile_btf(tmp_path):
    exe = tmp_path / "btf_hostile"
    subprocess.run(["cc", "-std=c11", "-D_GNU_SOURCE", "-Wall", "-Wextra", "-Werror", "-g",
                    "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
                    "-I" + os.path.join(pmdb.ROOT, "src"), "-o", str(exe)] + SRC, check=True)
    p = subprocess.run([str(exe)], capture_output=True, text=True, timeout=20)
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.splitlines() == [
        "array load ok size 0",              # no size for an array of itself
        "nest load ok member 0",             # not found, within the lookup budget
        "strings BTF: the string section does not end in a NUL",
    ], p.stdout
