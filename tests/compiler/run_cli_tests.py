#!/usr/bin/env python3
"""akornc command-line tests: `check` output, deterministic `compile`, the recompute
option's effect on the training arena, the --max-memory budget, and the parameter count of the Sudoku models
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
            + 4 * P * (hd // 2) * 4      # GTA: four independent sets (mat_q, mat_k, mat_v, mat_o)
            + 2 + 1                      # global omega theta, gamma
            + 4 * C * C + 4 * C + C      # readout conv (C*n' outputs) + its bias + norm bias
            + 2 * (C * C + C)            # FF
            + C * C + C                  # conv3
            + 9 * C + 9)                 # head


# the reference's count (spec section 3: 2,982,412 with its unused x0 [1, C, 9, 9])
check(sudoku_params(512) + 512 * 81 == 2982412, "spec section 3: the reference's 2,982,412 parameters")

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

# inference runs only what the model's outputs need: the object model's projection head and
# loss (read by training alone) are not in its inference plan
rc, out, err = run("check", os.path.join(root, "models/objects-tetrominoes.json"), "--batch", "4", "--plan")
inf = out.split("inference plan", 1)[-1].split("training plan", 1)[0]
steps = re.search(r"^ \((\d+) buffers, (\d+) steps\)", inf)
check(rc == 0 and steps is not None and int(steps.group(2)) == 4 and "value h1" not in inf and "value h1" in out,
      f"check objects-tetrominoes: the inference plan has 4 steps, no projection head ({inf[:60].strip()!r})")

# the emitted CMakeLists.txt names a wrong runtime directory instead of failing inside CMake
if shutil.which("cmake"):
    d = os.path.join(work, "sudoku-small-1")
    r = subprocess.run(["cmake", "-S", d, "-B", os.path.join(work, "bad-runtime-build"), "-G", "Ninja",
                        "-DAKORN_RUNTIME_DIR=" + os.path.join(work, "no-runtime-here")],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    flat = " ".join(r.stdout.split())
    check(r.returncode != 0 and "no-runtime-here is not the akorn runtime's include directory" in flat
          and "-DAKORN_RUNTIME_DIR=<repo>/runtime/include" in flat,
          "emitted CMakeLists.txt: a wrong AKORN_RUNTIME_DIR fails with a message naming it")

# usage errors
rc, _, err = run("compile", specs["sudoku-small"][0])
check(rc == 2 and "-o" in err, "compile without -o: exit 2, says -o DIR is needed")
rc, _, err = run("check", os.path.join(work, "does-not-exist.json"))
check(rc == 1 and "does-not-exist.json" in err, "missing spec: exit 1, names the file")
for bad in ("0", "-3", "12x", "99999999"):
    rc, _, err = run("check", specs["sudoku-small"][0], "--batch", bad)
    check(rc == 2 and "--batch" in err and bad in err, f"check --batch {bad}: exit 2, names the flag and value")
# --max-memory: the training arena at --batch N must fit; recompute when only it fits.
small = specs["sudoku-small"][0]
UNITS = {"B": 1, "KiB": 1024, "MiB": 1024**2, "GiB": 1024**3, "TiB": 1024**4}
rc, out, err = run("check", small, "--batch", "100")
m = re.search(r"training arena at batch 100: ([\d.]+) (\w+) with the Kuramoto steps stored, "
              r"([\d.]+) (\w+) recomputed \(--recompute\)", out)
check(rc == 0 and m is not None, "check: prints the training arena with and without recompute")
stored = float(m.group(1)) * UNITS[m.group(2)] if m else 0
recomp = float(m.group(3)) * UNITS[m.group(4)] if m else 0
check(0 < recomp < stored, f"check: recompute arena {recomp:.0f} B < stored {stored:.0f} B")


def compiled_body(d):
    """The generated files without their provenance `command:` line."""
    files = {}
    for f in sorted(os.listdir(d)):
        lines = open(os.path.join(d, f)).read().splitlines()
        files[f] = [ln for ln in lines if "command: akornc" not in ln]
    return files


def compile_dir(tag, *flags):
    d = os.path.join(work, "mm-" + tag)
    shutil.rmtree(d, ignore_errors=True)
    rc, out, err = run("compile", small, "-o", d, *flags)
    return rc, err, d


plain_rc, _, plain_dir = compile_dir("plain")
rec_rc, _, rec_dir = compile_dir("recompute", "--recompute")
check(plain_rc == 0 and rec_rc == 0, "compile with and without --recompute (for the --max-memory cases)")
# fits without change
rc, out, err = run("check", small, "--batch", "100", "--max-memory", "1GiB")
check(rc == 0 and err == "" and "fits with the Kuramoto steps stored" in out and "(1073741824 B)" in out,
      f"check --max-memory 1GiB: fits unchanged, nothing on stderr ({err.strip()[:200]})")
rc, err, d = compile_dir("fits", "--max-memory", "1GiB", "--batch", "100")
check(rc == 0 and err == "" and compiled_body(d) == compiled_body(plain_dir),
      f"compile --max-memory 1GiB: same code as without it ({err.strip()[:200]})")
hdr = open(os.path.join(d, "model.hpp")).read(600) if rc == 0 else ""
check("--max-memory 1GiB --batch 100" in hdr, "compile --max-memory: the provenance command names the budget")
# switches to recompute: a budget between the two arenas (bytes, no unit)
between = str(int((stored + recomp) / 2))
rc, out, err = run("check", small, "--batch", "100", "--max-memory", between)
check(rc == 0 and "recomputing Kuramoto steps in the backward pass" in err and "at batch 100" in err
      and "Kuramoto steps recomputed in the backward pass" in out,
      f"check --max-memory {between}: switches to recompute, says so on stderr ({err.strip()[:200]})")
rc, err, d = compile_dir("switch", "--max-memory", between, "--batch", "100")
check(rc == 0 and "recomputing Kuramoto steps" in err and compiled_body(d) == compiled_body(rec_dir),
      f"compile --max-memory {between}: the same code as --recompute ({err.strip()[:200]})")
# cannot fit: exit 1 with both numbers, nothing written
tiny = str(int(recomp / 2))
rc, out, err = run("check", small, "--batch", "100", "--max-memory", tiny)
check(rc == 1 and m is not None and f"{m.group(1)} {m.group(2)}" in err and f"{m.group(3)} {m.group(4)}" in err
      and tiny in err, f"check --max-memory {tiny}: exit 1, names both arenas ({err.strip()[:200]})")
rc, err, d = compile_dir("nofit", "--max-memory", tiny, "--batch", "100")
check(rc == 1 and not os.path.exists(d), "compile --max-memory too small: exit 1, writes nothing")
rc, out, err = run("check", small, "--batch", "100", "--recompute", "--max-memory", tiny)
check(rc == 1 and "--recompute" in err, "check --recompute --max-memory too small: exit 1")
# sizes: binary and decimal units, a bare byte count; the parsed bytes are printed
for text, nbytes in (("512MiB", 512 * 1024**2), ("2GiB", 2 * 1024**3), ("1.5GB", 1500000000),
                     ("1000000000", 1000000000), ("2 gib", 2 * 1024**3), ("64MB", 64000000)):
    rc, out, err = run("check", small, "--max-memory", text)
    check(rc == 0 and f"--max-memory {text} ({nbytes} B)" in out, f"--max-memory {text!r} is {nbytes} bytes")
# malformed values: exit 2, the message names the flag and the value
for bad in ("2XB", "abc", "-1GiB", "0", "1.5", "1e9", "GiB", "2GiBs", ""):
    rc, _, err = run("check", small, "--max-memory", bad)
    check(rc == 2 and "--max-memory" in err and f"'{bad}'" in err, f"--max-memory {bad!r}: exit 2, names flag and value")
rc, _, err = run("compile", small, "-o", os.path.join(work, "mm-bad"), "--max-memory", "12 parsecs")
check(rc == 2 and "'12 parsecs'" in err, "compile --max-memory malformed: exit 2")
rc, _, err = run("check", small, "--max-memory")
check(rc == 2 and "--max-memory" in err, "--max-memory without a value: exit 2")

rc, _, err = run("check", specs["sudoku-small"][0], "--frob")
check(rc == 2 and "--frob" in err, "unknown option: exit 2, names it")
rc, _, err = run("frobnicate")
check(rc == 2, "unknown command: exit 2")
# (that the compiler names a task only in compiler/tasks/: tests/layout/run_layout_tests.py)

finish()
