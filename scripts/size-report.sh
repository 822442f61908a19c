#!/usr/bin/env bash
# Binary sizes and arena memory of every model in models/*.json, as Markdown to paste into
# BENCHMARKS.md. For each model: akornc compile, then the generated CMake project built in
# Release for each variant, a stripped copy of each program measured; and the arenas from
# `akornc check` (float32) per sample and at the training batch, with the Kuramoto steps
# stored and recomputed (--recompute).
#
# usage: scripts/size-report.sh [--batch N] [--variants LIST] [--akornc PATH] [--work DIR]
#   --batch N       the training batch for the arena columns (default 100, as in README's
#                   `train --batch 100`; specs carry no batch size)
#   --variants      comma-separated, default "cpu,builtin,aarch64,cuda":
#                     cpu      native, targets/cpu.cmake (OpenBLAS, linked dynamically)
#                     builtin  native, -DAKORN_BLAS=builtin (no BLAS library)
#                     aarch64  targets/aarch64-linux-gnu.cmake (cross, builtin GEMM); skipped
#                              without aarch64-linux-gnu-g++
#                     cuda     -DAKORN_CUDA=ON, when the generated CMake has that option and
#                              nvcc is found; CMAKE_CUDA_ARCHITECTURES from $AKORN_CUDA_ARCHS
#                              (default: the generated project's own list)
#   --akornc PATH   default build/compiler/akornc
#   --work DIR      build directory (default: a fresh temporary directory, removed at exit)
# Sizes exclude shared libraries (libopenblas, libgomp, libstdc++, CUDA runtime).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
batch=100
variants=cpu,builtin,aarch64,cuda
akornc=$root/build/compiler/akornc
work=""
cmdline="scripts/size-report.sh $*"
while [ $# -gt 0 ]; do
  case "$1" in
    --batch) batch=$2; shift 2 ;;
    --variants) variants=$2; shift 2 ;;
    --akornc) akornc=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "size-report: unknown argument '$1' (--help)" >&2; exit 2 ;;
  esac
done
[ -x "$akornc" ] || { echo "size-report: no akornc at $akornc (cmake --build build, or --akornc PATH)" >&2; exit 1; }
if [ -z "$work" ]; then
  work=$(mktemp -d "${TMPDIR:-/tmp}/akorn-size.XXXXXX")
  trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work"
has_variant() { [[ ",$variants," == *",$1,"* ]]; }

nvcc=""
if has_variant cuda; then
  nvcc=$(command -v nvcc || true)
  [ -z "$nvcc" ] && [ -x /usr/local/cuda/bin/nvcc ] && nvcc=/usr/local/cuda/bin/nvcc
fi

# ---- header
echo "## Binary sizes and arena memory"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- machine: $(uname -m), $(nproc) cores, $(uname -sr)"
echo "- compiler: $(c++ --version | head -1)"
if has_variant aarch64 && command -v aarch64-linux-gnu-g++ >/dev/null; then
  echo "- cross compiler: $(aarch64-linux-gnu-g++ --version | head -1)"
fi
[ -n "$nvcc" ] && echo "- nvcc: $("$nvcc" --version | grep -i release | sed 's/.*release/release/')"
echo "- akorn: $(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown), $("$akornc" --version)"
echo "- command: \`$cmdline\`"
echo "- sizes: the program after \`strip\` (Release, -O3); shared libraries not included"
echo

strip_for() { case "$1" in aarch64) echo aarch64-linux-gnu-strip ;; *) echo strip ;; esac; }

# Programs of a generated CMakeLists.txt (akorn_model_targets, runtime/cmake/AkornRuntime.cmake):
# <model> serves inference and training, <model>-infer (INFER_BINARY) inference only.
programs() {
  local name
  name=$(sed -nE 's/^akorn_model_targets\(NAME ([^ ]+) .*/\1/p' "$1")
  echo "$name"
  if grep -q '^akorn_model_targets(.* INFER_BINARY' "$1"; then echo "$name-infer"; fi
}
role() {
  case "$1" in
    *[-_]infer|*[-_]inference) echo "inference" ;;
    *[-_]train|*[-_]training) echo "training" ;;
    *) echo "inference + training" ;;
  esac
}

