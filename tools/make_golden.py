#!/usr/bin/python3
"""Write golden test data for an akorn spec with the independent NumPy reference.

    /usr/bin/python3 tools/make_golden.py SPEC OUTDIR --batch N --seed S
        [--noise-seed K] [--sample0 K] [--params files|counter]
        [--case NAME:PATH[:STEPS][@V1,V2,...]]... [--values V1,V2,...]

OUTDIR/golden.json               metadata (what the C++ harness reads: spec_sha256, batch,
                                 noise_seed, sample0, cases, param_source, param_names,
                                 param_trainable, and for counter parameters param_seed /
                                 param_centre / param_half)
OUTDIR/params/<op>.<param>.npy   every parameter, float32, in OPS.md layouts (--params files)
OUTDIR/inputs/<input>.npy        int32 tokens / float32 features, [N, ...]
OUTDIR/<case>/case.json          the case: path infer|train, steps
OUTDIR/<case>/<value>.npy        float64 reference values of that case

A case runs one forward path of the compiled model:
  NAME:infer[:STEPS]  the inference path (Model::infer; BatchNorm uses the running statistics;
                      training-only inputs not fed), with STEPS Kuramoto steps instead of the
                      trained T when given (test-time extension);
  NAME:train          the training forward (batch statistics), loss included; BatchNorm's
                      updated running statistics as <bn>.running_mean.updated.npy /
                      <bn>.running_var.updated.npy (unbiased variance).
Default cases: eval:infer and train:train. Every value the path computes is written, or
only those named after the case's @ or by --values. The harness fails on a file that
nothing compares.

Parameters:
  files:   drawn from np.random.default_rng([seed, 0]) in storage order and stored in params/.
  counter: not stored; parameter i (storage order), element e is
           float32(centre_i + half_i * r),  r = (2k + 1 - 2^24) / 2^24,
           k = splitmix64(noise_base(seed, i, 0) + e) >> 40       (akorn_ref.counter_uniform)
           with centre_i / half_i (float32 values) listed in golden.json. Exact in float64,
           so the C++ harness computes the same float32 values (for the paper model: 2.9M
           parameters, 11 MB, that need not be committed).
Inputs from np.random.default_rng([seed, 1]) (Sudoku boards: the first rows of the bundled
satnet-test.csv). The oscillator noise uses --noise-seed (default: --seed) and sample index
sample0 + row (OPS.md "Deterministic noise"). The reference runs on the float32-rounded
parameters and inputs exactly as the C++ sees them.
"""
import argparse
import hashlib
import json
import math
import os
import shlex
import shutil
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akorn_ref as ref  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SUDOKU_CSV = os.path.join(REPO, "data", "sudoku", "satnet-test.csv")  # the bundled copy

