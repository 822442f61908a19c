#!/usr/bin/env python3
"""The best FG-ARI / MBO a feature map on a patch grid allows (BENCHMARKS.md, "Object
discovery"): each P x P patch labelled from the ground truth (its majority label, or its
majority foreground label), upsampled by nearest neighbour, scored as `eval` scores
(scikit-learn's ARI over foreground pixels; MBO with clusters over the background included).

usage: objects_grid_oracle.py SET_DIR [--patch P]"""
import argparse
import os
import sys

import numpy as np
from sklearn.metrics import adjusted_rand_score


def scores(g, pred):
    f = g > 0
    fg = adjusted_rand_score(g[f], pred[f]) if f.any() else 1.0
    ious = [max(((g == o) & (pred == c)).sum() / ((g == o) | (pred == c)).sum() for c in np.unique(pred))
            for o in np.unique(g[f])]
    return fg, (np.mean(ious) if ious else np.nan)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("set_dir")
    p.add_argument("--patch", type=int, default=4)
    a = p.parse_args()
    path = os.path.join(a.set_dir, "masks.npy")
    try:
        m = np.load(path, allow_pickle=False).astype(int)
    except (OSError, ValueError) as e:
        sys.exit(f"objects_grid_oracle.py: error: {path}: {e}")
    if m.ndim != 3 or m.shape[1] % a.patch or m.shape[2] % a.patch:
        sys.exit(f"objects_grid_oracle.py: error: {path}: masks {list(m.shape)} are not [N, H, W] in {a.patch}-pixel patches")
    n, h, w = m.shape
    P, gh, gw = a.patch, h // a.patch, w // a.patch
    for name, foreground_first in (("majority label", False), ("majority foreground label", True)):
        fg, mb = [], []
        for g in m:
            patches = g.reshape(gh, P, gw, P).transpose(0, 2, 1, 3).reshape(gh, gw, P * P)
            lab = np.zeros((gh, gw), int)
            for i in range(gh):
                for j in range(gw):
                    counts = np.bincount(patches[i, j])
                    lab[i, j] = counts[1:].argmax() + 1 if foreground_first and counts[1:].sum() else counts.argmax()
            s = scores(g, np.kron(lab, np.ones((P, P), int)))
            fg.append(s[0])
            mb.append(s[1])
        print(f"{path}: {n} images, {gh}x{gw} patches of {P}, each its {name}: "
              f"FG-ARI {100 * np.mean(fg):.2f}%, MBO {100 * np.nanmean(mb):.2f}%")


if __name__ == "__main__":
    main()
