// The command-line program of every generated model (its main.cpp calls akorn::cli::run).
//   MODEL info [--batch N]
//   MODEL bench-train [--batch N] [--iters K] [--warmup W] [--seed S]
//   MODEL bench-infer [--batch N] [--steps T] [--iters K] [--warmup W]
// Errors print one line naming the problem and exit 1; bad usage exits 2.
#pragma once
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "format.hpp"
#include "init.hpp"
#include "model_info.hpp"
#include "npy.hpp"
#include "optim.hpp"
#include "rng.hpp"
#include "safetensors.hpp"
#include "sudoku_task.hpp"
#include "sudoku_train.hpp"

namespace akorn::cli {

struct Args {
  std::string command;
  std::map<std::string, std::string> opts;
  std::string get(const std::string& k, const std::string& def) const {
    auto it = opts.find(k);
    return it == opts.end() ? def : it->second;
  }
  long get_int(const std::string& k, long def, long lo, long hi) const {
    auto it = opts.find(k);
    if (it == opts.end()) return def;
    char* end = nullptr;
    long v = std::strtol(it->second.c_str(), &end, 10);
    AKORN_CHECK(end && !*end && v >= lo && v <= hi,
                "--" + k + " needs a whole number in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got '" +
                    it->second + "'");
    return v;
  }
};

inline Args parse_args(int argc, char** argv, const std::vector<std::string>& known) {
  Args a;
  if (argc > 1) a.command = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string s = argv[i];
    AKORN_CHECK(s.rfind("--", 0) == 0, "unexpected argument '" + s + "'");
    std::string k = s.substr(2);
    bool ok = false;
    for (auto& n : known) ok = ok || n == k;
    AKORN_CHECK(ok, "unknown option '" + s + "' for '" + a.command + "'");
    AKORN_CHECK(i + 1 < argc, "option '" + s + "' needs a value");
    a.opts[k] = argv[++i];
  }
  return a;
}

using akorn::human_bytes;

// Random inputs within the token ranges the embedding / loss accept (0..9 style tokens).
template <class Spec>
struct RandomBatch {
  std::vector<std::vector<std::int32_t>> tokens;
  std::vector<std::vector<float>> features;
  std::vector<const void*> ptrs;
  RandomBatch(int N, std::uint64_t seed) : tokens(Spec::num_inputs), features(Spec::num_inputs), ptrs(Spec::num_inputs) {
    Rng rng(seed);
    for (int i = 0; i < Spec::num_inputs; ++i) {
      const InputInfo& in = Spec::inputs[i];
      size_t n = static_cast<size_t>(in.elems * N);
      if (in.is_int) {
        tokens[i].resize(n);
        // 1..9: valid for embeddings of >= 10 tokens and for 9-class targets with offset -1
        for (auto& t : tokens[i]) t = 1 + static_cast<int>(rng.uniform() * 9) % 9;
        ptrs[i] = tokens[i].data();
      } else {
        features[i].resize(n);
        for (auto& f : features[i]) f = static_cast<float>(rng.normal());
        ptrs[i] = features[i].data();
      }
    }
  }
};

