#!/usr/bin/python3
"""Self-checks of the independent NumPy reference (tools/akorn_ref.py).

    /usr/bin/python3 tools/test_akorn_ref.py          (exit status 1 on any failure)

Cross-checks the vectorised ops against naive loop implementations written here from
docs/OPS.md, checks the deterministic noise against a second from-scratch implementation
(and writes tests/golden/noise_vectors.json), runs sanity checks on the models, and
re-verifies the committed golden files (tests/golden/*/: parameters, inputs and every case)
against a fresh forward pass.
"""
import json
import math
import os
import sys
import traceback

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import akorn_ref as ref  # noqa: E402

FAILS = []
PASSES = [0]


def check(name, cond, detail=""):
    if cond:
        PASSES[0] += 1
        print(f"  ok   {name} {detail}")
    else:
        FAILS.append(name)
        print(f"  FAIL {name} {detail}")


def close(name, a, b, tol=1e-10):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        check(name, False, f"shape {a.shape} vs {b.shape}")
        return
    err = float(np.max(np.abs(a - b))) if a.size else 0.0
    scale = max(1.0, float(np.max(np.abs(b))) if b.size else 1.0)
    check(name, err <= tol * scale, f"(max abs err {err:.2e})")


# ---------------------------------------------------------------------------------------
# Naive loop implementations (written independently of the vectorised ones)
# ---------------------------------------------------------------------------------------
def naive_conv(x, w, b, stride, pad):
    N, H, W, Cin = x.shape
    Cout, _, kh, kw = w.shape
    Ho = (H + 2 * pad - kh) // stride + 1
    Wo = (W + 2 * pad - kw) // stride + 1
    out = np.zeros((N, Ho, Wo, Cout))
    for n in range(N):
        for i in range(Ho):
            for j in range(Wo):
                for co in range(Cout):
                    s = 0.0 if b is None else b[co]
                    for a in range(kh):
                        for c in range(kw):
                            ii, jj = i * stride - pad + a, j * stride - pad + c
                            if 0 <= ii < H and 0 <= jj < W:
                                for ci in range(Cin):
                                    s += w[co, ci, a, c] * x[n, ii, jj, ci]
                    out[n, i, j, co] = s
    return out


def naive_readout(x, w, cb, b, n_out, pad):
    z = naive_conv(x, w, cb, 1, pad)
    N, H, W, _ = z.shape
    Co = b.shape[0]
    out = np.zeros((N, H, W, Co))
    for n in range(N):
        for i in range(H):
            for j in range(W):
                for o in range(Co):
                    out[n, i, j, o] = math.sqrt(sum(z[n, i, j, o * n_out + k] ** 2 for k in range(n_out))) + b[o]
    return out


