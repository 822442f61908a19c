#!/usr/bin/env python3
"""The object task's commands of a generated model (make-data, train, eval) on the CPU:
generated sets are deterministic and refuse to overwrite, training logs FG-ARI / MBO and
resumes bit for bit, eval scores and writes labels, and bad input (a set of another image
size, missing or corrupt files, flags) is rejected with a message naming the file.

usage: run_objects_tests.py MODEL_BIN WORK_DIR   (MODEL_BIN: objects-small, 32 x 32 images)
Prints one line per check and "N passed, M failed"."""
import json
import os
import re
import shutil
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from checklib import check, digest, finish, fresh_dir, run  # noqa: E402

model, work = sys.argv[1:3]
# objects-small's trained T, read from its spec (eval --steps at it must change nothing)
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "objects-small.json")) as f:
    trained_steps = next(o["options"]["steps"] for o in json.load(f)["ops"] if o["options_type"] == "KuramotoOptions")


def fresh(name):
    return fresh_dir(work, name)




# ---- make-data
data = fresh("data")
train, val = os.path.join(data, "train"), os.path.join(data, "val")
rc, out, err = run(model, "make-data", "--out", train, "--count", "96", "--split", "train")
check(rc == 0 and "96 images of tetrominoes-gen" in out, f"make-data writes 96 training images ({(out + err).strip()[:160]})")
rc, _, err = run(model, "make-data", "--out", val, "--count", "24", "--split", "val")
check(rc == 0, f"make-data writes a validation split ({err.strip()[:120]})")
im, mk = np.load(os.path.join(train, "images.npy")), np.load(os.path.join(train, "masks.npy"))
check(im.shape == (96, 32, 32, 3) and im.dtype == np.uint8 and mk.shape == (96, 32, 32) and mk.dtype == np.uint8,
      f"images.npy uint8 [96, 32, 32, 3], masks.npy uint8 [96, 32, 32] ({im.shape} {im.dtype}, {mk.shape} {mk.dtype})")
check(set(np.unique(mk)) == {0, 1, 2, 3}, f"masks hold the background and three pieces ({sorted(set(np.unique(mk)))})")
before = digest(os.path.join(train, "images.npy"))
rc, _, err = run(model, "make-data", "--out", train, "--count", "10")
check(rc != 0 and "exists" in err and digest(os.path.join(train, "images.npy")) == before,
      f"make-data does not overwrite a set without --overwrite yes ({err.strip()[:120]})")
again = fresh("again")
run(model, "make-data", "--out", again, "--count", "96", "--split", "train")
check(digest(os.path.join(again, "images.npy")) == before, "make-data is deterministic (same seed, same bytes)")
rc, _, err = run(model, "make-data", "--out", os.path.join(data, "x"), "--set", "clevr")
check(rc != 0 and "unknown image set 'clevr'" in err, f"an unknown set is refused ({err.strip()[:120]})")
dsp = os.path.join(data, "dsprites")
run(model, "make-data", "--out", dsp, "--set", "dsprites-gen", "--count", "4", "--split", "test")

# ---- train: resume equals continuous
common = ["--data", train, "--eval-data", val, "--batch", "16", "--seed", "5", "--quiet", "yes", "--eval-limit", "24"]
a = fresh("continuous")
rc, _, err = run(model, "train", "--out", a, "--epochs", "2", *common)
check(rc == 0, f"train 2 epochs uninterrupted ({err.strip()[-200:]})")
b = fresh("resumed")
rc, _, err = run(model, "train", "--out", b, "--epochs", "2", "--max-steps", "4", "--ckpt-every", "4", *common)
check(rc == 0, f"train stopped after 4 steps ({err.strip()[-200:]})")
rc, _, err = run(model, "train", "--out", b, "--epochs", "2", "--resume", "yes", *common)
check(rc == 0, f"train --resume to the end ({err.strip()[-200:]})")


def log(d):
    with open(os.path.join(d, "log.csv")) as f:
        lines = f.read().splitlines()
    return lines[0].split(","), [line.split(",") for line in lines[1:]]


