#!/usr/bin/env python3
"""The upstream-parity fixture of `import` (tests/import/, CTest task.import), made from the
reference implementation itself (autonomousvision/akorn), never from a copy of its code.

    AKORN_UPSTREAM_DIR=/path/to/akorn-checkout  VENV/bin/python tools/upstream/make_fixture.py [--check]

Needs torch >= 2.1, numpy, einops, pandas, ema-pytorch (tools/upstream/setup_venv.sh makes
that environment; Debian's torch 1.13 is too old for upstream's imports).

Without --check it writes, into tests/import/:
  upstream-ema.pth          the checkpoint as upstream's train_sudoku.py saves it
                            (save_model: {"epoch", "model_state_dict": EMA(net).state_dict()})
  sudoku-small.safetensors  the same, converted by tools/pth_to_safetensors.py
  expected_logits.npy       upstream's logits of the EMA model on full8.csv [8, 81, 9] (float64
                            forward, stored float32), expected_energy.npy [8, 17];
                            expected_online_logits.npy of the online model
  fixture.json              how: upstream commit, torch version, configuration, seeds
The model: upstream's SudokuAKOrN with the configuration of models/sudoku-small.json
(C=64, n=4, 8 heads, T=16, GTA, global omega 0.5 learned, gamma 1), built from upstream's
own code, unmodified. Its parameters are then perturbed: every tensor by 0.02 N(0, 1), the
four GTA sets (which share storage on the CPU) are made separate tensors first and each is
perturbed by its own 0.2 N(0, 1), so a swapped or transposed set changes the outputs. The
EMA copy is taken, then the online model is perturbed again (0.05 N(0, 1)) so the two
prefixes of the checkpoint hold different weights.

--check loads the committed upstream-ema.pth into a fresh upstream model (as upstream's
eval_sudoku.py does) and compares its outputs with the committed expected_*.npy (1e-5).
"""
import argparse
import copy
import json
import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn as nn

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(REPO, "tests", "import")
CONFIG = dict(n=4, ch=64, L=1, T=16, gamma=1.0, J="attn", use_omega=True, global_omg=True, init_omg=0.5,
              learn_omg=True, nl=True, heads=8)


def upstream_model(updir):
    sys.path.insert(0, updir)
    from source.models.sudoku.knet import SudokuAKOrN  # upstream's own code
    return SudokuAKOrN(**CONFIG)


def untie_gta(net):
    """On the CPU upstream's mat_q, mat_k, mat_v (and mat_o, transposed) share one storage;
    .cuda() separates them. Separate them here the same way (copies, same values)."""
    conn = net.layers[0][0].connectivity
    for name in ("mat_q", "mat_k", "mat_v", "mat_o"):
        setattr(conn, name, nn.Parameter(getattr(conn, name).detach().clone()))
    return net


def boards():
    rows = [l.strip().split(",") for l in open(os.path.join(OUT, "full8.csv")) if l.strip()]
    sol = np.array([[int(ch) for ch in r[1]] for r in rows], dtype=np.int64).reshape(-1, 9, 9)
    onehot = np.zeros(sol.shape + (9,))
    for d in range(9):
        onehot[..., d] = sol == d + 1
    return torch.tensor(onehot), torch.ones(sol.shape + (1,), dtype=torch.float64)


def outputs(net):
    x, is_input = boards()
    net = copy.deepcopy(net).double().eval()
    with torch.no_grad():
        logits, es = net(x, is_input, return_es=True)
    B = x.shape[0]
    energy = torch.stack(es[0], dim=1)  # layer 0: T+1 values per board
    return logits.reshape(B, 81, 9).numpy(), energy.numpy()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    updir = os.environ.get("AKORN_UPSTREAM_DIR")
    if not updir:
        print("AKORN_UPSTREAM_DIR is not set: nothing to check against (skipped)")
        return 77
    from ema_pytorch import EMA

    if a.check:
        net = untie_gta(upstream_model(updir))  # as on the GPU, where upstream trains
        ema = EMA(net)
        ema.load_state_dict(torch.load(os.path.join(OUT, "upstream-ema.pth"), weights_only=True)["model_state_dict"])
        worst = 0.0
        for model, what in ((ema.ema_model, "expected_logits"), (ema.online_model, "expected_online_logits")):
            lg, en = outputs(model)
            want = np.load(os.path.join(OUT, what + ".npy"))
            worst = max(worst, np.abs(lg - want).max() / np.abs(want).max())
            if what == "expected_logits":
                want = np.load(os.path.join(OUT, "expected_energy.npy"))
                worst = max(worst, np.abs(en - want).max() / np.abs(want).max())
        ok = worst <= 1e-5
        print(f"{'ok  ' if ok else 'FAIL'} upstream checkout {updir} reproduces the committed fixture "
              f"(max rel diff {worst:.1e}, need 1e-5)")
        print(f"{int(ok)} passed, {int(not ok)} failed")
        return 0 if ok else 1

    torch.manual_seed(0)
    net = untie_gta(upstream_model(updir))
    with torch.no_grad():
        for name, p in net.named_parameters():
            p.add_((0.2 if ".mat_" in name else 0.02) * torch.randn_like(p))
    ema = EMA(net, beta=0.995, update_every=10, update_after_step=100)
    ema.ema_model.load_state_dict(net.state_dict())
    with torch.no_grad():
        for p in net.parameters():
            p.add_(0.05 * torch.randn_like(p))
    pth = os.path.join(OUT, "upstream-ema.pth")
    torch.save({"epoch": 99, "model_state_dict": ema.state_dict()}, pth)
    subprocess.check_call([sys.executable, os.path.join(REPO, "tools", "pth_to_safetensors.py"), pth,
                           os.path.join(OUT, "sudoku-small.safetensors"), "--overwrite"])
    lg, en = outputs(ema.ema_model)
    np.save(os.path.join(OUT, "expected_logits.npy"), lg.astype("<f4"))
    np.save(os.path.join(OUT, "expected_energy.npy"), en.astype("<f4"))
    lo, _ = outputs(ema.online_model)
    np.save(os.path.join(OUT, "expected_online_logits.npy"), lo.astype("<f4"))
    try:
        commit = subprocess.check_output(["git", "-C", updir, "rev-parse", "HEAD"], text=True).strip()
    except Exception:
        commit = os.environ.get("AKORN_UPSTREAM_COMMIT", "unknown")
    meta = {"generator": "tools/upstream/make_fixture.py", "upstream": "autonomousvision/akorn",
            "upstream_commit": commit, "torch": torch.__version__, "config": CONFIG, "torch_seed": 0,
            "parameters": sum(p.numel() for p in net.parameters()),
            "perturbation": "every tensor + 0.02 N(0,1), GTA sets separated then + 0.2 N(0,1) each; "
                            "EMA copy taken; online model + 0.05 N(0,1) after",
            "outputs": "float64 forward of upstream's model on full8.csv (every cell given: no noise)"}
    with open(os.path.join(OUT, "fixture.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    print(json.dumps(meta, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