def naive_attn(x, heads, wqkv, bqkv, wo, bo, M=None):
    N, H, W, C = x.shape
    P = H * W
    hd = C // heads
    out = np.zeros((N, H, W, C))
    for n in range(N):
        xs = x[n].reshape(P, C)
        qkv = np.zeros((P, 3 * C))
        for p in range(P):
            for r in range(3 * C):
                qkv[p, r] = bqkv[r] + sum(wqkv[r, c] * xs[p, c] for c in range(C))
        o_all = np.zeros((P, C))
        for h in range(heads):
            q = np.zeros((P, hd)); k = np.zeros((P, hd)); v = np.zeros((P, hd))
            for p in range(P):
                for d in range(hd):
                    ch = d * heads + h
                    q[p, d] = qkv[p, ch]
                    k[p, d] = qkv[p, C + ch]
                    v[p, d] = qkv[p, 2 * C + ch]
            if M is not None:  # sets M[0], M[1], M[2] on q, k, v
                for s, t in enumerate((q, k, v)):
                    for p in range(P):
                        for f in range(hd // 2):
                            a0, a1 = t[p, 2 * f], t[p, 2 * f + 1]
                            t[p, 2 * f] = M[s, p, f, 0, 0] * a0 + M[s, p, f, 0, 1] * a1
                            t[p, 2 * f + 1] = M[s, p, f, 1, 0] * a0 + M[s, p, f, 1, 1] * a1
            for p in range(P):
                sc = [sum(q[p, d] * k[pp, d] for d in range(hd)) / math.sqrt(hd) for pp in range(P)]
                mx = max(sc)
                e = [math.exp(s - mx) for s in sc]
                tot = sum(e)
                od = [sum(e[pp] / tot * v[pp, d] for pp in range(P)) for d in range(hd)]
                if M is not None:  # multiply by the output set M[3]
                    for f in range(hd // 2):
                        a0, a1 = od[2 * f], od[2 * f + 1]
                        od[2 * f] = M[3, p, f, 0, 0] * a0 + M[3, p, f, 0, 1] * a1
                        od[2 * f + 1] = M[3, p, f, 1, 0] * a0 + M[3, p, f, 1, 1] * a1
                for d in range(hd):
                    o_all[p, d * heads + h] = od[d]
        for p in range(P):
            for c in range(C):
                out[n, p // W, p % W, c] = bo[c] + sum(wo[c, cc] * o_all[p, cc] for cc in range(C))
    return out


def naive_fc(x, w, b):
    N, H, W, C = x.shape
    P = H * W
    out = np.zeros_like(x)
    for n in range(N):
        xf = np.zeros(C * P)
        for p in range(P):
            for c in range(C):
                xf[c * P + p] = x[n, p // W, p % W, c]
        yf = w @ xf + b
        for p in range(P):
            for c in range(C):
                out[n, p // W, p % W, c] = yf[c * P + p]
    return out


def naive_omega(x, theta):
    sh = x.shape
    C = sh[-1]
    flat = x.reshape(-1, C)
    out = np.zeros_like(flat)
    th = np.asarray(theta, dtype=np.float64)
    for r in range(flat.shape[0]):
        for q in range(C // 2):
            t = th if th.ndim == 1 else th[q]
            w = math.sqrt(t[0] ** 2 + t[1] ** 2)
            out[r, 2 * q] = w * flat[r, 2 * q + 1]
            out[r, 2 * q + 1] = -w * flat[r, 2 * q]
    return out.reshape(sh)


def naive_groupnorm(x, G, eps, wt, bs):
    N, H, W, C = x.shape
    out = np.zeros_like(x)
    cg = C // G
    for n in range(N):
        for g in range(G):
            vals = [x[n, i, j, c] for i in range(H) for j in range(W) for c in range(g * cg, (g + 1) * cg)]
            mu = sum(vals) / len(vals)
            var = sum((v - mu) ** 2 for v in vals) / len(vals)
            for i in range(H):
                for j in range(W):
                    for c in range(g * cg, (g + 1) * cg):
                        y = (x[n, i, j, c] - mu) / math.sqrt(var + eps)
                        out[n, i, j, c] = y if wt is None else y * wt[c] + bs[c]
    return out


def naive_normalize(x, n):
    flat = x.reshape(-1, n).copy()
    for r in range(flat.shape[0]):
        nr = math.sqrt(sum(v * v for v in flat[r]))
        flat[r] /= max(nr, 1e-6)
    return flat.reshape(x.shape)


def naive_kuramoto(x0, c, o, prm, Jfun):
    """Loop form of OPS.md's K-layer: returns x_T and energies [N, T+1]."""
    n = o["n"]
    N, H, W, C = x0.shape
    if o["stimulus_norm"] == "GroupNorm":
        cn = naive_groupnorm(c, C // n, 1e-5, prm["cnorm.weight"], prm["cnorm.bias"])
    elif o["stimulus_norm"] == "ScaleBias":
        cn = c * prm["cnorm.scale"] + prm["cnorm.bias"]
    else:
        cn = c
    x = naive_normalize(x0, n)
    T = o["steps"]
    E = np.zeros((N, T + 1))
    g = float(prm["gamma"][0])
    for t in range(1, T + 1):
        y = Jfun(x) + cn
        xn = np.zeros_like(x)
        for b in range(N):
            E[b, t] = -sum(float(x[b].flat[i] * y[b].flat[i]) for i in range(x[b].size))
        om = naive_omega(x, prm["omega"]) if o["omega"] != "None" else np.zeros_like(x)
        for b in range(N):
            for i in range(H):
                for j in range(W):
                    for oo in range(C // n):
                        sl = slice(oo * n, oo * n + n)
                        xv, yv = x[b, i, j, sl], y[b, i, j, sl]
                        a = float(np.dot(xv, yv))
                        proj = yv - a * xv if o["project"] else yv
                        xn[b, i, j, sl] = xv + g * (om[b, i, j, sl] + proj)
        x = naive_normalize(xn, n)
    return x, E


def _sm64_py(z):
    """splitmix64 on Python ints with explicit % 2**64: a second implementation, independent of
    akorn_ref's NumPy uint64 one, for the noise and counter-parameter checks."""
    M = 2 ** 64
    z = (z + 0x9E3779B97F4A7C15) % M
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) % M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) % M
    return z ^ (z >> 31)


# independent second implementation of the noise (Python ints, explicit % 2**64)
def noise2(seed, stream, sample, element):
    M = 2 ** 64
    sm = _sm64_py

    base = sm((sm(seed ^ ((stream * 0xD1B54A32D192ED03) % M)) + sample) % M)
    a = sm((base + 2 * element) % M)
    b = sm((base + 2 * element + 1) % M)
    u1 = ((a >> 11) + 1) / 2.0 ** 53
    u2 = (b >> 11) / 2.0 ** 53
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


# ---------------------------------------------------------------------------------------
def test_conv(rng):
    print("conv2d / ReadOutConv")
    for (H, W, Cin, Cout, k, s, p) in [(5, 6, 3, 4, 3, 2, 1), (5, 5, 2, 3, 3, 1, 0), (4, 7, 2, 2, 5, 1, 2),
                                       (6, 5, 3, 2, 1, 2, 0), (7, 7, 2, 3, 2, 3, 1)]:
        x = rng.normal(size=(2, H, W, Cin))
        w = rng.normal(size=(Cout, Cin, k, k))
        b = rng.normal(size=Cout)
        close(f"conv H{H} W{W} k{k} s{s} p{p}", ref.conv2d(x, w, b, s, p), naive_conv(x, w, b, s, p))
    close("conv no bias", ref.conv2d(x, w, None, 1, 1), naive_conv(x, w, None, 1, 1))
    for (k, nout, pad) in [(1, 4, 0), (3, 2, 1), (3, 2, 0)]:
        x = rng.normal(size=(2, 4, 5, 4))
        Co = 3
        w = rng.normal(size=(Co * nout, 4, k, k))
        cb = rng.normal(size=Co * nout)
        b = rng.normal(size=Co)
        close(f"ReadOutConv k{k} n'{nout} pad{pad}", ref.readout_conv(x, w, cb, b, nout, pad),
              naive_readout(x, w, cb, b, nout, pad))


def test_attn(rng):
    print("attention / GTA / Fc")
    H, W, C, heads = 2, 3, 16, 2
    x = rng.normal(size=(2, H, W, C))
    wqkv = rng.normal(size=(3 * C, C)) * 0.3
    bqkv = rng.normal(size=3 * C) * 0.3
    wo = rng.normal(size=(C, C)) * 0.3
    bo = rng.normal(size=C) * 0.3
    M = rng.normal(size=(4, H * W, C // heads // 2, 2, 2))  # four independent sets
    close("attn no GTA", ref.attn_J(x, heads, wqkv, bqkv, wo, bo), naive_attn(x, heads, wqkv, bqkv, wo, bo))
    close("attn GTA (non-orthogonal M)", ref.attn_J(x, heads, wqkv, bqkv, wo, bo, M),
          naive_attn(x, heads, wqkv, bqkv, wo, bo, M))
    # a transposed set, or two sets swapped, must give a different answer
    for what, M2 in [("M transpose", M.transpose(0, 1, 2, 4, 3)), ("sets q/k swapped", M[[1, 0, 2, 3]]),
                     ("sets v/o swapped", M[[0, 1, 3, 2]])]:
        diff = np.max(np.abs(ref.attn_J(x, heads, wqkv, bqkv, wo, bo, M)
                             - ref.attn_J(x, heads, wqkv, bqkv, wo, bo, M2)))
        check(f"attn GTA sensitive to {what}", diff > 1e-3, f"(diff {diff:.2e})")
    close("attn 4 heads GTA", ref.attn_J(x, 4, wqkv, bqkv, wo, bo, M[:, :, :2]),
          naive_attn(x, 4, wqkv, bqkv, wo, bo, M[:, :, :2]))
    # the initial sets: M, M, M, M^T (spec 3)
    S0 = ref.gta_init_sets(4, 5, 8)
    check("GTA init sets (M, M, M, M^T)", S0.shape == (4, 20, 4, 2, 2) and
          np.array_equal(S0[0], S0[1]) and np.array_equal(S0[0], S0[2]) and
          np.array_equal(S0[3], S0[0].transpose(0, 1, 3, 2)) and not np.array_equal(S0[3], S0[0]))
    # GTA init by hand: hd = 8 -> F = 2, phi = [1, 0.01]; (i, j) = (2, 3): angles [2, 3, .02, .03]
    G = ref.gta_init(4, 5, 8)
    p = 2 * 5 + 3
    ok = True
    for f, t in enumerate([2.0, 3.0, 0.02, 0.03]):
        ok &= np.allclose(G[p, f], [[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]], atol=1e-15)
    ok &= np.allclose(G[0], np.tile(np.eye(2), (4, 1, 1)))
    check("GTA init angles (2,3) hd=8", ok)
    # hd = 6 -> F = 2, list truncated to 3 entries: [i, j, i*0.01]
    G6 = ref.gta_init(3, 3, 6)
    t = 2 * 0.01
    check("GTA init truncation hd=6", G6.shape == (9, 3, 2, 2) and
          np.allclose(G6[2 * 3 + 1, 2], [[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]]))
    # the positional encoding by hand: C = 8 -> D = 4, frequencies [1, 0.01]; (h, w) = (2, 3)
    pe = ref.sincos2d(4, 5, 8)
    want = [math.sin(3), math.cos(3), math.sin(.03), math.cos(.03),
            math.sin(2), math.cos(2), math.sin(.02), math.cos(.02)]
    check("sin/cos positional encoding at (2, 3), C=8", pe.shape == (4, 5, 8) and np.allclose(pe[2, 3], want, atol=1e-15))
    # LayerNorm and GELU by hand, ItrSA against its loop written out with naive attention
    xl = rng.normal(size=(2, 3, 4, 6))
    wl, bl = rng.normal(size=6), rng.normal(size=6)
    ok = True
    yl = ref.layer_norm(xl, 1e-5, wl, bl)
    for idx in np.ndindex(2, 3, 4):
        v = xl[idx]
        ok &= np.allclose(yl[idx], (v - v.mean()) / math.sqrt(v.var() + 1e-5) * wl + bl, atol=1e-14)
    check("LayerNorm over channels (biased variance)", ok)
    check("GELU(1) = Phi(1), GELU(-1) = Phi(1) - 1, GELU(0) = 0",
          np.allclose(ref.gelu(np.array([1.0, -1.0, 0.0])), [0.841344746068543, -0.158655253931457, 0.0], atol=1e-14))
    C2, P = 4, 6
    xf = rng.normal(size=(2, 2, 3, C2))
    w = rng.normal(size=(C2 * P, C2 * P))
    b = rng.normal(size=C2 * P)
    close("Fc NCHW flattening", ref.fc_J(xf, w, b), naive_fc(xf, w, b))


def test_omega_norm(rng):
    print("Omega / normalize / GroupNorm / pools / BN / CE")
    x = rng.normal(size=(2, 3, 3, 8))
    close("Omega global", ref.omega_apply(x, [0.3, -0.4]), naive_omega(x, [0.3, -0.4]))
    th = rng.normal(size=(4, 2))
    close("Omega per pair", ref.omega_apply(x, th), naive_omega(x, th))
    close("Omega w=||theta|| (hand)", ref.omega_apply(np.array([[1.0, 2.0]]), [3.0, 4.0]), [[10.0, -5.0]])
    close("normalize n=4", ref.normalize_osc(x, 4), naive_normalize(x, 4))
    z = np.zeros((1, 4))
    close("normalize zero vector (eps 1e-6)", ref.normalize_osc(z, 2), z)
    wt, bs = rng.normal(size=8), rng.normal(size=8)
    close("GroupNorm affine G=4", ref.group_norm(x, 4, 1e-5, wt, bs), naive_groupnorm(x, 4, 1e-5, wt, bs))
    close("GroupNorm G=2 no affine", ref.group_norm(x, 2, 1e-3), naive_groupnorm(x, 2, 1e-3, None, None))
    xp = rng.normal(size=(2, 5, 7, 3))
    mx = np.zeros((2, 2, 3, 3)); av = np.zeros((2, 2, 3, 3))
    for n in range(2):
        for i in range(2):
            for j in range(3):
                win = xp[n, 2 * i: 2 * i + 2, 2 * j: 2 * j + 2, :]
                mx[n, i, j] = win.max(axis=(0, 1)); av[n, i, j] = win.mean(axis=(0, 1))
    close("max pool 2x2", ref.pool(xp, "Max", False, 2, 0), mx)
    close("avg pool 2x2", ref.pool(xp, "Avg", False, 2, 0), av)
    m3 = np.zeros((2, 2, 3, 3))
    for n in range(2):
        for i in range(2):
            for j in range(3):
                m3[n, i, j] = xp[n, 2 * i: 2 * i + 3, 2 * j: 2 * j + 3, :].max(axis=(0, 1))
    close("max pool k3 s2", ref.pool(xp, "Max", False, 3, 2), m3)
    close("global avg pool", ref.pool(xp, "Avg", True, 2, 0), xp.mean(axis=(1, 2), keepdims=True))
    # BatchNorm through forward() on a one-op spec, train and eval, plus running-stat update
    bspec = ref.Spec({"name": "bn", "inputs": [{"name": "x", "shape": [3, 2, 4]}],
                      "ops": [{"name": "bn", "inputs": ["x"], "outputs": ["y"],
                               "options_type": "BatchNormOptions", "options": {"momentum": 0.2}}],
                      "outputs": ["y"]})
    xb = rng.normal(size=(5, 3, 2, 4)) * 2 + 1
    bp = {"bn.weight": rng.normal(size=4), "bn.bias": rng.normal(size=4),
          "bn.running_mean": rng.normal(size=4), "bn.running_var": 1 + rng.uniform(size=4)}
    yt = np.zeros_like(xb); ye = np.zeros_like(xb); rm = np.zeros(4); rv = np.zeros(4)
    for c in range(4):
        vals = [xb[n, i, j, c] for n in range(5) for i in range(3) for j in range(2)]
        mu = sum(vals) / 30
        var = sum((v - mu) ** 2 for v in vals) / 30
        m = float(np.float32(0.2))  # a schema float: the spec's 0.2 is float32
        rm[c] = (1 - m) * bp["bn.running_mean"][c] + m * mu
        rv[c] = (1 - m) * bp["bn.running_var"][c] + m * var * 30 / 29
        yt[..., c] = (xb[..., c] - mu) / math.sqrt(var + 1e-5) * bp["bn.weight"][c] + bp["bn.bias"][c]
        ye[..., c] = ((xb[..., c] - bp["bn.running_mean"][c]) / math.sqrt(bp["bn.running_var"][c] + 1e-5)
                      * bp["bn.weight"][c] + bp["bn.bias"][c])
    ex = {}
    close("BatchNorm train (batch stats)", ref.forward(bspec, bp, {"x": xb}, "train", extras=ex)["y"], yt)
    close("BatchNorm running_mean update", ex["bn.running_mean.updated"], rm)
    close("BatchNorm running_var update (unbiased)", ex["bn.running_var.updated"], rv)
    close("BatchNorm eval (running stats)", ref.forward(bspec, bp, {"x": xb}, "eval")["y"], ye)
    lg = rng.normal(size=(2, 3, 3, 9))
    tg = rng.integers(1, 10, size=(2, 3, 3))
    tot = 0.0
    for n in range(2):
        for i in range(3):
            for j in range(3):
                row = lg[n, i, j]
                tot += -(row[tg[n, i, j] - 1] - math.log(sum(math.exp(v) for v in row)))
    close("cross-entropy target_offset=-1", ref.cross_entropy(lg, tg, -1), [tot / 18])


def test_kuramoto(rng):
    print("Kuramoto layer (naive loops)")
    N, H, W, C = 2, 3, 3, 8
    x0 = rng.normal(size=(N, H, W, C))
    c = rng.normal(size=(N, H, W, C))
    base = dict(heads=2, gta=True, kernel_size=3, omega_init=1.0, omega_learned=True, gamma=1.0,
                gamma_learned=False)
    cases = [
        dict(n=4, steps=3, connectivity="Attn", omega="Global", project=True, stimulus_norm="None"),
        dict(n=2, steps=3, connectivity="Conv", omega="PerPair", project=True, stimulus_norm="GroupNorm"),
        dict(n=2, steps=2, connectivity="Conv", omega="None", project=False, stimulus_norm="ScaleBias"),
        dict(n=4, steps=2, connectivity="Fc", omega="Global", project=True, stimulus_norm="None"),
    ]
    for cs in cases:
        o = dict(base, **cs)
        prm = {"gamma": np.array([0.7])}
        if o["stimulus_norm"] == "GroupNorm":
            prm["cnorm.weight"] = 1 + 0.2 * rng.normal(size=C); prm["cnorm.bias"] = 0.1 * rng.normal(size=C)
        elif o["stimulus_norm"] == "ScaleBias":
            prm["cnorm.scale"] = 1 + 0.2 * rng.normal(size=C); prm["cnorm.bias"] = 0.1 * rng.normal(size=C)
        if o["omega"] == "Global":
            prm["omega"] = rng.normal(size=2)
        elif o["omega"] == "PerPair":
            prm["omega"] = rng.normal(size=(C // 2, 2))
        if o["connectivity"] == "Attn":
            prm.update({"J.w_qkv": 0.3 * rng.normal(size=(3 * C, C)), "J.b_qkv": 0.3 * rng.normal(size=3 * C),
                        "J.w_o": 0.3 * rng.normal(size=(C, C)), "J.b_o": 0.3 * rng.normal(size=C),
                        "J.gta": ref.gta_init_sets(H, W, C // 2) + 0.1 * rng.normal(size=(4, H * W, 2, 2, 2))})
            Jf = lambda x, p=prm: naive_attn(x, 2, p["J.w_qkv"], p["J.b_qkv"], p["J.w_o"], p["J.b_o"], p["J.gta"])
        elif o["connectivity"] == "Conv":
            prm.update({"J.weight": 0.3 * rng.normal(size=(C, C, 3, 3)), "J.bias": 0.3 * rng.normal(size=C)})
            Jf = lambda x, p=prm: naive_conv(x, p["J.weight"], p["J.bias"], 1, 1)
        else:
            Pn = H * W * C
            prm.update({"J.weight": 0.1 * rng.normal(size=(Pn, Pn)), "J.bias": 0.1 * rng.normal(size=Pn)})
            Jf = lambda x, p=prm: naive_fc(x, p["J.weight"], p["J.bias"])
        xT, E = ref.kuramoto(x0, c, o, prm)
        xN, EN = naive_kuramoto(x0, c, o, prm, Jf)
        tag = f"{o['connectivity']} n={o['n']} omega={o['omega']} proj={o['project']} cnorm={o['stimulus_norm']}"
        close(f"K-layer x_T  {tag}", xT, xN, 1e-9)
        close(f"K-layer energy {tag}", E, EN, 1e-9)
        check(f"K-layer E[0]=0 {tag}", np.all(E[:, 0] == 0))
        nr = np.linalg.norm(xT.reshape(-1, o["n"]), axis=1)
        check(f"K-layer unit oscillators {tag}", np.allclose(nr, 1, atol=1e-12))
    # energy of step 1 by hand: E1 = -sum(x * (J x + c)) with x = normalize(x0)
    o = dict(base, n=2, steps=1, connectivity="Conv", omega="Global", project=True, stimulus_norm="None")
    prm = {"gamma": np.array([1.0]), "omega": np.array([0.5, 0.5]),
           "J.weight": 0.3 * rng.normal(size=(C, C, 3, 3)), "J.bias": np.zeros(C)}
    xT, E = ref.kuramoto(x0, c, o, prm)
    xn = naive_normalize(x0, 2)
    e1 = -np.sum((xn * (naive_conv(xn, prm["J.weight"], None, 1, 1) + c)).reshape(N, -1), axis=1)
    close("energy E[1] by hand", E[:, 1], e1, 1e-10)


def test_noise():
    print("deterministic noise")
    tuples = [(7, 1, 0, 0), (11, 1, 2, 4607), (123456789, 3, 1000, 41471),
              (0xDEADBEEFCAFEBABE, 7, 2 ** 40 + 5, 12345), (0, 0, 0, 1)]
    vectors = []
    for (seed, stream, sample, el) in tuples:
        v1 = noise2(seed, stream, sample, el)
        v2 = float(ref.noise(seed, stream, sample, el + 1)[el])
        v3 = ref.noise_scalar(seed, stream, sample, el)
        print(f"    noise(seed={seed}, stream={stream}, sample={sample}, element={el}) = {v1!r}"
              f"  (float32 {float(np.float32(v1))!r})")
        check(f"noise {seed}/{stream}/{sample}/{el} vectorised == scalar == independent",
              v1 == v2 == v3, f"({v1!r} {v2!r} {v3!r})")
        vectors.append({"seed": seed, "seed_hex": f"0x{seed:016X}", "stream": stream, "sample": sample,
                        "element": el, "value": v1, "value_float32": float(np.float32(v1))})
    big = ref.noise(99, 5, 3, 200000)
    check("noise moments ~N(0,1)", abs(big.mean()) < 0.01 and abs(big.std() - 1) < 0.01,
          f"(mean {big.mean():.4f}, std {big.std():.4f})")
    out = os.path.join(REPO, "tests", "golden", "noise_vectors.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump({"description": "OPS.md deterministic noise: value = noise(seed, stream, sample, element) "
                                  "computed in float64 (value_float32: rounded to float32). Generated by "
                                  "tools/test_akorn_ref.py.", "vectors": vectors}, f, indent=2)
        f.write("\n")


def test_counter_and_steps(rng):
    print("counter-based parameters, steps override")
    # counter_uniform against a from-scratch loop (Python ints, explicit % 2**64)
    M = 2 ** 64
    sm = _sm64_py

    for seed, idx in [(2025, 0), (2025, 17), (0xDEADBEEF, 3)]:
        base = sm((sm(seed ^ ((idx * 0xD1B54A32D192ED03) % M)) + 0) % M)
        want = [(2 * (sm((base + e) % M) >> 40) + 1 - 2 ** 24) / 2 ** 24 for e in range(50)]
        got = ref.counter_uniform(seed, idx, 50)
        check(f"counter_uniform seed={seed} index={idx} == loop", list(got) == want)
    big = ref.counter_uniform(7, 1, 100000)
    check("counter_uniform in (-1, 1), mean ~0", big.min() > -1 and big.max() < 1 and abs(big.mean()) < 0.01,
          f"(min {big.min():.6f} max {big.max():.6f} mean {big.mean():.5f})")
    # centre + half * r is exact in float64 (so C++ gets the same float32, fused or not)
    import make_golden as mg
    spec = ref.load_spec(os.path.join(REPO, "models", "sudoku.json"))
    exact = True
    for i, (name, shape, c, h) in enumerate(mg.counter_rule(spec)):
        r = ref.counter_uniform(2025, i, min(1000, int(np.prod(shape))))
        v = c + h * r
        exact = exact and all(math.fsum([c, h * x, -y]) == 0.0 and h * x == float(np.longdouble(h) * np.longdouble(x))
                              for x, y in zip(r.tolist(), v.tolist()))
    check("counter parameters: centre + half * r exact in float64", exact)
    # T override: the layer run at steps=5 equals the naive loop at T=5
    N, H, W, C = 2, 3, 3, 4
    x0, c = rng.normal(size=(N, H, W, C)), rng.normal(size=(N, H, W, C))
    o = dict(n=2, steps=2, connectivity="Conv", kernel_size=3, omega="Global", project=True,
             stimulus_norm="None", heads=1, gta=False)
    prm = {"gamma": np.array([0.8]), "omega": np.array([0.3, 0.4]),
           "J.weight": 0.3 * rng.normal(size=(C, C, 3, 3)), "J.bias": 0.3 * rng.normal(size=C)}
    Jf = lambda x: naive_conv(x, prm["J.weight"], prm["J.bias"], 1, 1)
    xT, E = ref.kuramoto(x0, c, o, prm, steps=5)
    xN, EN = naive_kuramoto(x0, c, dict(o, steps=5), prm, Jf)
    close("K-layer steps=5 overrides T=2 (x_T)", xT, xN, 1e-9)
    close("K-layer steps=5 overrides T=2 (energy [N, 6])", E, EN, 1e-9)


def golden_dirs():
    gdir = os.path.join(REPO, "tests", "golden")
    return sorted(d for d in os.listdir(gdir) if os.path.isfile(os.path.join(gdir, d, "golden.json")))


def test_models():
    print("model sanity + golden files")
    import hashlib
    import make_golden as mg
    for spec_rel, batch, seed, ename in [("models/sudoku-small.json", 4, 7, "energy"),
                                         ("tests/fixtures/conv-two-block.json", 3, 11, "energy1")]:
        spec = ref.load_spec(os.path.join(REPO, spec_rel))
        params = mg.init_params(spec, np.random.default_rng([seed, 0]))
        inputs, _ = mg.make_inputs(spec, batch, np.random.default_rng([seed, 1]))
        for mode in ("eval", "train"):
            vals = ref.forward(spec, params, inputs, mode, seed, 0)
            for op in spec.ops:
                if op.kind == "Kuramoto":
                    xT = vals[op.outputs[0]]
                    nr = np.linalg.norm(xT.reshape(-1, op.opt["n"]), axis=1)
                    check(f"{spec.name} {mode}: {op.outputs[0]} unit oscillators", np.allclose(nr, 1, atol=1e-12))
            E = vals[ename]
            check(f"{spec.name} {mode}: energies finite, E[0]=0", np.all(np.isfinite(E)) and np.all(E[:, 0] == 0))
            if mode == "train":  # the loss is computed in training only
                L = float(vals["loss"][0])
                check(f"{spec.name} {mode}: loss finite", math.isfinite(L), f"({L:.5f})")
            else:
                check(f"{spec.name} {mode}: no loss in eval mode", "loss" not in vals)
        train_vals = ref.forward(spec, params, inputs, "train", seed, 0)
        vals = ref.forward(spec, params, inputs, "eval", seed, 0)
        if spec.name == "sudoku-small":
            L = float(train_vals["loss"][0])
            check("sudoku-small: loss near log(9) with random weights", abs(L - math.log(9)) < 0.2,
                  f"({L:.5f} vs {math.log(9):.5f})")
            # the noise convention in x0: blank cells get noise(seed, op index 1, row, p*C + ch)
            x0, board = vals["x0"], inputs["board"]
            n_, i_, j_ = [int(v[0]) for v in np.nonzero(board == 0)]
            p = i_ * 9 + j_
            e = [float(np.float32(noise2(seed, 1, n_, p * 64 + ch))) for ch in range(64)]
            close("sudoku-small: x0 noise at a blank cell", x0[n_, i_, j_], e, 0)
            check("sudoku-small: x0 = c at given cells",
                  np.array_equal(x0[board != 0], vals["c"][board != 0]))
        # batch independence: the last sample alone (sample0 = batch-1) gives the same outputs
        one = {k: v[-1:] for k, v in inputs.items()}
        v1 = ref.forward(spec, params, one, "eval", seed, batch - 1)
        close(f"{spec.name}: batch independence (sample0)", v1["logits"], vals["logits"][-1:], 1e-12)

    # every golden directory: metadata, parameters and each case reproduce
    for d in golden_dirs():
        gdir = os.path.join(REPO, "tests", "golden", d)
        meta = json.load(open(os.path.join(gdir, "golden.json")))
        spec = ref.load_spec(os.path.join(REPO, meta["spec"]))
        sha = hashlib.sha256(open(os.path.join(REPO, meta["spec"]), "rb").read()).hexdigest()
        check(f"{d}: golden spec sha256 matches {meta['spec']}", meta["spec_sha256"] == sha)
        if meta["param_source"] == "files":
            gp = ref.load_npy_dir(os.path.join(gdir, "params"))
            params = mg.init_params(spec, np.random.default_rng([meta["seed"], 0]))
        else:
            check(f"{d}: no params/ with counter parameters", not os.path.exists(os.path.join(gdir, "params")))
            gp = params = mg.counter_params(spec, meta["param_seed"])
            rule = mg.counter_rule(spec)
            check(f"{d}: counter rule in golden.json = make_golden's",
                  meta["param_names"] == [r[0] for r in rule] and meta["param_centre"] == [r[2] for r in rule]
                  and meta["param_half"] == [r[3] for r in rule])
        check(f"{d}: golden params = regenerated", set(gp) == set(params) and
              all(np.array_equal(gp[k], params[k]) for k in params))
        gi = ref.load_npy_dir(os.path.join(gdir, "inputs"))
        okdt = all(a.dtype.str in ("<f4", "<i4") and a.flags.c_contiguous for dd in (gp, gi) for a in dd.values())
        for case in meta["cases"]:
            cm = json.load(open(os.path.join(gdir, case, "case.json")))
            ge = ref.load_npy_dir(os.path.join(gdir, case))
            okdt = okdt and all(a.dtype.str == "<f8" and a.flags.c_contiguous for a in ge.values())
            check(f"{d}/{case}: files = case.json's values", sorted(ge) == sorted(cm["values"]))
            gv = mg.case_values(spec, gp, gi, dict(cm), meta["noise_seed"], meta["sample0"])
            # NumPy's matmul goes through the machine's BLAS, whose kernels (and so the last bits)
            # depend on the CPU: agreement to 1e-12 of each tensor's scale, not bit equality.
            worst = max(float(np.max(np.abs(ge[k] - gv[k])) / max(1e-30, float(np.max(np.abs(ge[k]))))) for k in ge)
            check(f"{d}/{case} ({cm['path']}, steps {cm['steps']}): reproduces ({len(ge)} files)", worst <= 1e-12,
                  f"(max diff {worst:.2e} of scale)")
        check(f"{d}: golden dtypes little-endian f4/i4 (inputs, params), f8 (cases)", okdt)


def main():
    rng = np.random.default_rng(12345)
    for t in (test_noise, lambda: test_conv(rng), lambda: test_attn(rng), lambda: test_omega_norm(rng),
              lambda: test_kuramoto(rng), lambda: test_counter_and_steps(rng), test_models):
        try:
            t()
        except Exception:
            traceback.print_exc()
            FAILS.append(getattr(t, "__name__", "test"))
    print(f"\n{PASSES[0]} passed, {len(FAILS)} failed")
    if FAILS:
        print("FAILED:", ", ".join(FAILS))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
