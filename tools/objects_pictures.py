#!/usr/bin/env python3
"""Pictures of object discovery: for the first N images of a set, one row each of
image | ground truth | predicted clusters (one column per labels file).

usage: objects_pictures.py SET_DIR LABELS.npy [LABELS.npy ...] OUT.png [--count N]
                           [--names A,B,...] [--title T]

SET_DIR is an image set (images.npy uint8 [N, H, W, 3], masks.npy uint8 [N, H, W]) and
each LABELS.npy the predicted labels of `<model> eval --labels-out` or `<model> kmeans
--labels-out` (int32 [N, H, W]) on it. Several files side by side show, for example, the
clusters after T = 1, 2, ... Kuramoto steps (`eval --steps T`), with --names as the
columns' titles. Cluster ids are arbitrary, so the predicted colours need not match the
ground truth's; each map uses one fixed palette (background / cluster 0 first)."""
import argparse
import os
import sys

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def fail(msg):
    print(f"objects_pictures.py: error: {msg}", file=sys.stderr)
    sys.exit(1)


def load(path, dtype_kind, ndim):
    try:
        a = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        fail(f"{path}: {e}")
    if a.ndim != ndim or a.dtype.kind not in dtype_kind:
        fail(f"{path}: expected a {ndim}-d integer array, found {a.dtype} {list(a.shape)}")
    return a


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("set_dir")
    p.add_argument("labels", nargs="+", help="LABELS.npy ... OUT.png")
    p.add_argument("--count", type=int, default=6)
    p.add_argument("--names", default="", help="comma-separated titles of the labels columns")
    p.add_argument("--title", default="")
    a = p.parse_args()
    if len(a.labels) < 2:
        fail("give at least one LABELS.npy and the OUT.png")
    label_paths, out = a.labels[:-1], a.labels[-1]
    names = a.names.split(",") if a.names else (["predicted"] if len(label_paths) == 1 else
                                                  [os.path.basename(f) for f in label_paths])
    if len(names) != len(label_paths):
        fail(f"--names has {len(names)} titles for {len(label_paths)} labels files")
    images = load(os.path.join(a.set_dir, "images.npy"), "u", 4)
    masks = load(os.path.join(a.set_dir, "masks.npy"), "u", 3)
    labels = []
    for f in label_paths:
        lab = load(f, "iu", 3)
        if lab.shape[1:] != masks.shape[1:] or lab.shape[0] > masks.shape[0]:
            fail(f"{f}: labels {list(lab.shape)} do not fit the set's masks {list(masks.shape)}")
        labels.append(lab)
    n = min([a.count] + [lab.shape[0] for lab in labels])
    if n < 1:
        fail("--count must be at least 1")
    palette = plt.get_cmap("tab10")
    ncol = 2 + len(labels)
    fig, axes = plt.subplots(n, ncol, figsize=(2 * ncol, 2 * n), squeeze=False)
    for i in range(n):
        cols = [(images[i], "image"), (palette(masks[i] % 10), "ground truth")]
        cols += [(palette(lab[i] % 10), name) for lab, name in zip(labels, names)]
        for j, (img, name) in enumerate(cols):
            ax = axes[i][j]
            ax.imshow(img, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0:
                ax.set_title(name, fontsize=9)
    if a.title:
        fig.suptitle(a.title, fontsize=9)
    fig.tight_layout()
    fig.savefig(out, dpi=80)
    print(f"wrote {out} ({n} images, {len(labels)} labels columns)")


if __name__ == "__main__":
    main()