PARAM_INIT_NOTE = {
    "conv/linear/attention weights and biases": "U(-1/sqrt(fan_in), 1/sqrt(fan_in))",
    "embedding": "N(0,1)",
    "J.gta": "rotation init (spec 3: sets M, M, M, M^T) + independent N(0, 0.1) per set",
    "omega": "omega_init/sqrt(2) * (1 + U(-0.3, 0.3)) per entry",
    "gamma": "gamma (x 0.9 if gamma_learned)",
    "norm weight / cnorm.scale": "1 + U(-0.2, 0.2)",
    "norm bias / cnorm.bias / ReadOutConv bias": "U(-0.1, 0.1)",
    "BatchNorm running_mean / running_var": "U(-0.1, 0.1) / 1 + U(0, 0.5)",
    "PositionalEncoding pe": "the sin/cos init + N(0, 0.1) (a transposed grid changes the numbers)",
}


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
            v = ref.gta_init_sets(H, W, C // o["heads"]) + rng.normal(0.0, 0.1, size=shape)
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
        elif role == "posenc":
            v = ref.sincos2d(*shape) + rng.normal(0.0, 0.1, size=shape)
        else:
            raise ValueError(f"no init rule for {name} ({role})")
        params[name] = np.ascontiguousarray(np.asarray(v, dtype="<f4").reshape(shape))
    return params


COUNTER_NOTE = {
    "conv/linear/attention weights and biases": "centre 0, half 1/sqrt(fan_in)",
    "embedding": "centre 0, half 1.5",
    "J.gta": "centre 0, half 1 (not a rotation, four different sets: a transposed or swapped set changes the numbers)",
    "omega": "centre omega_init/sqrt(2), half 0.3 * centre",
    "gamma": "centre gamma (x 0.9 if gamma_learned), half 0",
    "norm weight / cnorm.scale": "centre 1, half 0.2",
    "norm bias / cnorm.bias / ReadOutConv bias": "centre 0, half 0.1",
    "BatchNorm running_mean / running_var": "centre 0, half 0.1 / centre 1.25, half 0.25",
    "PositionalEncoding pe": "centre 0, half 1",
}


def counter_rule(spec):
    """[(name, shape, centre, half)] in storage order; centre and half are float32 values."""
    out = []
    for name, shape, role, op in ref.param_list(spec, with_roles=True):
        o = op.opt
        if isinstance(role, tuple) and role[0] == "fan":
            c, h = 0.0, 1.0 / math.sqrt(role[1])
        elif role == "embedding":
            c, h = 0.0, 1.5
        elif role in ("gta", "posenc"):
            c, h = 0.0, 1.0
        elif role == "omega":
            c = o["omega_init"] / math.sqrt(2.0)
            h = 0.3 * abs(c)
        elif role == "gamma":
            c, h = o["gamma"] * (0.9 if o["gamma_learned"] else 1.0), 0.0
        elif role == "norm_weight":
            c, h = 1.0, 0.2
        elif role in ("norm_bias", "running_mean"):
            c, h = 0.0, 0.1
        elif role == "running_var":
            c, h = 1.25, 0.25
        else:
            raise ValueError(f"no counter rule for {name} ({role})")
        out.append((name, shape, float(np.float32(c)), float(np.float32(h))))
    return out


def counter_params(spec, seed):
    params = {}
    for i, (name, shape, c, h) in enumerate(counter_rule(spec)):
        r = ref.counter_uniform(seed, i, int(np.prod(shape)))
        params[name] = np.ascontiguousarray((c + h * r).astype("<f4").reshape(shape))
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


def parse_case(text):
    text, _, only = text.partition("@")
    parts = text.split(":")
    if len(parts) not in (2, 3) or parts[1] not in ("infer", "train") or not parts[0]:
        raise SystemExit(f"--case {text!r}: expected NAME:infer[:STEPS] or NAME:train")
    steps = int(parts[2]) if len(parts) == 3 else 0
    if parts[1] == "train" and steps:
        raise SystemExit(f"--case {text!r}: the training forward always runs the trained T")
    return {"case": parts[0], "path": parts[1], "mode": "eval" if parts[1] == "infer" else "train",
            "steps": steps, "only": [v for v in only.split(",") if v] or None}


def case_values(spec, params, inputs, case, noise_seed, sample0):
    """Every value the case's path computes (op outputs), plus updated BatchNorm statistics."""
    train_only = {i["name"] for i in spec.inputs if i["training_only"]}
    feed = inputs if case["path"] == "train" else {k: v for k, v in inputs.items() if k not in train_only}
    extras = {}
    vals = ref.forward(spec, params, feed, mode=case["mode"], noise_seed=noise_seed, sample0=sample0,
                       extras=extras, steps=case["steps"] or None)
    input_names = {i["name"] for i in spec.inputs}
    out = {k: v for k, v in vals.items() if k not in input_names}
    out.update(extras)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("spec")
    ap.add_argument("outdir")
    ap.add_argument("--batch", type=int, required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--noise-seed", type=int, default=None, help="default: --seed")
    ap.add_argument("--sample0", type=int, default=0)
    ap.add_argument("--params", choices=["files", "counter"], default="files")
    ap.add_argument("--case", action="append", default=None,
                    help="NAME:infer[:STEPS] or NAME:train, optionally @V1,V2 (only these values)")
    ap.add_argument("--values", default=None, help="comma-separated value names to write (default: all)")
    ap.add_argument("--float-tol", type=float, default=None,
                    help="tolerance of the float32 comparison in this directory (harness default 5e-4), "
                         "for models whose dynamics amplify float32 rounding more")
    a = ap.parse_args(argv)
    noise_seed = a.seed if a.noise_seed is None else a.noise_seed
    cases = [parse_case(c) for c in (a.case or ["eval:infer", "train:train"])]
    if len({c["case"] for c in cases}) != len(cases):
        raise SystemExit("case names must differ")
    wanted = None if a.values is None else [v for v in a.values.split(",") if v]

    spec = ref.load_spec(a.spec)
    with open(a.spec, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    if a.params == "files":
        params = init_params(spec, np.random.default_rng([a.seed, 0]))
    else:
        params = counter_params(spec, a.seed)
    inputs, input_how = make_inputs(spec, a.batch, np.random.default_rng([a.seed, 1]))

    # a clean directory: stale files from an earlier layout would fail the harness
    if os.path.isdir(a.outdir):
        shutil.rmtree(a.outdir)
    files = []

    def save(rel, arr):
        path = os.path.join(a.outdir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        np.save(path, np.ascontiguousarray(arr))
        files.append({"file": rel, "dtype": np.asarray(arr).dtype.str, "shape": list(np.shape(arr))})

    if a.params == "files":
        for name, _ in ref.param_list(spec):
            save(f"params/{name}.npy", params[name])
    for name, arr in inputs.items():
        save(f"inputs/{name}.npy", arr)
    summary = []
    for c in cases:
        vals = case_values(spec, params, inputs, c, noise_seed, a.sample0)
        pick = c.pop("only") or wanted
        names = list(vals) if pick is None else [v for v in pick if v in vals]
        if not names:
            raise SystemExit(f"case {c['case']}: none of --values is computed on the {c['path']} path")
        for name in names:
            save(f"{c['case']}/{name}.npy", vals[name].astype("<f8"))
            summary.append(f"{c['case']:10s} {name:28s} {str(vals[name].shape):18s} "
                           f"absmax={np.max(np.abs(vals[name])):.4e}")
        os.makedirs(os.path.join(a.outdir, c["case"]), exist_ok=True)
        with open(os.path.join(a.outdir, c["case"], "case.json"), "w") as f:
            json.dump(dict(c, values=names), f, indent=2)
            f.write("\n")

    try:
        spec_rel = os.path.relpath(os.path.abspath(a.spec), REPO)
        out_rel = os.path.relpath(os.path.abspath(a.outdir), REPO)
    except ValueError:
        spec_rel, out_rel = a.spec, a.outdir
    cmd = ["/usr/bin/python3", "tools/make_golden.py", spec_rel, out_rel, "--batch", str(a.batch),
           "--seed", str(a.seed)]
    if a.noise_seed is not None:
        cmd += ["--noise-seed", str(a.noise_seed)]
    if a.sample0:
        cmd += ["--sample0", str(a.sample0)]
    if a.params != "files":
        cmd += ["--params", a.params]
    for c in (a.case or []):
        cmd += ["--case", c]
    if a.values is not None:
        cmd += ["--values", a.values]
    if a.float_tol is not None:
        cmd += ["--float-tol", repr(a.float_tol)]
    # The C++ harness (runtime/include/akorn/testing.hpp) finds fields by key: keep every key
    # it reads unique in this file.
    meta = {
        "generator": "tools/make_golden.py (independent NumPy reference tools/akorn_ref.py, float64)",
        "spec": spec_rel,
        "spec_sha256": sha,
        "model": spec.name,
        "batch": a.batch,
        "seed": a.seed,
        "noise_seed": noise_seed,
        "sample0": a.sample0,
        "cases": [c["case"] for c in cases],
        "case_paths": {c["case"]: (c["path"] + (f", steps {c['steps']}" if c["steps"] else "")) for c in cases},
        "param_source": a.params,
        # storage order, and which parameters training updates (OPS.md), checked by the harness
        "param_names": [n for n, _ in ref.param_list(spec)],
        "param_trainable": [ref.param_trainable(op, n[len(op.name) + 1:])
                            for n, _, _, op in ref.param_list(spec, with_roles=True)],
    }
    if a.params == "files":
        meta["param_rng"] = f"numpy default_rng([{a.seed}, 0]), drawn in parameter storage order"
        meta["param_init"] = PARAM_INIT_NOTE
    else:
        rule = counter_rule(spec)
        meta["param_seed"] = a.seed
        meta["param_rule"] = ("parameter i (storage order), element e: float32(centre_i + half_i * r), "
                              "r = (2k + 1 - 2^24) / 2^24, k = splitmix64(noise_base(param_seed, i, 0) + e) >> 40")
        meta["param_rule_roles"] = COUNTER_NOTE
        meta["param_centre"] = [c for _, _, c, _ in rule]
        meta["param_half"] = [h for _, _, _, h in rule]
    meta.update({
        "input_rng": f"numpy default_rng([{a.seed}, 1])",
        "inputs": input_how,
        "noise_rounding": "noise computed in float64 per OPS.md, rounded to float32, then used in float64",
        "tolerance_hint": "compare float32 C++ against these float64 values with rtol/atol ~1e-4 "
                          "(Kuramoto steps amplify float32 rounding)",
        "files": files,
        **({"float_tol": a.float_tol} if a.float_tol is not None else {}),
        "command": " ".join(shlex.quote(c) for c in cmd),
    })
    with open(os.path.join(a.outdir, "golden.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    print("\n".join(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
