# Target: this machine's CPU only (x86-64 or aarch64, native build, no GPU code). A cache
# preload (cmake -C) or, equally, a toolchain file; it names nothing of the build machine's
# CPU, so the binaries run on any CPU of the same architecture.
#
#   cmake -S out/model -B out/model/build -G Ninja -C <repo>/targets/cpu.cmake \
#         -DAKORN_RUNTIME_DIR=<repo>/runtime/include
#   (or -DCMAKE_TOOLCHAIN_FILE=<repo>/targets/cpu.cmake; works for the repository too)
#
# What it sets (each only if not already given with -D):
#   CMAKE_BUILD_TYPE  Release (-O3 -DNDEBUG)
#   AKORN_BLAS        openblas: OpenBLAS's OpenMP build, the fastest GEMMs on a desktop CPU
#                     (Debian: libopenblas-openmp-dev); -DAKORN_BLAS=builtin builds with
#                     no BLAS library (runtime/include/akorn/gemm_builtin.hpp, slower)
#   AKORN_CPU_ARCH    '' = the compiler's baseline (x86-64 / armv8-a): runs anywhere.
#                     x86-64-v3 (AVX2 + FMA) trains faster (measured in BENCHMARKS.md) and runs on
#                     desktop CPUs since 2013; set it with -DAKORN_CPU_ARCH=x86-64-v3
#   AKORN_CUDA        OFF: no CUDA backend, no nvcc needed (ignored by trees without one)

set(CMAKE_BUILD_TYPE Release CACHE STRING "build type")
set(AKORN_BLAS openblas CACHE STRING "GEMM implementation: openblas or builtin")
set(AKORN_CPU_ARCH "" CACHE STRING "-march for the model ('' = compiler default)")
set(AKORN_CUDA OFF CACHE BOOL "build the CUDA backend")
