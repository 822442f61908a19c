#!/usr/bin/python3
"""Write the optimiser fixture of runtime/tests/test_optim.cpp: values computed by PyTorch
and ema_pytorch (the libraries the reference training of AKOrN uses), as a C++ header, so
the test needs neither at run time.

    /usr/bin/python3 tools/make_optim_fixture.py runtime/tests/fixtures/optim/torch_optim.hpp

Needs torch (Debian: apt-get install -y python3-torch) and ema-pytorch
(pip install --break-system-packages --no-deps ema-pytorch). The header records both versions.

What it holds:
  Adam  torch.optim.Adam on three tensors (6, [3, 4], 5 elements), 12 steps of gradients
        spanning 1e-9 .. 30 in magnitude (eps dominates the tiny ones; the first steps pin the
        bias corrections), with sign changes and zeros; two configurations (the defaults
        lr 1e-3, betas (0.9, 0.999), eps 1e-8, and lr 0.05, betas (0.8, 0.99), eps 1e-6), each
        run in float64 and in float32: parameters, exp_avg, exp_avg_sq after every step.
  clip  torch.nn.utils.clip_grad_norm_ on the same three tensors: norm above max_norm, below
        it, just below it (clipped all the same: max_norm / (norm + 1e-6) < 1) and far above;
        float64 and float32: the returned norm and the clipped gradients.
  EMA   ema_pytorch.EMA(beta=0.995, update_every=10, update_after_step=100) (the reference's
        train_sudoku.py) over a float64 module of 4 values (Linear(2, 1) and a buffer), for
        3100 calls of ema.update(), one after each optimiser step; before call k the online
        values are online(k, i) = ((37 k + 101 i) mod 211) / 105 - 1 (exact in double, so
        the C++ test computes the same). Recorded after every call with k % 10 == 0: the EMA
        values and ema.get_current_decay() (what that call used when k > 100).
Inputs are float32-representable, so the float32 and float64 runs start from the same values.
"""
import importlib.metadata
import sys

import numpy as np
import torch

from ema_pytorch import EMA

SIZES = [6, 12, 5]
SHAPES = [(6,), (3, 4), (5,)]
STEPS = 12
ADAM_CONFIGS = [
    # name, lr, beta1, beta2, eps
    ("defaults", 1e-3, 0.9, 0.999, 1e-8),
    ("custom", 0.05, 0.8, 0.99, 1e-6),
]
EMA_CALLS = 3100
EMA_ELEMS = 4


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def make_grads(rng):
    n = sum(SIZES)
    # per-element magnitude: tiny (eps dominates), small, ordinary, large
    scales = np.array([1e-9, 3e-9, 1e-8, 3e-8, 1e-7, 1e-6, 1e-4, 1e-3, 1e-2, 0.1, 1.0, 30.0])
    s = scales[np.arange(n) % len(scales)]
    g = np.empty((STEPS, n))
    for t in range(STEPS):
        g[t] = s * rng.normal(size=n) * rng.uniform(0.3, 3.0, size=n)
    g[:, 4] = 0.0            # never a gradient: the update stays 0 (0 / eps)
    g[5:8, 9] = 0.0          # a gradient that stops for a while
    g[:, 13] = np.abs(g[:, 13]) * np.where(np.arange(STEPS) % 2 == 0, 1.0, -1.0)  # alternating sign
    return f32(g)


def run_adam(p0, grads, lr, b1, b2, eps, dtype):
    params = []
    off = 0
    for n, shp in zip(SIZES, SHAPES):
        params.append(torch.tensor(p0[off:off + n].reshape(shp), dtype=dtype, requires_grad=True))
        off += n
    opt = torch.optim.Adam(params, lr=lr, betas=(b1, b2), eps=eps)
    P, M, V = [], [], []
    for t in range(STEPS):
        off = 0
        for p, n, shp in zip(params, SIZES, SHAPES):
            p.grad = torch.tensor(grads[t, off:off + n].reshape(shp), dtype=dtype)
            off += n
        opt.step()
        P.append(np.concatenate([p.detach().numpy().ravel() for p in params]))
        M.append(np.concatenate([opt.state[p]["exp_avg"].numpy().ravel() for p in params]))
        V.append(np.concatenate([opt.state[p]["exp_avg_sq"].numpy().ravel() for p in params]))
    return np.array(P), np.array(M), np.array(V)


