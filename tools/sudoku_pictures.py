#!/usr/bin/env python3
"""Pictures of a trained Sudoku model (matplotlib), from its training log and its programs.

  python3 tools/sudoku_pictures.py --out docs/pictures \\
      --log "augmented (ours)=training/sudoku-c128/log.csv" \\
      --log "no augmentation (the reference's recipe)=training/sudoku-c128-noaug/log.csv" \\
      [--model build/sudoku-c128 --weights models/sudoku-c128.akw \\
       --data data/sudoku/satnet-test.csv --board 0 --draws 8 --steps 64]

- training.png: per epoch, the training loss and blank-cell accuracy (means over the epoch's
  steps) and the EMA weights' accuracy on the validation boards (`train --holdout`), for
  every --log;
- energy.png: for one board, the energy E_t over t = 0..T for --draws noise draws (the
  copies of `eval --votes K`), solved draws drawn solid;
- oscillators.png: the same board's blank cells after t = 1, 2, 4, 8, 16 (and T) steps of
  the first draw: each cell's state (C values: C/n oscillators on the n-sphere) projected
  onto the first two principal components of the blank cells' states at T, coloured by the
  cell's digit in the solution; each panel's title gives the share of the projected spread
  that lies between digits; below, the blank cells' cosine similarities (about their mean),
  sorted by digit. Cells that take one digit synchronise: their points meet, and bright
  blocks form on the diagonal.
The model must return xT (models/sudoku-c128.json does) for oscillators.png. Needs NumPy and
matplotlib (installed with pip when missing).
"""
import argparse
import csv
import os
import subprocess
import sys
import tempfile

import numpy as np

try:
    import matplotlib
except ImportError:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "matplotlib"], check=True)
    import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def read_log(path):
    rows = list(csv.DictReader(open(path)))
    by_epoch = {}
    for r in rows:
        e = int(r["epoch"])
        d = by_epoch.setdefault(e, dict(loss=[], acc=[], val_board=None, val_cell=None, last_board=None, last_cell=None))
        d["loss"].append(float(r["loss"]))
        d["acc"].append(float(r["train_cell_acc"]))
        if r["eval_cell_acc"]:
            d["val_board"], d["val_cell"] = float(r["eval_board_acc"]), float(r["eval_cell_acc"])
        if r.get("eval_last_cell_acc"):  # logs from before this column have none
            d["last_board"], d["last_cell"] = float(r["eval_last_board_acc"]), float(r["eval_last_cell_acc"])
    epochs = sorted(by_epoch)
    return dict(epoch=np.array(epochs) + 1,
                loss=np.array([np.mean(by_epoch[e]["loss"]) for e in epochs]),
                acc=np.array([np.mean(by_epoch[e]["acc"]) for e in epochs]),
                val=[(e + 1, by_epoch[e]["val_cell"], by_epoch[e]["val_board"]) for e in epochs
                     if by_epoch[e]["val_cell"] is not None],
                last=[(e + 1, by_epoch[e]["last_cell"], by_epoch[e]["last_board"]) for e in epochs
                      if by_epoch[e]["last_cell"] is not None])


def training_png(logs, out):
    fig, ax = plt.subplots(1, 3, figsize=(15, 5.0))
    for label, path in logs:
        L = read_log(path)
        line, = ax[0].plot(L["epoch"], L["loss"], label=label)
        ax[1].plot(L["epoch"], L["acc"], color=line.get_color(), label=f"{label}: training batches")
        if L["val"]:
            v = np.array(L["val"])
            ax[1].plot(v[:, 0], v[:, 1], "--", color=line.get_color(), label=f"{label}: validation (EMA)")
            ax[2].plot(v[:, 0], v[:, 2], "--", color=line.get_color(), label=f"{label}: validation (EMA)")
        if L["last"]:
            v = np.array(L["last"])
            ax[1].plot(v[:, 0], v[:, 1], ":", marker=".", color=line.get_color(), label=f"{label}: validation (last weights)")
            ax[2].plot(v[:, 0], v[:, 2], ":", marker=".", color=line.get_color(), label=f"{label}: validation (last weights)")
    ax[0].set(xlabel="epoch", ylabel="cross-entropy (mean over the epoch)", title="training loss", yscale="log")
    ax[1].set(xlabel="epoch", ylabel="blank-cell accuracy (%)", title="cell accuracy")
    ax[2].set(xlabel="epoch", ylabel="boards solved (%)", title="board accuracy")
    for a in ax:
        a.grid(alpha=0.3)
    # one legend for the three panels, below them (the cell panel has every kind of line)
    handles, labels = ax[1].get_legend_handles_labels()
    rows = -(-len(handles) // 3)
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.045 * rows + 0.02, 1, 1))
    fig.savefig(out, dpi=120)
    plt.close(fig)


def dump(model, weights, line, copies, steps, seed, work):
    csvp = os.path.join(work, f"board-{copies}-{steps}.csv")
    open(csvp, "w").write((line + "\n") * copies)
    d = os.path.join(work, f"dump-{copies}-{steps}")
    subprocess.run([model, "dump", "--weights", weights, "--data", csvp, "--out", d, "--steps", str(steps), "--seed",
                    str(seed), "--overwrite", "yes"], check=True, stdout=subprocess.DEVNULL)
    res = {"logits": np.load(os.path.join(d, "logits.npy")), "energy": np.load(os.path.join(d, "energy.npy"))}
    if os.path.exists(os.path.join(d, "xT.npy")):
        res["xT"] = np.load(os.path.join(d, "xT.npy"))
    return res


