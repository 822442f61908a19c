# AkornRuntime.cmake: the one CMake module of akorn builds, shared by the in-tree build
# (CMakeLists.txt, cmake/AkornModel.cmake) and the CMakeLists.txt akornc emits beside every
# generated model (which includes it from the runtime it is built against). Include it after
# project(); it provides
#   AKORN_CPU_ARCH        cache: -march for all C++ code, named explicitly ('' = the compiler's
#                         default; never detected from the build machine)
#   AKORN_BLAS            cache: openblas (default) or builtin (runtime/include/akorn/gemm_builtin.hpp,
#                         no BLAS library: cross / Jetson builds without OpenBLAS)
#   AKORN_ONEDNN          option: float (fp32 and bf16) GEMMs through oneDNN (default ON for
#                         x86-64 targets; Debian libdnnl-dev)
#   akorn_runtime         INTERFACE target: the runtime headers, OpenBLAS, oneDNN, OpenMP
#   akorn_enable_cuda(ARCHS)  the CUDA language (CMAKE_CUDA_ARCHITECTURES = ARCHS unless given)
#                         and the INTERFACE target akorn_cuda (cudart, cuBLAS)
#   akorn_model_targets(NAME <name> DIR <dir> [INFER_BINARY] [NO_TRAINING] [GRAD_PROBES <k>]
#                       [GOLDEN <dir> [GOLDEN_PATHS infer|train ...]] [SANITIZE]
#                       [NO_PROGRAM])
#                         the program, its tests and (with AKORN_CUDA) its GPU tests, from a
#                         directory of generated sources (main.cpp, model.hpp, test_model.cpp,
#                         model_cuda.cu, test_model_cuda.cu)
include_guard(GLOBAL)
get_filename_component(AKORN_RUNTIME_INCLUDE "${CMAKE_CURRENT_LIST_DIR}/../include" ABSOLUTE)

set(CMAKE_CXX_STANDARD 17)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
if(NOT CMAKE_BUILD_TYPE)
  set(CMAKE_BUILD_TYPE Release CACHE STRING "" FORCE)
endif()
# Kernels are templates on fixed sizes; -O3 lets the compiler unroll and vectorise them.
set(CMAKE_CXX_FLAGS_RELEASE "-O3 -DNDEBUG")
# a * b + c as one FMA where the target has it (as nvcc does by default): the kernels' inner
# products run at twice the rate, and CPU and GPU round the same way more often.
add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-ffp-contract=fast>)
# Examples: x86-64-v3 (AVX2 + FMA: faster training steps, BENCHMARKS.md), x86-64-v4
# (AVX-512), armv8.2-a (Jetson Orin's Cortex-A78AE).
set(AKORN_CPU_ARCH "" CACHE STRING "-march for all C++ code ('' = compiler default)")
if(AKORN_CPU_ARCH)
  add_compile_options(-march=${AKORN_CPU_ARCH})
endif()

find_package(OpenMP REQUIRED)
set(AKORN_BLAS openblas CACHE STRING "GEMM implementation: openblas or builtin")
set_property(CACHE AKORN_BLAS PROPERTY STRINGS openblas builtin)
if(NOT AKORN_BLAS MATCHES "^(openblas|builtin)$")
  message(FATAL_ERROR "AKORN_BLAS must be openblas or builtin, got '${AKORN_BLAS}'")
endif()
if(AKORN_BLAS STREQUAL "builtin")
  set(OPENBLAS_LIB "")
  set(CBLAS_INCLUDE "")
else()
  # OpenBLAS built on OpenMP (Debian: libopenblas-openmp-dev), linked by full path so the
  # binaries' RUNPATH picks it over the pthread build at run time: the kernels' OpenMP workers
  # and the GEMMs then share one thread pool. With the pthread build the two pools fight over
  # the cores (measured: a training step of the small model 0.82 s with it, 0.46 s without).
  find_library(OPENBLAS_LIB NAMES openblas
               PATHS /usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}/openblas-openmp NO_DEFAULT_PATH)
  find_path(CBLAS_INCLUDE cblas.h PATHS /usr/include/${CMAKE_LIBRARY_ARCHITECTURE}/openblas-openmp
            NO_DEFAULT_PATH)
  if(NOT OPENBLAS_LIB OR NOT CBLAS_INCLUDE)
    message(WARNING "OpenBLAS's OpenMP build not found (apt-get install libopenblas-openmp-dev): "
                    "using the default OpenBLAS; training will be slower")
    find_library(OPENBLAS_LIB openblas REQUIRED)
    find_path(CBLAS_INCLUDE cblas.h PATH_SUFFIXES openblas REQUIRED)
  endif()
