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
    if not os.path.isfile(src):
        print(f"{src}: no such file", file=sys.stderr)
        return 1
    folder = os.path.dirname(os.path.abspath(dst))
    if not os.path.isdir(folder):
        print(f"{dst}: its folder {folder} does not exist", file=sys.stderr)
        return 1
    try:
        obj = torch.load(src, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 (torch raises many kinds for a bad file)
        why = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        print(f"{src}: not a PyTorch checkpoint that loads with weights_only=True ({why[:200]})", file=sys.stderr)
        return 1
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
    if not out:
        print(f"{src}: has no tensors", file=sys.stderr)
        return 1
    tmp = dst + ".tmp"
    try:
        save_file(out, tmp, metadata=meta)
        os.replace(tmp, dst)  # atomic: dst is the old file or the whole new one
    except Exception as e:  # noqa: BLE001
        if os.path.exists(tmp):
            os.remove(tmp)
        print(f"{dst}: cannot write ({e})", file=sys.stderr)
        return 1
    print(f"{src}: {len(out)} tensors -> {dst}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
