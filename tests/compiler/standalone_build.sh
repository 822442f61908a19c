#!/usr/bin/env bash
# A compiled model builds on its own: akornc compile, then the generated CMakeLists.txt
# with CMake + Ninja + the runtime headers only (no akornc, no flatc), then its tests.
# usage: standalone_build.sh AKORNC SPEC GOLDEN_DIR RUNTIME_INCLUDE WORK_DIR
set -euo pipefail
akornc=$1 spec=$2 golden=$3 runtime=$4 work=$5
rm -rf "$work" && mkdir -p "$work"
"$akornc" compile "$spec" -o "$work/src"
cmake -S "$work/src" -B "$work/build" -G Ninja -DAKORN_RUNTIME_DIR="$runtime" -DAKORN_GOLDEN_DIR="$golden" >/dev/null
cmake --build "$work/build"
OMP_NUM_THREADS=1 ctest --test-dir "$work/build" --output-on-failure
