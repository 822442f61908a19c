#!/usr/bin/env bash
# Runs every test: installs the dependencies, builds akornc, the runtime tests and the
# models' generated code (Ninja), then runs CTest. GPU tests (label `gpu`) are reported as
# skipped on a machine without an NVIDIA GPU.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
BUILD=${AKORN_BUILD_DIR:-build}
# The CUDA backend compiles wherever the toolkit is (no GPU needed); its tests skip without one.
if [ -z "${CUDACXX:-}" ] && [ -x /usr/local/cuda/bin/nvcc ]; then export CUDACXX=/usr/local/cuda/bin/nvcc; fi
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" -j "$(nproc)"
ctest --test-dir "$BUILD" --output-on-failure -j "$(nproc)" "$@"
