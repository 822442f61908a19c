// Training on Sudoku boards: what a sample is for the generic trainer (akorn/trainer.hpp):
// a board and its solution from the CSV, blank-cell accuracy of each batch, validation by
// board and cell accuracy. Two options of ours beside the reference's recipe: Sudoku-symmetry
// augmentation (--augment, augment.hpp) and a validation part held out of the training file
// (--holdout N: its last N boards are evaluated, never trained on).
#pragma once
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "akorn/tasks/sudoku/augment.hpp"
#include "akorn/tasks/sudoku/runner.hpp"
#include "akorn/trainer.hpp"

namespace akorn::sudoku {

struct TaskConfig {
  std::string data, eval_data;
  int eval_limit = 1000;
  long holdout = 0;      // the last `holdout` boards of `data` are the validation set
  bool augment = false;  // a random Sudoku symmetry applied to every training board
};

template <class Spec, class Be = CpuBackend>
struct TrainTask {
  static constexpr const char* kSample = "boards";
  TaskConfig cfg;
  int batch;
  std::uint64_t seed;
  Interface<Spec> io;
  Boards data, ev;
  std::vector<std::int32_t> boards, sols;
  std::vector<float> logits;
  size_t cells = 0, right = 0;  // of the last batch, for progress()

  // Reads the boards (the first `limit`, 0: all) and splits off the validation part.
  TrainTask(const TaskConfig& c, int batch_, std::uint64_t seed_, long limit) : cfg(c), batch(batch_), seed(seed_) {
    io.require(true);
    data = load_boards(cfg.data, static_cast<size_t>(limit));
    if (cfg.holdout > 0) {
      AKORN_CHECK(cfg.eval_data.empty(), "--holdout and --eval-data both name the validation set: give one");
      AKORN_CHECK(static_cast<size_t>(cfg.holdout) < data.count,
                  cfg.data + ": has " + std::to_string(data.count) + " boards, not more than --holdout " +
                      std::to_string(cfg.holdout));
      ev = split_off_last(data, static_cast<size_t>(cfg.holdout));
      if (ev.count > static_cast<size_t>(cfg.eval_limit)) ev = split_off_last(ev, static_cast<size_t>(cfg.eval_limit));
    } else if (!cfg.eval_data.empty()) {
      ev = load_boards(cfg.eval_data, static_cast<size_t>(cfg.eval_limit));
    }
    boards.resize(static_cast<size_t>(batch) * kCells);
    sols.resize(boards.size());
    logits.resize(static_cast<size_t>(batch) * kCells * 9);
  }

  std::vector<std::string> batch_columns() const { return {"train_cell_acc", "train_board_acc"}; }
  std::vector<std::string> eval_columns() const {
    return {"eval_board_acc", "eval_cell_acc", "eval_last_board_acc", "eval_last_cell_acc"};
  }
  size_t count() const { return data.count; }
  std::string data_name() const { return cfg.data; }
  std::string describe() const {
    return std::to_string(data.count) + " boards" + (cfg.augment ? " (symmetry-augmented)" : "");
  }
  std::string eval_note() const {
    return cfg.holdout > 0 ? ", validating on the last " + std::to_string(ev.count) + " boards of the file" : "";
  }

  void make_batch(const std::uint32_t* idx, int n, std::uint64_t step, const void** inputs, float** outputs) {
    for (int b = 0; b < n; ++b) {
      const size_t i = idx[b];
      if (cfg.augment) {
        const BoardSymmetry sym = training_symmetry(seed, step, static_cast<std::uint64_t>(b));
        sym.apply(data.puzzle(i), boards.data() + b * kCells);
        sym.apply(data.solution(i), sols.data() + b * kCells);
      } else {
        std::copy(data.puzzle(i), data.puzzle(i) + kCells, boards.begin() + b * kCells);
        std::copy(data.solution(i), data.solution(i) + kCells, sols.begin() + b * kCells);
      }
    }
    inputs[io.board] = boards.data();
    inputs[io.solution] = sols.data();
    outputs[io.logits] = logits.data();
  }

  // Accuracy on the blank cells of the batch, and the share of boards with all of them right.
  std::vector<std::string> batch_metrics(int n) {
    cells = right = 0;
    size_t solved = 0;
    for (int b = 0; b < n; ++b) {
      bool all = true;
      for (int c = 0; c < kCells; ++c) {
        if (boards[b * kCells + c] != 0) continue;
        const float* lg = logits.data() + (b * kCells + c) * 9;
        const int arg = static_cast<int>(std::max_element(lg, lg + 9) - lg);
        const bool ok = arg + 1 == sols[b * kCells + c];
        ++cells;
        right += ok;
        all = all && ok;
      }
      solved += all;
    }
    return {fixed(100.0 * right / std::max<size_t>(cells, 1), 4), fixed(100.0 * solved / n, 4)};
  }
  std::string progress() const {
    char b[48];
    std::snprintf(b, sizeof b, "cell acc %.1f%%", 100.0 * right / std::max<size_t>(cells, 1));
    return b;
  }

  bool can_validate() const { return ev.count > 0; }
  Accuracy evaluate(const float* weights) const {
    Runner<Spec, Be> r(std::min<int>(batch, 256));
    r.set_params(weights);
    Prediction pr = r.predict(ev.puzzles.data(), ev.count, 0, 1, false, seed + 1000003);
    return score(ev, pr);
  }
  std::vector<std::string> validate(const float* ema, const float* last, std::uint64_t epoch, std::string& message) const {
    const Accuracy a = evaluate(ema), l = evaluate(last);
    char b[512];
    std::snprintf(b, sizeof b,
                  "epoch %llu on %zu boards of %s: EMA weights board accuracy %.2f%%, cell accuracy %.2f%%; "
                  "last weights %.2f%%, %.2f%%",
                  static_cast<unsigned long long>(epoch), ev.count,
                  cfg.holdout > 0 ? ("the held-out part of " + cfg.data).c_str() : cfg.eval_data.c_str(), a.board_acc(),
                  a.cell_acc(), l.board_acc(), l.cell_acc());
    message = b;
    return {fixed(a.board_acc(), 2), fixed(a.cell_acc(), 2), fixed(l.board_acc(), 2), fixed(l.cell_acc(), 2)};
  }

  std::vector<std::uint64_t> options() const { return {cfg.augment ? 1u : 0u, static_cast<std::uint64_t>(cfg.holdout)}; }
  // Checkpoints written before --augment / --holdout existed have neither (zeros).
  std::string options_mismatch(const std::vector<std::uint64_t>& saved) const {
    if (saved == options()) return "";
    return std::string("--augment ") + (saved[0] ? "yes" : "no") + " and --holdout " + std::to_string(saved[1]);
  }

  static std::string fixed(double v, int digits) {
    char b[32];
    std::snprintf(b, sizeof b, "%.*f", digits, v);
    return b;
  }
};

}  // namespace akorn::sudoku
