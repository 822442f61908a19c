#!/usr/bin/env bash
# Training-step time of two builds of the same tree side by side, e.g. the portable default
# against -DAKORN_CPU_ARCH=x86-64-v3:
#   cmake -S . -B build-v3 -G Ninja -DCMAKE_BUILD_TYPE=Release -DAKORN_CPU_ARCH=x86-64-v3
#   cmake --build build-v3 --target sudoku-small sudoku
#   [AKORN_BENCH_THREADS=N] [AKORN_BENCH_RUNS="MODEL ARGS;..."] bash bench/compare_builds.sh build build-v3 [rounds]
# (two builds of two trees work too: a before/after comparison of a change).
# Each round runs bench-train of both models (sudoku-small at batch 100, sudoku at batch 16,
# as bench/run_cpu.sh; AKORN_BENCH_RUNS names others) in build A, then in build B, so both see the same load; it prints
# every line, then per model the medians over the rounds of each build's wall time and
# process CPU time per step and the ratios B / A of the medians (below 1: B is faster). On a
# shared machine the CPU time with one thread (AKORN_BENCH_THREADS=1) is the steadier
# measure: it does not count the time the process waited for a core.
set -euo pipefail
cd "$(dirname "$0")/.."
A=${1:?usage: compare_builds.sh BUILD_A BUILD_B [rounds]}
B=${2:?usage: compare_builds.sh BUILD_A BUILD_B [rounds]}
ROUNDS=${3:-3}
THREADS=${AKORN_BENCH_THREADS:-$(nproc)}
# the bench-train runs of a round, ';'-separated (default: as bench/run_cpu.sh)
RUNS=${AKORN_BENCH_RUNS:-"sudoku-small --batch 100 --iters 3;sudoku --batch 16 --iters 2"}
IFS=';' read -r -a RUN_LIST <<<"$RUNS"
export OMP_NUM_THREADS=$THREADS OPENBLAS_NUM_THREADS=$THREADS
arch() { local a; a=$(sed -n 's/^AKORN_CPU_ARCH:STRING=//p' "$1/CMakeCache.txt" 2>/dev/null || true); echo "${a:-default}"; }
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc --all) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
  "$(git describe --always --dirty), A = $A (-march $(arch "$A")), B = $B (-march $(arch "$B")), $ROUNDS rounds, $THREADS threads," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for r in $(seq "$ROUNDS"); do
  for side in A B; do
    dir=$A
    [ "$side" = B ] && dir=$B
    for run in "${RUN_LIST[@]}"; do
      set -- $run
      line=$("$dir/$1" bench-train "${@:2}" --warmup 1)
      echo "$side: $line"
      echo "$side $line" >>"$log"
    done
  done
done
# lines: "A MODEL bench-train (cpu) batch N: WALL s/step (process CPU CPU s/step), ..."
awk '{ k = ++n[$2, $1]; models[$2] = 1
       for (i = 3; i <= NF; ++i) {
         if ($i == "s/step") wall[$2, $1, k] = $(i - 1)
         if ($i == "s/step),") cpu[$2, $1, k] = $(i - 1)
       } }
  function median(t, m, s,   k, j, x, c, v) {
    c = n[m, s]
    for (k = 1; k <= c; ++k) x[k] = t[m, s, k]
    for (k = 2; k <= c; ++k) for (j = k; j > 1 && x[j - 1] > x[j]; --j) { v = x[j]; x[j] = x[j - 1]; x[j - 1] = v }
    return c % 2 ? x[(c + 1) / 2] : (x[c / 2] + x[c / 2 + 1]) / 2
  }
  END {
    for (m in models) {
      a = median(wall, m, "A"); b = median(wall, m, "B"); ca = median(cpu, m, "A"); cb = median(cpu, m, "B")
      printf "%s: median s/step wall A %.4f, B %.4f: B / A = %.2f; process CPU A %.4f, B %.4f: B / A = %.2f\n",
             m, a, b, b / a, ca, cb, cb / ca
    }
  }' "$log"
echo "# done $(date -u '+%H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
