#!/usr/bin/env python3
"""The committed object model (models/objects-tetrominoes.akw) on the generated Tetrominoes
test split: its FG-ARI and MBO are those BENCHMARKS.md reports, within a point (another CPU's
BLAS may move a patch between clusters), and a corrupt copy of the weights is refused.

usage: run_objects_model_test.py MODEL_BIN WEIGHTS WORK_DIR   (MODEL_BIN: objects-tetrominoes)
Prints one line per check and "N passed, M failed"."""
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from checklib import check, finish, run  # noqa: E402

model, weights, work = sys.argv[1:4]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
test = os.path.join(work, "test")
rc, out, err = run(model, "make-data", "--out", test, "--split", "test")
check(rc == 0, f"make-data --split test ({(out + err).strip()[:160]})")
rc, out, err = run(model, "eval", "--weights", weights, "--data", test, threads=2)
m = re.search(r"320 images, k = 4, PCA <= 128: FG-ARI ([0-9.]+)%, MBO ([0-9.]+)%", out)
check(rc == 0 and m is not None, f"eval of the committed weights ({(out + err).strip()[:200]})")
if m:
    fg, mbo = float(m.group(1)), float(m.group(2))
    # BENCHMARKS.md, "Object discovery": 89.21 / 53.55 (Intel Xeon, 2026-12-04)
    check(abs(fg - 89.21) <= 1.0 and abs(mbo - 53.55) <= 1.0,
          f"FG-ARI {fg:.2f}% / MBO {mbo:.2f}% within a point of BENCHMARKS.md's 89.21 / 53.55")
bad = os.path.join(work, "corrupt.akw")
data = bytearray(open(weights, "rb").read())
data[len(data) // 2] ^= 0xFF
open(bad, "wb").write(bytes(data[: len(data) - 100]))
rc, out, err = run(model, "eval", "--weights", bad, "--data", test)
check(rc != 0 and "corrupt.akw" in err, f"a truncated weight file is refused, naming it ({err.strip()[:160]})")
finish()