endif()

# oneDNN (Debian: libdnnl-dev, built on OpenMP like the rest): the float GEMMs (faster than
# OpenBLAS on the models' narrow shapes) and the bf16 GEMMs of --precision bf16 (blas.hpp,
# gemm_onednn.hpp). On by default for x86-64 targets; OFF keeps OpenBLAS / builtin for fp32
# and emulates bf16.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64)$")
  set(_akorn_onednn_default ON)
else()
  set(_akorn_onednn_default OFF)
endif()
option(AKORN_ONEDNN "float and bf16 GEMMs through oneDNN" ${_akorn_onednn_default})
if(AKORN_ONEDNN)
  find_library(DNNL_LIB NAMES dnnl)
  find_path(DNNL_INCLUDE oneapi/dnnl/dnnl.hpp)
  if(NOT DNNL_LIB OR NOT DNNL_INCLUDE)
    message(FATAL_ERROR "AKORN_ONEDNN=ON but oneDNN was not found (apt-get install libdnnl-dev, "
                        "or configure with -DAKORN_ONEDNN=OFF)")
  endif()
endif()

add_library(akorn_runtime INTERFACE)
target_include_directories(akorn_runtime INTERFACE ${AKORN_RUNTIME_INCLUDE} ${CBLAS_INCLUDE})
target_link_libraries(akorn_runtime INTERFACE ${OPENBLAS_LIB} OpenMP::OpenMP_CXX)
if(AKORN_ONEDNN)
  target_include_directories(akorn_runtime INTERFACE ${DNNL_INCLUDE})
  target_link_libraries(akorn_runtime INTERFACE ${DNNL_LIB})
  target_compile_definitions(akorn_runtime INTERFACE AKORN_ONEDNN)
endif()
if(AKORN_BLAS STREQUAL "builtin")
  target_compile_definitions(akorn_runtime INTERFACE AKORN_BLAS_BUILTIN)
endif()

# A macro: enable_language must run at directory scope.
macro(akorn_enable_cuda archs)
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
    set(CMAKE_CUDA_ARCHITECTURES "${archs}")
  endif()
  enable_language(CUDA)
  set(CMAKE_CUDA_STANDARD 17)
  set(CMAKE_CUDA_STANDARD_REQUIRED ON)
  # Release: -O3 for the host code of every CUDA target that links akorn_cuda, -O1 for the
  # test programs (akorn_cuda_test_flags); the level lives in akorn_cuda's options, not in
  # this variable, so that a test's TU gets exactly one -O (nvcc warns about two).
  set(CMAKE_CUDA_FLAGS_RELEASE "-DNDEBUG")
  # the device code of every architecture, compressed for size (nvcc >= 12.8): the
  # 7-architecture desktop binary shrinks from 4.9 to 1.2 MB (BENCHMARKS.md)
  if(CMAKE_CUDA_COMPILER_VERSION VERSION_GREATER_EQUAL 12.8)
    string(APPEND CMAKE_CUDA_FLAGS " --compress-mode=size")
  endif()
  find_package(CUDAToolkit REQUIRED)
  add_library(akorn_cuda INTERFACE)
  target_link_libraries(akorn_cuda INTERFACE CUDA::cudart CUDA::cublas)
  target_compile_options(akorn_cuda INTERFACE $<$<COMPILE_LANGUAGE:CUDA>:--expt-relaxed-constexpr>
    $<$<AND:$<COMPILE_LANGUAGE:CUDA>,$<CONFIG:Release>>:$<IF:$<BOOL:$<TARGET_PROPERTY:AKORN_CUDA_TEST>>,-O1,-O3>>)
endmacro()

# A CUDA test program (it links akorn_cuda): in Release its host code (the CPU reference, the
# checks) at -O1. nvcc's -O is the host compiler's level only; cicc and ptxas optimise the
# device code as in the programs, so the kernels under test are the ones shipped. The 21 test
# TUs of the main build compile in 357 s instead of 507 (gcc -O3 of the host code is ~2/3 of
# nvcc's time; 2026-12-08, AMD EPYC, 2 cores).
function(akorn_cuda_test_flags target)
  set_property(TARGET ${target} PROPERTY AKORN_CUDA_TEST ON)
endfunction()

