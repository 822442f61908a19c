#!/usr/bin/env python3
"""The paper's Sudoku evaluation at CPU scale (issue 11 section 3), with a compiled model.

  python3 tools/sudoku_eval.py --model build/sudoku-c128 --weights models/sudoku-c128.akw \\
      --out runs/eval-rrn [--data data/sudoku/rrn-hard-valid.csv] [--limit 1000] \\
      [--steps 16,32,64,128] [--votes 1,10,100] [--vote-steps 16] [--vote-limit 1000] [--seed 0]

1. Board and cell accuracy (blank cells) at each T of --steps, one noise draw a board
   (`MODEL eval --steps T`).
2. Voting at T = --vote-steps on the first --vote-limit boards, for each K of --votes:
   - energy voting, sum and last: the K copies of a board run as one batch. They are the rows
     of one `MODEL dump` of a file holding every board K times (board b, copy k is noise
     sample b*K + k, as in `eval --votes K`), so sum and last are chosen from the same draws;
     the time is that of the dump (both rules cost the same).
   - `--vote verify` (beyond the paper, verifier-guided): `MODEL eval --votes K --vote verify`.
3. Writes DIR/results.json and DIR/table.md (a Markdown table with the time per board) and
   prints the table.

NumPy only. Never run it on a test split to choose anything: rrn-hard-valid is the
development set; satnet-test / the RRN test split are for reporting.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

import numpy as np


def run(cmd):
    t0 = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        sys.exit(f"sudoku_eval.py: {' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()[-400:]}")
    return p.stdout, time.monotonic() - t0


EVAL_RE = re.compile(r"(\d+) boards, T=(\d+), votes (\d+) \((\w+)\): board accuracy ([\d.]+)% \((\d+)/(\d+)\), "
                     r"cell accuracy ([\d.]+)%, ([\d.]+) s \(([\d.]+) ms a board on ([^)]+)\)")


def parse_eval(out):
    m = EVAL_RE.search(out)
    if not m:
        sys.exit(f"sudoku_eval.py: unexpected eval output: {out[:300]}")
    r = dict(boards=int(m.group(1)), T=int(m.group(2)), votes=int(m.group(3)), vote=m.group(4),
             board_acc=float(m.group(5)), cell_acc=float(m.group(8)), seconds=float(m.group(9)),
             ms_per_board=float(m.group(10)), device=m.group(11))
    v = re.search(r"verify: (\d+) of (\d+) boards found a valid grid .*?, ([\d.]+) copies a board", out)
    if v:
        r["verified"] = int(v.group(1))
        r["mean_copies"] = float(v.group(3))
    return r


def read_boards(path, limit):
    puzzles, sols = [], []
    with open(path) as f:
        for line in f:
            if limit and len(puzzles) == limit:
                break
            p, s = line.strip().split(",")
            puzzles.append([int(c) for c in p])
            sols.append([int(c) for c in s])
    return np.array(puzzles, np.int32), np.array(sols, np.int32)


def accuracy(puzzles, sols, digits):
    blank = puzzles == 0
    right = (digits == sols) & blank
    boards = np.all(right | ~blank, axis=1)
    return 100.0 * boards.mean(), 100.0 * right.sum() / blank.sum()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--weights", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--data", default="data/sudoku/rrn-hard-valid.csv")
    ap.add_argument("--limit", type=int, default=1000)
    ap.add_argument("--steps", default="16,32,64,128")
    ap.add_argument("--votes", default="1,10,100")
    ap.add_argument("--vote-steps", type=int, default=16)
    ap.add_argument("--vote-limit", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    base = [a.model, "eval", "--weights", a.weights, "--data", a.data, "--seed", str(a.seed)]
    res = dict(model=os.path.basename(a.model), weights=a.weights, data=a.data, limit=a.limit, seed=a.seed,
               date=time.strftime("%Y-%m-%d"), steps=[], votes=[])

    for T in (int(t) for t in a.steps.split(",")):
        out, _ = run(base + ["--limit", str(a.limit), "--steps", str(T)])
        r = parse_eval(out)
        res["steps"].append(r)
        print(f"T={T}: board {r['board_acc']:.2f}%, cell {r['cell_acc']:.2f}%, {r['ms_per_board']:.2f} ms a board",
              flush=True)

    puzzles, sols = read_boards(a.data, a.vote_limit)
    n, T = len(puzzles), a.vote_steps
    for K in (int(k) for k in a.votes.split(",")):
        copies = os.path.join(a.out, f"copies-K{K}.csv")
        with open(a.data) as f, open(copies, "w") as g:
            for i, line in enumerate(f):
                if i == n:
                    break
                g.write(line if line.endswith("\n") else line + "\n")
                for _ in range(K - 1):
                    g.write(line if line.endswith("\n") else line + "\n")
        d = os.path.join(a.out, f"dump-K{K}")
        _, secs = run([a.model, "dump", "--weights", a.weights, "--data", copies, "--out", d, "--steps", str(T),
                       "--seed", str(a.seed), "--batch", str(max(K, 100)), "--overwrite", "yes", "--extra", "no"])
        logits = np.load(os.path.join(d, "logits.npy"), mmap_mode="r").reshape(n, K, 81, 9)
        energy = np.load(os.path.join(d, "energy.npy")).astype(np.float64).reshape(n, K, T + 1)
        for vote, score in (("sum", energy.sum(axis=2)), ("last", energy[:, :, T])):
            best = np.argmin(score, axis=1)  # first of equal scores, as `eval`
            digits = np.argmax(logits[np.arange(n), best], axis=2) + 1
            ba, ca = accuracy(puzzles, sols, digits)
            res["votes"].append(dict(K=K, vote=vote, T=T, boards=n, board_acc=ba, cell_acc=ca,
                                     ms_per_board=1e3 * secs / n))
            print(f"K={K} {vote}: board {ba:.2f}%, cell {ca:.2f}%, {1e3 * secs / n:.2f} ms a board", flush=True)
        os.remove(os.path.join(d, "logits.npy"))  # K=100 of 1,000 boards is 290 MB
        os.remove(copies)
        out, _ = run(base + ["--limit", str(n), "--steps", str(T), "--votes", str(K), "--vote", "verify"])
        r = parse_eval(out)
        r["K"] = K
        res["votes"].append(r)
        print(f"K={K} verify: board {r['board_acc']:.2f}%, cell {r['cell_acc']:.2f}%, {r['ms_per_board']:.2f} ms a "
              f"board, {r['mean_copies']:.2f} copies a board", flush=True)

    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump(res, f, indent=1)
    dev = res["steps"][0]["device"] if res["steps"] else "?"
    lines = [f"{res['model']} ({a.weights}) on the first {a.limit} boards of {a.data}, seed {a.seed}, {dev}, "
             f"{res['date']}", "", "| T | votes | rule | board acc. | cell acc. | ms a board |", "|---|---|---|---|---|---|"]
    for r in res["steps"]:
        lines.append(f"| {r['T']} | 1 | - | {r['board_acc']:.2f}% | {r['cell_acc']:.2f}% | {r['ms_per_board']:.2f} |")
    for r in res["votes"]:
        rule = r["vote"] + (f" ({r['mean_copies']:.2f} copies)" if r["vote"] == "verify" else "")
        lines.append(f"| {r['T']} | {r['K']} | {rule} | {r['board_acc']:.2f}% | {r['cell_acc']:.2f}% | "
                     f"{r['ms_per_board']:.2f} |")
    table = "\n".join(lines) + "\n"
    with open(os.path.join(a.out, "table.md"), "w") as f:
        f.write(table)
    print(table)


if __name__ == "__main__":
    main()