ha, ra = log(a)
hb, rb = log(b)
check(ha[:3] == ["step", "epoch", "loss"] and "images_per_s" in ha and "eval_fg_ari" in ha and "eval_mbo" in ha,
      f"the log has loss, images/s, FG-ARI and MBO columns ({','.join(ha)})")
check(len(ra) == 12, f"96 images at 16 a step (32 views): 6 steps an epoch, 12 in 2 epochs ({len(ra)})")
check([(r[0], r[2]) for r in ra] == [(r[0], r[2]) for r in rb],
      f"the resumed run logs the same losses as the uninterrupted one ({ra[-1][2]} vs {rb[-1][2]})")
check(digest(os.path.join(a, "weights.akw")) == digest(os.path.join(b, "weights.akw")),
      "the resumed run ends with the same weights, bit for bit")
fg = [r[ha.index("eval_fg_ari")] for r in ra if r[ha.index("eval_fg_ari")]]
check(len(fg) == 2 and all(0 <= float(v) <= 100 for v in fg), f"validation after each epoch, FG-ARI in [0, 100] ({fg})")
losses = [float(r[2]) for r in ra]
check(all(np.isfinite(losses)) and losses[0] > np.log(31) - 1.0,
      f"the first loss is near log(2B - 1) = log 31 for an untrained model ({losses[0]:.3f})")

# ---- eval
w = os.path.join(a, "weights.akw")
labels = os.path.join(work, "labels.npy")
if os.path.exists(labels):
    os.remove(labels)
rc, out, err = run(model, "eval", "--weights", w, "--data", val, "--labels-out", labels)
check(rc == 0 and "FG-ARI" in out and "MBO" in out, f"eval prints FG-ARI and MBO ({(out + err).strip()[:200]})")
lab = np.load(labels) if os.path.exists(labels) else np.zeros(0)
check(lab.shape == (24, 32, 32) and lab.min() >= 0 and lab.max() <= 3, f"--labels-out: int32 [24, 32, 32] in 0..3 ({lab.shape})")

# ---- pictures (tools/objects_pictures.py): image | ground truth | predicted, one row each
pictures = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "objects_pictures.py")
png = os.path.join(work, "pictures.png")
shifted = os.path.join(work, "labels-shifted.npy")  # cluster ids 5..8: colours no mask uses
np.save(shifted, (lab + 5).astype(np.int32))
prc, pout, perr = run(sys.executable, pictures, val, shifted, png, "--count", "3", threads=0)
check(prc == 0 and os.path.exists(png) and open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n",
      f"objects_pictures.py writes a PNG ({(pout + perr).strip()[:160]})")
