#!/usr/bin/env bash
# Regenerates generated/<model>/ from every spec in models/ with akornc (built in build/ if
# absent): the checked-in emitted sources, buildable on a machine with only CMake, Ninja, a
# C++ compiler (and the CUDA toolkit for the GPU backend) -- no akornc, no flatc.
# usage: scripts/regenerate.sh [AKORNC] [OUT_DIR]   (OUT_DIR default: generated)
# CI (tests/targets/generated_check.sh) runs it into a temporary directory and fails when
# the result differs from what is committed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
akornc=${1:-}
out=${2:-$root/generated}
if [ -z "$akornc" ]; then
  akornc=$root/build/compiler/akornc
  if [ ! -x "$akornc" ]; then
    cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$root/build" --target akornc >/dev/null
  fi
fi
mkdir -p "$out"
for spec in "$root"/models/*.json; do
  name=$(basename "$spec" .json)
  rm -rf "${out:?}/$name.tmp"
  "$akornc" compile "$spec" -o "$out/$name.tmp" >/dev/null
  rm -rf "${out:?}/$name"
  mv "$out/$name.tmp" "$out/$name"
  echo "generated/$name: $(cd "$out/$name" && ls | tr '\n' ' ')"
done