def run_clip(grads, max_norm, dtype):
    params = []
    off = 0
    for n, shp in zip(SIZES, SHAPES):
        p = torch.zeros(shp, dtype=dtype, requires_grad=True)
        p.grad = torch.tensor(grads[off:off + n].reshape(shp), dtype=dtype)
        params.append(p)
        off += n
    norm = torch.nn.utils.clip_grad_norm_(params, max_norm)
    return float(norm), np.concatenate([p.grad.numpy().ravel() for p in params])


def online(k, i):
    return ((37 * k + 101 * i) % 211) / 105.0 - 1.0


class Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(2, 1)
        self.register_buffer("stat", torch.zeros(1))

    def values(self):
        return [self.lin.weight, self.lin.bias, self.stat]  # 2 + 1 + 1 = EMA_ELEMS


def run_ema():
    net = Tiny().double()
    ema = EMA(net, beta=0.995, update_every=10, update_after_step=100)
    rec_k, rec_v, rec_d = [], [], []
    for k in range(EMA_CALLS):
        with torch.no_grad():  # the optimiser step: the online values of step k
            i = 0
            for t in net.values():
                flat = t.view(-1)
                for j in range(flat.numel()):
                    flat[j] = online(k, i)
                    i += 1
        ema.update()
        if k % 10 == 0:
            e = ema.ema_model
            rec_k.append(k)
            rec_v.append(np.concatenate([t.detach().numpy().ravel() for t in (e.lin.weight, e.lin.bias, e.stat)]))
            rec_d.append(ema.get_current_decay())
    return np.array(rec_k), np.array(rec_v), np.array(rec_d)


def c_float(x):
    s = "%.9g" % np.float32(x)
    return s + ("f" if ("." in s or "e" in s or "n" in s) else ".f")


