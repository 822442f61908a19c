#!/usr/bin/env python3
"""The Sudoku report scripts: tools/sudoku_eval.py (the paper's evaluation table) and
tools/sudoku_pictures.py (training curve, energy, oscillators), on a few boards.

usage: run_script_tests.py MODEL_BIN REPO_ROOT WORK_DIR
MODEL_BIN is sudoku-c128 (it returns xT), with the shipped weights models/sudoku-c128.akw. sudoku_eval.py must say what the program's own `eval`
says for every row: T rows as `eval --steps T`, and energy voting, which the script does
from one `dump` of K copies a board, as `eval --votes K --vote sum|last` (the same noise
draws). Prints one line per check and "N passed, M failed"."""
import csv
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from checklib import check, finish, run  # noqa: E402

model, root, work = sys.argv[1:4]
weights = os.path.join(root, "models", "sudoku-c128.akw")
tools = os.path.join(root, "tools")
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")

# 40 boards: 20 in distribution (the model solves most), 20 of the hardest (17 givens; it
# solves few), so that the rules' rows can differ
def first(name, n):
    with open(os.path.join(root, "data", "sudoku", name)) as f:
        return f.read().splitlines()[:n]


data = os.path.join(work, "boards.csv")
open(data, "w").write("\n".join(first("satnet-test.csv", 20) + first("rrn-hard-valid.csv", 20)) + "\n")


def said(*args):
    rc, out, err = run(model, "eval", "--weights", weights, "--data", data, "--seed", "5", *args)
    m = re.search(r"board accuracy ([\d.]+)%.*?cell accuracy ([\d.]+)%", out)
    return (float(m.group(1)), float(m.group(2))) if rc == 0 and m else err.strip()[-200:]


out_dir = os.path.join(work, "eval")
p = subprocess.run([sys.executable, os.path.join(tools, "sudoku_eval.py"), "--model", model, "--weights", weights,
                    "--out", out_dir, "--data", data, "--limit", "40", "--steps", "16,32", "--votes", "1,4",
                    "--vote-limit", "24", "--seed", "5"], capture_output=True, text=True, env=env)
check(p.returncode == 0, f"sudoku_eval.py runs ({p.stderr.strip()[-300:]})")
res = json.load(open(os.path.join(out_dir, "results.json"))) if p.returncode == 0 else dict(steps=[], votes=[])
for r in res["steps"]:
    want = said("--limit", "40", "--steps", str(r["T"]))
    check(want == (r["board_acc"], r["cell_acc"]), f"T={r['T']}: the table's row is eval's ({r['board_acc']}, "
          f"{r['cell_acc']} vs {want})")
check([r["T"] for r in res["steps"]] == [16, 32], "a row for each T of --steps")
rows = {(r["K"], r["vote"]): r for r in res["votes"]}
check(sorted(rows) == [(1, "last"), (1, "sum"), (1, "verify"), (4, "last"), (4, "sum"), (4, "verify")],
      f"a row for each K and rule ({sorted(rows)})")
for (K, vote), r in sorted(rows.items()):
    want = said("--limit", "24", "--steps", "16", "--votes", str(K), "--vote", vote)
    got = (round(r["board_acc"], 2), round(r["cell_acc"], 2))
    check(want == got and r["boards"] == 24, f"K={K} {vote}: the table's row is eval --votes {K} --vote {vote}'s "
          f"({got} vs {want})")
solved4 = rows.get((4, "sum"), {}).get("board_acc", 0)
check(0 < solved4 < 100, f"the boards are neither all solved nor none (K=4 sum: {solved4}%), so the rows can differ")
table = open(os.path.join(out_dir, "table.md")).read() if p.returncode == 0 else ""
check(table.count("\n| ") == 1 + 2 + 6 and "| 16 | 4 | verify (" in table, "table.md has a header and 8 rows")
check(not any(n.startswith(("copies-", "dump-K")) and os.path.isfile(os.path.join(out_dir, n))
              for n in os.listdir(out_dir)) if os.path.isdir(out_dir) else False,
      "the K-copy boards and logits are removed")

# ---- pictures
sys.path.insert(0, tools)
import sudoku_pictures  # noqa: E402

log = os.path.join(work, "log.csv")
with open(log, "w") as f:
    w = csv.writer(f)
    w.writerow(["step", "epoch", "loss", "train_cell_acc", "train_board_acc", "grad_norm", "boards_per_s",
                "eval_board_acc", "eval_cell_acc", "eval_last_board_acc", "eval_last_cell_acc"])
    w.writerow([1, 0, 2.0, 10, 0, 1, 5, "", "", "", ""])
    w.writerow([2, 0, 1.0, 30, 0, 1, 5, 1.5, 40.25, 2.5, 45.5])
    w.writerow([3, 1, 0.5, 50, 0, 1, 5, "", "", "", ""])
    w.writerow([4, 1, 0.25, 70, 0, 1, 5, 3.0, 60.0, 4.0, 65.0])
old = os.path.join(work, "old-log.csv")  # before the eval_last_* columns
with open(log) as f, open(old, "w") as g:
    for line in f:
        g.write(line.rstrip("\n").rsplit(",", 2)[0] + "\n")
L = sudoku_pictures.read_log(log)
check(list(L["epoch"]) == [1, 2] and list(L["loss"]) == [1.5, 0.375] and list(L["acc"]) == [20, 60],
      f"read_log: per epoch, the mean loss and training accuracy ({L['epoch']}, {L['loss']}, {L['acc']})")
check(L["val"] == [(1, 40.25, 1.5), (2, 60.0, 3.0)] and L["last"] == [(1, 45.5, 2.5), (2, 65.0, 4.0)],
      f"read_log: the EMA and last weights' validation ({L['val']}, {L['last']})")
Lo = sudoku_pictures.read_log(old)
check(Lo["val"] == L["val"] and Lo["last"] == [], "read_log: a log without eval_last_* has no last-weights curve")

pics = os.path.join(work, "pictures")
p = subprocess.run([sys.executable, os.path.join(tools, "sudoku_pictures.py"), "--out", pics, "--log", f"new={log}",
                    "--log", f"old={old}", "--model", model, "--weights", weights, "--data", data, "--board", "0",
                    "--draws", "3", "--steps", "8"], capture_output=True, text=True, env=env)
check(p.returncode == 0, f"sudoku_pictures.py runs ({p.stderr.strip()[-300:]})")
import matplotlib.image  # noqa: E402

for name, (h, w) in (("training.png", (600, 1800)), ("energy.png", (504, 1560)), ("oscillators.png", (840, 1536))):
    path = os.path.join(pics, name)
    img = matplotlib.image.imread(path) if os.path.exists(path) else None
    check(img is not None and img.shape[:2] == (h, w) and img[..., :3].std() > 0.05,
          f"{name}: a {w}x{h} picture, not blank ({None if img is None else img.shape})")
for name, line in (("between", r"t = (\d+): (\d+)% between digits"),):
    got = re.findall(line, p.stdout)
    check([int(t) for t, _ in got] == [1, 2, 4, 8] and all(0 <= int(s) <= 100 for _, s in got),
          f"oscillators.png: the between-digit share at each t is printed ({got})")
finish()
