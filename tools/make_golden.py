#!/usr/bin/python3
"""Write golden test data for an akorn spec with the independent NumPy reference.

    /usr/bin/python3 tools/make_golden.py SPEC OUTDIR --batch N --seed S
        [--mode eval|train] [--all-values] [--sample0 K]

OUTDIR/params/<op>.<param>.npy   every parameter, float32, in OPS.md layouts
OUTDIR/inputs/<input>.npy        int32 tokens / float32 features, [N, ...]
OUTDIR/expected/<value>.npy      float64 reference: spec outputs, the loss (CrossEntropyLoss
                                 outputs, when all training-only inputs exist) and, with
                                 --all-values, every op output value (plus, in train mode,
                                 '<bn>.running_mean.updated' / '.running_var.updated')
OUTDIR/golden.json               metadata

Random draws: parameters from np.random.default_rng([seed, 0]) in storage order
(tools/akorn_ref.param_list); inputs from np.random.default_rng([seed, 1]).  The oscillator
noise uses noise seed = --seed and sample index = sample0 + row (OPS.md "Deterministic noise").
The reference is computed from the float32-rounded parameters and inputs exactly as saved.
"""
import argparse
import hashlib
import json
import math
import os
import shlex
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akorn_ref as ref  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SUDOKU_CSV = os.path.join(REPO, "data", "sudoku", "satnet-test.csv")  # the bundled copy


