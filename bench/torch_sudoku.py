#!/usr/bin/env python3
"""PyTorch (eager, float32, NCHW) implementation of the AKOrN Sudoku model.

Speed baseline for the akorn compiler's benchmarks, and the module that later weight-import
code can load (``from torch_sudoku import SudokuAKOrN``).  Mathematics: shared/spec/AKORN.md
sections 1-5; layouts and akorn names: docs/OPS.md; akorn model: models/sudoku.json
(C=512) and models/sudoku-small.json (C=64).  Needs torch (>= 1.13) and numpy: bench/README.md.

Model (spec section 5), per sample, NCHW [C, 9, 9]:
    c   = embedding(board)                                  (blank = row 0)
    x0  = c at given cells, N(0,1) noise at blank cells     (all channels of the cell)
    x   = normalize(x0)                                     (x / clamp(||x_o||, 1e-6), n=4)
    T times:  y = J(x) + c;  sim = x*y;  proj = y - <x_o,y_o> x_o
              dxdt = Omega(x) + proj;  x = normalize(x + gamma*dxdt)
              E_t = -sum(sim)    (energy of the state the step starts from; E_0 = 0)
    h = readout(x_T) = ||invconv(x_T)[4 consecutive channels]|| + bias
    h = h + ff.conv2(relu(ff.conv1(relu(h))))
    h = conv3(relu(h));  logits = out(relu(h))              -> [B, 9, 9, 9] (class dim 1)
    loss = mean cross-entropy over the 81 cells against solution - 1

J (attention with GTA): qkv = W_qkv(x); q,k,v = channel chunks [0,C), [C,2C), [2C,3C);
channel d*heads + h belongs to head h ('b (d h) p -> b h p d'); per position p and pair f
of head_dim, q[2f:2f+2] <- mat_q[p,f] @ (.) (k, v likewise with mat_k, mat_v);
softmax(q k^T / sqrt(hd)) v; the pair of the output <- mat_o[p,f] @ (.); J(x) = W_o(o).
Four independent sets, initialised (M, M, M, M^T): the reference's mat_q/mat_k/mat_v/mat_o
as trained on a GPU (spec section 3; they share storage only on the CPU).

Parameter name (this module)          shape             akorn name (docs/OPS.md)       akorn shape
------------------------------------  ----------------  -----------------------------  -----------
embedding.weight                      [10, C]           embed.weight                   [10, C]
klayer.connectivity.W_qkv.weight      [3C, C, 1, 1]     klayer.J.w_qkv                 [3C, C]
klayer.connectivity.W_qkv.bias        [3C]              klayer.J.b_qkv                 [3C]
klayer.connectivity.W_o.weight        [C, C, 1, 1]      klayer.J.w_o                   [C, C]
klayer.connectivity.W_o.bias          [C]               klayer.J.b_o                   [C]
klayer.connectivity.mat_q/k/v/o       [81, hd/2, 2, 2]  klayer.J.gta[0..3]             [4, 81, hd/2, 2, 2]
klayer.omg_param                      [2]               klayer.omega                   [2]
klayer.gamma                          [1]               klayer.gamma                   [1]
readout.invconv.weight                [4C, C, 1, 1]     readout.weight                 [4C, C, 1, 1]
readout.invconv.bias                  [4C]              readout.conv_bias              [4C]
readout.bias                          [C]               readout.bias                   [C]
ff.conv1.weight / .bias               [C, C, 1, 1]/[C]  ff_conv1.weight / .bias        same
ff.conv2.weight / .bias               [C, C, 1, 1]/[C]  ff_conv2.weight / .bias        same
conv3.weight / .bias                  [C, C, 1, 1]/[C]  conv3.weight / .bias           same
out.weight / .bias                    [9, C, 1, 1]/[9]  head.weight / .bias            same
(hd = C / heads.)  The 1x1 conv weights of W_qkv / W_o lose their trailing [1, 1] in akorn
(reshape only, no transposition); everything else is copied as is.  See to_akorn_params() /
from_akorn_params().  Feature maps: akorn is NHWC, this module NCHW: akorn's x0 noise
[B, 9, 9, C] is passed here as noise.permute(0, 3, 1, 2).

CLI:
    python3 bench/torch_sudoku.py --C 64 --batch 100 --steps 16 --iters 3 --warmup 1 --threads 2
        times ONE training step (forward + backward + clip_grad_norm_(1.0) + Adam lr 1e-3 step)
    ... --mode infer        times a forward pass under torch.no_grad()
    ... --check             self-checks (gradients to every parameter, unit-norm states,
                            loss ~ log 9 at init for C=64, and when tools/akorn_ref.py is
                            importable a float64 comparison with it on models/sudoku-small.json)
"""
import argparse
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_DATA = os.path.join(ROOT, "data", "sudoku", "satnet-train.csv")  # the bundled copy