template <class Spec>
int cmd_info(const Args& a) {
  int N = static_cast<int>(a.get_int("batch", 1, 1, 1000000));
  index_t trainable = 0, total = 0;
  for (int i = 0; i < Spec::num_params; ++i) {
    total += Spec::params[i].elems;
    if (Spec::params[i].trainable) trainable += Spec::params[i].elems;
  }
  std::printf("model %s (spec sha256 %s)\n", Spec::name, Spec::spec_hash);
  std::printf("parameters: %lld (%lld trainable)\n", static_cast<long long>(total), static_cast<long long>(trainable));
  for (int i = 0; i < Spec::num_params; ++i)
    std::printf("  %-28s %-18s %s\n", Spec::params[i].name,
                shape_string(Spec::params[i].shape, Spec::params[i].rank).c_str(),
                Spec::params[i].trainable ? "" : "(not trained)");
  std::printf("arena at batch %d: inference %s, training %s\n", N,
              human_bytes(4.0 * static_cast<double>(Spec::infer_arena_elems) * N).c_str(),
              human_bytes(4.0 * static_cast<double>(Spec::train_arena_elems) * N).c_str());
  return 0;
}

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// One training step = forward + backward + clipping to global norm 1 + Adam, as in training.
template <class Spec>
int cmd_bench_train(const Args& a) {
  AKORN_CHECK(Spec::trainable, std::string(Spec::name) + " has no loss: nothing to train");
  int N = static_cast<int>(a.get_int("batch", 100, 1, 100000));
  int iters = static_cast<int>(a.get_int("iters", 5, 1, 100000));
  int warmup = static_cast<int>(a.get_int("warmup", 1, 0, 1000));
  std::uint64_t seed = static_cast<std::uint64_t>(a.get_int("seed", 0, 0, 1L << 40));
  using M = typename Spec::template ModelT<float>;
  std::vector<float> params(static_cast<size_t>(Spec::param_elems)), grads(params.size());
  std::vector<float> arena(static_cast<size_t>(M::arena_elems(N)));
  init_params<float>(Spec::params, Spec::num_params, params.data(), seed);
  M model(params.data(), grads.data(), arena.data(), N);
  RandomBatch<Spec> batch(N, seed + 1);
  auto in = Spec::template inputs_from<float>(batch.ptrs.data());
  typename Spec::template OutputsT<float> out{};
  Adam<float> adam;
  double tf = 0, tb = 0, to = 0;
  float loss = 0;
  for (int it = 0; it < warmup + iters; ++it) {
    auto t0 = std::chrono::steady_clock::now();
    loss = model.train_forward(N, in, out, seed, static_cast<std::uint64_t>(it) * N);
    auto t1 = std::chrono::steady_clock::now();
    model.train_backward();
    auto t2 = std::chrono::steady_clock::now();
    clip_grad_norm<float>(Spec::params, Spec::num_params, grads.data(), 1.0);
    adam.step(Spec::params, Spec::num_params, Spec::param_elems, params.data(), grads.data());
    auto t3 = std::chrono::steady_clock::now();
    if (it >= warmup) {
      tf += std::chrono::duration<double>(t1 - t0).count();
      tb += std::chrono::duration<double>(t2 - t1).count();
      to += std::chrono::duration<double>(t3 - t2).count();
    }
  }
  std::printf("%s bench-train batch %d: %.3f s/step (forward %.3f, backward %.3f, clip+adam %.3f), "
              "%.0f samples/s, last loss %.4f, arena %s\n",
              Spec::name, N, (tf + tb + to) / iters, tf / iters, tb / iters, to / iters, N * iters / (tf + tb + to),
              static_cast<double>(loss), human_bytes(4.0 * static_cast<double>(arena.size())).c_str());
  return 0;
}

// Time of every op's forward and backward pass within training steps (ggml's performance
// mode, per op): the schedule the model exports, run in order with a clock around each op.
template <class Spec>
int cmd_bench_ops(const Args& a) {
  AKORN_CHECK(Spec::trainable, std::string(Spec::name) + " has no loss: nothing to time");
  int N = static_cast<int>(a.get_int("batch", 100, 1, 100000));
  int iters = static_cast<int>(a.get_int("iters", 3, 1, 100000));
  using M = typename Spec::template ModelT<float>;
  std::vector<float> params(static_cast<size_t>(Spec::param_elems)), grads(params.size());
  std::vector<float> arena(static_cast<size_t>(M::arena_elems(N)));
  init_params<float>(Spec::params, Spec::num_params, params.data(), 0);
  M model(params.data(), grads.data(), arena.data(), N);
  RandomBatch<Spec> batch(N, 1);
  auto in = Spec::template inputs_from<float>(batch.ptrs.data());
  typename Spec::template OutputsT<float> out{};
  const auto schedule = M::train_schedule();
  std::vector<double> tf(schedule.size(), 0.0), tb(schedule.size(), 0.0);
  model.train_forward(N, in, out, 0, 0);  // warm-up
  model.train_backward();
  for (int it = 0; it < iters; ++it) {
    model.begin(N, in, out, 0, static_cast<std::uint64_t>(it) * N, 0);
    for (size_t i = 0; i < schedule.size(); ++i) {
      auto t0 = std::chrono::steady_clock::now();
      (model.*schedule[i].fwd)();
      tf[i] += seconds_since(t0);
    }
    std::fill(grads.begin(), grads.end(), 0.f);
    for (size_t i = schedule.size(); i-- > 0;) {
      if (!schedule[i].bwd) continue;
      auto t0 = std::chrono::steady_clock::now();
      (model.*schedule[i].bwd)();
      tb[i] += seconds_since(t0);
    }
  }
  double total = 0;
  for (size_t i = 0; i < schedule.size(); ++i) total += tf[i] + tb[i];
  std::printf("%s bench-ops batch %d (mean of %d training steps): %.3f s/step\n", Spec::name, N, iters, total / iters);
  std::printf("  %-16s %-18s %10s %10s %7s\n", "op", "kind", "fwd (ms)", "bwd (ms)", "share");
  for (size_t i = 0; i < schedule.size(); ++i)
    std::printf("  %-16s %-18s %10.2f %10.2f %6.1f%%\n", schedule[i].name, schedule[i].kind, 1e3 * tf[i] / iters,
                1e3 * tb[i] / iters, 100.0 * (tf[i] + tb[i]) / total);
  return 0;
}

