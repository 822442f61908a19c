#!/usr/bin/python3
"""Independent NumPy reference implementation of akorn model specs (float64).

Written from the mathematics (shared/spec/AKORN.md) and the op contract (docs/OPS.md) only,
NOT from the generated C++ or the runtime kernels.  It is the source of the golden values in
tests/golden/ that the compiled C++ is tested against.

Module use:
    spec   = load_spec("models/sudoku-small.json")
    shapes = infer_shapes(spec)              # value name -> (dtype, per-sample shape)
    plist  = param_list(spec)                # [(name, shape), ...] in storage order
    vals   = forward(spec, params, inputs, mode="eval", noise_seed=7, sample0=0, steps=None)
             # dict: every model input and op output value (batch-leading), float64
             # (int32 for token inputs); "loss" when all training-only inputs are given.
             # steps: T of every Kuramoto layer instead of the spec's (test-time extension).
    u      = counter_uniform(seed, index, count)   # counter-based uniforms in (-1, 1)

CLI:
    /usr/bin/python3 tools/akorn_ref.py SPEC --shapes
    /usr/bin/python3 tools/akorn_ref.py SPEC --params DIR --inputs DIR [--mode eval|train]
        [--noise-seed S] [--sample0 K] [--steps T] [--out DIR] [--all-values]
    (DIR/params/<name>.npy, DIR/inputs/<input>.npy as written by tools/make_golden.py;
     with --out the values are written as OUT/<value>.npy, float64.)

Needs only NumPy (Debian's /usr/bin/python3 has it).  No torch.
"""
import argparse
import json
import math
import os
import sys

import numpy as np

# ----------------------------------------------------------------------------------------
# Schema: defaults transcribed by hand from schema/akorn.fbs (revision 1).
# REQUIRED marks a `= null` scalar (leaving it out is an error).
# ----------------------------------------------------------------------------------------
REQUIRED = object()

ENUMS = {
    "DType": ["Float32", "Int32"],
    "Connectivity": ["Attn", "Conv", "Fc"],
    "OmegaMode": ["None", "Global", "PerPair", "Identity"],
    "StimulusNorm": ["None", "GroupNorm", "ScaleBias"],
    "OscInit": ["Noise", "StimulusWhereGiven"],
    "PoolKind": ["Avg", "Max"],
}

# field -> (default, enum type name or None)
OPTION_DEFAULTS = {
    "EmbeddingOptions": {"num_embeddings": (REQUIRED, None), "dim": (REQUIRED, None)},
    "OscillatorInitOptions": {"mode": ("Noise", "OscInit")},
    "KuramotoOptions": {
        "n": (REQUIRED, None),
        "steps": (REQUIRED, None),
        "connectivity": ("Attn", "Connectivity"),
        "heads": (8, None),
        "gta": (False, None),
        "kernel_size": (3, None),
        "omega": ("None", "OmegaMode"),
        "omega_init": (1.0, None),
        "omega_learned": (True, None),
        "project": (True, None),
        "gamma": (1.0, None),
        "gamma_learned": (False, None),
        "stimulus_norm": ("None", "StimulusNorm"),
    },
    "ReadOutConvOptions": {
        "out_channels": (REQUIRED, None),
        "n_out": (REQUIRED, None),
        "kernel_size": (1, None),
        "padding": (-1, None),
    },
    "Conv2dOptions": {
        "out_channels": (REQUIRED, None),
        "kernel_size": (1, None),
        "stride": (1, None),
        "padding": (-1, None),
        "bias": (True, None),
    },
    "ReLUOptions": {},
    "AddOptions": {},
    "GroupNormOptions": {"groups": (REQUIRED, None), "eps": (1e-5, None), "affine": (True, None)},
    "BatchNormOptions": {"eps": (1e-5, None), "momentum": (0.1, None)},
    "LinearOptions": {"out_features": (REQUIRED, None), "bias": (True, None)},
    "PoolOptions": {
        "kind": ("Avg", "PoolKind"),
        "global": (False, None),
        "kernel_size": (2, None),
        "stride": (0, None),
    },
    "CrossEntropyLossOptions": {"target_offset": (0, None)},
    "NtXentLossOptions": {"temperature": (0.1, None)},
    "PositionalEncodingOptions": {"learned": (True, None)},
    "LayerNormOptions": {"eps": (1e-5, None)},
    "GELUOptions": {},
    "IteratedSelfAttentionOptions": {"steps": (REQUIRED, None), "heads": (8, None), "gta": (False, None),
                                     "eps": (1e-5, None)},
}

LOSS_KINDS = {"CrossEntropyLoss", "NtXentLoss"}

INPUT_DEFAULTS = {"dtype": "Float32", "training_only": False}

# Fields of FlatBuffers type `float` (32-bit): a spec's 0.1 is the float32 nearest 0.1 (what
# a binary .akorn file holds), so their values are rounded to float32 when read.
FLOAT32_FIELDS = {
    "KuramotoOptions": {"omega_init", "gamma"},
    "GroupNormOptions": {"eps"},
    "BatchNormOptions": {"eps", "momentum"},
    "NtXentLossOptions": {"temperature"},
    "LayerNormOptions": {"eps"},
    "IteratedSelfAttentionOptions": {"eps"},
}


