#!/usr/bin/env python3
"""Pictures of object discovery: for the first N images of a set, one row each of
image | ground truth | predicted clusters.

usage: objects_pictures.py SET_DIR LABELS.npy OUT.png [--count N] [--title T]

SET_DIR is an image set (images.npy uint8 [N, H, W, 3], masks.npy uint8 [N, H, W]) and
LABELS.npy the predicted labels of `<model> eval --labels-out` or `<model> kmeans
--labels-out` (int32 [N, H, W]) on it. Cluster ids are arbitrary, so the predicted colours
need not match the ground truth's; each map uses one fixed palette (background / cluster 0
first)."""
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
    p.add_argument("labels")
    p.add_argument("out")
    p.add_argument("--count", type=int, default=6)
    p.add_argument("--title", default="")
    a = p.parse_args()
    images = load(os.path.join(a.set_dir, "images.npy"), "u", 4)
    masks = load(os.path.join(a.set_dir, "masks.npy"), "u", 3)
    labels = load(a.labels, "iu", 3)
    if labels.shape[1:] != masks.shape[1:] or labels.shape[0] > masks.shape[0]:
        fail(f"{a.labels}: labels {list(labels.shape)} do not fit the set's masks {list(masks.shape)}")
    n = min(a.count, labels.shape[0])
    if n < 1:
        fail("--count must be at least 1")
    palette = plt.get_cmap("tab10")
    fig, axes = plt.subplots(n, 3, figsize=(6, 2 * n), squeeze=False)
    for i in range(n):
        cols = [(images[i], "image"),
                (palette(masks[i] % 10), "ground truth"),
                (palette(labels[i] % 10), "predicted")]
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
    fig.savefig(a.out, dpi=80)
    print(f"wrote {a.out} ({n} images)")


if __name__ == "__main__":
    main()
