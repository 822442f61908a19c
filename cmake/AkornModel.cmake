# akorn_add_model(NAME <name> SPEC <spec.json> [GOLDEN <dir> [GOLDEN_PATHS infer|train ...]]
#                 [GRAD_PROBES <k>] [RECOMPUTE] [SANITIZE])
# GOLDEN_PATHS: run only the golden cases of these paths (a --recompute build changes only
# the training plan, so it runs the training-forward cases); default every case.
# SANITIZE: also run its GPU tests under compute-sanitizer (memcheck, racecheck).
# onnx2c-style: akornc compiles the spec at build time (add_custom_command), the generated
# program and tests are built, and the generated tests are registered with CTest.
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
  add_executable(${M_NAME} ${dir}/main.cpp ${dir}/model.hpp)
  target_include_directories(${M_NAME} PRIVATE ${dir})
  target_link_libraries(${M_NAME} PRIVATE akorn_runtime)
  if(AKORN_CUDA)
    # the CUDA backend: --device cuda in the program, GPU-vs-CPU tests (label gpu)
    target_sources(${M_NAME} PRIVATE ${dir}/model_cuda.cu)
    target_compile_definitions(${M_NAME} PRIVATE AKORN_WITH_CUDA)
    target_link_libraries(${M_NAME} PRIVATE akorn_cuda)
    add_executable(${M_NAME}_gpu_tests ${dir}/test_model_cuda.cu ${dir}/model.hpp)
    target_include_directories(${M_NAME}_gpu_tests PRIVATE ${dir})
    target_link_libraries(${M_NAME}_gpu_tests PRIVATE akorn_runtime akorn_cuda)
    add_test(NAME ${M_NAME}.gpu_ops COMMAND ${M_NAME}_gpu_tests ops)
    add_test(NAME ${M_NAME}.gpu_train COMMAND ${M_NAME}_gpu_tests train)
    add_test(NAME ${M_NAME}.gpu_infer COMMAND ${M_NAME}_gpu_tests infer)
    set(gpu_tests ${M_NAME}.gpu_ops ${M_NAME}.gpu_train ${M_NAME}.gpu_infer)
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
  add_test(NAME ${M_NAME}.grad_ops COMMAND ${M_NAME}_tests grad-ops ${M_GRAD_PROBES})
  add_test(NAME ${M_NAME}.grad_model COMMAND ${M_NAME}_tests grad-model ${M_GRAD_PROBES})
  if(M_GOLDEN)
    add_test(NAME ${M_NAME}.golden COMMAND ${M_NAME}_tests golden ${M_GOLDEN} ${M_GOLDEN_PATHS})
  endif()
  # Correctness checks on batches of 2: one thread each (threads only add overhead at this
  # size; CTest runs tests side by side). Thread-count independence is tested in runtime/.
  set(tests ${M_NAME}.plan ${M_NAME}.grad_ops ${M_NAME}.grad_model)
  if(M_GOLDEN)
    list(APPEND tests ${M_NAME}.golden)
  endif()
  set_tests_properties(${tests} PROPERTIES ENVIRONMENT "OMP_NUM_THREADS=1;OPENBLAS_NUM_THREADS=1" LABELS "model")
endfunction()
