#!/usr/bin/python3
"""Builds the committed weight-import fixture (tests/import/), run once:

    /usr/bin/python3 tools/make_import_fixture.py        (Debian's python3: torch, numpy)

bench/torch_sudoku.SudokuAKOrN(C=64) from torch seed 0, every parameter perturbed by
0.02 * N(0, 1) (so zero biases are not zero and the GTA matrices are not pure rotations),
saved as tests/import/sudoku-small.safetensors (own writer, F32). Besides the module's own
`klayer.connectivity.mat` the file holds the reference implementation's tied copies
mat_q, mat_k, mat_v (= mat) and mat_o (= mat transposed), as models/sudoku.import.map
expects. The model then runs, in float64, on the first 8 boards of
data/sudoku/satnet-test.csv given FULL (puzzle = solution, so no noise is involved) with
T=16: tests/import/expected_logits.npy [8, 81, 9] (akorn layout: cell major, digit last)
and expected_energy.npy [8, 17], both float32; the boards go to tests/import/full8.csv.
tests/import/run_import_tests.py checks `sudoku-small import` + `dump` against them."""
import json
import os
import struct
import sys

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from torch_sudoku import SudokuAKOrN  # noqa: E402

OUT = os.path.join(ROOT, "tests", "import")


def write_safetensors(path, tensors, metadata=None):
    """tensors: list of (name, float32 numpy array). Little-endian F32, header padded to 8."""
    header, blobs, off = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, a in tensors:
        b = np.ascontiguousarray(a, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    model = SudokuAKOrN(64, n=4, heads=8, T=16)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.02 * torch.randn_like(p))
    sd = model.state_dict()
    tensors = [(k, v.detach().numpy().astype(np.float32)) for k, v in sd.items()]
    mat = sd["klayer.connectivity.mat"].numpy().astype(np.float32)
    for s in ("q", "k", "v"):
        tensors.append((f"klayer.connectivity.mat_{s}", mat.copy()))
    tensors.append(("klayer.connectivity.mat_o", np.ascontiguousarray(np.swapaxes(mat, -1, -2))))
    write_safetensors(os.path.join(OUT, "sudoku-small.safetensors"), tensors,
                      {"format": "pt", "source": "tools/make_import_fixture.py"})

    lines = open(os.path.join(ROOT, "data", "sudoku", "satnet-test.csv")).read().split()[:8]
    sols = [ln.split(",")[1] for ln in lines]
    with open(os.path.join(OUT, "full8.csv"), "w") as f:
        for s in sols:
            f.write(f"{s},{s}\n")
    board = torch.tensor([[int(ch) for ch in s] for s in sols], dtype=torch.long).reshape(8, 9, 9)
    m64 = model.double()
    with torch.no_grad():
        logits, energy = m64(board, T=16, noise=torch.zeros(8, 64, 9, 9, dtype=torch.float64))
    lg = logits.permute(0, 2, 3, 1).reshape(8, 81, 9).numpy().astype(np.float32)
    np.save(os.path.join(OUT, "expected_logits.npy"), lg)
    np.save(os.path.join(OUT, "expected_energy.npy"), energy.numpy().astype(np.float32))
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print(f"wrote {OUT}: {len(tensors)} tensors, logits {lg.shape}, energy {tuple(energy.shape)}, "
          f"{total / 1024:.0f} KiB in the directory")


if __name__ == "__main__":
    main()
