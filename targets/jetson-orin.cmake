# Target: NVIDIA Jetson AGX Orin / Orin NX / Orin Nano (aarch64, Ampere GPU sm_87), JetPack 6
# (L4T r36, CUDA 12.x). A toolchain file, used the same way on the board and on an x86-64
# host:
#
#   on the board (JetPack 6 installs CUDA at /usr/local/cuda):
#     cmake -S model -B build -G Ninja -DCMAKE_TOOLCHAIN_FILE=targets/jetson-orin.cmake \
#           -DAKORN_RUNTIME_DIR=runtime/include
#   cross, on x86-64 (g++-aarch64-linux-gnu, NVIDIA's cuda-cross-aarch64-12-x package for
#   the aarch64 CUDA libraries, and a copy of the board's root file system):
#     cmake ... -DCMAKE_TOOLCHAIN_FILE=targets/jetson-orin.cmake -DAKORN_SYSROOT=/path/to/rootfs \
#           -DCUDAToolkit_ROOT=/usr/local/cuda-12.6
#
# What it sets:
#   (cross only) everything targets/aarch64-linux-gnu.cmake sets: aarch64 g++, optional
#                sysroot, qemu-aarch64 as the test emulator, AKORN_BLAS builtin
#   CMAKE_CUDA_HOST_COMPILER  (cross) aarch64-linux-gnu-g++, so nvcc's host code is aarch64
#   CUDAToolkit target        aarch64-linux (L4T's CUDA layout, targets/aarch64-linux)
#   AKORN_CUDA                ON
#   CMAKE_CUDA_ARCHITECTURES  87-real: machine code only, no PTX (Orin's GPU; named, never detected)
#   AKORN_CPU_ARCH            armv8.2-a (Orin's Cortex-A78AE: LSE atomics, fp16, dot product)
# The toolkit must be the board's CUDA major version (12.x on JetPack 6): a CUDA 13 build
# needs a CUDA 13 driver. CI compiles the device code for sm_87 with its CUDA 13 toolkit and
# cross-builds the CPU path for aarch64 (tests/targets/); it has no JetPack libraries to link
# the CUDA path against.
if(NOT CMAKE_HOST_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
  include(${CMAKE_CURRENT_LIST_DIR}/aarch64-linux-gnu.cmake)
  set(CMAKE_CUDA_HOST_COMPILER aarch64-linux-gnu-g++ CACHE FILEPATH "host compiler for nvcc")
endif()
set(AKORN_CUDA ON CACHE BOOL "build the CUDA backend")
set(CMAKE_CUDA_ARCHITECTURES 87-real CACHE STRING "Jetson Orin GPU")
set(AKORN_CPU_ARCH armv8.2-a CACHE STRING "Jetson Orin CPU (Cortex-A78AE)")
