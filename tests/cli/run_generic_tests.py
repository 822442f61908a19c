#!/usr/bin/env python3
"""The commands every compiled model has, whatever its task (runtime/include/akorn/cli.hpp):
init, run, export, import, help. Checked on a model without a task (the conv-two-block
fixture: float image input, no Sudoku) against the independent NumPy reference's golden
values, and on sudoku-small against the Sudoku task's own `dump`; bad input is refused with
a message naming the file and nothing is overwritten.

usage: run_generic_tests.py SUDOKU_SMALL_BIN CONV_TWO_BLOCK_BIN REPO_ROOT WORK_DIR
Prints one line per check and "N passed, M failed"."""
import hashlib
import json
import os
import shutil
import struct
import zlib
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from checklib import check, finish, run  # noqa: E402

small, conv, root, work = (os.path.abspath(p) for p in sys.argv[1:5])
golden = os.path.join(root, "tests", "golden", "conv-two-block")
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)


def w(*parts):
    return os.path.join(work, *parts)


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def read_safetensors(path):
    raw = open(path, "rb").read()
    (hl,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + hl])
    meta = header.pop("__metadata__", {})
    data = raw[8 + hl:]
    out = {}
    for name, t in header.items():
        b, e = t["data_offsets"]
        assert t["dtype"] == "F32", t
        out[name] = np.frombuffer(data[b:e], dtype="<f4").reshape(t["shape"])
    return out, meta, hl


