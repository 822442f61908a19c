#!/usr/bin/env bash
# GPU benchmark (issue 4), run on a machine with an NVIDIA GPU and a CUDA build
# (cmake -DAKORN_CUDA=ON, the default when nvcc is found):
#   - one training step of the paper model (C=512, batch 100, T=16; forward, backward, clip,
#     Adam, EMA = one CUDA-graph replay), strict FP32 and TF32, beside PyTorch on the same GPU
#     (eager and torch.compile, same precision) when torch with CUDA is installed;
#   - per-op times of a step (bench-ops, synchronised around each op);
#   - evaluation throughput: 1,000 boards at T=128 with 100 energy votes;
#   - the full paper training time extrapolated from the step time (9,000 steps).
# Prints one line per run; paste them with the header into BENCHMARKS.md.
#   bash bench/run_gpu.sh [build-dir] [weights]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
WEIGHTS=${2:-models/sudoku.akw}
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo 'no nvidia-smi'), $(git rev-parse --short HEAD 2>/dev/null || echo '-')"
"$BUILD/sudoku" bench-train --device cuda --batch 100 --iters 50 --warmup 3
"$BUILD/sudoku" bench-train --device cuda --batch 100 --iters 50 --warmup 3 --cuda-graph no
"$BUILD/sudoku" bench-train --device cuda --batch 100 --iters 50 --warmup 3 --tf32 yes
"$BUILD/sudoku" bench-ops --device cuda --batch 100 --iters 5
"$BUILD/sudoku" bench-infer --device cuda --batch 1000 --steps 128 --iters 3 --warmup 1
"$BUILD/sudoku" bench-infer --device cuda --batch 1000 --steps 128 --iters 3 --warmup 1 --tf32 yes
if [ -f "$WEIGHTS" ]; then
  # 1,000 boards x 100 votes = 100,000 samples at T=128
  "$BUILD/sudoku" eval --device cuda --weights "$WEIGHTS" --data data/sudoku/rrn-hard-valid.csv --limit 1000 \
    --steps 128 --votes 100 --batch 10000
else
  echo "eval: $WEIGHTS not found (train first); bench-infer above times the same work"
fi
PY=${PYTHON:-python3}
if "$PY" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then
  "$PY" bench/torch_sudoku.py --device cuda --C 512 --batch 100 --steps 16 --iters 20 --warmup 3
  "$PY" bench/torch_sudoku.py --device cuda --C 512 --batch 100 --steps 16 --iters 20 --warmup 3 --tf32
  "$PY" bench/torch_sudoku.py --device cuda --C 512 --batch 100 --steps 16 --iters 20 --warmup 5 --compile ||
    echo "torch.compile: failed on this machine"
  "$PY" bench/torch_sudoku.py --device cuda --C 512 --batch 1000 --steps 128 --iters 3 --warmup 1 --mode infer
else
  echo "torch with CUDA: not available here -- PyTorch baseline skipped"
fi