class SpecError(Exception):
    pass


def _enum_value(enum, v, where):
    names = ENUMS[enum]
    if isinstance(v, bool):
        raise SpecError(f"{where}: bad {enum} value {v!r}")
    if isinstance(v, int):
        if 0 <= v < len(names):
            return names[v]
        raise SpecError(f"{where}: {enum} value {v} out of range")
    if v not in names:
        raise SpecError(f"{where}: unknown {enum} value {v!r}")
    return v


class Op:
    def __init__(self, index, d):
        self.index = index
        self.name = d["name"]
        self.inputs = list(d["inputs"])
        self.outputs = list(d["outputs"])
        ot = d.get("options_type")
        if ot not in OPTION_DEFAULTS:
            raise SpecError(f"op {self.name!r}: unknown options_type {ot!r}")
        self.options_type = ot
        self.kind = ot[: -len("Options")]
        given = dict(d.get("options") or {})
        opts = {}
        for field, (default, enum) in OPTION_DEFAULTS[ot].items():
            if field in given:
                v = given.pop(field)
                if enum is not None:
                    v = _enum_value(enum, v, f"op {self.name!r} field {field!r}")
                opts[field] = v
            elif default is REQUIRED:
                raise SpecError(f"op {self.name!r}: required field {field!r} missing")
            else:
                opts[field] = default
            if field in FLOAT32_FIELDS.get(ot, ()):
                opts[field] = float(np.float32(opts[field]))
        if given:
            raise SpecError(f"op {self.name!r}: unknown option fields {sorted(given)}")
        self.opt = opts

    def __repr__(self):
        return f"Op({self.index}, {self.name}, {self.kind})"


class Spec:
    def __init__(self, d, path=None):
        self.path = path
        self.raw = d
        self.name = d["name"]
        self.inputs = []
        for i in d["inputs"]:
            dt = _enum_value("DType", i.get("dtype", "Float32"), f"input {i['name']!r}")
            self.inputs.append({
                "name": i["name"], "dtype": dt, "shape": list(i["shape"]),
                "training_only": bool(i.get("training_only", False)),
            })
        self.ops = [Op(k, o) for k, o in enumerate(d["ops"])]
        self.outputs = list(d.get("outputs") or [])


def load_spec(path):
    with open(path) as f:
        d = json.load(f)
    return Spec(d, path)


# ----------------------------------------------------------------------------------------
# Shape inference and parameter lists (per sample; batch dim implicit)
# ----------------------------------------------------------------------------------------
def _pad(opt):
    return opt["kernel_size"] // 2 if opt["padding"] < 0 else opt["padding"]


