#!/usr/bin/env bash
# CPU benchmark of one training step (forward, backward, clipping, Adam) at T=16:
# the small Sudoku model at batch 100 and the paper model at batch 16, beside the PyTorch
# implementation of exactly the same models (bench/torch_sudoku.py, eager, same threads).
# Prints one line per run; paste them with the machine line into BENCHMARKS.md.
#   bash bench/run_cpu.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
THREADS=$(nproc)
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(git rev-parse --short HEAD)"
"$BUILD/sudoku-small" bench-train --batch 100 --iters 5 --warmup 1
"$BUILD/sudoku" bench-train --batch 16 --iters 3 --warmup 1
"$BUILD/sudoku-small" bench-infer --batch 100 --iters 5 --warmup 1
"$BUILD/sudoku" bench-infer --batch 16 --iters 3 --warmup 1
"$BUILD/sudoku-small" bench-ops --batch 100 --iters 3
"$BUILD/sudoku" bench-ops --batch 16 --iters 2
if /usr/bin/python3 -c "import torch" 2>/dev/null; then
  /usr/bin/python3 bench/torch_sudoku.py --C 64 --batch 100 --steps 16 --iters 3 --warmup 1 --threads "$THREADS"
  /usr/bin/python3 bench/torch_sudoku.py --C 512 --batch 16 --steps 16 --iters 3 --warmup 1 --threads "$THREADS"
else
  echo "torch: not installed (apt-get install python3-torch) -- PyTorch baseline skipped"
fi
