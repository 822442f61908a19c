#!/usr/bin/env python3
"""The table of bench/run_cpu.sh: reads its raw lines on stdin and prints, per model, the
fp32 training step as a share of this machine's GEMM limit, the bf16 speed-up and the speed-up
over PyTorch (eager and torch.compile), all from the same run.

The limit is the best fp32 (and bf16) GEMM rate akorn_gemm_rate measured on the large shape
8100 x 1536 x 512 (either library); "own shape" is the fp32 rate of the build's GEMM on the
model's projection shape (batch * 81, 3C, C), usually lower for the narrow models. A model's
rate is the matrix-product FLOPs the runtime counted in its step (bench-train's "matmul"
field) over the step's wall time."""
import re
import sys

C_OF = {"sudoku-small": 64, "sudoku-c128": 128, "sudoku-c256": 256, "sudoku": 512}
gemm = {}  # (M, N, K, ops) -> {which: rate}
akorn = {}  # (model, precision) -> (batch, seconds, gflop)
torch = {}  # (C, batch, variant) -> seconds
engine = ""
for line in sys.stdin:
    m = re.match(r"gemm (\d+) (\d+) (\d+) (\w\w) (.+): ([\d.]+) GFLOP/s", line)
    if m:
        gemm.setdefault(tuple(int(x) for x in m.groups()[:3]) + (m.group(4),), {})[m.group(5)] = float(m.group(6))
        continue
    m = re.match(r"# bf16 GEMM: (.*)", line)
    if m:
        engine = m.group(1)
        continue
    m = re.match(r"(\S+) bench-train \(cpu\) batch (\d+): ([\d.]+) s/step.*matmul ([\d.]+) GFLOP.*precision (\w+)", line)
    if m:
        akorn[(m.group(1), m.group(5))] = (int(m.group(2)), float(m.group(3)), float(m.group(4)))
        continue
    m = re.match(r"torch sudoku C=(\d+) batch=(\d+) T=16 device=cpu (compiled|eager)( bf16)?: ([\d.]+) s/step", line)
    if m:
        torch[(int(m.group(1)), int(m.group(2)), m.group(3) + ("-bf16" if m.group(4) else ""))] = float(m.group(5))

big = gemm.get((8100, 1536, 512, "NT"), {})
lim32 = max([v for k, v in big.items() if k.startswith("fp32")], default=float("nan"))
lim16 = big.get("bf16", float("nan"))
alone = big.get("bf16 matmul alone (operands packed beforehand)")
print(f"\nlimit: fp32 GEMM {lim32:.1f} GFLOP/s, bf16 GEMM {lim16:.1f} GFLOP/s (8100x1536x512; bf16: {engine}"
      + (f"; its matmul alone, operands packed beforehand: {alone:.1f}" if alone else "") + ")")
hdr = ("| model | C | batch | matmul GFLOP/step | fp32 s/step | fp32 GFLOP/s | % of fp32 limit | % of own shape "
       "| bf16 s/step | bf16 speed-up | torch eager | torch.compile | torch.compile bf16 "
       "| fp32 vs torch.compile | bf16 vs torch.compile (fp32 / bf16) |")
print(hdr)
print("|" + "---|" * (hdr.count("|") - 1))


def f(x, fmt):
    return "n/a" if x is None else format(x, fmt)


for model, C in C_OF.items():
    if (model, "fp32") not in akorn:
        continue
    batch, t32, gf = akorn[(model, "fp32")]
    t16 = akorn.get((model, "bf16"), (None, None, None))[1]
    own = [v for k, v in gemm.get((batch * 81, 3 * C, C, "NT"), {}).items() if k.startswith("fp32")]
    own_rate = gemm.get((batch * 81, 3 * C, C, "NT"), {})
    own_build = next((v for k, v in own_rate.items() if k.startswith("fp32") and "OpenBLAS" not in k), None)
    if own_build is None and own:
        own_build = own[0]
    rate = gf / t32
    te, tc, tc16 = (torch.get((C, batch, v)) for v in ("eager", "compiled", "compiled-bf16"))
    cells = [model, str(C), str(batch), f"{gf:.1f}", f"{t32:.3f}", f"{rate:.1f}", f"{100 * rate / lim32:.0f}%",
             f(None if own_build is None else 100 * rate / own_build, ".0f") + ("%" if own_build else ""),
             f(t16, ".3f"), f(None if t16 is None else t32 / t16, ".2f") + ("x" if t16 else ""),
             f(te, ".3f"), f(tc, ".3f"), f(tc16, ".3f"),
             f(None if tc is None else tc / t32, ".2f") + ("x" if tc else ""),
             (f(None if (tc is None or t16 is None) else tc / t16, ".2f") + " / " +
              f(None if (tc16 is None or t16 is None) else tc16 / t16, ".2f"))]
    print("| " + " | ".join(cells) + " |")
