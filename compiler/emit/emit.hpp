// The emit stage's entry points (emit_model.cpp, emit_tests.cpp, emit_build.cpp).
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "../program.hpp"

namespace akornc {

std::string emit_provenance(const Program& prog, const std::string& file);
std::string model_namespace(const Program& prog);
std::string emit_model_hpp(const Program& prog);
// A kernel type as the backend provides it: "akorn::X<...>" -> "typename Be::template X<...>".
std::string backend_kernel(const std::string& type);
std::string emit_main_cpp(const Program& prog);
std::string emit_test_cpp(const Program& prog);
std::string emit_cmake(const Program& prog);
std::string emit_model_cuda(const Program& prog);   // model_cuda.cu: the CLI on the CUDA backend
std::string emit_test_cuda(const Program& prog);    // test_model_cuda.cu: GPU-vs-CPU tests

// Writes every file of a compiled model into dir (created if missing), each atomically.
void write_output_dir(const Program& prog, const std::string& dir,
                      const std::vector<std::pair<std::string, std::string>>& files);

}  // namespace akornc