function(akorn_model_targets)
  cmake_parse_arguments(M "INFER_BINARY;NO_TRAINING;SANITIZE;NO_PROGRAM" "NAME;DIR;GOLDEN;GRAD_PROBES" "GOLDEN_PATHS" ${ARGN})
  set(dir ${M_DIR})
  # <name>: every command (training included); <name>-infer: inference only (no backward
  # kernels, optimisers or trainer), the smaller binary to deploy. NO_PROGRAM: the tests only
  # (the sanitizer build's models that no command test runs).
  set(programs "")
  if(NOT M_NO_PROGRAM)
    set(programs ${M_NAME})
    add_executable(${M_NAME} ${dir}/main.cpp ${dir}/model.hpp)
  endif()
  if(M_INFER_BINARY AND NOT M_NO_PROGRAM)
    add_executable(${M_NAME}-infer ${dir}/main.cpp ${dir}/model.hpp)
    target_compile_definitions(${M_NAME}-infer PRIVATE AKORN_INFER_ONLY)
    list(APPEND programs ${M_NAME}-infer)
  endif()
  foreach(p ${programs})
    target_include_directories(${p} PRIVATE ${dir})
    target_link_libraries(${p} PRIVATE akorn_runtime)
    if(AKORN_CUDA)
      # the CUDA backend: --device cuda in the program
      target_sources(${p} PRIVATE ${dir}/model_cuda.cu)
      target_compile_definitions(${p} PRIVATE AKORN_WITH_CUDA)
      target_link_libraries(${p} PRIVATE akorn_cuda)
    endif()
  endforeach()

  if(AKORN_CUDA)
    # GPU vs CPU tests (label gpu): skipped (exit 77) on a machine without a GPU
    add_executable(${M_NAME}_gpu_tests ${dir}/test_model_cuda.cu ${dir}/model.hpp)
    target_include_directories(${M_NAME}_gpu_tests PRIVATE ${dir})
    target_link_libraries(${M_NAME}_gpu_tests PRIVATE akorn_runtime akorn_cuda)
    akorn_cuda_test_flags(${M_NAME}_gpu_tests)
    set(gpu_modes ops infer)
    if(NOT M_NO_TRAINING)
      list(APPEND gpu_modes train)
    endif()
    set(gpu_tests "")
    foreach(mode ${gpu_modes})
      add_test(NAME ${M_NAME}.gpu_${mode} COMMAND ${M_NAME}_gpu_tests ${mode})
      list(APPEND gpu_tests ${M_NAME}.gpu_${mode})
    endforeach()
    if(M_SANITIZE)
      # compute-sanitizer over every kernel (ops) and a training step with its graph
      foreach(tool memcheck racecheck)
        add_test(NAME ${M_NAME}.gpu_${tool} COMMAND ${M_NAME}_gpu_tests sanitize ${tool}
                 ${CUDAToolkit_BIN_DIR}/compute-sanitizer)
        list(APPEND gpu_tests ${M_NAME}.gpu_${tool})
      endforeach()
    endif()
    set_tests_properties(${gpu_tests} PROPERTIES LABELS gpu SKIP_RETURN_CODE 77)
  endif()

  add_executable(${M_NAME}_tests ${dir}/test_model.cpp ${dir}/model.hpp)
  target_include_directories(${M_NAME}_tests PRIVATE ${dir})
  target_link_libraries(${M_NAME}_tests PRIVATE akorn_runtime)
  if(NOT M_GRAD_PROBES)
    set(M_GRAD_PROBES 4)
  endif()
  add_test(NAME ${M_NAME}.plan COMMAND ${M_NAME}_tests plan)
  set(tests ${M_NAME}.plan)
  if(NOT M_NO_TRAINING)
    add_test(NAME ${M_NAME}.grad_ops COMMAND ${M_NAME}_tests grad-ops ${M_GRAD_PROBES})
    add_test(NAME ${M_NAME}.grad_model COMMAND ${M_NAME}_tests grad-model ${M_GRAD_PROBES})
    list(APPEND tests ${M_NAME}.grad_ops ${M_NAME}.grad_model)
  endif()
  if(M_GOLDEN)
    add_test(NAME ${M_NAME}.golden COMMAND ${M_NAME}_tests golden ${M_GOLDEN} ${M_GOLDEN_PATHS})
    list(APPEND tests ${M_NAME}.golden)
  endif()
  # Correctness checks on batches of 2: one thread each (threads only add overhead at this
  # size; CTest runs tests side by side). Thread-count independence is tested in runtime/.
  set_tests_properties(${tests} PROPERTIES ENVIRONMENT "OMP_NUM_THREADS=1;OPENBLAS_NUM_THREADS=1" LABELS "model")
endfunction()