def write_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name, a in tensors.items():
        b = np.ascontiguousarray(a, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


# ---- a model without a task: generic commands only
rc, out, _ = run(conv, "help")
check(rc == 0 and all(f"  {c} " in out for c in ("init", "run", "export", "import", "info")),
      "conv-two-block help lists the generic commands")
check("train --out" not in out and "Sudoku" not in out, "a model without a task lists no task commands")
rc, _, err = run(conv, "train", "--out", w("t"))
check(rc == 2 and "unknown command 'train'" in err, f"train on a model without a task: unknown command (rc {rc}: {err.strip()})")
rc, out, _ = run(small, "help")
check(rc == 0 and "train --out" in out and "  run --weights" in out, "sudoku-small help: generic and Sudoku commands")

# ---- init: the spec's initialisation, deterministic in the seed
a, b, c = w("init-a.akw"), w("init-b.akw"), w("init-c.akw")
rc1, out1, err1 = run(conv, "init", "--seed", "3", "--out", a)
rc2, _, _ = run(conv, "init", "--seed", "3", "--out", b)
rc3, _, _ = run(conv, "init", "--seed", "4", "--out", c)
check(rc1 == rc2 == rc3 == 0 and "initialised with seed 3" in out1, f"init writes weights ({out1.strip()}{err1.strip()})")
check(digest(a) == digest(b) and digest(a) != digest(c), "init: the same seed gives the same file, another seed another")
before = digest(a)
rc, _, err = run(conv, "init", "--seed", "5", "--out", a)
check(rc == 1 and "exists" in err and digest(a) == before, "init never replaces a file without --overwrite yes")
rc, _, err = run(conv, "init")
check(rc == 1 and "--out" in err, "init without --out: an error naming it")
rc, _, err = run(conv, "init", "--out", w("twice-a.akw"), "--out", w("twice-b.akw"))
check(rc == 1 and "given twice" in err and not os.path.exists(w("twice-a.akw")) and not os.path.exists(w("twice-b.akw")),
      "an option given twice is refused (not silently the last)")
# the training run starts from the same weights: `train --max-steps` is absent here (no
# task), so compare with sudoku-small's checkpoint at step 0 by a 0-step comparison of EMA
init_small = w("small-init.akw")
rc, _, _ = run(small, "init", "--seed", "0", "--out", init_small)
rc2, _, err = run(small, "train", "--out", w("small-train"), "--data", os.path.join(root, "tests", "import", "full8.csv"),
                  "--epochs", "1", "--batch", "8", "--seed", "0", "--lr", "0", "--quiet", "yes")
if rc == 0 and rc2 == 0:
    # lr 0: Adam changes nothing, the EMA of constant weights is the weights: weights.akw = init
    rc3, _, _ = run(small, "export", "--weights", init_small, "--out", w("small-init.safetensors"))
    rc4, _, _ = run(small, "export", "--weights", w("small-train", "weights.akw"), "--out", w("small-train.safetensors"))
    x, _, _ = read_safetensors(w("small-init.safetensors"))
    y, _, _ = read_safetensors(w("small-train.safetensors"))
    check(rc3 == rc4 == 0 and x.keys() == y.keys() and all(np.array_equal(x[k], y[k]) for k in x),
          "init --seed 0 equals where `train --seed 0` starts (lr 0: its weights are the initial ones)")
else:
    check(False, f"init / train with lr 0 ran (rc {rc}, {rc2}: {err.strip()})")

# ---- weights from the golden parameters (NumPy reference) through import with an identity map
info = json.load(open(os.path.join(golden, "golden.json")))
params = {n: np.load(os.path.join(golden, "params", n + ".npy")) for n in info["param_names"]}
write_safetensors(w("golden-params.safetensors"), params)
with open(w("identity.map"), "w") as f:
    f.write("# our names, as they are\n" + "".join(f"{n}  {n}\n" for n in params))
gw = w("golden.akw")
rc, out, err = run(conv, "import", "--from", w("golden-params.safetensors"), "--map", w("identity.map"), "--out", gw)
check(rc == 0, f"import of the golden parameters with an identity map ({out.strip()}{err.strip()})")

# ---- export: our names, shapes and values exactly
rc, out, err = run(conv, "export", "--weights", gw, "--out", w("golden-export.safetensors"))
ok = rc == 0
if ok:
    got, meta, hl = read_safetensors(w("golden-export.safetensors"))
    check(list(got) == info["param_names"], "export: every parameter, in the spec's order, with our names")
    check(all(got[n].shape == params[n].shape and np.array_equal(got[n], params[n]) for n in params),
          "export: shapes and values equal the parameters imported (bit for bit)")
    check(meta.get("model") == "conv-two-block" and len(meta.get("spec_sha256", "")) == 64,
          f"export: metadata names the model and its spec hash ({meta})")
    check((8 + hl) % 8 == 0, "export: the header is padded to 8 bytes (as the safetensors library writes)")
else:
    check(False, f"export ran ({err.strip()})")
before = digest(w("golden-export.safetensors"))
rc, _, err = run(conv, "export", "--weights", gw, "--out", w("golden-export.safetensors"))
check(rc == 1 and "exists" in err and digest(w("golden-export.safetensors")) == before, "export never replaces a file")
rc, _, err = run(conv, "export", "--weights", w("nope.akw"), "--out", w("x.safetensors"))
check(rc == 1 and "nope.akw" in err and not os.path.exists(w("x.safetensors")), "export of a missing file names it")
rc, _, err = run(small, "export", "--weights", gw, "--out", w("y.safetensors"))
check(rc == 1 and "conv-two-block" in err, "export refuses another model's weights by name")

# ---- run: the model on the golden inputs = the NumPy reference (float32 vs float64)
tol = info.get("float_tol", 2e-3)
for case, steps in (("eval", None), ("eval-t7", 7)):
    cj = json.load(open(os.path.join(golden, case, "case.json")))
    odir = w("run-" + case)
    args = ["run", "--weights", gw, "--input", "image=" + os.path.join(golden, "inputs", "image.npy"), "--out", odir,
            "--seed", str(info["noise_seed"]), "--sample0", str(info["sample0"])]
    if steps:
        args += ["--steps", str(steps)]
    rc, out, err = run(conv, *args)
    if not check(rc == 0, f"run {case} ({out.strip()}{err.strip()})"):
        continue
    for name in ("logits", "energy1"):
        got = np.load(os.path.join(odir, name + ".npy"))
        want = np.load(os.path.join(golden, case, name + ".npy"))
        if name == "logits":
            want = want.reshape(want.shape)  # [N, 1, 1, 10]
        err_rel = float(np.max(np.abs(got - want)) / max(np.max(np.abs(want)), 1e-30))
        check(got.shape == want.shape and got.dtype == np.float32 and err_rel < tol,
              f"run {case}: {name} {list(got.shape)} matches the NumPy reference (max rel err {err_rel:.1e} < {tol})")
# batching does not change the result
rc, _, _ = run(conv, "run", "--weights", gw, "--input", "image=" + os.path.join(golden, "inputs", "image.npy"),
               "--out", w("run-b1"), "--seed", str(info["noise_seed"]), "--sample0", str(info["sample0"]), "--batch", "1")
check(rc == 0 and np.allclose(np.load(w("run-b1", "logits.npy")), np.load(w("run-eval", "logits.npy")), rtol=0, atol=1e-5),
      "run --batch 1 equals one batch of 3 (noise follows the sample index)")
rc, _, _ = run(conv, "run", "--weights", gw, "--input", "image=" + os.path.join(golden, "inputs", "image.npy"),
               "--out", w("run-s0"), "--seed", str(info["noise_seed"]))
check(rc == 0 and not np.allclose(np.load(w("run-s0", "logits.npy")), np.load(w("run-eval", "logits.npy"))),
      "run --sample0 reaches the noise (sample0 0 differs from 4 in a Noise-initialised model)")
# float64 inputs are accepted and converted
np.save(w("image64.npy"), np.load(os.path.join(golden, "inputs", "image.npy")).astype(np.float64))
rc, _, _ = run(conv, "run", "--weights", gw, "--input", "image=" + w("image64.npy"), "--out", w("run-f64"),
               "--seed", str(info["noise_seed"]), "--sample0", str(info["sample0"]))
check(rc == 0 and np.array_equal(np.load(w("run-f64", "logits.npy")), np.load(w("run-eval", "logits.npy"))),
      "run reads float64 inputs (converted to float32)")

# ---- run on sudoku-small = the Sudoku task's dump (same seed, batch, T)
small_w = init_small
csv = os.path.join(root, "data", "sudoku", "satnet-test.csv")
rows = [l.split(",") for l in open(csv).read().split()[:5]]
boards = np.array([[int(ch) for ch in r[0]] for r in rows], dtype=np.int64).reshape(5, 9, 9)
np.save(w("boards.npy"), boards)
with open(w("boards.csv"), "w") as f:
    f.write("".join(",".join(r) + "\n" for r in rows))
rc1, out1, err1 = run(small, "run", "--weights", small_w, "--input", "board=" + w("boards.npy"), "--out", w("run-small"),
                      "--seed", "9", "--steps", "12", "--batch", "5")
rc2, _, err2 = run(small, "dump", "--weights", small_w, "--data", w("boards.csv"), "--out", w("dump-small"), "--seed", "9",
                   "--steps", "12", "--batch", "5")
check(rc1 == 0 and rc2 == 0, f"run and dump on sudoku-small ({out1.strip()} {err1.strip()} {err2.strip()})")
if rc1 == 0 and rc2 == 0:
    check(np.load(w("run-small", "logits.npy")).shape == (5, 9, 9, 9) and
          np.load(w("run-small", "energy.npy")).shape == (5, 13), "run: outputs [N, shape] and energy [N, T+1]")
    names = sorted(os.listdir(w("run-small")))
    check(names == sorted(os.listdir(w("dump-small"))) and
          all(np.array_equal(np.load(w("run-small", n)).reshape(5, -1), np.load(w("dump-small", n)).reshape(5, -1))
              for n in names), f"run equals the task's dump bit for bit ({', '.join(names)})")

# ---- bad input to run: refused, naming the file / input; nothing written
good = ["--weights", small_w, "--out", w("bad-out")]


def refused(what, args, needle, binary=small):
    rc, out, err = run(binary, "run", *args)
    check(rc != 0 and needle in err and not os.path.exists(w("bad-out")), f"run refuses {what} ({err.strip()[:150]})")


refused("a missing input", good, "--input board=")
refused("an unknown input", good + ["--input", "image=" + w("boards.npy")], "no input 'image'")
refused("a training-only input", good + ["--input", "board=" + w("boards.npy"), "--input", "solution=" + w("boards.npy")],
        "training-only")
refused("an input given twice", good + ["--input", "board=" + w("boards.npy"), "--input", "board=" + w("boards.npy")], "twice")
refused("--input without =", good + ["--input", w("boards.npy")], "NAME=FILE")
np.save(w("wrong-shape.npy"), boards.reshape(5, 81))
refused("a wrong shape", good + ["--input", "board=" + w("wrong-shape.npy")], "wrong-shape.npy")
np.save(w("floats.npy"), boards.astype(np.float32))
refused("floats for tokens", good + ["--input", "board=" + w("floats.npy")], "int32 or int64")
bad_tok = boards.copy()
bad_tok[2, 4, 5] = 10
np.save(w("bad-token.npy"), bad_tok)
refused("a token the embedding does not have", good + ["--input", "board=" + w("bad-token.npy")], "token 10 at sample 2")
np.save(w("nan.npy"), np.full((3, 12, 12, 3), np.nan, dtype=np.float32))
refused("non-finite features", ["--weights", gw, "--out", w("bad-out"), "--input", "image=" + w("nan.npy")], "not finite",
        binary=conv)
with open(w("not.npy"), "wb") as f:
    f.write(b"hello")
refused("a file that is not .npy", good + ["--input", "board=" + w("not.npy")], "not.npy")
# shapes whose element count wraps 64 bits are too large, not 0 elements: a .npy of
# [2^32, 2^32, 16] and a weight file (valid CRC) with a tensor of [2^39, 2^39]
with open(w("wrap.npy"), "wb") as f:
    hdr = b"{'descr': '<i4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 16), }"
    hdr += b" " * (63 - (10 + len(hdr)) % 64) + b"\n"
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr)
refused("a .npy shape of 2^68 elements", good + ["--input", "board=" + w("wrap.npy")], "too large")
body = b"AKORNTF1" + struct.pack("<II", 1, 1) + struct.pack("<H", 1) + b"x" + bytes([0, 2]) + struct.pack("<qq", 2**39, 2**39)
body += struct.pack("<QQ", 64, 0)
body += b"\0" * (64 - len(body))
with open(w("wrap.akw"), "wb") as f:
    f.write(body + struct.pack("<I", zlib.crc32(body)))
refused("a weight tensor of 2^78 elements", ["--weights", w("wrap.akw"), "--out", w("bad-out"), "--input",
                                             "board=" + w("boards.npy")], "too large")
refused("another model's weights", ["--weights", gw, "--out", w("bad-out"), "--input", "board=" + w("boards.npy")],
        "conv-two-block")
os.makedirs(w("exists"))
open(w("exists", "logits.npy"), "wb").write(b"keep")
rc, _, err = run(small, "run", "--weights", small_w, "--input", "board=" + w("boards.npy"), "--out", w("exists"))
check(rc == 1 and "exists" in err and open(w("exists", "logits.npy"), "rb").read() == b"keep",
      "run never replaces an output without --overwrite yes")

# ---- random inputs follow the token ranges the compiler derived (bench-* on any model)
rc, out, err = run(conv, "bench-train", "--batch", "2", "--iters", "1", "--warmup", "0")
check(rc == 0 and "bench-train" in out, f"bench-train on a model without a task: random labels in its range ({err.strip()})")
finish()
