// Emits main.cpp (the model's program) and CMakeLists.txt (a standalone build of the
// generated directory that needs only CMake, a C++17 compiler, OpenBLAS and the runtime
// headers: no akornc, no flatc).
#include "emit.hpp"
#include "op_common.hpp"

namespace akornc {

std::string emit_main_cpp(const Program& prog) {
  Writer w;
  w.line(emit_provenance(prog, "main.cpp"));
  w.line("// The model's command-line program: `" + prog.graph->model->name + " help` lists its commands.");
  w.line("#include <akorn/cli.hpp>");
  w.line();
  w.line("#include \"model.hpp\"");
  w.line();
  w.line("int main(int argc, char** argv) { return akorn::cli::run<" + model_namespace(prog) + "::Spec>(argc, argv); }");
  return w.str();
}

std::string emit_cmake(const Program& prog) {
  const std::string name = prog.graph->model->name;
  const std::string id = ident(name);
  std::string p = emit_provenance(prog, "CMakeLists.txt");
  for (size_t i = 0; (i = p.find("//", i)) != std::string::npos;) p.replace(i, 2, "#");
  Writer w;
  w.line(p);
  w.line("# Standalone build of this generated model:");
  w.line("#   cmake -S . -B build -G Ninja -DAKORN_RUNTIME_DIR=<repo>/runtime/include && cmake --build build");
  w.line("#   ctest --test-dir build");
  w.line("cmake_minimum_required(VERSION 3.22)");
  w.line("project(akorn_model_" + id + " LANGUAGES CXX)");
  w.line("set(CMAKE_CXX_STANDARD 17)");
  w.line("set(CMAKE_CXX_STANDARD_REQUIRED ON)");
  w.line("if(NOT CMAKE_BUILD_TYPE)");
  w.line("  set(CMAKE_BUILD_TYPE Release CACHE STRING \"\" FORCE)");
  w.line("endif()");
  w.line("set(CMAKE_CXX_FLAGS_RELEASE \"-O3 -DNDEBUG\")");
  w.line("# CPU instruction set, named explicitly ('' = compiler default), e.g. x86-64-v3, armv8.2-a");
  w.line("set(AKORN_CPU_ARCH \"\" CACHE STRING \"-march for the model ('' = compiler default)\")");
  w.line("if(AKORN_CPU_ARCH)");
  w.line("  add_compile_options(-march=${AKORN_CPU_ARCH})");
  w.line("endif()");
  w.line("set(AKORN_RUNTIME_DIR \"${CMAKE_CURRENT_SOURCE_DIR}/../../runtime/include\" CACHE PATH \"akorn runtime headers\")");
  w.line("set(AKORN_GOLDEN_DIR \"\" CACHE PATH \"golden values from tools/make_golden.py (optional)\")");
  w.line("find_package(OpenMP REQUIRED)");
  w.line("# OpenBLAS's OpenMP build shares the kernels' thread pool (the pthread build fights it)");
  w.line("find_library(OPENBLAS_LIB NAMES openblas PATHS /usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}/openblas-openmp NO_DEFAULT_PATH)");
  w.line("find_path(CBLAS_INCLUDE cblas.h PATHS /usr/include/${CMAKE_LIBRARY_ARCHITECTURE}/openblas-openmp NO_DEFAULT_PATH)");
  w.line("if(NOT OPENBLAS_LIB OR NOT CBLAS_INCLUDE)");
  w.line("  find_library(OPENBLAS_LIB openblas REQUIRED)");
  w.line("  find_path(CBLAS_INCLUDE cblas.h PATH_SUFFIXES openblas REQUIRED)");
  w.line("endif()");
  w.line("add_library(" + id + "_model INTERFACE)");
  w.line("target_include_directories(" + id + "_model INTERFACE ${CMAKE_CURRENT_SOURCE_DIR} ${AKORN_RUNTIME_DIR} ${CBLAS_INCLUDE})");
  w.line("target_link_libraries(" + id + "_model INTERFACE ${OPENBLAS_LIB} OpenMP::OpenMP_CXX)");
  w.line("add_executable(" + name + " main.cpp)");
  w.line("target_link_libraries(" + name + " PRIVATE " + id + "_model)");
  w.line("add_executable(" + name + "_tests test_model.cpp)");
  w.line("target_link_libraries(" + name + "_tests PRIVATE " + id + "_model)");
  w.line("enable_testing()");
  w.line("add_test(NAME " + name + ".plan COMMAND " + name + "_tests plan)");
  if (prog.graph->loss_op >= 0) {
    w.line("add_test(NAME " + name + ".grad_ops COMMAND " + name + "_tests grad-ops)");
    w.line("add_test(NAME " + name + ".grad_model COMMAND " + name + "_tests grad-model)");
  }
  w.line("if(AKORN_GOLDEN_DIR)");
  w.line("  add_test(NAME " + name + ".golden COMMAND " + name + "_tests golden ${AKORN_GOLDEN_DIR})");
  w.line("endif()");
  return w.str();
}

}  // namespace akornc
