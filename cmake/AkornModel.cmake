# akorn_add_model(NAME <name> SPEC <spec.json> [GOLDEN <dir> [GOLDEN_PATHS infer|train ...]]
#                 [GRAD_PROBES <k>] [RECOMPUTE] [SANITIZE])
# GOLDEN_PATHS: run only the golden cases of these paths (a --recompute build changes only
# the training plan, so it runs the training-forward cases); default every case.
# SANITIZE: also run its GPU tests under compute-sanitizer (memcheck, racecheck).
# onnx2c-style: akornc compiles the spec at build time (add_custom_command); the program and
# its tests are made by akorn_model_targets (runtime/cmake/AkornRuntime.cmake), the same
# function the generated directory's own CMakeLists.txt calls.
function(akorn_add_model)
  cmake_parse_arguments(M "RECOMPUTE;SANITIZE" "NAME;SPEC;GOLDEN;GRAD_PROBES" "GOLDEN_PATHS" ${ARGN})
  set(flags "")
  if(M_RECOMPUTE)
    set(flags --recompute)
  endif()
  set(dir ${CMAKE_BINARY_DIR}/generated/${M_NAME})
  set(outs ${dir}/model.hpp ${dir}/main.cpp ${dir}/test_model.cpp ${dir}/CMakeLists.txt ${dir}/model_cuda.cu
           ${dir}/test_model_cuda.cu)
  add_custom_command(
    OUTPUT ${outs}
    COMMAND akornc compile ${M_SPEC} -o ${dir} ${flags}
    DEPENDS akornc ${M_SPEC}
    COMMENT "akornc: ${M_NAME}")
  set(pass "")
  if(M_SANITIZE)
    list(APPEND pass SANITIZE)
  endif()
  if(M_GRAD_PROBES)
    list(APPEND pass GRAD_PROBES ${M_GRAD_PROBES})
  endif()
  if(M_GOLDEN)
    list(APPEND pass GOLDEN ${M_GOLDEN})
    if(M_GOLDEN_PATHS)
      list(APPEND pass GOLDEN_PATHS ${M_GOLDEN_PATHS})
    endif()
  endif()
  akorn_model_targets(NAME ${M_NAME} DIR ${dir} ${pass})
endfunction()
