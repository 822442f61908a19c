#!/usr/bin/env bash
# The device code of every checked-in generated model builds for the Jetson GPUs: each
# generated/<model>/ is configured on its own (only CMake, Ninja, g++ and the CUDA toolkit,
# as on a board) with the CUDA backend for sm_87 (Jetson Orin) and sm_110 (Jetson Thor), and
# its program is compiled and linked (and the first model's GPU tests). The host code is this machine's
# (x86-64): CI has no JetPack libraries; the aarch64 host side is checked by
# cross_aarch64.sh. Exit 77 (skipped) without nvcc.
# usage: cuda_archs.sh WORK_DIR [ARCHS [MODEL ...]]   (ARCHS default "87;110"; MODELs: names
# under generated/, default all of them)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$1
archs=${2:-87;110}
shift $(( $# < 2 ? $# : 2 ))
models=("$@")
nvcc=${CUDACXX:-/usr/local/cuda/bin/nvcc}
if ! [ -x "$nvcc" ] && ! command -v nvcc >/dev/null; then
  echo "SKIP: no nvcc (the CUDA toolkit) to compile device code with"
  exit 77
fi
[ -x "$nvcc" ] || nvcc=$(command -v nvcc)
mkdir -p "$work"
if [ ${#models[@]} -eq 0 ]; then
  for d in "$root"/generated/*/; do models+=("$(basename "$d")"); done
fi
for name in "${models[@]}"; do
  d="$root/generated/$name"
  [ -f "$d/CMakeLists.txt" ] || { echo "FAIL: no generated model $d"; exit 1; }
  b="$work/$name"
  t0=$(date +%s)
  cmake -S "$d" -B "$b" -G Ninja -DCMAKE_BUILD_TYPE=Release -DAKORN_CUDA=ON \
        -DCMAKE_CUDA_COMPILER="$nvcc" "-DCMAKE_CUDA_ARCHITECTURES=$archs" \
        -DAKORN_RUNTIME_DIR="$root/runtime/include" >"$b.configure.log" 2>&1 ||
    { cat "$b.configure.log"; exit 1; }
  # every model's program (all its inference and training kernels, at its sizes); the GPU
  # test program, the same kernels again plus the test harness, for the first model only
  # (CI time: each extra nvcc pass for two architectures costs a minute on 2 cores)
  targets=("$name")
  [ -n "${tests_built:-}" ] || { targets+=("${name}_gpu_tests"); tests_built=$name; }
  cmake --build "$b" --target "${targets[@]}" >"$b.build.log" 2>&1 ||
    { tail -60 "$b.build.log"; exit 1; }
  # nvcc compiled device code for every requested architecture: cuobjdump lists it when
  # the toolkit has the tool; otherwise the build's own nvcc command lines must name each one
  # (CUDA 13 compresses fat binaries, so the binary itself cannot be grepped)
  for a in ${archs//;/ }; do
    if [ -x "$(dirname "$nvcc")/cuobjdump" ]; then
      elfs=$("$(dirname "$nvcc")/cuobjdump" --list-elf "$b/$name")
      grep -q "sm_$a" <<<"$elfs" ||
        { echo "FAIL: $b/$name has no sm_$a code"; exit 1; }
    else
      cmds=$(ninja -C "$b" -t commands "$name")  # (not piped into grep -q: pipefail + SIGPIPE)
      grep -q "arch=compute_$a,code=\[compute_$a,sm_$a\]" <<<"$cmds" ||
        { echo "FAIL: $b/$name was not compiled for sm_$a"; exit 1; }
    fi
  done
  echo "ok   generated/$name: ${targets[*]} built for sm_${archs//;/, sm_} in $(( $(date +%s) - t0 )) s"
done