template <class Spec>
int cmd_bench_infer(const Args& a) {
  int N = static_cast<int>(a.get_int("batch", 100, 1, 100000));
  int steps = static_cast<int>(a.get_int("steps", 0, 0, 100000));
  int iters = static_cast<int>(a.get_int("iters", 5, 1, 100000));
  int warmup = static_cast<int>(a.get_int("warmup", 1, 0, 1000));
  using M = typename Spec::template ModelT<float>;
  std::vector<float> params(static_cast<size_t>(Spec::param_elems));
  std::vector<float> arena(static_cast<size_t>(Spec::infer_arena_elems * N));
  init_params<float>(Spec::params, Spec::num_params, params.data(), 0);
  M model(params.data(), nullptr, arena.data(), N);
  RandomBatch<Spec> batch(N, 1);
  auto in = Spec::template inputs_from<float>(batch.ptrs.data());
  typename Spec::template OutputsT<float> out{};
  double t = 0;
  for (int it = 0; it < warmup + iters; ++it) {
    auto t0 = std::chrono::steady_clock::now();
    model.infer(N, in, out, 0, static_cast<std::uint64_t>(it) * N, steps);
    if (it >= warmup) t += seconds_since(t0);
  }
  std::printf("%s bench-infer batch %d steps %d: %.3f s/batch, %.0f samples/s, arena %s\n", Spec::name, N,
              steps ? steps : Spec::trained_steps, t / iters, N * iters / t,
              human_bytes(4.0 * static_cast<double>(arena.size())).c_str());
  return 0;
}


// ---- the Sudoku task (models with the Sudoku interface, see sudoku_task.hpp)

inline void check_device(const Args& a) {
  std::string d = a.get("device", "cpu");
  AKORN_CHECK(d == "cpu" || d == "cuda", "--device must be cpu or cuda, got '" + d + "'");
  AKORN_CHECK(d == "cpu", "--device cuda: this program was built without the CUDA backend (CPU only)");
}

inline double get_double(const Args& a, const std::string& k, double def, double lo, double hi) {
  std::string v = a.get(k, "");
  if (v.empty()) return def;
  char* end = nullptr;
  double x = std::strtod(v.c_str(), &end);
  AKORN_CHECK(end && !*end && x >= lo && x <= hi, "--" + k + " needs a number in [" + std::to_string(lo) + ", " +
                                                      std::to_string(hi) + "], got '" + v + "'");
  return x;
}

template <class Spec>
int cmd_train(const Args& a) {
  check_device(a);
  sudoku::TrainConfig c;
  c.data = a.get("data", "data/sudoku/satnet-train.csv");
  c.eval_data = a.get("eval-data", "");
  c.out = a.get("out", "");
  AKORN_CHECK(!c.out.empty(), "train needs --out DIR (checkpoint, log and weights go there)");
  c.epochs = static_cast<int>(a.get_int("epochs", 100, 1, 1000000));
  c.batch = static_cast<int>(a.get_int("batch", 100, 1, 100000));
  c.eval_every = static_cast<int>(a.get_int("eval-every", 10, 0, 1000000));
  c.eval_limit = static_cast<int>(a.get_int("eval-limit", 1000, 1, 100000000));
  c.lr = get_double(a, "lr", 1e-3, 0.0, 10.0);
  c.seed = static_cast<std::uint64_t>(a.get_int("seed", 0, 0, 1L << 40));
  c.limit = a.get_int("limit", 0, 0, 100000000);
  c.max_steps = a.get_int("max-steps", 0, 0, 1L << 40);
  c.ckpt_every = a.get_int("ckpt-every", 0, 0, 1L << 40);
  c.resume = a.get("resume", "no") == "yes";
  c.quiet = a.get("quiet", "no") == "yes";
  sudoku::Trainer<Spec> t(c);
  return t.run();
}

