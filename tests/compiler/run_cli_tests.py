#!/usr/bin/env python3
"""akornc command-line tests: `check` output, deterministic `compile`, the recompute
option's effect on the training arena, and the parameter count of the Sudoku models
against a count written independently here from spec section 5.

usage: run_cli_tests.py AKORNC REPO_ROOT WORK_DIR
Prints one line per check and "N passed, M failed"."""
import filecmp
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import checklib  # noqa: E402
from checklib import check, finish  # noqa: E402

akornc, root, work = sys.argv[1], sys.argv[2], sys.argv[3]


def run(*args):
    return checklib.run(akornc, *args, threads=0)


def sudoku_params(C, n=4, heads=8, P=81):
    hd = C // heads
    return (10 * C                      # embedding
            + 3 * C * C + 3 * C          # W_qkv
            + C * C + C                  # W_o
            + P * (hd // 2) * 4          # GTA matrices
            + 2 + 1                      # global omega theta, gamma
            + 4 * C * C + 4 * C + C      # readout conv (C*n' outputs) + its bias + norm bias
            + 2 * (C * C + C)            # FF
            + C * C + C                  # conv3
            + 9 * C + 9)                 # head


specs = {
    "sudoku-small": (os.path.join(root, "models/sudoku-small.json"), sudoku_params(64)),
    "sudoku": (os.path.join(root, "models/sudoku.json"), sudoku_params(512)),
    "conv-two-block": (os.path.join(root, "tests/fixtures/conv-two-block.json"), None),
}

for name, (spec, expect) in specs.items():
    rc, out, err = run("check", spec, "--batch", "16", "--plan")
    check(rc == 0 and err == "", f"check {name}: exit 0, nothing on stderr ({err.strip()[:200]})")
    m = re.search(r"parameters: (\d+) \((\d+) trainable\)", out)
    check(m is not None, f"check {name}: prints the parameter count")
    if m and expect is not None:
        check(int(m.group(1)) == expect, f"check {name}: {m.group(1)} parameters, spec section 5 gives {expect}")
    arena = re.search(r"arena at batch 16 \(float32\): inference ([\d.]+ \w+), training ([\d.]+ \w+)", out)
    check(arena is not None, f"check {name}: prints inference and training arena bytes")
    for op in ("Kuramoto",):
        check(op in out, f"check {name}: lists the {op} op with its shapes")

    # recompute: the training arena must shrink
    def train_bytes(text):
        mm = re.search(r"training plan \(\d+ buffers, \d+ steps\):", text)
        tot = re.search(r"training ([\d.]+) (\w+)", text)
        unit = {"B": 1, "KiB": 1024, "MiB": 1024**2, "GiB": 1024**3}
        return float(tot.group(1)) * unit[tot.group(2)] if tot and mm else None
    rc2, out2, _ = run("check", spec, "--batch", "16", "--plan", "--recompute")
    a, b = train_bytes(out), train_bytes(out2)
    check(rc2 == 0 and a is not None and b is not None and b < a,
          f"check {name}: --recompute shrinks the training arena ({a} -> {b} bytes)")

    # deterministic compile
    d1, d2 = os.path.join(work, name + "-1"), os.path.join(work, name + "-2")
    for d in (d1, d2):
        shutil.rmtree(d, ignore_errors=True)
        rc, _, err = run("compile", spec, "-o", d)
        check(rc == 0, f"compile {name} -> {os.path.basename(d)} ({err.strip()[:200]})")
    files = ["model.hpp", "main.cpp", "test_model.cpp", "CMakeLists.txt"]
    same = all(os.path.exists(os.path.join(d1, f)) and filecmp.cmp(os.path.join(d1, f), os.path.join(d2, f), shallow=False)
               for f in files)
    check(same, f"compile {name}: two runs give byte-identical files")
    heads = all(open(os.path.join(d1, f)).read().lstrip("/# ").startswith(f) for f in files if os.path.exists(os.path.join(d1, f)))
    check(heads, f"compile {name}: every file starts with its provenance header")
    hdr = open(os.path.join(d1, "model.hpp")).read(600) if os.path.exists(os.path.join(d1, "model.hpp")) else ""
    check("spec sha256" in hdr and "akornc" in hdr, f"compile {name}: header names compiler version and spec hash")

# usage errors
rc, _, err = run("compile", specs["sudoku-small"][0])
check(rc == 2 and "-o" in err, "compile without -o: exit 2, says -o DIR is needed")
rc, _, err = run("check", os.path.join(work, "does-not-exist.json"))
check(rc == 1 and "does-not-exist.json" in err, "missing spec: exit 1, names the file")
for bad in ("0", "-3", "12x", "99999999"):
    rc, _, err = run("check", specs["sudoku-small"][0], "--batch", bad)
    check(rc == 2 and "--batch" in err and bad in err, f"check --batch {bad}: exit 2, names the flag and value")
rc, _, err = run("check", specs["sudoku-small"][0], "--frob")
check(rc == 2 and "--frob" in err, "unknown option: exit 2, names it")
rc, _, err = run("frobnicate")
check(rc == 2, "unknown command: exit 2")
# nothing in the compiler knows the word Sudoku
hits = []
for dirpath, _, names in os.walk(os.path.join(root, "compiler")):
    for n in names:
        if n.endswith((".cpp", ".hpp", ".txt", ".cmake")):
            if re.search("sudoku", open(os.path.join(dirpath, n), errors="replace").read(), re.I):
                hits.append(os.path.join(dirpath, n))
check(not hits, f"the compiler's sources never mention Sudoku {hits}")

finish()
