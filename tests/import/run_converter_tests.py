#!/usr/bin/env python3
"""tools/pth_to_safetensors.py: the reference's .pth checkpoint to the safetensors file that
`MODEL import` reads, and bad input refused with a message naming the file.

usage: run_converter_tests.py REPO_ROOT WORK_DIR
Needs torch and safetensors in this python; exits 77 (CTest: skipped) without them. The
committed fixture tests/import/upstream-ema.pth (an ema_pytorch checkpoint of upstream's own
SudokuAKOrN, tools/upstream/make_fixture.py) must convert to exactly the tensors of the
committed tests/import/sudoku-small.safetensors. Prints one line per check and
"N passed, M failed"."""
import os
import shutil
import subprocess
import sys

try:
    import torch
    from safetensors.torch import load_file
except ImportError as e:
    print(f"skipped: {e} (this test needs torch and safetensors)")
    sys.exit(77)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from checklib import check, finish  # noqa: E402

root, work = sys.argv[1:3]
here = os.path.join(root, "tests", "import")
tool = os.path.join(root, "tools", "pth_to_safetensors.py")
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)


def convert(*args):
    p = subprocess.run([sys.executable, tool, *args], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def w(name):
    return os.path.join(work, name)


# ---- the fixture converts to the committed safetensors file
rc, out, err = convert(os.path.join(here, "upstream-ema.pth"), w("ema.safetensors"))
got = load_file(w("ema.safetensors")) if rc == 0 else {}
want = load_file(os.path.join(here, "sudoku-small.safetensors"))
check(rc == 0 and sorted(got) == sorted(want), f"upstream-ema.pth converts, with every tensor ({len(got)} of "
      f"{len(want)}; {(out or err).strip()[:160]})")
same = [n for n in want if n in got and got[n].dtype == want[n].dtype and torch.equal(got[n], want[n])]
check(len(same) == len(want), f"every tensor equals the committed safetensors file's ({len(same)} of {len(want)})")
gta = [n for n in got if n.endswith(("mat_q", "mat_k", "mat_v", "mat_o"))]
check(len(gta) == 8 and not torch.equal(got["ema_model.layers.0.0.connectivity.mat_q"],
                                        got["ema_model.layers.0.0.connectivity.mat_k"]),
      f"the four GTA sets of both models are separate tensors ({len(gta)})")
check(got.get("initted", torch.zeros(1)).dtype == torch.bool and got.get("step", torch.zeros(1)).dtype == torch.int64,
      "ema_pytorch's initted (bool) and step (int64) are kept as they are")

# the fixture is upstream's {"model_state_dict": ..., "epoch": ...}; the bare state dict, in
# float64, gives the same float32 tensors
sd = torch.load(os.path.join(here, "upstream-ema.pth"), map_location="cpu", weights_only=True)
check(isinstance(sd, dict) and "model_state_dict" in sd, f"the fixture is a wrapped checkpoint ({sorted(sd)[:4]})")
torch.save({k: (v.double() if v.is_floating_point() else v) for k, v in sd["model_state_dict"].items()}, w("plain.pth"))
rc, out, err = convert(w("plain.pth"), w("plain.safetensors"))
g2 = load_file(w("plain.safetensors")) if rc == 0 else {}
check(rc == 0 and sorted(g2) == sorted(want) and all(torch.equal(g2[n], want[n]) for n in want),
      f"a bare state dict with float64 tensors gives the same float32 tensors ({err.strip()[:120]})")

# ---- bad input: a clear message naming the file, exit 1, nothing written, nothing replaced
open(w("text.pth"), "w").write("not a checkpoint\n")
with open(os.path.join(here, "upstream-ema.pth"), "rb") as f:
    open(w("truncated.pth"), "wb").write(f.read()[:3000])
torch.save([torch.zeros(2)], w("list.pth"))
torch.save({}, w("empty.pth"))
torch.save({"epoch": 3, "lr": 0.001}, w("notensors.pth"))
for src, frag in ((w("missing.pth"), "no such file"), (w("text.pth"), "not a PyTorch checkpoint"),
                  (w("truncated.pth"), "not a PyTorch checkpoint"), (w("list.pth"), "not a state dict"),
                  (w("empty.pth"), "not a state dict"), (w("notensors.pth"), "has no tensors")):
    dst = w("out-" + os.path.basename(src) + ".safetensors")
    rc, out, err = convert(src, dst)
    check(rc == 1 and err.startswith(src + ": ") and frag in err and "Traceback" not in err
          and not os.path.exists(dst) and not os.path.exists(dst + ".tmp"),
          f"{os.path.basename(src)}: refused, naming the file ({err.strip()[:140]})")
rc, out, err = convert(os.path.join(here, "upstream-ema.pth"), os.path.join(work, "no-such-dir", "x.safetensors"))
check(rc == 1 and "does not exist" in err and "Traceback" not in err, f"a missing output folder is named ({err.strip()})")
before = open(w("ema.safetensors"), "rb").read()
rc, out, err = convert(w("plain.pth"), w("ema.safetensors"))
check(rc == 1 and "--overwrite" in err and open(w("ema.safetensors"), "rb").read() == before,
      "an existing output is not replaced without --overwrite")
rc, out, err = convert(w("text.pth"), w("ema.safetensors"), "--overwrite")
check(rc == 1 and open(w("ema.safetensors"), "rb").read() == before,
      "a failed conversion leaves an existing output as it was, even with --overwrite")
rc, out, err = convert(w("plain.pth"))
check(rc == 2 and "pth_to_safetensors.py" in err, f"a missing argument prints the usage ({err.strip()[:100]})")
finish()
