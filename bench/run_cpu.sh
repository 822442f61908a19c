#!/usr/bin/env bash
# CPU benchmark of the training step against this machine's limit and against PyTorch, all
# in one run (issue 13), at T=16:
#   1. the limit: this machine's GEMM rates on the models' projection shapes and on one large
#      shape (akorn_gemm_rate: fp32 through the build's GEMM, OpenBLAS beside it, bf16);
#   2. one training step (forward, backward, clipping, Adam, EMA) of every Sudoku model size,
#      --precision fp32 and bf16: the time, the matrix-product FLOPs it ran (counted by the
#      runtime, bench-train's "matmul" field) and their rate;
#   3. the PyTorch 2.x implementation of the same model (bench/torch_sudoku.py), eager and
#      torch.compile, fp32 and bf16 autocast, same threads;
#   4. a table (bench/summarize_cpu.py): each model's fp32 rate as a share of the limit, the
#      bf16 speed-up, and akorn's speed-up over torch eager and torch.compile;
#   then (AKORN_BENCH_DETAIL=1) inference and the per-op times (bench-ops).
# Paste the output into BENCHMARKS.md. Times are wall clock, with the process CPU time beside
# them. On a shared machine compare by the ratios of one run. AKORN_BENCH_THREADS (default:
# every core) sets the threads of akorn (OpenMP, oneDNN, OpenBLAS) and PyTorch alike;
# TORCH_PYTHON is a python with torch >= 2 and numpy (bench/README.md); without one, step 3
# is skipped and said so.
#   [AKORN_BENCH_THREADS=N] [TORCH_PYTHON=P] bash bench/run_cpu.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
THREADS=${AKORN_BENCH_THREADS:-$(nproc)}
export OMP_NUM_THREADS=$THREADS OPENBLAS_NUM_THREADS=$THREADS
for b in akorn_gemm_rate sudoku-small sudoku-c128 sudoku-c256 sudoku; do
  [ -x "$BUILD/$b" ] || { echo "error: $BUILD/$b is missing (build it: cmake --build $BUILD)" >&2; exit 1; }
done
ARCH=$(sed -n 's/^AKORN_CPU_ARCH:STRING=//p' "$BUILD/CMakeCache.txt" 2>/dev/null || true)
ONEDNN=$(sed -n 's/^AKORN_ONEDNN:BOOL=//p' "$BUILD/CMakeCache.txt" 2>/dev/null || true)
FLAGS=$(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx2|fma|avx512f|avx512_bf16|amx_bf16)$' | tr '\n' ' ')
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT
{
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc --all) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) (${FLAGS% }),"\
  "$(git describe --always --dirty), build $BUILD (-march ${ARCH:-default}, oneDNN ${ONEDNN:-?}), $THREADS threads, load average $(cut -d' ' -f1-3 /proc/loadavg)"
# 1. the limit
"$BUILD/akorn_gemm_rate" --seconds 1 8100,1536,512,NT 8100,192,64,NT 8100,384,128,NT 8100,768,256,NT 1296,1536,512,NT
# 2. akorn
for mb in "sudoku-small 100" "sudoku-c128 100" "sudoku-c256 100" "sudoku 16"; do
  set -- $mb
  for p in fp32 bf16; do
    "$BUILD/$1" bench-train --batch "$2" --iters 3 --warmup 1 --precision "$p"
  done
done
# 3. PyTorch
TORCH_PYTHON=${TORCH_PYTHON:-/usr/bin/python3}
if "$TORCH_PYTHON" -c "import torch, numpy, sys; sys.exit(int(torch.__version__.split('.')[0]) < 2)" 2>/dev/null; then
  # torch's bf16 autocast on a CPU without bf16 instructions runs 5-12x slower than its fp32
  # (measured 2026-12-03, AVX2: 24 s a step at C=128): skipped there unless AKORN_BENCH_TORCH_BF16=1
  variants=("" "--compile")
  if [ "${AKORN_BENCH_TORCH_BF16:-}" = 1 ] || grep -qwE 'avx512_bf16|amx_bf16' /proc/cpuinfo; then
    variants+=("--bf16" "--compile --bf16")
  else
    echo "torch bf16: skipped (this CPU has no AVX512_BF16 / AMX; AKORN_BENCH_TORCH_BF16=1 runs it anyway)"
  fi
  for cb in "64 100" "128 100" "256 100" "512 16"; do
    set -- $cb
    for extra in "${variants[@]}"; do
      # shellcheck disable=SC2086
      "$TORCH_PYTHON" bench/torch_sudoku.py --C "$1" --batch "$2" --steps 16 --iters 3 --warmup 2 --threads "$THREADS" $extra 2>/dev/null ||
        echo "torch sudoku C=$1 batch=$2 $extra: failed"
    done
  done
else
  echo "torch: $TORCH_PYTHON has no torch >= 2 with numpy (set TORCH_PYTHON, bench/README.md) -- PyTorch skipped"
fi
} | tee "$OUT"
# 4. the table
python3 bench/summarize_cpu.py < "$OUT"
if [ "${AKORN_BENCH_DETAIL:-0}" = 1 ]; then
  "$BUILD/sudoku-small" bench-infer --batch 100 --iters 5 --warmup 1
  "$BUILD/sudoku" bench-infer --batch 16 --iters 3 --warmup 1
  "$BUILD/sudoku-small" bench-ops --batch 100 --iters 3
  "$BUILD/sudoku" bench-ops --batch 16 --iters 2
fi
echo "# done $(date -u '+%H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