size_rows=()
mem_rows=()
for spec in "$root"/models/*.json; do
  model=$(basename "$spec" .json)
  src=$work/$model/src
  rm -rf "$src"
  "$akornc" compile "$spec" -o "$src" >/dev/null
  for v in cpu builtin aarch64 cuda; do
    has_variant "$v" || continue
    flags=(-DCMAKE_BUILD_TYPE=Release -DAKORN_RUNTIME_DIR="$root/runtime/include")
    case "$v" in
      cpu) flags+=(-C "$root/targets/cpu.cmake") ;;
      builtin) flags+=(-C "$root/targets/cpu.cmake" -DAKORN_BLAS=builtin) ;;
      aarch64)
        command -v aarch64-linux-gnu-g++ >/dev/null || { echo "note: $model $v skipped: no aarch64-linux-gnu-g++" >&2; continue; }
        flags+=(-DCMAKE_TOOLCHAIN_FILE="$root/targets/aarch64-linux-gnu.cmake") ;;
      cuda)
        grep -q 'AKORN_CUDA' "$src/CMakeLists.txt" || { echo "note: $model $v skipped: the generated CMake has no AKORN_CUDA" >&2; continue; }
        [ -n "$nvcc" ] || { echo "note: $model $v skipped: no nvcc" >&2; continue; }
        flags+=(-C "$root/targets/cpu.cmake" -DAKORN_CUDA=ON -DCMAKE_CUDA_COMPILER="$nvcc")
        [ -n "${AKORN_CUDA_ARCHS:-}" ] && flags+=(-DCMAKE_CUDA_ARCHITECTURES="$AKORN_CUDA_ARCHS") ;;
    esac
    bdir=$work/$model/build-$v
    if ! cmake -S "$src" -B "$bdir" -G Ninja "${flags[@]}" >"$bdir.configure.log" 2>&1; then
      echo "note: $model $v: configure failed (see $bdir.configure.log; --work DIR keeps it)" >&2
      continue
    fi
    label=$v
    case "$v" in
      cpu) label="cpu $(uname -m), OpenBLAS" ;;
      builtin) label="cpu $(uname -m), builtin GEMM" ;;
      aarch64) label="cpu aarch64 (cross), builtin GEMM" ;;
      cuda)  # the architectures given, else the generated project's default list
        archs=${AKORN_CUDA_ARCHS:-$(sed -nE 's/.*akorn_enable_cuda\("([^"]*)"\).*/\1/p' "$src/CMakeLists.txt" | head -1)}
        label="cpu + CUDA (sm ${archs//;/ })" ;;
    esac
    for prog in $(programs "$src/CMakeLists.txt"); do
      t0=$(date +%s)
      if ! cmake --build "$bdir" --target "$prog" >"$bdir.build.log" 2>&1; then
        echo "note: $model $v: building $prog failed (see $bdir.build.log)" >&2
        continue
      fi
      t1=$(date +%s)
      cp "$bdir/$prog" "$bdir/$prog.stripped"
      "$(strip_for "$v")" "$bdir/$prog.stripped"
      full=$(stat -c %s "$bdir/$prog")
      bytes=$(stat -c %s "$bdir/$prog.stripped")
      mib=$(awk -v b="$bytes" 'BEGIN { printf "%.2f", b / 1048576 }')
      size_rows+=("| $model | \`$prog\` ($(role "$prog")) | $label | $bytes | $mib | $full | $((t1 - t0)) s |")
    done
  done

  # Arenas: `akornc check` at batch 1 (per sample) and at the training batch.
  arena() {  # arena OUT_TEXT FIELD -> value
    case "$2" in
      infer) sed -nE 's/^arena at batch [0-9]+ \(float32\): inference ([0-9.]+ [A-Za-z]+).*/\1/p' <<<"$1" ;;
      stored) sed -nE 's/^training arena at batch [0-9]+: ([0-9.]+ [A-Za-z]+) with the Kuramoto steps stored.*/\1/p' <<<"$1" ;;
      recomp) sed -nE 's/^training arena at batch [0-9]+: .* stored, ([0-9.]+ [A-Za-z]+) recomputed.*/\1/p' <<<"$1" ;;
    esac
  }
  one=$("$akornc" check "$spec" --batch 1)
  big=$("$akornc" check "$spec" --batch "$batch")
  dash() { [ -n "$1" ] && echo "$1" || echo "-"; }
  mem_rows+=("| $model | $(dash "$(arena "$one" infer)") | $(dash "$(arena "$big" infer)") | $(dash "$(arena "$one" stored)") | $(dash "$(arena "$one" recomp)") | $(dash "$(arena "$big" stored)") | $(dash "$(arena "$big" recomp)") |")
done

echo "### Programs (\`<model>\`: every command, training included; \`<model>-infer\`: inference only)"
echo
echo "| model | binary | build | stripped (B) | stripped (MiB) | unstripped (B) | build time |"
echo "|---|---|---|---:|---:|---:|---:|"
printf '%s\n' "${size_rows[@]}"
echo
echo "### Arenas (float32 activations; parameters, gradients and Adam state are extra)"
echo
echo "| model | inference / sample | inference @ batch $batch | training / sample, stored | training / sample, recomputed | training @ batch $batch, stored | training @ batch $batch, recomputed |"
echo "|---|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${mem_rows[@]}"
