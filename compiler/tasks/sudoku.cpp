// Task "sudoku" (spec §5; runtime/include/akorn/tasks/sudoku/): input 'board' Int32 [9, 9]
// with tokens 0..9 (0 = blank), output 'logits' [9, 9, 9] (digit d+1 at channel d), an
// optional output 'energy' (voting), and for training the input 'solution' Int32 [9, 9]
// (training only, digits 1..9) and a loss.
#include <string>

#include "akorn/format.hpp"

#include "check/check.hpp"
#include "diag.hpp"
#include "tasks.hpp"

namespace akornc {
namespace {

const InputDecl* input(const Model& m, const std::string& name) {
  for (const InputDecl& d : m.inputs)
    if (d.name == name) return &d;
  return nullptr;
}

void check_tokens(const Model& m, const Graph& g, const std::string& name, int lo, int hi, const std::string& what) {
  const Value& v = g.value(name);
  if (v.token_lo > lo || v.token_hi < hi)
    fail(m.path + ": task 'sudoku': input '" + name + "' holds " + what + " (" + std::to_string(lo) + ".." +
         std::to_string(hi) + "), but the ops that read it accept only [" + std::to_string(v.token_lo) + ", " +
         std::to_string(v.token_hi) + "]");
}

void check_sudoku(const Model& m, const Graph& g) {
  const std::string w = m.path + ": task 'sudoku' needs ";
  const InputDecl* board = input(m, "board");
  if (!board || board->dtype != DType::I32 || board->shape != std::vector<int>{9, 9} || board->training_only)
    fail(w + "the input 'board' Int32 [9, 9] (0 = blank, 1..9 = given)" +
         (board ? std::string(", got ") + (board->dtype == DType::I32 ? "Int32 " : "Float32 ") + akorn::shape_str(board->shape) +
                      (board->training_only ? " (training only)" : "")
                : std::string(": the spec has no input 'board'")));
  check_tokens(m, g, "board", 0, 9, "0 for a blank and the givens 1..9");
  bool has_logits = false;
  for (const std::string& o : m.outputs)
    if (o == "logits") has_logits = true;
  if (!has_logits) fail(w + "the model output 'logits' [9, 9, 9]: the spec's outputs do not list it");
  const Value& lg = g.value("logits");
  if (lg.shape != std::vector<int>{9, 9, 9})
    fail(w + "the model output 'logits' [9, 9, 9] (a score for each digit of each cell), got " + akorn::shape_str(lg.shape));
  if (g.loss_op >= 0) {
    const InputDecl* sol = input(m, "solution");
    if (!sol || sol->dtype != DType::I32 || sol->shape != std::vector<int>{9, 9} || !sol->training_only)
      fail(w + "the training-only input 'solution' Int32 [9, 9] (the solved grid) when the model has a loss" +
           (sol ? std::string(", got ") + (sol->dtype == DType::I32 ? "Int32 " : "Float32 ") + akorn::shape_str(sol->shape) +
                      (sol->training_only ? "" : " (not training only)")
                : std::string(": the spec has no input 'solution'")));
    check_tokens(m, g, "solution", 1, 9, "the digits");
  }
}

}  // namespace

extern const TaskInfo kSudokuTask;
const TaskInfo kSudokuTask = {"sudoku", "akorn/tasks/sudoku/commands.hpp", "akorn::sudoku::Commands",
                              "train, eval, solve and dump on Sudoku boards", "akorn/tasks/sudoku/cuda_testing.cuh",
                              "akorn::sudoku::GpuTests", check_sudoku};

}  // namespace akornc