def infer_shapes(spec):
    """value name -> (dtype, per-sample shape list). Also validates the spec."""
    shapes = {}
    for i in spec.inputs:
        shapes[i["name"]] = (i["dtype"], list(i["shape"]))
    for op in spec.ops:
        ins = []
        for v in op.inputs:
            if v not in shapes:
                raise SpecError(f"op {op.name!r}: input {v!r} not defined before use")
            ins.append(shapes[v])
        o = op.opt
        k = op.kind

        def feat(idx=0):
            dt, s = ins[idx]
            if dt != "Float32" or len(s) != 3:
                raise SpecError(f"op {op.name!r}: input {idx} must be a float [H,W,C] map")
            return s

        if k == "Embedding":
            dt, s = ins[0]
            if dt != "Int32" or len(s) != 2:
                raise SpecError(f"op {op.name!r}: tokens must be Int32 [H,W]")
            outs = [("Float32", s + [o["dim"]])]
        elif k == "OscillatorInit":
            s = feat(0)
            if o["mode"] == "StimulusWhereGiven":
                if len(ins) != 2 or ins[1][0] != "Int32" or ins[1][1] != s[:2]:
                    raise SpecError(f"op {op.name!r}: StimulusWhereGiven needs [c, tokens[H,W]]")
            outs = [("Float32", list(s))]
        elif k == "Kuramoto":
            s = feat(0)
            if feat(1) != s:
                raise SpecError(f"op {op.name!r}: x0 and c shapes differ")
            C = s[2]
            if o["n"] % 2 or C % o["n"]:
                raise SpecError(f"op {op.name!r}: bad n")
            if o["connectivity"] == "Attn" and C % o["heads"]:
                raise SpecError(f"op {op.name!r}: C % heads != 0")
            outs = [("Float32", list(s))]
            if len(op.outputs) == 2:
                outs.append(("Float32", [o["steps"] + 1]))
        elif k == "ReadOutConv":
            H, W, C = feat(0)
            kk, p = o["kernel_size"], _pad(o)
            outs = [("Float32", [H + 2 * p - kk + 1, W + 2 * p - kk + 1, o["out_channels"]])]
        elif k == "Conv2d":
            H, W, C = feat(0)
            kk, p, st = o["kernel_size"], _pad(o), o["stride"]
            outs = [("Float32", [(H + 2 * p - kk) // st + 1, (W + 2 * p - kk) // st + 1,
                                 o["out_channels"]])]
        elif k == "ReLU":
            outs = [("Float32", list(feat(0)))]
        elif k == "Add":
            if ins[0] != ins[1]:
                raise SpecError(f"op {op.name!r}: Add shapes differ")
            outs = [ins[0]]
        elif k == "GroupNorm":
            s = feat(0)
            if s[2] % o["groups"]:
                raise SpecError(f"op {op.name!r}: C % groups != 0")
            outs = [("Float32", list(s))]
        elif k == "BatchNorm":
            outs = [("Float32", list(feat(0)))]
        elif k == "Linear":
            s = feat(0)
            outs = [("Float32", s[:2] + [o["out_features"]])]
        elif k == "Pool":
            H, W, C = feat(0)
            if o["global"]:
                outs = [("Float32", [1, 1, C])]
            else:
                kk = o["kernel_size"]
                st = o["stride"] or kk
                outs = [("Float32", [(H - kk) // st + 1, (W - kk) // st + 1, C])]
        elif k == "CrossEntropyLoss":
            s = feat(0)
            if ins[1][0] != "Int32" or ins[1][1] != s[:2]:
                raise SpecError(f"op {op.name!r}: targets must be Int32 [H,W] matching logits")
            outs = [("Float32", [1])]
        elif k == "NtXentLoss":
            if feat(0)[:2] != [1, 1]:
                raise SpecError(f"op {op.name!r}: features must be [1, 1, D]")
            outs = [("Float32", [1])]
        elif k == "PositionalEncoding":
            s = feat(0)
            if s[2] % 4:
                raise SpecError(f"op {op.name!r}: C % 4 != 0")
            outs = [("Float32", list(s))]
        elif k in ("LayerNorm", "GELU"):
            outs = [("Float32", list(feat(0)))]
        elif k == "IteratedSelfAttention":
            s = feat(0)
            if s[2] % o["heads"]:
                raise SpecError(f"op {op.name!r}: C % heads != 0")
            outs = [("Float32", list(s))]
        else:
            raise SpecError(f"unknown op kind {k}")
        if len(outs) != len(op.outputs):
            raise SpecError(f"op {op.name!r}: expected {len(outs)} outputs")
        for name, sh in zip(op.outputs, outs):
            if name in shapes:
                raise SpecError(f"value {name!r} defined twice")
            shapes[name] = sh
    return shapes


def op_params(op, in_shapes):
    """[(param suffix, shape, role)] for one op, in OPS.md storage order.
    role is a hint for initialisation (see make_golden.py)."""
    o = op.opt
    k = op.kind
    if k == "Embedding":
        return [("weight", [o["num_embeddings"], o["dim"]], "embedding")]
    if k == "Kuramoto":
        H, W, C = in_shapes[0][1]
        P = H * W
        ps = []
        if o["stimulus_norm"] == "GroupNorm":
            ps += [("cnorm.weight", [C], "norm_weight"), ("cnorm.bias", [C], "norm_bias")]
        elif o["stimulus_norm"] == "ScaleBias":
            ps += [("cnorm.scale", [C], "norm_weight"), ("cnorm.bias", [C], "norm_bias")]
        con = o["connectivity"]
        if con == "Attn":
            ps += [("J.w_qkv", [3 * C, C], ("fan", C)), ("J.b_qkv", [3 * C], ("fan", C)),
                   ("J.w_o", [C, C], ("fan", C)), ("J.b_o", [C], ("fan", C))]
            if o["gta"]:
                hd = C // o["heads"]
                ps += [("J.gta", [4, P, hd // 2, 2, 2], "gta")]  # sets q, k, v, o
        elif con == "Conv":
            kk = o["kernel_size"]
            ps += [("J.weight", [C, C, kk, kk], ("fan", C * kk * kk)),
                   ("J.bias", [C], ("fan", C * kk * kk))]
        elif con == "Fc":
            ps += [("J.weight", [C * P, C * P], ("fan", C * P)),
                   ("J.bias", [C * P], ("fan", C * P))]
        if o["omega"] == "Global":
            ps += [("omega", [2], "omega")]
        elif o["omega"] == "PerPair":
            ps += [("omega", [C // 2, 2], "omega")]
        ps += [("gamma", [1], "gamma")]
        return ps
    if k == "ReadOutConv":
        Cin = in_shapes[0][1][2]
        kk = o["kernel_size"]
        co = o["out_channels"] * o["n_out"]
        return [("weight", [co, Cin, kk, kk], ("fan", Cin * kk * kk)),
                ("conv_bias", [co], ("fan", Cin * kk * kk)),
                ("bias", [o["out_channels"]], "norm_bias")]
    if k == "Conv2d":
        Cin = in_shapes[0][1][2]
        kk = o["kernel_size"]
        ps = [("weight", [o["out_channels"], Cin, kk, kk], ("fan", Cin * kk * kk))]
        if o["bias"]:
            ps.append(("bias", [o["out_channels"]], ("fan", Cin * kk * kk)))
        return ps
    if k == "GroupNorm":
        C = in_shapes[0][1][2]
        if o["affine"]:
            return [("weight", [C], "norm_weight"), ("bias", [C], "norm_bias")]
        return []
    if k == "BatchNorm":
        C = in_shapes[0][1][2]
        return [("weight", [C], "norm_weight"), ("bias", [C], "norm_bias"),
                ("running_mean", [C], "running_mean"), ("running_var", [C], "running_var")]
    if k == "Linear":
        Cin = in_shapes[0][1][2]
        ps = [("weight", [o["out_features"], Cin], ("fan", Cin))]
        if o["bias"]:
            ps.append(("bias", [o["out_features"]], ("fan", Cin)))
        return ps
    if k == "PositionalEncoding":
        return [("pe", list(in_shapes[0][1]), "posenc")]
    if k == "LayerNorm":
        C = in_shapes[0][1][2]
        return [("weight", [C], "norm_weight"), ("bias", [C], "norm_bias")]
    if k == "IteratedSelfAttention":
        H, W, C = in_shapes[0][1]
        ps = [("ln.weight", [C], "norm_weight"), ("ln.bias", [C], "norm_bias"),
              ("attn.w_qkv", [3 * C, C], ("fan", C)), ("attn.b_qkv", [3 * C], ("fan", C)),
              ("attn.w_o", [C, C], ("fan", C)), ("attn.b_o", [C], ("fan", C))]
        if o["gta"]:
            ps += [("attn.gta", [4, H * W, C // o["heads"] // 2, 2, 2], "gta")]
        return ps
    return []


def param_trainable(op, suffix):
    """OPS.md: omega is trained iff omega_learned, gamma iff gamma_learned; BatchNorm's
    running statistics are buffers (stored, never trained); everything else is trained."""
    if op.kind == "Kuramoto" and suffix == "omega":
        return bool(op.opt["omega_learned"])
    if op.kind == "Kuramoto" and suffix == "gamma":
        return bool(op.opt["gamma_learned"])
    if op.kind == "BatchNorm" and suffix in ("running_mean", "running_var"):
        return False
    if op.kind == "PositionalEncoding":
        return bool(op.opt["learned"])
    return True


def param_list(spec, with_roles=False):
    """[(full name '<op>.<param>', shape)] in storage order (op order, then OPS.md order)."""
    shapes = infer_shapes(spec)
    out = []
    for op in spec.ops:
        for suffix, shape, role in op_params(op, [shapes[v] for v in op.inputs]):
            item = (f"{op.name}.{suffix}", list(shape))
            out.append(item + (role, op) if with_roles else item)
    return out


def gta_init(H, W, hd):
    """[P, hd/2, 2, 2] rotation matrices (spec §3 / OPS.md)."""
    F = int(math.ceil(hd / 4))
    phi = [10000.0 ** (-2.0 * m / (2.0 * F)) for m in range(F)]
    M = np.zeros((H * W, hd // 2, 2, 2))
    for i in range(H):
        for j in range(W):
            angles = []
            for m in range(F):
                angles += [i * phi[m], j * phi[m]]
            angles = angles[: hd // 2]
            for f, t in enumerate(angles):
                c, s = math.cos(t), math.sin(t)
                M[i * W + j, f] = [[c, -s], [s, c]]
    return M


def layer_norm(x, eps, weight, bias):
    """Over the last (channel) axis of each position: biased variance, eps inside the root."""
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * weight + bias


def gelu(x):
    """x Phi(x), Phi the standard normal CDF (the exact GELU), via math.erf per element."""
    return x * 0.5 * (1.0 + np.vectorize(math.erf)(x / math.sqrt(2.0)))


def iterated_self_attention(x0, o, prm, steps=None):
    """T steps of x <- x + attn_J(LayerNorm(x)) with one set of weights (ItrSA)."""
    x = x0
    for _ in range(steps or o["steps"]):
        u = layer_norm(x, o["eps"], prm["ln.weight"], prm["ln.bias"])
        x = x + attn_J(u, o["heads"], prm["attn.w_qkv"], prm["attn.b_qkv"], prm["attn.w_o"], prm["attn.b_o"],
                       prm.get("attn.gta"))
    return x


def sincos2d(H, W, C):
    """[H, W, C] initial PositionalEncoding (OPS.md): the first C/2 channels (sin, cos) of the
    column at frequencies 10000^(-2k/(C/2)), the other C/2 the same of the row."""
    D = C // 2
    f = 10000.0 ** (-2.0 * np.arange(D // 2) / D)  # [D/2]
    col = np.arange(W)[:, None] * f                  # [W, D/2]
    row = np.arange(H)[:, None] * f                  # [H, D/2]
    pe = np.zeros((H, W, C))
    pe[:, :, 0:D:2] = np.sin(col)[None]
    pe[:, :, 1:D:2] = np.cos(col)[None]
    pe[:, :, D::2] = np.sin(row)[:, None]
    pe[:, :, D + 1::2] = np.cos(row)[:, None]
    return pe


def gta_init_sets(H, W, hd):
    """[4, P, hd/2, 2, 2]: the independent sets (M_q, M_k, M_v, M_o) start as (M, M, M, M^T)."""
    M = gta_init(H, W, hd)
    return np.stack([M, M, M, M.transpose(0, 1, 3, 2)])


# ----------------------------------------------------------------------------------------
# Deterministic noise (OPS.md), vectorised with uint64 wrap-around arithmetic
# ----------------------------------------------------------------------------------------
MASK64 = (1 << 64) - 1


def splitmix64_int(z):
    z = (z + 0x9E3779B97F4A7C15) & MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def _splitmix64_np(z):
    with np.errstate(over="ignore"):
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def noise_base(seed, stream, sample):
    s = (seed & MASK64) ^ ((stream * 0xD1B54A32D192ED03) & MASK64)
    return splitmix64_int((splitmix64_int(s) + sample) & MASK64)


def noise(seed, stream, sample, count):
    """float64 noise for elements 0..count-1 of one sample."""
    base = np.uint64(noise_base(seed, stream, sample))
    e2 = np.arange(count, dtype=np.uint64) * np.uint64(2)
    with np.errstate(over="ignore"):
        a = _splitmix64_np(base + e2)
        b = _splitmix64_np(base + e2 + np.uint64(1))
    u1 = ((a >> np.uint64(11)) + np.uint64(1)).astype(np.float64) * 2.0 ** -53
    u2 = (b >> np.uint64(11)).astype(np.float64) * 2.0 ** -53
    # log/cos through the C library (Python's math), element by element: NumPy's SIMD
    # log/cos can differ from libm by 1 ulp, and the C++ side uses libm (std::log/std::cos).
    r = [math.sqrt(-2.0 * math.log(a_)) * math.cos(2.0 * math.pi * b_)
         for a_, b_ in zip(u1.tolist(), u2.tolist())]
    return np.array(r, dtype=np.float64)


def counter_uniform(seed, index, count):
    """Uniforms for elements 0..count-1 of tensor `index`: r = (2k + 1 - 2^24) / 2^24 in (-1, 1)
    with k = splitmix64(base + e) >> 40, base = noise_base(seed, index, 0) (the noise's
    counter scheme with stream = index). Every r is a multiple of 2^-24, so centre + half * r
    is exact in float64 for float32 centre and half: C++ gets the same value bit for bit."""
    base = np.uint64(noise_base(seed, index, 0))
    with np.errstate(over="ignore"):
        k = _splitmix64_np(base + np.arange(count, dtype=np.uint64)) >> np.uint64(40)
    return (2.0 * k.astype(np.float64) + 1.0 - 2.0 ** 24) * 2.0 ** -24


def noise_scalar(seed, stream, sample, element):
    """Pure-Python single value (float64, before rounding to the tensor type)."""
    base = noise_base(seed, stream, sample)
    a = splitmix64_int((base + 2 * element) & MASK64)
    b = splitmix64_int((base + 2 * element + 1) & MASK64)
    u1 = ((a >> 11) + 1) * 2.0 ** -53
    u2 = (b >> 11) * 2.0 ** -53
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


# ----------------------------------------------------------------------------------------
# Ops (batched, NHWC, float64)
# ----------------------------------------------------------------------------------------
def conv2d(x, w, b, stride=1, pad=0):
    """x [N,H,W,Cin], w [Cout,Cin,k,k] (PyTorch layout), zero padding."""
    N, H, W, Cin = x.shape
    Cout, Cin2, kh, kw = w.shape
    assert Cin == Cin2
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    Ho = (H + 2 * pad - kh) // stride + 1
    Wo = (W + 2 * pad - kw) // stride + 1
    out = np.zeros((N, Ho, Wo, Cout))
    for a in range(kh):
        for c in range(kw):
            patch = xp[:, a: a + stride * (Ho - 1) + 1: stride, c: c + stride * (Wo - 1) + 1: stride, :]
            out += patch @ w[:, :, a, c].T
    if b is not None:
        out += b
    return out


def readout_conv(x, w, conv_bias, bias, n_out, pad):
    z = conv2d(x, w, conv_bias, 1, pad)
    N, H, W, _ = z.shape
    Co = bias.shape[0]
    z = z.reshape(N, H, W, Co, n_out)
    return np.sqrt(np.sum(z * z, axis=-1)) + bias


def group_norm(x, groups, eps, weight=None, bias=None):
    N, H, W, C = x.shape
    g = x.reshape(N, H * W, groups, C // groups)
    mu = g.mean(axis=(1, 3), keepdims=True)
    var = ((g - mu) ** 2).mean(axis=(1, 3), keepdims=True)
    y = ((g - mu) / np.sqrt(var + eps)).reshape(N, H, W, C)
    if weight is not None:
        y = y * weight + bias
    return y


def normalize_osc(x, n):
    sh = x.shape
    v = x.reshape(sh[:-1] + (sh[-1] // n, n))
    nrm = np.sqrt(np.sum(v * v, axis=-1, keepdims=True))
    return (v / np.maximum(nrm, 1e-6)).reshape(sh)


def omega_apply(x, theta):
    """x [..., C]; theta [2] (global) or [C/2, 2] (per pair)."""
    w = np.sqrt(np.sum(np.asarray(theta, dtype=np.float64) ** 2, axis=-1))  # scalar or [C/2]
    sh = x.shape
    v = x.reshape(sh[:-1] + (sh[-1] // 2, 2))
    out = np.empty_like(v)
    out[..., 0] = w * v[..., 1]
    out[..., 1] = -w * v[..., 0]
    return out.reshape(sh)


def gta_apply(t, M):
    """t [N, heads, P, hd]; M [P, hd/2, 2, 2] (one set); pairs (2f, 2f+1) of hd <- M[p, f] pair."""
    N, nh, P, hd = t.shape
    v = t.reshape(N, nh, P, hd // 2, 2)
    out = np.einsum("pfij,nhpfj->nhpfi", M, v)
    return out.reshape(N, nh, P, hd)


def attn_J(x, heads, w_qkv, b_qkv, w_o, b_o, gta=None):
    """gta: None or the four sets [4, P, hd/2, 2, 2] (M_q, M_k, M_v, M_o)."""
    N, H, W, C = x.shape
    P = H * W
    hd = C // heads
    xs = x.reshape(N, P, C)
    qkv = xs @ w_qkv.T + b_qkv

    def split(t):  # [N,P,C], channel d*heads+h -> [N, heads, P, hd]
        return t.reshape(N, P, hd, heads).transpose(0, 3, 1, 2)

    q, k, v = split(qkv[..., :C]), split(qkv[..., C:2 * C]), split(qkv[..., 2 * C:])
    if gta is not None:
        q, k, v = gta_apply(q, gta[0]), gta_apply(k, gta[1]), gta_apply(v, gta[2])
    s = np.einsum("nhpd,nhqd->nhpq", q, k) / math.sqrt(hd)
    s = s - s.max(axis=-1, keepdims=True)
    A = np.exp(s)
    A = A / A.sum(axis=-1, keepdims=True)
    o = np.einsum("nhpq,nhqd->nhpd", A, v)
    if gta is not None:
        o = gta_apply(o, gta[3])
    o = o.transpose(0, 2, 3, 1).reshape(N, P, C)
    return (o @ w_o.T + b_o).reshape(N, H, W, C)


def fc_J(x, w, b):
    N, H, W, C = x.shape
    P = H * W
    xf = x.reshape(N, P, C).transpose(0, 2, 1).reshape(N, C * P)  # xf[c*P+p] = x[p,c]
    yf = xf @ w.T + b
    return yf.reshape(N, C, P).transpose(0, 2, 1).reshape(N, H, W, C)


def kuramoto(x0, c, o, prm, return_traj=False, steps=None):
    """o: options dict; prm: dict suffix -> array. Returns (x_T, energy [N, T+1]).
    steps: T instead of o["steps"] (spec §5 test-time extension; None or 0 = as trained)."""
    n = o["n"]
    N, H, W, C = x0.shape
    if o["stimulus_norm"] == "GroupNorm":
        cn = group_norm(c, C // n, 1e-5, prm["cnorm.weight"], prm["cnorm.bias"])
    elif o["stimulus_norm"] == "ScaleBias":
        cn = c * prm["cnorm.scale"] + prm["cnorm.bias"]
    else:
        cn = c
    con = o["connectivity"]
    if con == "Attn":
        gta = prm["J.gta"] if o["gta"] else None
        J = lambda x: attn_J(x, o["heads"], prm["J.w_qkv"], prm["J.b_qkv"], prm["J.w_o"], prm["J.b_o"], gta)
    elif con == "Conv":
        J = lambda x: conv2d(x, prm["J.weight"], prm["J.bias"], 1, o["kernel_size"] // 2)
    else:
        J = lambda x: fc_J(x, prm["J.weight"], prm["J.bias"])
    gamma = float(np.asarray(prm["gamma"]).reshape(-1)[0])
    T = steps or o["steps"]
    E = np.zeros((N, T + 1))
    x = normalize_osc(x0, n)
    traj = [x]
    for t in range(1, T + 1):
        y = J(x) + cn
        E[:, t] = -np.sum((x * y).reshape(N, -1), axis=1)
        if o["project"]:
            xv = x.reshape(N, H, W, C // n, n)
            yv = y.reshape(N, H, W, C // n, n)
            a = np.sum(xv * yv, axis=-1, keepdims=True)
            proj = (yv - a * xv).reshape(x.shape)
        else:
            proj = y
        dxdt = proj
        if o["omega"] in ("Global", "PerPair"):
            dxdt = omega_apply(x, prm["omega"]) + proj
        elif o["omega"] == "Identity":  # upstream's use_omega=False: Omega is nn.Identity
            dxdt = x + proj
        x = normalize_osc(x + gamma * dxdt, n)
        traj.append(x)
    if return_traj:
        return x, E, traj
    return x, E


def pool(x, kind, glob, k, stride):
    N, H, W, C = x.shape
    if glob:
        return (x.max(axis=(1, 2)) if kind == "Max" else x.mean(axis=(1, 2))).reshape(N, 1, 1, C)
    s = stride or k
    Ho, Wo = (H - k) // s + 1, (W - k) // s + 1
    win = np.empty((N, Ho, Wo, C, k * k))
    for a in range(k):
        for b in range(k):
            win[..., a * k + b] = x[:, a: a + s * (Ho - 1) + 1: s, b: b + s * (Wo - 1) + 1: s, :]
    return win.max(axis=-1) if kind == "Max" else win.mean(axis=-1)


def cross_entropy(logits, targets, offset):
    N, H, W, K = logits.shape
    cls = targets.astype(np.int64) + offset
    if cls.min() < 0 or cls.max() >= K:
        raise ValueError("CrossEntropyLoss: class out of range")
    z = logits - logits.max(axis=-1, keepdims=True)
    lsm = z - np.log(np.sum(np.exp(z), axis=-1, keepdims=True))
    picked = np.take_along_axis(lsm, cls[..., None], axis=-1)[..., 0]
    return np.array([-picked.mean()])


def nt_xent(h, tau):
    """SimCLR's NT-Xent over view pairs (2k, 2k+1): normalise (eps 1e-12), logits Z Z^T / tau
    with -1e8 on the diagonal, each row's class its other view, mean cross-entropy."""
    z = h.reshape(h.shape[0], -1)
    n = z.shape[0]
    if n < 2 or n % 2:
        raise ValueError("NtXentLoss: the batch must be pairs of views")
    z = z / np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-12)
    logits = z @ z.T / tau - 1e8 * np.eye(n)
    m = logits.max(axis=1, keepdims=True)
    lse = (m + np.log(np.sum(np.exp(logits - m), axis=1, keepdims=True)))[:, 0]
    return np.array([np.mean(lse - logits[np.arange(n), np.arange(n) ^ 1])])


# ----------------------------------------------------------------------------------------
# Forward
# ----------------------------------------------------------------------------------------
def forward(spec, params, inputs, mode="eval", noise_seed=0, sample0=0, extras=None, steps=None):
    """Run the spec on a batch.

    params: dict full name -> array (any float dtype; used as float64).
    inputs: dict input name -> array [N, ...] (int tokens or float features).
    mode:   'eval' (BatchNorm uses running stats) or 'train' (batch statistics).
    extras: optional dict; receives '<bn op>.running_mean.updated' / '.running_var.updated'
            in train mode.
    steps:  T of every Kuramoto layer instead of the spec's (None or 0 = as trained); their
            energy outputs then have steps+1 values per sample.
    Returns dict of every available value (inputs + op outputs); ops whose inputs are
    missing (training-only inputs not given) are skipped, and so is the loss in eval mode.
    """
    assert mode in ("eval", "train")
    shapes = infer_shapes(spec)
    P64 = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    vals = {}
    N = None
    for i in spec.inputs:
        if i["name"] not in inputs:
            if not i["training_only"]:
                raise ValueError(f"missing input {i['name']!r}")
            continue
        a = np.asarray(inputs[i["name"]])
        if list(a.shape[1:]) != i["shape"]:
            raise ValueError(f"input {i['name']!r}: shape {a.shape} != [N]+{i['shape']}")
        N = a.shape[0] if N is None else N
        vals[i["name"]] = a.astype(np.int32) if i["dtype"] == "Int32" else a.astype(np.float64)
    for op in spec.ops:
        if not all(v in vals for v in op.inputs):
            continue
        if mode == "eval" and op.kind in LOSS_KINDS:  # the loss is computed in training only
            continue
        ins = [vals[v] for v in op.inputs]
        o = op.opt
        prm = {}
        for suffix, shape, _ in op_params(op, [shapes[v] for v in op.inputs]):
            full = f"{op.name}.{suffix}"
            if full not in P64:
                raise ValueError(f"missing parameter {full!r}")
            if list(P64[full].shape) != list(shape):
                raise ValueError(f"parameter {full!r}: shape {P64[full].shape} != {shape}")
            prm[suffix] = P64[full]
        k = op.kind
        if k == "Embedding":
            tok = ins[0]
            if tok.min() < 0 or tok.max() >= o["num_embeddings"]:
                raise ValueError(f"op {op.name!r}: token out of range")
            outs = [prm["weight"][tok]]
        elif k == "OscillatorInit":
            c = ins[0]
            Nb = c.shape[0]
            per = int(np.prod(c.shape[1:]))
            nz = np.stack([noise(noise_seed, op.index, sample0 + r, per) for r in range(Nb)])
            # "computed in double, then rounded to the tensor type" (Float32)
            nz = nz.astype(np.float32).astype(np.float64).reshape(c.shape)
            if o["mode"] == "StimulusWhereGiven":
                given = (ins[1] != 0)[..., None]
                outs = [np.where(given, c, nz)]
            else:
                outs = [nz]
        elif k == "Kuramoto":
            xT, E = kuramoto(ins[0], ins[1], o, prm, steps=steps)
            outs = [xT, E][: len(op.outputs)]
        elif k == "ReadOutConv":
            outs = [readout_conv(ins[0], prm["weight"], prm["conv_bias"], prm["bias"], o["n_out"], _pad(o))]
        elif k == "Conv2d":
            outs = [conv2d(ins[0], prm["weight"], prm.get("bias"), o["stride"], _pad(o))]
        elif k == "ReLU":
            outs = [np.maximum(ins[0], 0.0)]
        elif k == "Add":
            outs = [ins[0] + ins[1]]
        elif k == "GroupNorm":
            outs = [group_norm(ins[0], o["groups"], o["eps"], prm.get("weight"), prm.get("bias"))]
        elif k == "BatchNorm":
            x = ins[0]
            if mode == "train":
                m = x.shape[0] * x.shape[1] * x.shape[2]
                mu = x.mean(axis=(0, 1, 2))
                var = ((x - mu) ** 2).mean(axis=(0, 1, 2))
                if extras is not None:
                    mom = o["momentum"]
                    extras[f"{op.name}.running_mean.updated"] = (1 - mom) * prm["running_mean"] + mom * mu
                    extras[f"{op.name}.running_var.updated"] = (1 - mom) * prm["running_var"] + mom * var * m / (m - 1)
            else:
                mu, var = prm["running_mean"], prm["running_var"]
            outs = [(x - mu) / np.sqrt(var + o["eps"]) * prm["weight"] + prm["bias"]]
        elif k == "Linear":
            y = ins[0] @ prm["weight"].T
            if "bias" in prm:
                y = y + prm["bias"]
            outs = [y]
        elif k == "Pool":
            outs = [pool(ins[0], o["kind"], o["global"], o["kernel_size"], o["stride"])]
        elif k == "CrossEntropyLoss":
            outs = [cross_entropy(ins[0], ins[1], o["target_offset"])]
        elif k == "NtXentLoss":
            outs = [nt_xent(ins[0], o["temperature"])]
        elif k == "PositionalEncoding":
            outs = [ins[0] + prm["pe"]]
        elif k == "LayerNorm":
            outs = [layer_norm(ins[0], o["eps"], prm["weight"], prm["bias"])]
        elif k == "GELU":
            outs = [gelu(ins[0])]
        elif k == "IteratedSelfAttention":
            outs = [iterated_self_attention(ins[0], o, prm, steps=steps)]
        else:
            raise SpecError(k)
        for name, v in zip(op.outputs, outs):
            vals[name] = v
            if k == "Kuramoto" and steps and name != op.outputs[0]:
                assert v.shape == (v.shape[0], steps + 1), (name, v.shape)
            elif k not in LOSS_KINDS:
                exp = [v.shape[0]] + shapes[name][1]
                assert list(v.shape) == exp, (name, v.shape, exp)
    return vals


def load_npy_dir(d):
    out = {}
    if not os.path.isdir(d):
        return out
    for f in sorted(os.listdir(d)):
        if f.endswith(".npy"):
            out[f[:-4]] = np.load(os.path.join(d, f))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("spec")
    ap.add_argument("--shapes", action="store_true", help="print value shapes and parameters")
    ap.add_argument("--params", help="directory of <param>.npy (e.g. GOLDEN/params)")
    ap.add_argument("--inputs", help="directory of <input>.npy (e.g. GOLDEN/inputs)")
    ap.add_argument("--mode", choices=["eval", "train"], default="eval")
    ap.add_argument("--noise-seed", type=int, default=0)
    ap.add_argument("--sample0", type=int, default=0)
    ap.add_argument("--steps", type=int, default=0, help="T of every Kuramoto layer (0 = as in the spec)")
    ap.add_argument("--out", help="write <value>.npy (float64) here")
    ap.add_argument("--all-values", action="store_true", help="with --out: every value, not only outputs+loss")
    a = ap.parse_args(argv)
    spec = load_spec(a.spec)
    if a.shapes or not a.params:
        reduced = {v for op in spec.ops if op.kind in LOSS_KINDS for v in op.outputs}
        for name, (dt, sh) in infer_shapes(spec).items():
            print(f"value {name:12s} {dt:8s} {sh if name in reduced else '[N]+' + str(sh)}")
        for name, sh in param_list(spec):
            print(f"param {name:24s} {sh}")
        if not a.params:
            return 0
    params = load_npy_dir(a.params)
    inputs = load_npy_dir(a.inputs)
    vals = forward(spec, params, inputs, a.mode, a.noise_seed, a.sample0, steps=a.steps)
    losses = [v for op in spec.ops if op.kind in LOSS_KINDS for v in op.outputs]
    want = list(vals) if a.all_values else spec.outputs + [v for v in losses if v not in spec.outputs]
    for name in want:
        if name in vals:
            v = vals[name]
            print(f"{name:12s} {str(v.shape):20s} mean={np.mean(v):+.6e} absmax={np.max(np.abs(v)):.6e}")
            if a.out:
                os.makedirs(a.out, exist_ok=True)
                np.save(os.path.join(a.out, name + ".npy"), np.ascontiguousarray(v.astype(np.float64)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
