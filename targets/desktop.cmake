# Target: desktop / server x86-64 Linux with an NVIDIA GPU (Turing to Blackwell), built on
# that machine or any x86-64 Linux with the CUDA toolkit (no GPU needed to build). A cache
# preload (cmake -C) or a toolchain file:
#
#   cmake -S out/model -B out/model/build -G Ninja -C <repo>/targets/desktop.cmake \
#         -DAKORN_RUNTIME_DIR=<repo>/runtime/include
#   cmake --build out/model/build && ctest --test-dir out/model/build
#
# What it sets (each only if not already given with -D):
#   CMAKE_BUILD_TYPE          Release
#   AKORN_CUDA                ON: the CUDA backend (--device cuda, GPU tests)
#   CMAKE_CUDA_ARCHITECTURES  named, never detected from the build machine's GPU:
#                               75  Turing (T4, RTX 20xx)
#                               80  Ampere A100 / A30
#                               86  Ampere RTX 30xx / A10 / A40
#                               89  Ada RTX 40xx / L4 / L40
#                               90  Hopper H100 / H200
#                               100 Blackwell B200 / GB200
#                               120 Blackwell RTX 50xx / RTX PRO
#                             machine code (-real) for each; PTX only for 120, which newer
#                             GPUs compile when the program loads (PTX for every entry would
#                             make the binary ~10% larger for nothing). Fewer = faster builds
#                             and smaller binaries: -DCMAKE_CUDA_ARCHITECTURES=90-real
#   AKORN_BLAS                openblas (CPU fallback path, Debian libopenblas-openmp-dev)
#   AKORN_CPU_ARCH            '' (baseline x86-64: the CPU path runs on any x86-64)
set(CMAKE_BUILD_TYPE Release CACHE STRING "build type")
set(AKORN_CUDA ON CACHE BOOL "build the CUDA backend")
set(CMAKE_CUDA_ARCHITECTURES "75-real;80-real;86-real;89-real;90-real;100-real;120" CACHE STRING "CUDA architectures (named, not detected)")
set(AKORN_BLAS openblas CACHE STRING "GEMM implementation: openblas or builtin")
set(AKORN_CPU_ARCH "" CACHE STRING "-march for the model ('' = compiler default)")
