#!/usr/bin/env bash
# The device code of every checked-in generated model builds for the Jetson GPUs: each
# generated/<model>/ is configured on its own (only CMake, Ninja, g++ and the CUDA toolkit,
# as on a board) with the CUDA backend for sm_87 (Jetson Orin) and sm_110 (Jetson Thor), and
# its CUDA object is compiled (and the first model's GPU tests'). The host code is this machine's
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
# Configure each model's directory, then compile their CUDA objects side by side (nproc at a
# time): the device code is what differs per architecture; the host side is this machine's
# and is the same code the sm_90 build compiles and links (its main.cpp, ~25 s a model, is
# not rebuilt here: CI's time).
# (cores counted without OMP_NUM_THREADS, which CTest sets to 1 and GNU nproc honours)
jobs_max=${AKORN_ARCHS_JOBS:-$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc)}
t0=$(date +%s)
first=1
for name in "${models[@]}"; do
  d="$root/generated/$name"
  [ -f "$d/CMakeLists.txt" ] || { echo "FAIL: no generated model $d"; exit 1; }
  b="$work/$name"
  rm -f "$b.failed"
  cmake -S "$d" -B "$b" -G Ninja -DCMAKE_BUILD_TYPE=Release -DAKORN_CUDA=ON \
        -DCMAKE_CUDA_COMPILER="$nvcc" "-DCMAKE_CUDA_ARCHITECTURES=$archs" \
        -DAKORN_RUNTIME_DIR="$root/runtime/include" >"$b.configure.log" 2>&1 ||
    { cat "$b.configure.log"; exit 1; }
  # every model's CUDA object (all its inference and training kernels, at its sizes); the GPU
  # test program's, the same kernels again plus the test harness, for the first model only
  # (CI time: each extra nvcc pass for two architectures costs a minute on 2 cores)
  objs=("CMakeFiles/$name.dir/model_cuda.cu.o")
  [ -z "$first" ] || { objs+=("CMakeFiles/${name}_gpu_tests.dir/test_model_cuda.cu.o"); first=; }
  printf '%s\n' "${objs[@]}" >"$b.objects"
  ( cmake --build "$b" --target "${objs[@]}" >"$b.build.log" 2>&1 || touch "$b.failed" ) &
  while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n || true; done
done
wait
for name in "${models[@]}"; do
  b="$work/$name"
  [ ! -e "$b.failed" ] || { tail -60 "$b.build.log"; echo "FAIL: generated/$name: the CUDA build failed"; exit 1; }
  mapfile -t objs <"$b.objects"
  # nvcc compiled device code for every requested architecture: cuobjdump lists it when
  # the toolkit has the tool; otherwise the build's own nvcc command lines must name each one
  # (CUDA 13 compresses fat binaries, so the object itself cannot be grepped)
  for o in "${objs[@]}"; do
    [ -s "$b/$o" ] || { echo "FAIL: $b/$o was not built"; exit 1; }
    for a in ${archs//;/ }; do
      if [ -x "$(dirname "$nvcc")/cuobjdump" ]; then
        elfs=$("$(dirname "$nvcc")/cuobjdump" --list-elf "$b/$o")
        grep -q "sm_$a" <<<"$elfs" ||
          { echo "FAIL: $b/$o has no sm_$a code"; exit 1; }
      else
        cmds=$(ninja -C "$b" -t commands "$o")  # (not piped into grep -q: pipefail + SIGPIPE)
        grep -q "arch=compute_$a,code=\[compute_$a,sm_$a\]" <<<"$cmds" ||
          { echo "FAIL: $b/$o was not compiled for sm_$a"; exit 1; }
      fi
    done
  done
  echo "ok   generated/$name: ${objs[*]} compiled for sm_${archs//;/, sm_}"
done
echo "all built in $(( $(date +%s) - t0 )) s, $jobs_max at a time"
