#!/usr/bin/env bash
# CPU benchmark at T=16, beside the PyTorch implementation of exactly the same models
# (bench/torch_sudoku.py, eager, same threads):
#   - one training step (forward, backward, clipping, Adam, EMA): the small Sudoku model at
#     batch 100, the paper model at batch 16 and at batch 100, the paper's recipe; the
#     recipe's 9,000 steps (100 epochs of 90 batches of 100) are timed from that last step;
#   - inference (one forward pass of a batch, no voting);
#   - the time of each op's forward and backward pass in a training step (bench-ops; its
#     `total` row is the forward / backward split of a step, without clipping, Adam and EMA).
# Prints one line per run (bench-ops: a table); paste them with the header line into
# BENCHMARKS.md. Times are wall clock, with the process CPU time (all threads) beside them.
# The header names the load average: on a shared machine compare builds by ratios measured
# side by side (bench/compare_builds.sh), not across runs. AKORN_BENCH_THREADS (default:
# every core) sets the threads of both akorn (OpenMP, OpenBLAS) and PyTorch.
#   [AKORN_BENCH_THREADS=N] bash bench/run_cpu.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
THREADS=${AKORN_BENCH_THREADS:-$(nproc)}
export OMP_NUM_THREADS=$THREADS OPENBLAS_NUM_THREADS=$THREADS
ARCH=$(sed -n 's/^AKORN_CPU_ARCH:STRING=//p' "$BUILD/CMakeCache.txt" 2>/dev/null || true)
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc --all) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
  "$(git describe --always --dirty), build $BUILD (-march ${ARCH:-default}), $THREADS threads, load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$BUILD/sudoku-small" bench-train --batch 100 --iters 5 --warmup 1
"$BUILD/sudoku" bench-train --batch 16 --iters 3 --warmup 1
line=$("$BUILD/sudoku" bench-train --batch 100 --iters 2 --warmup 1)
echo "$line"
echo "$line" | awk '{ for (i = 2; i <= NF; ++i) if ($i == "s/step") s = $(i - 1) }
  END { printf "sudoku paper recipe: 9,000 steps of batch 100 at %.3f s/step = %.1f h\n", s, 9000 * s / 3600 }'
"$BUILD/sudoku-small" bench-infer --batch 100 --iters 5 --warmup 1
"$BUILD/sudoku" bench-infer --batch 16 --iters 3 --warmup 1
"$BUILD/sudoku-small" bench-ops --batch 100 --iters 3
"$BUILD/sudoku" bench-ops --batch 16 --iters 2
# the PyTorch baseline: TORCH_PYTHON (a python with torch and numpy), else Debian's python3
TORCH_PYTHON=${TORCH_PYTHON:-/usr/bin/python3}
if "$TORCH_PYTHON" -c "import torch, numpy" 2>/dev/null; then
  "$TORCH_PYTHON" bench/torch_sudoku.py --C 64 --batch 100 --steps 16 --iters 3 --warmup 1 --threads "$THREADS"
  "$TORCH_PYTHON" bench/torch_sudoku.py --C 512 --batch 16 --steps 16 --iters 3 --warmup 1 --threads "$THREADS"
else
  echo "torch: $TORCH_PYTHON has no torch/numpy (set TORCH_PYTHON, bench/README.md) -- PyTorch baseline skipped"
fi
echo "# done $(date -u '+%H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
