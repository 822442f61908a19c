// The Sudoku task's commands, added to the program of a model compiled with
// "task": "sudoku" (compiler/tasks/sudoku.cpp; the generated main.cpp hands
// akorn::sudoku::Commands to akorn::cli::run):
//   train  the generic trainer (akorn/trainer.hpp) on boards (train.hpp)
//   eval   board and cell accuracy, by number of givens; --steps T; --votes K --vote sum|last|verify
//   solve  one board from the command line or stdin
//   dump   logits, energies and the other outputs of the boards of a CSV, as .npy
#pragma once
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "akorn/cli.hpp"
#include "akorn/files.hpp"
#include "akorn/npy.hpp"
#include "akorn/tasks/sudoku/boards.hpp"
#include "akorn/tasks/sudoku/runner.hpp"
#include "akorn/tasks/sudoku/train.hpp"
#include "akorn/trainer.hpp"

namespace akorn::sudoku {

using cli::Args;
using cli::parse_args;
using cli::seconds_since;

template <class Spec, class Be>
int cmd_train(const Args& a) {
  TaskConfig tc;
  tc.data = a.get("data", "data/sudoku/satnet-train.csv");
  tc.eval_data = a.get("eval-data", "");
  tc.eval_limit = static_cast<int>(a.get_int("eval-limit", 1000, 1, 100000000));
  tc.holdout = a.get_int("holdout", 0, 0, 100000000);
  tc.augment = a.get_yes_no("augment", false);
  TrainConfig c;
  c.out = a.get("out", "");
  AKORN_CHECK(!c.out.empty(), "train needs --out DIR (checkpoint, log and weights go there)");
  c.epochs = static_cast<int>(a.get_int("epochs", 100, 1, 1000000));
  c.batch = static_cast<int>(a.get_int("batch", 100, 1, 100000));
  c.eval_every = static_cast<int>(a.get_int("eval-every", 10, 0, 1000000));
  c.lr = a.get_double("lr", 1e-3, 0.0, 10.0);
  read_run_flags(a, c);
  TrainTask<Spec, Be> task(tc, c.batch, c.seed, c.limit);
  Trainer<Spec, Be, TrainTask<Spec, Be>> t(c, task);
  return t.run();
}

// --steps, --votes, --vote, --seed: how eval and solve run the model on a board.
struct VoteOptions {
  int steps = 0, votes = 1;
  std::string rule = "sum";  // sum | last | verify
  std::uint64_t seed = 0;
};

inline VoteOptions vote_options(const Args& a) {
  VoteOptions v;
  v.steps = static_cast<int>(a.get_int("steps", 0, 0, 100000));
  v.votes = static_cast<int>(a.get_int("votes", 1, 1, 100000));
  v.rule = a.get("vote", "sum");
  AKORN_CHECK(v.rule == "sum" || v.rule == "last" || v.rule == "verify",
              "--vote must be sum, last or verify, got '" + v.rule + "'");
  v.seed = static_cast<std::uint64_t>(a.get_int("seed", 0, 0, 1L << 40));
  return v;
}

template <class Spec, class Be>
Prediction predict(Runner<Spec, Be>& r, const std::int32_t* boards, size_t n, const VoteOptions& v) {
  return v.rule == "verify" ? r.predict_verified(boards, n, v.steps, v.votes, v.seed)
                            : r.predict(boards, n, v.steps, v.votes, v.rule == "last", v.seed);
}

template <class Spec, class Be>
int cmd_eval(const Args& a) {
  std::string data = a.get("data", "data/sudoku/satnet-test.csv");
  std::string weights = a.get("weights", "");
  AKORN_CHECK(!weights.empty(), "eval needs --weights FILE");
  const VoteOptions v = vote_options(a);
  const int steps = v.steps, votes = v.votes;
  const std::string& vote = v.rule;
  int batch = static_cast<int>(a.get_int("batch", 256, 1, 100000));
  long limit = a.get_int("limit", 0, 0, 100000000);
  Boards b = load_boards(data, static_cast<size_t>(limit));
  Runner<Spec, Be> r(std::max(batch, votes));
  r.load(weights);
  auto t0 = std::chrono::steady_clock::now();
  Prediction pr = predict(r, b.puzzles.data(), b.count, v);
  double secs = seconds_since(t0);
  Accuracy acc = score(b, pr);
  std::printf("%s: %zu boards, T=%d, votes %d (%s): board accuracy %.2f%% (%zu/%zu), cell accuracy %.2f%%, %.1f s "
              "(%.2f ms a board on %s)\n",
              data.c_str(), b.count, steps ? steps : Spec::trained_steps, votes, vote.c_str(), acc.board_acc(), acc.solved,
              acc.boards, acc.cell_acc(), secs, 1e3 * secs / std::max<size_t>(b.count, 1), Be::describe().c_str());
  if (vote == "verify") {
    size_t copies = 0, verified = 0;
    for (size_t i = 0; i < b.count; ++i) {
      copies += static_cast<size_t>(pr.copies[i]);
      verified += pr.verified[i] != 0;
    }
    std::printf("verify: %zu of %zu boards found a valid grid that keeps the givens, %.2f copies a board on average "
                "(the rest: lowest summed energy of %d copies)\n",
                verified, b.count, static_cast<double>(copies) / std::max<size_t>(b.count, 1), votes);
  }
  std::printf("by givens:");
  for (auto& [g, sb] : acc.by_givens) std::printf(" %d:%.1f%%(%zu)", g, 100.0 * sb.first / sb.second, sb.second);
  std::printf("\n");
  return 0;
}

// dump: logits [N, 81, 9] and per-step energies [N, T+1] of the boards of a CSV, as float32
// .npy files. Deterministic for a --seed (counter-based noise); a board with every cell
// given involves no noise at all.
template <class Spec, class Be>
int cmd_dump(const Args& a) {
  std::string data = a.get("data", "");
  std::string weights = a.get("weights", "");
  std::string out = a.get("out", "");
  AKORN_CHECK(!data.empty() && !weights.empty() && !out.empty(), "dump needs --weights FILE --data CSV --out DIR");
  int steps = static_cast<int>(a.get_int("steps", 0, 0, 100000));
  long limit = a.get_int("limit", 0, 0, 100000000);
  int batch = static_cast<int>(a.get_int("batch", 256, 1, 100000));
  std::uint64_t seed = static_cast<std::uint64_t>(a.get_int("seed", 0, 0, 1L << 40));
  const bool overwrite = a.get_yes_no("overwrite", false);
  // --extra no: logits and energy only (voting over many copies needs no 40 KB of xT a copy)
  const bool with_extra = a.get_yes_no("extra", true);
  const std::string lpath = out + "/logits.npy", epath = out + "/energy.npy";
  AKORN_CHECK(overwrite || (!path_exists(lpath) && !path_exists(epath)),
              out + ": already has logits.npy or energy.npy (pass --overwrite yes to replace them)");
  Boards b = load_boards(data, static_cast<size_t>(limit));
  Runner<Spec, Be> r(batch);
  r.load(weights);
  const int T = steps > 0 ? steps : Spec::trained_steps;
  std::vector<float> logits(b.count * kCells * 9), energy(b.count * static_cast<size_t>(T + 1));
  // every other output of the model too (e.g. the final oscillators xT), as NAME.npy [N, elems]
  std::vector<std::vector<float>> extra(Spec::num_outputs);
  std::vector<float*> extra_ptr(Spec::num_outputs, nullptr);
  std::string extra_names;
  for (int i = 0; i < Spec::num_outputs; ++i) {
    if (i == r.io.logits || i == r.io.energy || Spec::outputs[i].per_step || !with_extra) continue;
    const std::string p = out + "/" + Spec::outputs[i].name + ".npy";
    AKORN_CHECK(overwrite || !path_exists(p), out + ": already has " + Spec::outputs[i].name +
                                                   ".npy (pass --overwrite yes to replace it)");
    extra[i].resize(b.count * static_cast<size_t>(Spec::outputs[i].elems));
    extra_ptr[i] = extra[i].data();
    extra_names += ", " + p;
  }
  r.run_raw(b.puzzles.data(), b.count, T, seed, logits.data(), r.io.energy >= 0 ? energy.data() : nullptr,
            extra_ptr.data());
  make_dirs(out);
  const auto n = static_cast<std::int64_t>(b.count);
  save_npy(lpath, logits.data(), {n, kCells, 9});
  if (r.io.energy >= 0) save_npy(epath, energy.data(), {n, T + 1});
  for (int i = 0; i < Spec::num_outputs; ++i)
    if (extra_ptr[i]) save_npy(out + "/" + Spec::outputs[i].name + ".npy", extra[i].data(), {n, Spec::outputs[i].elems});
  std::printf("%s: %lld boards, T=%d -> %s [%lld, 81, 9]%s%s\n", data.c_str(), static_cast<long long>(n), T, lpath.c_str(),
              static_cast<long long>(n), r.io.energy >= 0 ? (", " + epath).c_str() : "", extra_names.c_str());
  return 0;
}

template <class Spec, class Be>
int cmd_solve(int argc, char** argv) {
  // solve [--weights W] [--steps T] [--votes K] [--vote sum|last|verify] [--seed S] [--device D] [BOARD]
  std::string board_text;
  std::vector<char*> rest = {argv[0], argv[1]};
  for (int i = 2; i < argc; ++i) {
    std::string s = argv[i];
    if (s.rfind("--", 0) == 0 && i + 1 < argc) {
      rest.push_back(argv[i]);
      rest.push_back(argv[++i]);
    } else {
      AKORN_CHECK(board_text.empty(), "solve takes one board");
      board_text = s;
    }
  }
  Args a = parse_args(static_cast<int>(rest.size()), rest.data(), {"weights", "steps", "votes", "vote", "seed", "device", "tf32", "precision"});
  if (board_text.empty()) {
    std::string line;
    while (std::getline(std::cin, line)) board_text += line;
  }
  std::int32_t puzzle[kCells];
  std::string err = parse_cells(board_text, true, puzzle);
  AKORN_CHECK(err.empty(), "board: " + err);
  std::string weights = a.get("weights", "");
  AKORN_CHECK(!weights.empty(), "solve needs --weights FILE");
  const VoteOptions v = vote_options(a);
  const int steps = v.steps, votes = v.votes;
  const std::string& vote = v.rule;
  Runner<Spec, Be> r(votes);
  r.load(weights);
  Prediction pr = predict(r, puzzle, 1, v);
  const std::int32_t* g = pr.digits.data();
  std::printf("%s", format_grid(g).c_str());
  const bool valid = valid_grid(g), keeps = agrees(puzzle, g);
  if (vote == "verify")
    std::printf("energy %.4f (sum over T=%d; copy %d of at most %d, %s)\n", pr.energy[0], steps ? steps : Spec::trained_steps,
                pr.copies[0], votes, pr.verified[0] ? "the first that checks" : "none checked: lowest energy");
  else
    std::printf("energy %.4f (%s over T=%d, best of %d)\n", pr.energy[0], vote.c_str(), steps ? steps : Spec::trained_steps,
                votes);
  std::printf("valid sudoku: %s\nagrees with the %d givens: %s\n", valid ? "yes" : "no", givens(puzzle),
              keeps ? "yes" : "no");
  std::string digits;
  for (int i = 0; i < kCells; ++i) digits += static_cast<char>('0' + g[i]);
  std::printf("%s\n", digits.c_str());
  return valid && keeps ? 0 : 3;
}


// The task as akorn::cli::run takes it: its commands, their help, and which of them run
// the model (--device) or train (not in the inference-only program).
struct Commands {
  static constexpr const char* kName = "sudoku";
  static bool has(const std::string& cmd) { return cmd == "train" || cmd == "eval" || cmd == "solve" || cmd == "dump"; }
  static bool runs_model(const std::string& cmd) { return has(cmd); }
  static bool trains(const std::string& cmd) { return cmd == "train"; }
  static const char* help() {
    return "Sudoku (the spec's task; input 'board', output 'logits'):\n"
           "  train --out DIR [--data CSV] [--eval-data CSV] [--epochs E] [--batch B] [--lr LR] [--seed S]\n"
           "        [--limit N] [--max-steps K] [--ckpt-every K] [--eval-every E] [--resume yes]\n"
           "        [--augment yes] (a random Sudoku symmetry per training board; not in the reference)\n"
           "        [--holdout N] (validate on the last N boards of --data and train on the rest)\n"
           "  eval --weights W [--data CSV] [--steps T] [--votes K] [--vote sum|last|verify] [--limit N] [--seed S]\n"
           "  solve --weights W [--steps T] [--votes K] [--vote sum|last|verify] BOARD   (81 digits, 0 or . blank;\n"
           "        stdin when BOARD is absent); exit 0 when the result is a valid grid that keeps the givens\n"
           "  dump --weights W --data CSV --out DIR [--steps T] [--seed S] [--limit N] [--overwrite yes] [--extra no]\n"
           "        logits.npy [N, 81, 9] and energy.npy [N, T+1] (float32), and the model's other\n"
           "        outputs as NAME.npy [N, elems] unless --extra no\n";
  }
  template <class Spec, class Be, bool kTraining>
  static int run(const std::string& cmd, int argc, char** argv) {
    if constexpr (kTraining) {
      if (cmd == "train")
        return cmd_train<Spec, Be>(parse_args(argc, argv, {"data", "eval-data", "out", "epochs", "batch", "lr", "seed", "limit",
                                                       "max-steps", "ckpt-every", "eval-every", "eval-limit", "holdout", "augment",
                                                       "resume", "quiet", "device", "tf32", "precision", "cuda-graph"}));
    }
    if (cmd == "eval")
      return cmd_eval<Spec, Be>(parse_args(argc, argv, {"data", "weights", "steps", "votes", "vote", "batch", "limit", "seed",
                                                    "device", "tf32", "precision", "cuda-graph"}));
    if (cmd == "solve") return cmd_solve<Spec, Be>(argc, argv);
    if (cmd == "dump")
      return cmd_dump<Spec, Be>(parse_args(argc, argv, {"data", "weights", "out", "steps", "limit", "batch", "seed", "overwrite",
                                                    "extra", "device", "tf32", "precision", "cuda-graph"}));
    return -1;
  }
};

}  // namespace akorn::sudoku