# ------------------------------------------------------------------------------------------
# Building blocks
# ------------------------------------------------------------------------------------------
def normalize(x, n):
    """x [B, C, H, W]: each oscillator (n consecutive channels) divided by its L2 norm."""
    B, C = x.shape[:2]
    v = x.reshape(B, C // n, n, *x.shape[2:])
    v = v / torch.clamp(torch.linalg.norm(v, dim=2, keepdim=True), min=1e-6)
    return v.reshape(x.shape)


def gta_init(H, W, hd):
    """[H*W, hd/2, 2, 2] rotation matrices (spec section 3)."""
    Fq = int(math.ceil(hd / 4))
    phi = [10000.0 ** (-2.0 * m / (2.0 * Fq)) for m in range(Fq)]
    M = torch.zeros(H * W, hd // 2, 2, 2, dtype=torch.float64)
    for i in range(H):
        for j in range(W):
            angles = []
            for m in range(Fq):
                angles += [i * phi[m], j * phi[m]]
            for f, t in enumerate(angles[: hd // 2]):
                c, s = math.cos(t), math.sin(t)
                M[i * W + j, f] = torch.tensor([[c, -s], [s, c]], dtype=torch.float64)
    return M.float()


class GTAAttention(nn.Module):
    """Multi-head self-attention over the H*W positions with 1x1-conv projections and GTA."""

    def __init__(self, C, heads=8, H=9, W=9):
        super().__init__()
        assert C % heads == 0 and (C // heads) % 2 == 0
        self.C, self.heads, self.hd = C, heads, C // heads
        self.W_qkv = nn.Conv2d(C, 3 * C, 1)
        self.W_o = nn.Conv2d(C, C, 1)
        # Four trainable sets of 2x2 matrices, as the reference's after .cuda() (spec section 3).
        M = gta_init(H, W, self.hd)
        self.mat_q = nn.Parameter(M.clone())
        self.mat_k = nn.Parameter(M.clone())
        self.mat_v = nn.Parameter(M.clone())
        self.mat_o = nn.Parameter(M.transpose(-1, -2).contiguous())

    @staticmethod
    def gta(t, M):
        """t [..., P, hd]; M [P, hd/2, 2, 2]; out pair = M @ in pair."""
        s = t.shape
        v = t.reshape(*s[:-1], s[-1] // 2, 1, 2)            # [..., P, f, 1, 2]
        return (M * v).sum(-1).reshape(s)                    # sum_j M[p,f,i,j] in[j]

    def forward(self, x):
        B, C, H, W = x.shape
        P, nh, hd = H * W, self.heads, self.hd
        qkv = self.W_qkv(x).reshape(B, 3, hd, nh, P)          # channel = chunk*C + d*heads + h
        qkv = qkv.permute(1, 0, 3, 4, 2)                      # [3, B, heads, P, hd]
        q, k, v = self.gta(qkv[0], self.mat_q), self.gta(qkv[1], self.mat_k), self.gta(qkv[2], self.mat_v)
        a = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(hd)), dim=-1)
        o = torch.matmul(a, v)                                # [B, heads, P, hd]
        o = self.gta(o, self.mat_o)                           # M_o (starts as M^T)
        o = o.permute(0, 3, 1, 2).reshape(B, C, H, W)         # channel d*heads + h
        return self.W_o(o)


class KLayer(nn.Module):
    """T Kuramoto steps (spec section 2): global Omega, learned gamma, projection on."""

    def __init__(self, C, n=4, heads=8, H=9, W=9, init_omg=0.5, gamma=1.0):
        super().__init__()
        assert C % n == 0 and n % 2 == 0
        self.n = n
        self.connectivity = GTAAttention(C, heads, H, W)
        self.omg_param = nn.Parameter(torch.full((2,), init_omg / math.sqrt(2.0)))
        self.gamma = nn.Parameter(torch.tensor([float(gamma)]))

    def omega(self, x):
        B, C = x.shape[:2]
        w = torch.linalg.norm(self.omg_param)
        v = x.reshape(B, C // 2, 2, *x.shape[2:])
        return torch.stack([w * v[:, :, 1], -w * v[:, :, 0]], dim=2).reshape(x.shape)

    def kupdate(self, x, c):
        B, C = x.shape[:2]
        n = self.n
        y = self.connectivity(x) + c
        sim = x * y
        xv = x.reshape(B, C // n, n, *x.shape[2:])
        yv = y.reshape(B, C // n, n, *x.shape[2:])
        proj = (yv - (xv * yv).sum(2, keepdim=True) * xv).reshape(x.shape)
        return self.omega(x) + proj, sim

    def forward(self, x, c, T, return_states=False):
        x = normalize(x, self.n)
        es = [torch.zeros(x.shape[0], dtype=x.dtype, device=x.device)]
        xs = [x] if return_states else None
        for _ in range(T):
            dxdt, sim = self.kupdate(x, c)
            x = normalize(x + self.gamma * dxdt, self.n)
            es.append(-sim.detach().reshape(x.shape[0], -1).sum(-1))   # energy: no gradient
            if return_states:
                xs.append(x)
        return x, torch.stack(es, dim=1), xs


class ReadOutConv(nn.Module):
    def __init__(self, Cin, Cout, n_out=4):
        super().__init__()
        self.Cout, self.n_out = Cout, n_out
        self.invconv = nn.Conv2d(Cin, Cout * n_out, 1)
        self.bias = nn.Parameter(torch.zeros(Cout))

    def forward(self, x):
        z = self.invconv(x)
        z = z.reshape(z.shape[0], self.Cout, self.n_out, *z.shape[2:])
        return torch.linalg.norm(z, dim=2) + self.bias[None, :, None, None]


class FF(nn.Module):
    def __init__(self, C):
        super().__init__()
        self.conv1 = nn.Conv2d(C, C, 1)
        self.conv2 = nn.Conv2d(C, C, 1)

    def forward(self, x):
        return self.conv2(F.relu(self.conv1(F.relu(x))))


class SudokuAKOrN(nn.Module):
    """AKOrN Sudoku solver (spec section 5). forward(board [B,9,9] long, 0 = blank) ->
    (logits [B, 9 classes, 9, 9], energies [B, T+1])."""

    def __init__(self, C, n=4, heads=8, T=16, init_omg=0.5, gamma=1.0):
        super().__init__()
        self.C, self.n, self.heads, self.T = C, n, heads, T
        self.embedding = nn.Embedding(10, C)
        self.klayer = KLayer(C, n, heads, 9, 9, init_omg, gamma)
        self.readout = ReadOutConv(C, C, 4)
        self.ff = FF(C)
        self.conv3 = nn.Conv2d(C, C, 1)
        self.out = nn.Conv2d(C, 9, 1)

    def forward(self, board, T=None, noise=None, return_states=False):
        T = self.T if T is None else T
        c = self.embedding(board.long()).permute(0, 3, 1, 2)        # [B, C, 9, 9]
        if noise is None:
            noise = torch.randn_like(c)
        given = (board != 0).to(c.dtype)[:, None]                   # [B, 1, 9, 9]
        x0 = given * c + (1.0 - given) * noise
        x, es, xs = self.klayer(x0, c, T, return_states)
        h = self.readout(x)
        h = h + self.ff(h)
        h = self.conv3(F.relu(h))
        logits = self.out(F.relu(h))
        if return_states:
            return logits, es, xs
        return logits, es

    @staticmethod
    def loss(logits, solution):
        return F.cross_entropy(logits, solution.long() - 1)


# ------------------------------------------------------------------------------------------
# Name mapping to akorn (docs/OPS.md, models/sudoku.json)
# ------------------------------------------------------------------------------------------
_NAME_MAP = [
    ("embedding.weight", "embed.weight", False),
    ("klayer.connectivity.W_qkv.weight", "klayer.J.w_qkv", True),
    ("klayer.connectivity.W_qkv.bias", "klayer.J.b_qkv", False),
    ("klayer.connectivity.W_o.weight", "klayer.J.w_o", True),
    ("klayer.connectivity.W_o.bias", "klayer.J.b_o", False),
    # the four GTA sets are the slices 0..3 of akorn's klayer.J.gta [4, P, hd/2, 2, 2]
    ("klayer.connectivity.mat_q", "klayer.J.gta", 0),
    ("klayer.connectivity.mat_k", "klayer.J.gta", 1),
    ("klayer.connectivity.mat_v", "klayer.J.gta", 2),
    ("klayer.connectivity.mat_o", "klayer.J.gta", 3),
    ("klayer.omg_param", "klayer.omega", False),
    ("klayer.gamma", "klayer.gamma", False),
    ("readout.invconv.weight", "readout.weight", False),
    ("readout.invconv.bias", "readout.conv_bias", False),
    ("readout.bias", "readout.bias", False),
    ("ff.conv1.weight", "ff_conv1.weight", False),
    ("ff.conv1.bias", "ff_conv1.bias", False),
    ("ff.conv2.weight", "ff_conv2.weight", False),
    ("ff.conv2.bias", "ff_conv2.bias", False),
    ("conv3.weight", "conv3.weight", False),
    ("conv3.bias", "conv3.bias", False),
    ("out.weight", "head.weight", False),
    ("out.bias", "head.bias", False),
]


def to_akorn_params(model):
    """dict akorn name -> numpy array (float64 copies)."""
    sd = model.state_dict()
    out = {}
    for tn, an, how in _NAME_MAP:
        a = sd[tn].detach().double().cpu().numpy()
        if how is True:  # 1x1 conv weight: drop the trailing [1, 1]
            out[an] = a.reshape(a.shape[:2])
        elif how is False:
            out[an] = a
        else:  # slice `how` of a stacked tensor
            out.setdefault(an, [None] * 4)[how] = a
    for an, v in out.items():
        if isinstance(v, list):
            out[an] = np.stack(v)
    return out


def from_akorn_params(model, params):
    """Load a dict akorn name -> array into the module (inverse of to_akorn_params)."""
    sd = model.state_dict()
    with torch.no_grad():
        for tn, an, how in _NAME_MAP:
            a = np.asarray(params[an])
            if how is not True and how is not False:
                a = a[how]
            sd[tn].copy_(torch.as_tensor(a).reshape(sd[tn].shape))


# ------------------------------------------------------------------------------------------
# Data, timing, checks
# ------------------------------------------------------------------------------------------
def load_boards(path, count):
    boards, sols = [], []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or not line[0].isdigit():
                continue
            p, s = line.split(",")[:2]
            boards.append([int(ch) for ch in p.replace(".", "0")])
            sols.append([int(ch) for ch in s])
            if len(boards) == count:
                break
    if len(boards) < count:
        raise SystemExit(f"{path}: only {len(boards)} boards, need {count}")
    b = torch.tensor(boards, dtype=torch.long).reshape(count, 9, 9)
    s = torch.tensor(sols, dtype=torch.long).reshape(count, 9, 9)
    return b, s


def bench(a):
    torch.manual_seed(a.seed)
    dev = torch.device(a.device)
    if dev.type == "cuda":
        # same precision on both sides: strict FP32 unless --tf32 (akorn: --tf32 yes)
        torch.backends.cuda.matmul.allow_tf32 = a.tf32
        torch.backends.cudnn.allow_tf32 = a.tf32
    board, sol = load_boards(a.data, a.batch)
    board, sol = board.to(dev), sol.to(dev)
    model = SudokuAKOrN(a.C, n=4, heads=8, T=a.steps).to(dev)
    run = torch.compile(model) if a.compile else model

    def sync():
        if dev.type == "cuda":
            torch.cuda.synchronize()

    # tc: process CPU time (all threads), steadier than wall time on a shared machine
    tf, tb, tt, tc = [], [], [], []
    if a.mode == "train":
        model.train()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        for it in range(a.warmup + a.iters):
            sync()
            t0, c0 = time.perf_counter(), time.process_time()
            opt.zero_grad(set_to_none=True)
            with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=a.bf16):
                logits, _ = run(board, T=a.steps)
            loss = model.loss(logits.float(), sol)
            sync()
            t1 = time.perf_counter()
            loss.backward()
            sync()
            t2 = time.perf_counter()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sync()
            t3, c3 = time.perf_counter(), time.process_time()
            if it >= a.warmup:
                tf.append(t1 - t0); tb.append(t2 - t1); tt.append(t3 - t0); tc.append(c3 - c0)
            if a.verbose:
                print(f"  iter {it}: loss {loss.item():.4f} total {t3 - t0:.3f} s", file=sys.stderr)
        f, b, t, c = (float(np.mean(v)) for v in (tf, tb, tt, tc))
        print(f"torch sudoku C={a.C} batch={a.batch} T={a.steps} device={a.device}"
              f"{' compiled' if a.compile else ' eager'}{' tf32' if a.tf32 else ''}{' bf16' if a.bf16 else ''}: {t:.4f} s/step "
              f"(forward {f:.3g}, backward {b:.3g}; process CPU {c:.4f} s/step) threads={torch.get_num_threads()} "
              f"torch={torch.__version__}")
    else:
        model.eval()
        with torch.no_grad():
            for it in range(a.warmup + a.iters):
                sync()
                t0, c0 = time.perf_counter(), time.process_time()
                with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=a.bf16):
                    run(board, T=a.steps)
                sync()
                t1, c1 = time.perf_counter(), time.process_time()
                if it >= a.warmup:
                    tt.append(t1 - t0); tc.append(c1 - c0)
        t, c = float(np.mean(tt)), float(np.mean(tc))
        print(f"torch sudoku infer C={a.C} batch={a.batch} T={a.steps} device={a.device}"
              f"{' compiled' if a.compile else ' eager'}{' tf32' if a.tf32 else ''}{' bf16' if a.bf16 else ''}: {t:.4f} s/forward "
              f"({t / a.batch * 1e3:.2f} ms/board; process CPU {c:.4f} s/forward) threads={torch.get_num_threads()} "
              f"torch={torch.__version__}")


def check(a):
    ok = True

    def report(name, good, detail):
        nonlocal ok
        ok &= bool(good)
        print(f"[{'ok' if good else 'FAIL'}] {name}: {detail}")

    torch.manual_seed(a.seed)
    C = 64
    board, sol = load_boards(a.data, 100)
    model = SudokuAKOrN(C, n=4, heads=8, T=16)
    names = [n for n, _ in model.named_parameters()]
    expect = {tn for tn, _, _ in _NAME_MAP}
    report("parameter names", set(names) == expect, ", ".join(names))
    J = model.klayer.connectivity
    shapes = [tuple(m.shape) for m in (J.mat_q, J.mat_k, J.mat_v, J.mat_o)]
    report("GTA shapes and init (M, M, M, M^T), four separate parameters",
           shapes == [(81, C // 16, 2, 2)] * 4 and bool(torch.equal(J.mat_q, J.mat_k)) and
           bool(torch.equal(J.mat_o, J.mat_q.transpose(-1, -2))) and
           len({m.data_ptr() for m in (J.mat_q, J.mat_k, J.mat_v, J.mat_o)}) == 4, str(shapes))

    logits, es, xs = model(board, return_states=True)
    loss = model.loss(logits, sol)
    report("output shapes", tuple(logits.shape) == (100, 9, 9, 9) and tuple(es.shape) == (100, 17),
           f"logits {tuple(logits.shape)}, energies {tuple(es.shape)}")
    dev = max(float((torch.linalg.norm(x.reshape(100, C // 4, 4, 81), dim=2) - 1).abs().max()) for x in xs)
    report("unit-norm states", dev < 1e-5, f"max | ||x_o|| - 1 | over x_0..x_T = {dev:.2e}")
    report("E_0 = 0", float(es[:, 0].abs().max()) == 0.0, f"E_1 mean {es[:, 1].mean():.3f}, E_T mean {es[:, -1].mean():.3f}")
    report("loss at init ~ log 9", abs(loss.item() - math.log(9)) < 0.25,
           f"{loss.item():.4f} (log 9 = {math.log(9):.4f})")
    loss.backward()
    none = [n for n, p in model.named_parameters() if p.grad is None]
    zero = [n for n, p in model.named_parameters() if p.grad is not None and float(p.grad.abs().max()) == 0.0]
    finite = all(bool(torch.isfinite(p.grad).all()) for p in model.parameters() if p.grad is not None)
    report("gradients to every parameter", not none and not zero and finite,
           f"None: {none or '-'}; all-zero: {zero or '-'}; finite: {finite}")

    # Float64 comparison with the independent NumPy reference (tools/akorn_ref.py).
    try:
        sys.path.insert(0, os.path.join(ROOT, "tools"))
        import akorn_ref
    except Exception as e:  # noqa: BLE001
        print(f"[skip] akorn_ref comparison: {e}")
        return ok
    spec_path = os.path.join(ROOT, "models", "sudoku-small.json")
    spec = akorn_ref.load_spec(spec_path)
    nb = 4
    m64 = SudokuAKOrN(C, 4, 8, 16).double()
    with torch.no_grad():  # perturb the non-random inits so that every mapping matters
        m64.klayer.omg_param.copy_(torch.tensor([0.3, 0.5], dtype=torch.float64))
        m64.klayer.gamma.fill_(0.7)
        m64.readout.bias.normal_(0, 0.1)
        for m in (m64.klayer.connectivity.mat_q, m64.klayer.connectivity.mat_k, m64.klayer.connectivity.mat_v,
                  m64.klayer.connectivity.mat_o):  # each its own perturbation: a swapped set shows
            m.add_(0.05 * torch.randn_like(m))
    prm = to_akorn_params(m64)
    ref_names = [nm for nm, _ in akorn_ref.param_list(spec)]
    report("akorn names", set(ref_names) == set(prm), f"{len(ref_names)} params in {os.path.basename(spec_path)}")
    vals = akorn_ref.forward(spec, prm, {"board": board[:nb].numpy().astype(np.int32),
                                          "solution": sol[:nb].numpy().astype(np.int32)},
                             mode="eval", noise_seed=3)
    noise = torch.as_tensor(vals["x0"]).permute(0, 3, 1, 2)
    lg, e = m64(board[:nb], noise=noise)
    l = m64.loss(lg, sol[:nb])
    d_logit = float(np.abs(lg.detach().permute(0, 2, 3, 1).numpy() - vals["logits"]).max())
    d_e = float(np.abs(e.numpy() - vals["energy"]).max())
    d_l = abs(l.item() - float(np.asarray(vals["loss"]).reshape(-1)[0]))
    report("matches tools/akorn_ref.py (float64)", max(d_logit, d_l) < 1e-8 and d_e < 1e-7,
           f"max|dlogits| {d_logit:.1e}, max|dE| {d_e:.1e}, |dloss| {d_l:.1e}")
    return ok


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--C", type=int, default=64)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--steps", type=int, default=16, help="Kuramoto steps T")
    ap.add_argument("--iters", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--mode", choices=["train", "infer"], default="train")
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--device", default="cpu", help="cpu or cuda")
    ap.add_argument("--compile", action="store_true", help="torch.compile the model")
    ap.add_argument("--tf32", action="store_true", help="TF32 matmuls on the GPU (default strict FP32)")
    ap.add_argument("--bf16", action="store_true",
                    help="mixed precision: the forward under torch.autocast(bfloat16), the loss in fp32")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    if a.check:
        return 0 if check(a) else 1
    bench(a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