template <class Spec>
int cmd_eval(const Args& a) {
  check_device(a);
  std::string data = a.get("data", "data/sudoku/satnet-test.csv");
  std::string weights = a.get("weights", "");
  AKORN_CHECK(!weights.empty(), "eval needs --weights FILE");
  int steps = static_cast<int>(a.get_int("steps", 0, 0, 100000));
  int votes = static_cast<int>(a.get_int("votes", 1, 1, 100000));
  std::string vote = a.get("vote", "sum");
  AKORN_CHECK(vote == "sum" || vote == "last", "--vote must be sum or last, got '" + vote + "'");
  int batch = static_cast<int>(a.get_int("batch", 256, 1, 100000));
  long limit = a.get_int("limit", 0, 0, 100000000);
  std::uint64_t seed = static_cast<std::uint64_t>(a.get_int("seed", 0, 0, 1L << 40));
  sudoku::Boards b = sudoku::load_boards(data, static_cast<size_t>(limit));
  sudoku::Runner<Spec> r(std::max(batch, votes));
  sudoku::load_weights<Spec>(weights, r.params.data());
  auto t0 = std::chrono::steady_clock::now();
  sudoku::Prediction pr = r.predict(b.puzzles.data(), b.count, steps, votes, vote == "last", seed);
  double secs = seconds_since(t0);
  sudoku::Accuracy acc = sudoku::score(b, pr);
  std::printf("%s: %zu boards, T=%d, votes %d (%s): board accuracy %.2f%% (%zu/%zu), cell accuracy %.2f%%, %.1f s\n",
              data.c_str(), b.count, steps ? steps : Spec::trained_steps, votes, vote.c_str(), acc.board_acc(), acc.solved,
              acc.boards, acc.cell_acc(), secs);
  std::printf("by givens:");
  for (auto& [g, sb] : acc.by_givens) std::printf(" %d:%.1f%%(%zu)", g, 100.0 * sb.first / sb.second, sb.second);
  std::printf("\n");
  return 0;
}

// dump: logits [N, 81, 9] and per-step energies [N, T+1] of the boards of a CSV, as float32
// .npy files. Deterministic for a --seed (counter-based noise); a board with every cell
// given involves no noise at all.
template <class Spec>
int cmd_dump(const Args& a) {
  check_device(a);
  std::string data = a.get("data", "");
  std::string weights = a.get("weights", "");
  std::string out = a.get("out", "");
  AKORN_CHECK(!data.empty() && !weights.empty() && !out.empty(), "dump needs --weights FILE --data CSV --out DIR");
  int steps = static_cast<int>(a.get_int("steps", 0, 0, 100000));
  long limit = a.get_int("limit", 0, 0, 100000000);
  int batch = static_cast<int>(a.get_int("batch", 256, 1, 100000));
  std::uint64_t seed = static_cast<std::uint64_t>(a.get_int("seed", 0, 0, 1L << 40));
  const bool overwrite = a.get("overwrite", "no") == "yes";
  const std::string lpath = out + "/logits.npy", epath = out + "/energy.npy";
  AKORN_CHECK(overwrite || (!path_exists(lpath) && !path_exists(epath)),
              out + ": already has logits.npy or energy.npy (pass --overwrite yes to replace them)");
  sudoku::Boards b = sudoku::load_boards(data, static_cast<size_t>(limit));
  sudoku::Runner<Spec> r(batch);
  sudoku::load_weights<Spec>(weights, r.params.data());
  const int T = steps > 0 ? steps : Spec::trained_steps;
  std::vector<float> logits(b.count * sudoku::kCells * 9), energy(b.count * static_cast<size_t>(T + 1));
  r.run_raw(b.puzzles.data(), b.count, T, seed, logits.data(), r.io.energy >= 0 ? energy.data() : nullptr);
  make_dirs(out);
  const auto n = static_cast<std::int64_t>(b.count);
  save_npy(lpath, logits.data(), {n, sudoku::kCells, 9});
  if (r.io.energy >= 0) save_npy(epath, energy.data(), {n, T + 1});
  std::printf("%s: %lld boards, T=%d -> %s [%lld, 81, 9]%s\n", data.c_str(), static_cast<long long>(n), T, lpath.c_str(),
              static_cast<long long>(n), r.io.energy >= 0 ? (", " + epath).c_str() : "");
  return 0;
}

