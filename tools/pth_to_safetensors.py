#!/usr/bin/env python3
"""Converts a PyTorch checkpoint (.pth, pickle) into safetensors for `MODEL import`.

    python tools/pth_to_safetensors.py CKPT.pth OUT.safetensors [--overwrite]

Needs torch and safetensors (pip install torch safetensors). Loads with weights_only=True
(no code from the file runs). Accepts a plain state_dict, ema_pytorch's state_dict, or the
dictionaries upstream's training saves ({"model_state_dict": ...}, with "epoch" etc., which
go into the file's metadata). Every tensor is copied out (tensors sharing storage, as the
reference's tied GTA matrices do on the CPU, become separate), in float32 for floating
types; integer and bool entries (ema_pytorch's `initted`, `step`) are kept as they are.
"""
import os
import sys

import torch
from safetensors.torch import save_file


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    if len(args) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    src, dst = args
    if os.path.exists(dst) and "--overwrite" not in argv:
        print(f"{dst}: exists (pass --overwrite)", file=sys.stderr)
        return 1
    obj = torch.load(src, map_location="cpu", weights_only=True)
    meta = {"source": os.path.basename(src)}
    for key in ("model_state_dict", "state_dict"):
        if isinstance(obj, dict) and isinstance(obj.get(key), dict):
            meta.update({k: str(v) for k, v in obj.items() if k != key and not isinstance(v, (dict, torch.Tensor))})
            obj = obj[key]
            break
    if not isinstance(obj, dict) or not obj:
        print(f"{src}: not a state dict", file=sys.stderr)
        return 1
    out = {}
    for name, v in obj.items():
        if not isinstance(v, torch.Tensor):
            meta[name] = str(v)
            continue
        v = v.detach().clone().contiguous()
        out[name] = v.float() if v.is_floating_point() else v
    tmp = dst + ".tmp"
    save_file(out, tmp, metadata=meta)
    os.replace(tmp, dst)
    print(f"{src}: {len(out)} tensors -> {dst}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
