# Target: 64-bit ARM Linux (aarch64), cross-compiled on an x86-64 Debian/Ubuntu host with the
# distribution's cross GCC. CPU only; the base the Jetson toolchains build on.
#
#   apt-get install g++-aarch64-linux-gnu qemu-user      (scripts/install-deps.sh does, on x86-64)
#   cmake -S out/model -B out/model/build-arm64 -G Ninja \
#         -DCMAKE_TOOLCHAIN_FILE=<repo>/targets/aarch64-linux-gnu.cmake \
#         -DAKORN_RUNTIME_DIR=<repo>/runtime/include
#   cmake --build out/model/build-arm64 && ctest --test-dir out/model/build-arm64   # under qemu
#
# What it sets:
#   CMAKE_SYSTEM_NAME / CMAKE_SYSTEM_PROCESSOR   Linux / aarch64 (marks the build as cross)
#   CMAKE_C_COMPILER / CMAKE_CXX_COMPILER        aarch64-linux-gnu-gcc / -g++
#   AKORN_SYSROOT (optional, -D or environment)   a target root file system (e.g. a Jetson's
#                                                 rootfs copy) -> CMAKE_SYSROOT, find-root paths
#   CMAKE_FIND_ROOT_PATH(_MODE_*)                 libraries/headers/packages from the target
#                                                 root only; programs from the host
#   CMAKE_CROSSCOMPILING_EMULATOR                 qemu-aarch64 -L <target root>, so CTest runs
#                                                 the generated tests on the host
#   AKORN_BLAS                                    builtin (no OpenBLAS for the target needed);
#                                                 -DAKORN_BLAS=openblas with a sysroot that has it
# Not set: AKORN_CPU_ARCH stays '' = armv8-a, which runs on every aarch64 CPU; name e.g.
# -DAKORN_CPU_ARCH=armv8.2-a for Jetson Orin's Cortex-A78AE.

# The target system. Setting CMAKE_SYSTEM_NAME makes CMAKE_CROSSCOMPILING true.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

# Debian's cross compilers (packages gcc-aarch64-linux-gnu, g++-aarch64-linux-gnu). They
# carry their own target libc, libstdc++ and libgomp (OpenMP) under /usr/aarch64-linux-gnu.
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# Optional target root file system: -DAKORN_SYSROOT=/path or the environment variable.
# Forwarded to the try_compile projects CMake runs while configuring (compiler checks,
# find_package(OpenMP)), which re-read this file without the main project's cache.
if(NOT DEFINED AKORN_SYSROOT AND DEFINED ENV{AKORN_SYSROOT})
  set(AKORN_SYSROOT "$ENV{AKORN_SYSROOT}")
endif()
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES AKORN_SYSROOT)

if(AKORN_SYSROOT)
  # Compile and link against the target's root (--sysroot): its headers and libraries
  # (OpenBLAS, CUDA on a Jetson rootfs) instead of the cross compiler's defaults.
  set(CMAKE_SYSROOT "${AKORN_SYSROOT}")
  # find_library / find_path / find_package look only inside the target root ...
  set(CMAKE_FIND_ROOT_PATH "${AKORN_SYSROOT}")
  set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
  set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
  set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
  # ... while find_program finds host tools (the emulator, code generators).
  set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
  set(_akorn_target_root "${AKORN_SYSROOT}")
else()
  # No sysroot: the cross toolchain's own target directory (Debian's *-cross packages, and
  # multiarch :arm64 packages in /usr/lib/aarch64-linux-gnu) plus the host paths that
  # CMAKE_LIBRARY_ARCHITECTURE=aarch64-linux-gnu selects; never the host's x86-64 programs'
  # libraries by accident, since those live in x86_64-linux-gnu directories.
  set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
  set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
  set(_akorn_target_root /usr/aarch64-linux-gnu)
endif()

# Run target binaries on the host through qemu's user-mode emulator (package qemu-user or
# qemu-user-static); -L tells it where the target's dynamic loader and libraries are. CTest
# prefixes every test whose command is a target executable with it.
find_program(AKORN_QEMU_AARCH64 NAMES qemu-aarch64 qemu-aarch64-static NO_CMAKE_FIND_ROOT_PATH)
if(AKORN_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${AKORN_QEMU_AARCH64};-L;${_akorn_target_root}")
endif()

# GEMMs from the runtime's portable implementation unless told otherwise: a cross build
# usually has no OpenBLAS for the target (a Jetson sysroot may; then -DAKORN_BLAS=openblas).
if(NOT DEFINED AKORN_BLAS)
  set(AKORN_BLAS builtin CACHE STRING "GEMM implementation: openblas or builtin")
endif()