// import: a foreign state dict (safetensors) -> an akorn weights file, through a name map
// (docs/IMPORT.md). Every parameter filled, every tensor used or ignored, counts checked.
template <class Spec>
int cmd_import(const Args& a) {
  std::string from = a.get("from", "");
  std::string out = a.get("out", "");
  AKORN_CHECK(!from.empty() && !out.empty(), "import needs --from STATE.safetensors --out W.akw [--map FILE]");
  std::string map = a.get("map", "");
  if (map.empty()) {
    map = "models/sudoku.import.map";
    AKORN_CHECK(path_exists(map), "no --map given and " + map +
                                              " is not in the current directory: pass --map FILE (docs/IMPORT.md)");
  }
  const bool overwrite = a.get("overwrite", "no") == "yes";
  AKORN_CHECK(overwrite || !path_exists(out), out + ": exists (pass --overwrite yes to replace it)");
  std::vector<ImportMapLine> lines = read_import_map(map);
  SafeTensorsFile st = read_safetensors(from);
  std::vector<float> params(static_cast<size_t>(Spec::param_elems), 0.0f);
  ImportReport rep = import_safetensors(st, lines, map, Spec::params, Spec::num_params, Spec::name, params.data());
  sudoku::save_weights<Spec>(out, params.data(), "imported from " + from + " with " + map);
  std::printf("%s: %d parameters of %s from %zu tensors (%d used, %d of them tied copies that agree; %d ignored) -> %s\n",
              from.c_str(), rep.params, Spec::name, st.tensors.size(), rep.tensors_used, rep.tied_checked,
              rep.tensors_ignored, out.c_str());
  return 0;
}

template <class Spec>
int cmd_solve(int argc, char** argv) {
  // solve [--weights W] [--steps T] [--votes K] [--vote sum|last] [--seed S] [--device D] [BOARD]
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
  Args a = parse_args(static_cast<int>(rest.size()), rest.data(), {"weights", "steps", "votes", "vote", "seed", "device"});
  check_device(a);
  if (board_text.empty()) {
    std::string line;
    while (std::getline(std::cin, line)) board_text += line;
  }
  std::int32_t puzzle[sudoku::kCells];
  std::string err = sudoku::parse_cells(board_text, true, puzzle);
  AKORN_CHECK(err.empty(), "board: " + err);
  std::string weights = a.get("weights", "");
  AKORN_CHECK(!weights.empty(), "solve needs --weights FILE");
  int steps = static_cast<int>(a.get_int("steps", 0, 0, 100000));
  int votes = static_cast<int>(a.get_int("votes", 1, 1, 100000));
  std::string vote = a.get("vote", "sum");
  AKORN_CHECK(vote == "sum" || vote == "last", "--vote must be sum or last, got '" + vote + "'");
  std::uint64_t seed = static_cast<std::uint64_t>(a.get_int("seed", 0, 0, 1L << 40));
  sudoku::Runner<Spec> r(votes);
  sudoku::load_weights<Spec>(weights, r.params.data());
  sudoku::Prediction pr = r.predict(puzzle, 1, steps, votes, vote == "last", seed);
  const std::int32_t* g = pr.digits.data();
  std::printf("%s", sudoku::format_grid(g).c_str());
  bool valid = sudoku::valid_grid(g), agrees = sudoku::agrees(puzzle, g);
  std::printf("energy %.4f (%s over T=%d, best of %d)\nvalid sudoku: %s\nagrees with the %d givens: %s\n", pr.energy[0],
              vote.c_str(), steps ? steps : Spec::trained_steps, votes, valid ? "yes" : "no", sudoku::givens(puzzle),
              agrees ? "yes" : "no");
  std::string digits;
  for (int i = 0; i < sudoku::kCells; ++i) digits += static_cast<char>('0' + g[i]);
  std::printf("%s\n", digits.c_str());
  return valid && agrees ? 0 : 3;
}