if prc == 0 and lab.shape == (24, 32, 32):
    import matplotlib.image
    import matplotlib.pyplot
    pic = matplotlib.image.imread(png)
    right = np.round(pic[:, 2 * pic.shape[1] // 3:, :3] * 255).astype(int).reshape(-1, 3)
    seen = {tuple(c) for c in np.unique(right, axis=0)}
    want = {tuple(np.round(np.array(matplotlib.pyplot.get_cmap("tab10")(int(v))[:3]) * 255).astype(int))
            for v in np.unique(lab[:3] + 5)}
    check(pic.shape[:2] == (480, 480) and want <= seen,
          f"the picture: 3 rows, the predicted column shows each predicted cluster's colour ({pic.shape}, {len(want - seen)} missing)")
# ---- the clusters over the Kuramoto steps: eval --steps T, several labels columns
steps_out = {}
for t in ("1", "%d" % trained_steps):
    f = os.path.join(work, f"labels-T{t}.npy")
    rc, out_t, err = run(model, "eval", "--weights", w, "--data", val, "--steps", t, "--labels-out", f)
    check(rc == 0 and f"T = {t}" in out_t, f"eval --steps {t} says its T ({(out_t + err).strip()[:160]})")
    steps_out[t] = (out_t, np.load(f) if os.path.exists(f) else np.zeros(0))
def scores(text):
    return re.findall(r"FG-ARI [0-9.]+%, MBO [0-9.]+%", text)


check(scores(steps_out["%d" % trained_steps][0]) == scores(out) != []
      and np.array_equal(steps_out["%d" % trained_steps][1], lab),
      "eval --steps at the trained T gives the default's scores and labels")
check(steps_out["1"][1].shape == lab.shape and not np.array_equal(steps_out["1"][1], lab),
      "eval --steps 1 clusters another state (after one step) than the trained T")
png2 = os.path.join(work, "over-steps.png")
t1 = os.path.join(work, "labels-T1-shifted.npy")
np.save(t1, (steps_out["1"][1] + 5).astype(np.int32))
prc, pout, perr = run(sys.executable, pictures, val, os.path.join(work, "labels.npy"), t1, png2, "--count", "3",
                      "--names", "T=trained,T=1", threads=0)
check(prc == 0 and "2 labels columns" in pout, f"objects_pictures.py draws two labels columns ({(pout + perr).strip()[:160]})")
if prc == 0 and steps_out["1"][1].shape == (24, 32, 32):
    pic = matplotlib.image.imread(png2)
    right = np.round(pic[:, 3 * pic.shape[1] // 4:, :3] * 255).astype(int).reshape(-1, 3)
    seen = {tuple(c) for c in np.unique(right, axis=0)}
    want = {tuple(np.round(np.array(matplotlib.pyplot.get_cmap("tab10")(int(v))[:3]) * 255).astype(int))
            for v in np.unique(steps_out["1"][1][:3] + 5)}
    check(pic.shape[:2] == (480, 640) and want <= seen,
          f"the picture over steps: 4 columns, the last one the last labels file's clusters ({pic.shape}, {len(want - seen)} missing)")
prc, _, perr = run(sys.executable, pictures, val, labels, t1, png2, "--names", "one", threads=0)
check(prc != 0 and "--names" in perr, f"objects_pictures.py: --names must title every labels column ({perr.strip()[:120]})")
bad = os.path.join(work, "bad-labels.npy")
np.save(bad, np.zeros((2, 8, 8), np.int32))
prc, _, perr = run(sys.executable, pictures, val, bad, os.path.join(work, "bad.png"), threads=0)
check(prc != 0 and "bad-labels.npy" in perr and not os.path.exists(os.path.join(work, "bad.png")),
      f"objects_pictures.py: labels of another size are refused, naming the file ({perr.strip()[:160]})")
# ---- tools/objects_grid_oracle.py: masks made of whole 4x4 patches score 100 / 100
oracle = os.path.join(os.path.dirname(pictures), "objects_grid_oracle.py")
aligned = fresh("aligned")
np.save(os.path.join(aligned, "masks.npy"),
        np.kron(np.random.default_rng(1).integers(0, 4, (5, 8, 8)), np.ones((4, 4), int)).astype(np.uint8))
prc, pout, perr = run(sys.executable, oracle, aligned, threads=0)
check(prc == 0 and pout.count("FG-ARI 100.00%, MBO 100.00%") == 2,
      f"objects_grid_oracle.py: patch-aligned masks score 100% both ways ({(pout + perr).strip()[:200]})")
rc2, out2, _ = run(model, "eval", "--weights", w, "--data", val, "--batch", "5")
check(rc2 == 0 and out2.split(": ", 1)[1].split(", ")[:3] == out.split(": ", 1)[1].split(", ")[:3],
      f"eval gives the same scores at another batch size ({out2.strip()[:120]})")
rc, out, _ = run(model, "eval", "--weights", w, "--data", val, "--clusters", "2")
check(rc == 0 and "k = 2" in out, "--clusters sets k")

# ---- the k-means baseline
km = os.path.join(work, "kmeans.npy")
rc, out, err = run(model, "kmeans", "--data", val, "--labels-out", km)
check(rc == 0 and "k-means on pixel colours, k = 4" in out and "FG-ARI" in out,
      f"kmeans scores the pixel-colour baseline ({(out + err).strip()[:200]})")
klab = np.load(km) if os.path.exists(km) else np.zeros(0)
vmask = np.load(os.path.join(val, "masks.npy"))
vimg = np.load(os.path.join(val, "images.npy"))
# The printed scores are those of the written labels (scikit-learn's ARI over the
# foreground, mean over images), and the labels are a k-means optimum of the pixel colours
# as good as scikit-learn's (inertia within 1%: both are local searches).
if klab.shape == (24, 32, 32):
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score
    fgari = np.mean([adjusted_rand_score(vmask[i][vmask[i] > 0], klab[i][vmask[i] > 0]) for i in range(24)])
    printed = float(out.split("FG-ARI ")[1].split("%")[0])
    check(abs(100 * fgari - printed) < 0.006, f"kmeans: the printed FG-ARI {printed} is that of its labels ({100 * fgari:.3f})")
    worse = []
    for i in range(24):
        x = vimg[i].reshape(-1, 3) / 255.0
        ours = klab[i].reshape(-1)
        inertia = sum(np.sum((x[ours == c] - x[ours == c].mean(0)) ** 2) for c in np.unique(ours))
        theirs = KMeans(n_clusters=4, n_init=10, random_state=i).fit(x).inertia_
        if inertia > theirs * 1.01 + 1e-9:
            worse.append((i, inertia, theirs))
    check(not worse, f"kmeans labels: inertia within 1% of scikit-learn's on every image ({worse[:3]})")
else:
    check(False, f"kmeans --labels-out: int32 [24, 32, 32] ({klab.shape})")
rc, out2, _ = run(model, "kmeans", "--data", val)
check(rc == 0 and out2.split(": ", 1)[1].split(", ")[:4] == out.split(": ", 1)[1].split(", ")[:4],
      "kmeans is deterministic")
rc, _, err = run(model, "kmeans", "--data", val, "--clusters", "5000")
check(rc != 0 and "5000 clusters" in err and val in err, f"more clusters than pixels are refused ({err.strip()[:120]})")

# ---- bad input
rc, _, err = run(model, "eval", "--weights", w, "--data", dsp)
check(rc != 0 and dsp in err and "64 x 64" in err and "32 x 32" in err,
      f"a set of another image size is refused, naming it ({err.strip()[:160]})")
rc, _, err = run(model, "train", "--out", fresh("bad1"), "--data", dsp, "--batch", "2", "--quiet", "yes")
check(rc != 0 and "64 x 64" in err, f"training on a set of another size is refused ({err.strip()[:120]})")
broken = fresh("broken")
shutil.copy(os.path.join(val, "images.npy"), broken)
rc, _, err = run(model, "eval", "--weights", w, "--data", broken)
check(rc != 0 and "masks.npy: missing" in err, f"a set without masks.npy is refused ({err.strip()[:120]})")
with open(os.path.join(val, "masks.npy"), "rb") as f:
    blob = f.read()
with open(os.path.join(broken, "masks.npy"), "wb") as f:
    f.write(blob[:-7])
rc, _, err = run(model, "eval", "--weights", w, "--data", broken)
check(rc != 0 and "masks.npy" in err and "truncated" in err, f"a truncated masks.npy is refused ({err.strip()[:160]})")
rc, _, err = run(model, "train", "--out", fresh("bad2"), "--quiet", "yes")
check(rc != 0 and "--data" in err, f"train without --data says so ({err.strip()[:120]})")
rc, _, err = run(model, "train", "--out", fresh("bad3"), "--data", val, "--batch", "64", "--quiet", "yes")
check(rc != 0 and "fewer than --batch" in err, f"a batch larger than the set is refused ({err.strip()[:120]})")
rc, _, err = run(model, "eval", "--weights", os.path.join(work, "none.akw"), "--data", val)
check(rc != 0 and "none.akw" in err, f"missing weights are named ({err.strip()[:120]})")
finish()