def c_array(ctype, name, a):
    a = np.asarray(a).ravel()
    if ctype == "float":
        items = [c_float(x) for x in a]
    else:
        items = [repr(float(x)) for x in a]
    lines, cur = [], ""
    for it in items:
        if len(cur) + len(it) + 2 > 100:
            lines.append(cur)
            cur = ""
        cur += it + ", "
    lines.append(cur)
    body = "\n".join("    " + l.rstrip() for l in lines)
    return f"inline constexpr {ctype} {name}[{len(a)}] = {{\n{body}\n}};\n"


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    rng = np.random.default_rng(20250110)
    n = sum(SIZES)
    p0 = f32(rng.normal(size=n) * 0.5)
    grads = make_grads(rng)

    text = [
        "// generated by tools/make_optim_fixture.py: do not edit\n",
        f"// /usr/bin/python3 tools/make_optim_fixture.py {out}\n",
        f"// torch {torch.__version__}, ema-pytorch {importlib.metadata.version('ema-pytorch')}, numpy {np.__version__}\n",
        "#pragma once\n\nnamespace optim_fixture {\n\n",
        f"inline constexpr int kSizes[3] = {{{', '.join(map(str, SIZES))}}};\n",
        f"inline constexpr int kElems = {n};\n",
        f"inline constexpr int kSteps = {STEPS};\n\n",
        "// Adam: initial parameters, the gradient of every step [kSteps][kElems]\n",
        c_array("double", "adam_p0", p0),
        c_array("double", "adam_grads", grads),
    ]
    runs = []
    for name, lr, b1, b2, eps in ADAM_CONFIGS:
        for dt, ctype, tag in ((torch.float64, "double", "f64"), (torch.float32, "float", "f32")):
            P, M, V = run_adam(p0, grads, lr, b1, b2, eps, dt)
            text.append(f"// torch.optim.Adam(lr={lr!r}, betas=({b1!r}, {b2!r}), eps={eps!r}), {dt}: after every step\n")
            for q, a in (("p", P), ("m", M), ("v", V)):
                text.append(c_array(ctype, f"adam_{name}_{tag}_{q}", a))
        runs.append((name, lr, b1, b2, eps))
    text.append("\nstruct AdamRun {\n  const char* name;\n  double lr, beta1, beta2, eps;\n"
                "  const double *p, *m, *v;\n  const float *pf, *mf, *vf;\n};\n")
    text.append("inline constexpr AdamRun kAdamRuns[] = {\n")
    for name, lr, b1, b2, eps in runs:
        text.append(f"    {{\"{name}\", {lr!r}, {b1!r}, {b2!r}, {eps!r}, adam_{name}_f64_p, adam_{name}_f64_m, "
                    f"adam_{name}_f64_v,\n     adam_{name}_f32_p, adam_{name}_f32_m, adam_{name}_f32_v}},\n")
    text.append("};\n\n")

    # clipping: (name, max_norm, gradient scale target)
    base = f32(rng.normal(size=n))
    bn = float(np.linalg.norm(base))
    cases = [
        ("above", 1.0, f32(base * 3.7 / bn)),
        ("below", 1.0, f32(base * 0.5 / bn)),
        ("just_below", 1e-3, f32(base * (1e-3 - 4e-7) / bn)),  # clipped by the 1e-6 term
        ("far_above", 0.5, f32(base * 1e4 / bn)),
    ]
    text.append("// torch.nn.utils.clip_grad_norm_: gradients in, returned norm, clipped gradients\n")
    for name, mx, g in cases:
        n64, c64 = run_clip(g, mx, torch.float64)
        n32, c32 = run_clip(g, mx, torch.float32)
        text.append(c_array("double", f"clip_{name}_in", g))
        text.append(c_array("double", f"clip_{name}_out_f64", c64))
        text.append(c_array("float", f"clip_{name}_out_f32", c32))
        text.append(f"inline constexpr double clip_{name}_norm_f64 = {n64!r};\n")
        text.append(f"inline constexpr float clip_{name}_norm_f32 = {c_float(n32)};\n")
    text.append("\nstruct ClipCase {\n  const char* name;\n  double max_norm;\n  const double* in;\n"
                "  const double* out;\n  const float* outf;\n  double norm;\n  float normf;\n};\n")
    text.append("inline constexpr ClipCase kClipCases[] = {\n")
    for name, mx, _ in cases:
        text.append(f"    {{\"{name}\", {mx!r}, clip_{name}_in, clip_{name}_out_f64, clip_{name}_out_f32, "
                    f"clip_{name}_norm_f64, clip_{name}_norm_f32}},\n")
    text.append("};\n\n")

    ks, vs, ds = run_ema()
    assert list(ks) == list(range(0, EMA_CALLS, 10))
    text.append("// ema_pytorch.EMA(beta=0.995, update_every=10, update_after_step=100), float64, online values\n"
                "// online(k, i) = ((37 k + 101 i) % 211) / 105 - 1 before call k; after every call k = 10 j:\n"
                "// the EMA [kEmaRecords][kEmaElems] and get_current_decay() (used by that call when k > 100)\n")
    text.append(f"inline constexpr int kEmaElems = {EMA_ELEMS};\n")
    text.append(f"inline constexpr int kEmaRecords = {len(ks)};\n")
    text.append(f"inline constexpr int kEmaEvery = 10;\ninline constexpr int kEmaAfter = 100;\n"
                f"inline constexpr double kEmaBeta = 0.995;\n")
    text.append(c_array("double", "ema_values", vs))
    text.append(c_array("double", "ema_decay", ds))
    text.append("\n}  // namespace optim_fixture\n")
    with open(out, "w") as fh:
        fh.write("".join(text))
    print(f"{out}: Adam {len(ADAM_CONFIGS)} configurations x {STEPS} steps, {len(cases)} clipping cases, "
          f"{len(ks)} EMA records")


main()