template <class Spec>
int run(int argc, char** argv) {
  const std::string cmd = argc > 1 ? argv[1] : "help";
  if (cmd == "help" || cmd == "--help" || cmd == "-h") {
    std::printf("%s: AKOrN model compiled by akornc (spec sha256 %s)\n"
                "commands:\n"
                "  info [--batch N]                     parameters and arena sizes\n"
                "  bench-train [--batch N] [--iters K] [--warmup W] [--seed S]\n"
                "                                       time training steps (forward, backward, clip, Adam)\n"
                "  bench-ops [--batch N] [--iters K]     time of each op's forward and backward in training\n"
                "  bench-infer [--batch N] [--steps T] [--iters K] [--warmup W]\n"
                "                                       time inference at T Kuramoto steps\n"
                "Sudoku models (input 'board', output 'logits'):\n"
                "  train --out DIR [--data CSV] [--eval-data CSV] [--epochs E] [--batch B] [--lr LR] [--seed S]\n"
                "        [--limit N] [--max-steps K] [--ckpt-every K] [--eval-every E] [--resume yes] [--device cpu]\n"
                "  eval --weights W [--data CSV] [--steps T] [--votes K] [--vote sum|last] [--limit N] [--seed S]\n"
                "  solve --weights W [--steps T] [--votes K] [--vote sum|last] BOARD   (81 digits, 0 or . blank;\n"
                "        stdin when BOARD is absent); exit 0 when the result is a valid grid that keeps the givens\n"
                "  dump --weights W --data CSV --out DIR [--steps T] [--seed S] [--limit N] [--overwrite yes]\n"
                "        logits.npy [N, 81, 9] and energy.npy [N, T+1] (float32)\n"
                "  import --from STATE.safetensors --out W.akw [--map FILE] [--overwrite yes]\n"
                "        weights from a safetensors state dict through a name map (default\n"
                "        models/sudoku.import.map; docs/IMPORT.md)\n",
                Spec::name, Spec::spec_hash);
    return 0;
  }
  try {
    if (cmd == "info") return cmd_info<Spec>(parse_args(argc, argv, {"batch"}));
    if (cmd == "bench-train")
      return cmd_bench_train<Spec>(parse_args(argc, argv, {"batch", "iters", "warmup", "seed"}));
    if (cmd == "bench-ops") return cmd_bench_ops<Spec>(parse_args(argc, argv, {"batch", "iters"}));
    if (cmd == "bench-infer")
      return cmd_bench_infer<Spec>(parse_args(argc, argv, {"batch", "steps", "iters", "warmup"}));
    if (cmd == "train")
      return cmd_train<Spec>(parse_args(argc, argv, {"data", "eval-data", "out", "epochs", "batch", "lr", "seed", "limit",
                                                     "max-steps", "ckpt-every", "eval-every", "eval-limit", "resume",
                                                     "quiet", "device"}));
    if (cmd == "eval")
      return cmd_eval<Spec>(parse_args(argc, argv, {"data", "weights", "steps", "votes", "vote", "batch", "limit", "seed",
                                                    "device"}));
    if (cmd == "solve") return cmd_solve<Spec>(argc, argv);
    if (cmd == "dump")
      return cmd_dump<Spec>(parse_args(argc, argv, {"data", "weights", "out", "steps", "limit", "batch", "seed", "overwrite",
                                                    "device"}));
    if (cmd == "import") return cmd_import<Spec>(parse_args(argc, argv, {"from", "out", "map", "overwrite"}));
    std::fprintf(stderr, "%s: unknown command '%s' (try '%s help')\n", Spec::name, cmd.c_str(), argv[0]);
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s %s: error: %s\n", Spec::name, cmd.c_str(), e.what());
    return 1;
  }
}

}  // namespace akorn::cli
