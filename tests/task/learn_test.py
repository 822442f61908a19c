#!/usr/bin/env python3
"""The small Sudoku model learns on the CPU: 120 Adam steps (batch 50) on the first 4,000
training boards, then the last weights are evaluated on 500 held-out test boards.

Pass criteria, and why:
- the mean loss of the last 20 steps is below 0.7 x that of the first 20 (measured on the
  development machine, AMD EPYC, 2026-12-08: 2.03 -> 1.13, a ratio of 0.56; a model whose
  gradient is wrong or whose optimiser does not step stays near 1);
- cell accuracy on the blank cells of the 500 test boards is at least 20%. Chance is 1/9 =
  11.1%; with ~22,500 blank cells the standard error of such an estimate is ~0.2%, so 20% is
  far outside chance, and it leaves 5 points of margin below the 25.0% measured (numerics
  differ a little between BLAS builds and thread counts; training amplifies that). 120
  steps, not more, for CI's time (200 steps: 0.44 and 36.2%, 80 s more).

usage: learn_test.py MODEL_BIN REPO_ROOT WORK_DIR"""
import os
import re
import shutil
import subprocess
import sys

model, root, work = sys.argv[1:4]
STEPS = 120
out = os.path.join(work, "learn")
shutil.rmtree(out, ignore_errors=True)
data = os.path.join(root, "data", "sudoku")
p = subprocess.run([model, "train", "--out", out, "--data", os.path.join(data, "satnet-train.csv"), "--limit", "4000",
                    "--batch", "50", "--epochs", "3", "--max-steps", str(STEPS), "--seed", "0", "--quiet", "yes"],
                   capture_output=True, text=True)
ok = p.returncode == 0
print(("ok    " if ok else "FAIL  ") + f"train {STEPS} steps " + p.stderr.strip()[-300:])
rows = [line.split(",") for line in open(os.path.join(out, "log.csv")).read().splitlines()[1:]] if ok else []
first = sum(float(r[2]) for r in rows[:20]) / 20 if len(rows) >= 40 else float("nan")
last = sum(float(r[2]) for r in rows[-20:]) / 20 if len(rows) >= 40 else float("nan")
loss_ok = len(rows) == STEPS and last < 0.7 * first
print(("ok    " if loss_ok else "FAIL  ") + f"loss falls: first 20 steps {first:.3f}, last 20 steps {last:.3f} (need < 0.7x)")
e = subprocess.run([model, "eval", "--weights", os.path.join(out, "weights-last.akw"), "--data",
                    os.path.join(data, "satnet-test.csv"), "--limit", "500"], capture_output=True, text=True)
m = re.search(r"cell accuracy ([\d.]+)%", e.stdout)
acc = float(m.group(1)) if m else 0.0
acc_ok = e.returncode == 0 and acc >= 20.0
print(("ok    " if acc_ok else "FAIL  ") + f"cell accuracy on 500 held-out boards {acc:.1f}% (need >= 20%, chance 11.1%)")
n_ok = sum([ok, loss_ok, acc_ok])
print(f"{n_ok} passed, {3 - n_ok} failed")
sys.exit(0 if n_ok == 3 else 1)
