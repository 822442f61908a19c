# Target: NVIDIA Jetson AGX Thor (aarch64 SBSA, Blackwell GPU sm_110), JetPack 7 (CUDA 13).
# A toolchain file, used the same way on the board and on an x86-64 host:
#
#   on the board (JetPack 7: CUDA 13 at /usr/local/cuda, SBSA layout):
#     cmake -S model -B build -G Ninja -DCMAKE_TOOLCHAIN_FILE=targets/jetson-thor.cmake \
#           -DAKORN_RUNTIME_DIR=runtime/include
#   cross, on x86-64 (g++-aarch64-linux-gnu, NVIDIA's cuda-cross-sbsa-13-x package, and a copy
#   of the board's root file system):
#     cmake ... -DCMAKE_TOOLCHAIN_FILE=targets/jetson-thor.cmake -DAKORN_SYSROOT=/path/to/rootfs
#
# What it sets:
#   (cross only) everything targets/aarch64-linux-gnu.cmake sets (aarch64 g++, optional
#                sysroot, qemu-aarch64, AKORN_BLAS builtin)
#   CMAKE_CUDA_HOST_COMPILER  (cross) aarch64-linux-gnu-g++
#   CUDA target directory     sbsa-linux: Thor uses the server-ARM (SBSA) CUDA layout, not L4T's
#                             aarch64-linux; nvcc -target-dir sbsa-linux when cross-compiling
#   AKORN_CUDA                ON
#   CMAKE_CUDA_ARCHITECTURES  110-real: machine code only, no PTX (Thor's GPU; CUDA 13 names it sm_110; never detected)
#   AKORN_CPU_ARCH            armv9-a (Thor's Neoverse V3AE)
if(NOT CMAKE_HOST_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
  include(${CMAKE_CURRENT_LIST_DIR}/aarch64-linux-gnu.cmake)
  set(CMAKE_CUDA_HOST_COMPILER aarch64-linux-gnu-g++ CACHE FILEPATH "host compiler for nvcc")
  set(CMAKE_CUDA_FLAGS_INIT "-target-dir sbsa-linux")
endif()
set(AKORN_CUDA ON CACHE BOOL "build the CUDA backend")
set(CMAKE_CUDA_ARCHITECTURES 110-real CACHE STRING "Jetson Thor GPU")
set(AKORN_CPU_ARCH armv9-a CACHE STRING "Jetson Thor CPU (Neoverse V3AE)")