def init_params(spec, rng):
    shapes = ref.infer_shapes(spec)
    params = {}
    for name, shape, role, op in ref.param_list(spec, with_roles=True):
        o = op.opt
        if isinstance(role, tuple) and role[0] == "fan":
            bound = 1.0 / math.sqrt(role[1])
            v = rng.uniform(-bound, bound, size=shape)
        elif role == "embedding":
            v = rng.normal(0.0, 1.0, size=shape)
        elif role == "gta":
            H, W, C = shapes[op.inputs[0]][1]
            v = ref.gta_init(H, W, C // o["heads"]) + rng.normal(0.0, 0.1, size=shape)
        elif role == "omega":
            v = o["omega_init"] / math.sqrt(2.0) * (1.0 + rng.uniform(-0.3, 0.3, size=shape))
        elif role == "gamma":
            v = np.full(shape, o["gamma"] * (0.9 if o["gamma_learned"] else 1.0))
        elif role == "norm_weight":
            v = 1.0 + rng.uniform(-0.2, 0.2, size=shape)
        elif role == "norm_bias":
            v = rng.uniform(-0.1, 0.1, size=shape)
        elif role == "running_mean":
            v = rng.uniform(-0.1, 0.1, size=shape)
        elif role == "running_var":
            v = 1.0 + rng.uniform(0.0, 0.5, size=shape)
        else:
            raise ValueError(f"no init rule for {name} ({role})")
        params[name] = np.ascontiguousarray(np.asarray(v, dtype="<f4").reshape(shape))
    return params


def read_sudoku(n):
    puzzles, sols = [], []
    with open(SUDOKU_CSV) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            p, s = line.split(",")[:2]
            if not (len(p) == 81 and p.isdigit()):
                continue  # header or malformed row
            puzzles.append([int(ch) for ch in p])
            sols.append([int(ch) for ch in s])
            if len(puzzles) == n:
                break
    if len(puzzles) < n:
        raise ValueError(f"only {len(puzzles)} puzzles in {SUDOKU_CSV}")
    return (np.array(puzzles, dtype="<i4").reshape(n, 9, 9),
            np.array(sols, dtype="<i4").reshape(n, 9, 9))


def make_inputs(spec, batch, rng):
    shapes = ref.infer_shapes(spec)
    names = {i["name"] for i in spec.inputs}
    inputs, how = {}, {}
    sudoku = None
    if {"board", "solution"} <= names:
        sudoku = read_sudoku(batch)
    for i in spec.inputs:
        nm, sh = i["name"], [batch] + i["shape"]
        if sudoku is not None and nm in ("board", "solution"):
            inputs[nm] = sudoku[0] if nm == "board" else sudoku[1]
            how[nm] = f"first {batch} rows of satnet-test.csv ({'puzzle' if nm == 'board' else 'solution'})"
            continue
        if i["dtype"] == "Float32":
            inputs[nm] = rng.normal(0.0, 1.0, size=sh).astype("<f4")
            how[nm] = "N(0,1)"
            continue
        # Int32: the valid range from the ops that consume it
        lo, hi = 0, None
        for op in spec.ops:
            if nm not in op.inputs:
                continue
            if op.kind == "Embedding":
                lo, hi = 0, op.opt["num_embeddings"]
            elif op.kind == "CrossEntropyLoss" and op.inputs[1] == nm:
                K = shapes[op.inputs[0]][1][2]
                off = op.opt["target_offset"]
                lo, hi = -off, K - off
        if hi is None:
            lo, hi = 0, 2
        inputs[nm] = rng.integers(lo, hi, size=sh).astype("<i4")
        how[nm] = f"uniform integers in [{lo}, {hi})"
    return inputs, how


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("spec")
    ap.add_argument("outdir")
    ap.add_argument("--batch", type=int, required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--mode", choices=["eval", "train"], default="eval")
    ap.add_argument("--all-values", action="store_true")
    ap.add_argument("--sample0", type=int, default=0)
    a = ap.parse_args(argv)

    spec = ref.load_spec(a.spec)
    with open(a.spec, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    params = init_params(spec, np.random.default_rng([a.seed, 0]))
    inputs, input_how = make_inputs(spec, a.batch, np.random.default_rng([a.seed, 1]))

    extras = {}
    vals = ref.forward(spec, params, inputs, mode=a.mode, noise_seed=a.seed, sample0=a.sample0,
                       extras=extras)

    loss_names = [v for op in spec.ops if op.kind == "CrossEntropyLoss" for v in op.outputs]
    input_names = {i["name"] for i in spec.inputs}
    want = list(spec.outputs) + [n for n in loss_names if n in vals and n not in spec.outputs]
    if a.all_values:
        want += [n for n in vals if n not in input_names and n not in want]

    files = []
    for sub in ("params", "inputs", "expected"):
        os.makedirs(os.path.join(a.outdir, sub), exist_ok=True)

    def save(sub, name, arr):
        rel = f"{sub}/{name}.npy"
        np.save(os.path.join(a.outdir, rel), np.ascontiguousarray(arr))
        files.append({"file": rel, "dtype": np.asarray(arr).dtype.str, "shape": list(np.shape(arr))})

    for name, _ in ref.param_list(spec):
        save("params", name, params[name])
    for name, arr in inputs.items():
        save("inputs", name, arr)
    for name in want:
        save("expected", name, vals[name].astype("<f8"))
    if a.all_values and a.mode == "train":
        for name, arr in extras.items():
            save("expected", name, arr.astype("<f8"))

    try:
        spec_rel = os.path.relpath(os.path.abspath(a.spec), REPO)
        out_rel = os.path.relpath(os.path.abspath(a.outdir), REPO)
    except ValueError:
        spec_rel, out_rel = a.spec, a.outdir
    cmd = ["/usr/bin/python3", "tools/make_golden.py", spec_rel, out_rel, "--batch", str(a.batch),
           "--seed", str(a.seed), "--mode", a.mode]
    if a.all_values:
        cmd.append("--all-values")
    if a.sample0:
        cmd += ["--sample0", str(a.sample0)]
    meta = {
        "generator": "tools/make_golden.py (independent NumPy reference tools/akorn_ref.py, float64)",
        "spec": spec_rel,
        "spec_sha256": sha,
        "model": spec.name,
        "batch": a.batch,
        "seed": a.seed,
        "noise_seed": a.seed,
        "sample0": a.sample0,
        "mode": a.mode,
        "mode_note": ("train: BatchNorm normalises with batch statistics over N*H*W (biased "
                      "variance), as in the training/gradient checks; the updated running stats "
                      "are in expected/<bn>.running_*.updated.npy (unbiased variance)"
                      if a.mode == "train" else
                      "eval: BatchNorm uses the running statistics from params/"),
        "param_rng": f"numpy default_rng([{a.seed}, 0]), drawn in parameter storage order",
        "input_rng": f"numpy default_rng([{a.seed}, 1])",
        "inputs": input_how,
        "param_init": {
            "conv/linear/attention weights and biases": "U(-1/sqrt(fan_in), 1/sqrt(fan_in))",
            "embedding": "N(0,1)",
            "J.gta": "rotation init (spec 3) + N(0, 0.1)",
            "omega": "omega_init/sqrt(2) * (1 + U(-0.3, 0.3)) per entry",
            "gamma": "gamma (x 0.9 if gamma_learned)",
            "norm weight / cnorm.scale": "1 + U(-0.2, 0.2)",
            "norm bias / cnorm.bias / ReadOutConv bias": "U(-0.1, 0.1)",
            "BatchNorm running_mean / running_var": "U(-0.1, 0.1) / 1 + U(0, 0.5)",
        },
        "noise_rounding": "noise computed in float64 per OPS.md, rounded to float32, then used in float64",
        "tolerance_hint": "compare float32 C++ against these float64 values with rtol/atol ~1e-4 "
                          "(Kuramoto steps amplify float32 rounding)",
        "outputs": want,
        "files": files,
        "command": " ".join(shlex.quote(c) for c in cmd),
    }
    with open(os.path.join(a.outdir, "golden.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    for name in want:
        v = vals[name]
        print(f"{name:14s} {str(v.shape):18s} absmax={np.max(np.abs(v)):.4e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
