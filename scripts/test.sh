#!/usr/bin/env bash
# Runs every test: installs the dependencies, builds akornc, the runtime tests and the
# models' generated code (Ninja), then runs CTest. GPU tests (label `gpu`) are reported as
# skipped on a machine without an NVIDIA GPU.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
BUILD=${AKORN_BUILD_DIR:-build}
# The cores, counted without OMP_NUM_THREADS: GNU nproc honours it, so after the export below
# (or with it set by the caller) `nproc` says 1 and CTest ran one test at a time (CI until
# 2026-12-08: its tests' wall time was their sum).
JOBS=${AKORN_TEST_JOBS:-$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc)}
# The CUDA backend compiles wherever the toolkit is (no GPU needed); its tests skip without one.
if [ -z "${CUDACXX:-}" ] && [ -x /usr/local/cuda/bin/nvcc ]; then export CUDACXX=/usr/local/cuda/bin/nvcc; fi
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" -j "$JOBS"
# CTest runs nproc tests side by side: one thread each (tests that need more set it
# themselves), or OpenMP's spinning barriers on oversubscribed cores make the training tests
# several times slower (task.sudoku_learns: 461 s in a suite with two threads per test on
# an AMD EPYC, 2026-12-03; 193 s with one on an Intel Xeon, 2026-12-04).
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
ctest --test-dir "$BUILD" --output-on-failure -j "$JOBS" "$@"
