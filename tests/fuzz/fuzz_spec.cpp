// Fuzzer: a model spec, JSON or FlatBuffers binary, through every stage of `akornc compile`
// but the writing of files: parse -> check -> lower (both --recompute settings) -> plan ->
// emit. The spec lies in models/ (SPEC_PATH) so that a spec naming the Sudoku name map
// finds it. A CompileError is a refusal; any other exception is a finding (akornc would
// report it as an internal error).
#include <string>

#include "check/check.hpp"
#include "diag.hpp"
#include "emit/emit.hpp"
#include "fuzz_target.hpp"
#include "parse.hpp"
#include "program.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  akorn_fuzz::refused_or_accepted<akornc::CompileError>([&] {
    akornc::Model model = akornc::load_model_from_bytes(SPEC_PATH, bytes);
    akornc::Graph graph = akornc::check_model(model);
    akornc::LowerOptions opt;
    opt.command_line = "akornc compile fuzz.json";
    akornc::BudgetedProgram bp = akornc::lower_within_budget(graph, opt, true, 1, 0, "");
    if (!bp.error.empty()) return;
    const akornc::Program& prog = bp.prog;
    volatile size_t n = akornc::emit_model_hpp(prog).size() + akornc::emit_main_cpp(prog).size() +
                        akornc::emit_test_cpp(prog).size() + akornc::emit_cmake(prog).size() +
                        akornc::emit_model_cuda(prog).size() + akornc::emit_test_cuda(prog).size();
    (void)n;
  });
  return 0;
}
