#!/usr/bin/env bash
# GPU benchmark (issue 4), run on a machine with an NVIDIA GPU and a CUDA build
# (cmake -DAKORN_CUDA=ON, the default when nvcc is found):
#   - one training step of the paper model (C=512, batch 100, T=16; forward, backward, clip,
#     Adam, EMA = one CUDA-graph replay), strict FP32, without the CUDA graph, TF32 and
#     --precision bf16 (cuBLAS's bf16 tensor cores),
#     beside PyTorch on the same GPU (eager and torch.compile, same precision) when torch with
#     CUDA is installed; from each akorn step time it prints the paper recipe's training
#     time (9,000 steps of batch 100: 100 epochs of 90 batches);
#   - per-op times of a step (bench-ops, synchronised around each op);
#   - inference at T=128: bench-infer times one forward pass of a batch of 1,000 boards, one
#     noise draw each (1,000 samples, no voting); 1,000 boards x 100 votes is 100 such
#     batches (100,000 samples), and the script prints that time computed from the measured
#     one (100 x the time per batch); with trained weights, `eval` then times the real thing
#     (1,000 boards x 100 votes, energy voting included, 10 batches of 10,000 samples).
# Prints one line per run; paste them with the header into BENCHMARKS.md.
#   bash bench/run_gpu.sh [build-dir] [weights]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
WEIGHTS=${2:-models/sudoku.akw}
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo 'no nvidia-smi'), $(git describe --always --dirty 2>/dev/null || echo '-')"
# The number before UNIT in a bench line ("... 0.1234 s/step (process CPU ...").
field() { awk -v u="$2" '{ for (i = 2; i <= NF; ++i) if ($i == u) v = $(i - 1) } END { print v }' <<<"$1"; }
train() {
  local line s
  line=$("$BUILD/sudoku" bench-train --device cuda --batch 100 --iters 50 --warmup 3 "$@")
  echo "$line"
  s=$(field "$line" s/step)
  awk -v s="$s" -v how="$*" 'BEGIN { printf "  paper recipe (9,000 steps of batch 100%s) at %.4f s/step: %.1f min\n",
                                     how == "" ? "" : ", " how, s, 9000 * s / 60 }'
}
infer() {
  local line s
  line=$("$BUILD/sudoku" bench-infer --device cuda --batch 1000 --steps 128 --iters 3 --warmup 1 "$@")
  echo "$line"
  s=$(field "$line" s/batch)
  awk -v s="$s" 'BEGIN { printf "  1,000 boards x 100 votes at T=128 = 100 batches of 1,000 at %.4f s/batch: %.1f s\n", s, 100 * s }'
}
train
train --cuda-graph no
train --tf32 yes
train --precision bf16
"$BUILD/sudoku" bench-ops --device cuda --batch 100 --iters 5
infer
infer --tf32 yes
infer --precision bf16
if [ -f "$WEIGHTS" ]; then
  # 1,000 boards x 100 votes = 100,000 samples at T=128 (prints its own wall time)
  "$BUILD/sudoku" eval --device cuda --weights "$WEIGHTS" --data data/sudoku/rrn-hard-valid.csv --limit 1000 \
    --steps 128 --votes 100 --batch 10000
else
  echo "eval: $WEIGHTS not found (train first); the bench-infer lines above give the time computed from one batch"
fi
PY=${PYTHON:-python3}
if "$PY" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then
  "$PY" bench/torch_sudoku.py --device cuda --C 512 --batch 100 --steps 16 --iters 20 --warmup 3
  "$PY" bench/torch_sudoku.py --device cuda --C 512 --batch 100 --steps 16 --iters 20 --warmup 3 --tf32
  "$PY" bench/torch_sudoku.py --device cuda --C 512 --batch 100 --steps 16 --iters 20 --warmup 5 --compile ||
    echo "torch.compile: failed on this machine"
  "$PY" bench/torch_sudoku.py --device cuda --C 512 --batch 100 --steps 16 --iters 20 --warmup 3 --bf16
  # one batch of 1,000 boards at T=128, no voting: the same work as akorn's bench-infer above
  "$PY" bench/torch_sudoku.py --device cuda --C 512 --batch 1000 --steps 128 --iters 3 --warmup 1 --mode infer
else
  echo "torch with CUDA: not available here -- PyTorch baseline skipped"
fi