def energy_png(model, weights, line, draws, steps, seed, work, out):
    puzzle, sol = line.split(",")
    r = dump(model, weights, line, draws, steps, seed, work)
    digits = r["logits"].argmax(axis=2) + 1
    want = np.array([int(c) for c in sol])
    fig, ax = plt.subplots(1, 2, figsize=(13, 4.2))
    mean = r["energy"].mean(axis=0)
    for k in range(draws):
        solved = bool(np.all(digits[k] == want))
        style = "-" if solved else ":"
        label = f"draw {k}: {'solved' if solved else 'not solved'}, sum {r['energy'][k].sum():.1f}"
        ax[0].plot(np.arange(steps + 1), r["energy"][k], style, label=label)
        ax[1].plot(np.arange(steps + 1), r["energy"][k] - mean, style, label=label)
    ax[0].set(xlabel="Kuramoto step t", ylabel="energy E_t", title=f"one board ({puzzle.count('0')} blanks), "
              f"{draws} noise draws, T={steps}")
    ax[1].set(xlabel="Kuramoto step t", ylabel="E_t minus the mean over the draws",
              title="how the draws differ (energy voting keeps the lowest sum)")
    for a in ax:
        a.grid(alpha=0.3)
    ax[1].legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def oscillators_png(model, weights, line, steps, seed, work, out):
    puzzle, sol = line.split(",")
    ts = sorted({t for t in (1, 2, 4, 8, 16, steps) if t <= steps})
    states = []
    for t in ts:
        r = dump(model, weights, line, 1, t, seed, work)
        if "xT" not in r:
            sys.exit(f"sudoku_pictures.py: {model} has no xT output (oscillators.png needs one)")
        states.append(r["xT"].reshape(81, -1).astype(np.float64))
    digit = np.array([int(c) for c in sol])
    blank = np.array([c == "0" for c in puzzle])
    # The givens sit far from every blank cell (their conditioning pins them), so principal
    # components of all 81 cells only separate givens from blanks: project the blank cells
    # on the first two principal components of their own last-step states.
    ref = states[-1][blank]
    centre = ref.mean(axis=0)
    _, _, vt = np.linalg.svd(ref - centre, full_matrices=False)
    pcs = vt[:2].T
    cmap = plt.get_cmap("tab10")
    fig, axes = plt.subplots(2, len(ts), figsize=(3.2 * len(ts), 7.0))
    ax = axes[0]
    order = np.argsort(digit[blank], kind="stable")
    bounds = np.cumsum(np.bincount(digit[blank], minlength=10)[1:])[:-1] - 0.5
    for a, t, s in zip(axes[1], ts, states):
        # cosine similarity of the blank cells' states about their mean, cells sorted by digit:
        # synchronised digits show as bright blocks on the diagonal
        x = s[blank][order] - s[blank].mean(axis=0)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        a.imshow(x @ x.T, vmin=-1, vmax=1, cmap="RdBu_r", interpolation="nearest")
        for b in bounds:
            a.axhline(b, color="k", lw=0.4)
            a.axvline(b, color="k", lw=0.4)
        a.set(xticks=[], yticks=[], xlabel="blank cells, sorted by digit")
    for a, t, s in zip(ax, ts, states):
        p = (s[blank] - centre) @ pcs
        d = digit[blank]
        # share of the projected spread that lies between digits (1: each digit one point)
        total = ((p - p.mean(axis=0)) ** 2).sum()
        within = sum(((p[d == q] - p[d == q].mean(axis=0)) ** 2).sum() for q in range(1, 10) if (d == q).any())
        for q in range(1, 10):
            if (d == q).any():
                a.scatter(p[d == q, 0], p[d == q, 1], s=18, color=cmap(q - 1), label=str(q), alpha=0.85)
        share = f"t = {t}: {100 * (1 - within / total):.0f}% between digits"
        print(share)
        a.set(title=share, xticks=[], yticks=[])
    ax[-1].legend(title="digit", fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.suptitle(f"the {int(blank.sum())} blank cells' oscillators (first 2 principal components of their states at "
                 f"t = {ts[-1]}), coloured by the solution's digit;\n"
                 "below: their cosine similarities about the mean, sorted by digit (lines between digits)", fontsize=10)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--log", action="append", default=[], help="LABEL=PATH of a train log.csv (split at the last =)")
    ap.add_argument("--model")
    ap.add_argument("--weights")
    ap.add_argument("--data", default="data/sudoku/satnet-test.csv")
    ap.add_argument("--board", type=int, default=0)
    ap.add_argument("--draws", type=int, default=8)
    ap.add_argument("--steps", type=int, default=64)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    if a.log:
        logs = [tuple(x.rsplit("=", 1)) if "=" in x else (x, x) for x in a.log]  # labels may hold "="
        training_png(logs, os.path.join(a.out, "training.png"))
        print(os.path.join(a.out, "training.png"))
    if a.model:
        line = open(a.data).read().splitlines()[a.board]
        with tempfile.TemporaryDirectory() as work:
            energy_png(a.model, a.weights, line, a.draws, a.steps, a.seed, work, os.path.join(a.out, "energy.png"))
            oscillators_png(a.model, a.weights, line, a.steps, a.seed, work, os.path.join(a.out, "oscillators.png"))
        print(os.path.join(a.out, "energy.png"), os.path.join(a.out, "oscillators.png"))


if __name__ == "__main__":
    main()
