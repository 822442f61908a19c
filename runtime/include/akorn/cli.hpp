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
#include <ctime>
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
  // A yes/no flag: anything else is an error, never silently "no".
  bool get_yes_no(const std::string& k, bool def) const {
    auto it = opts.find(k);
    if (it == opts.end()) return def;
    AKORN_CHECK(it->second == "yes" || it->second == "no", "--" + k + " takes yes or no, got '" + it->second + "'");
    return it->second == "yes";
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

// A batch of random inputs copied to the backend's memory.
template <class Spec, class Be>
struct BackendBatch {
  RandomBatch<Spec> host;
  std::vector<typename Be::template Array<unsigned char>> bytes;
  std::vector<const void*> ptrs;
  BackendBatch(int N, std::uint64_t seed) : host(N, seed), bytes(Spec::num_inputs), ptrs(Spec::num_inputs) {
    for (int i = 0; i < Spec::num_inputs; ++i) {
      const index_t n = Spec::inputs[i].elems * N * 4;  // int32 or float32
      bytes[i].resize(n);
      Be::upload(bytes[i].data(), static_cast<const unsigned char*>(host.ptrs[i]), n);
      ptrs[i] = bytes[i].data();
    }
  }
};

// One training step = forward + backward + clipping to global norm 1 + Adam + EMA, as in
// training (on the GPU: one CUDA-graph replay plus the copies of the batch and the loss).
template <class Spec, class Be>
int cmd_bench_train(const Args& a) {
  AKORN_CHECK(Spec::trainable, std::string(Spec::name) + " has no loss: nothing to train");
  int N = static_cast<int>(a.get_int("batch", 100, 1, 100000));
  int iters = static_cast<int>(a.get_int("iters", 5, 1, 100000));
  int warmup = static_cast<int>(a.get_int("warmup", 2, 0, 1000));
  std::uint64_t seed = static_cast<std::uint64_t>(a.get_int("seed", 0, 0, 1L << 40));
  StepConfig sc;
  sc.batch = N;
  sc.cuda_graph = a.get_yes_no("cuda-graph", true);
  TrainStep<Spec, Be> engine(sc);
  {
    std::vector<float> p(static_cast<size_t>(Spec::param_elems));
    init_params<float>(Spec::params, Spec::num_params, p.data(), seed);
    engine.set_state(p.data(), p.data(), nullptr, nullptr, 0);
  }
  RandomBatch<Spec> batch(N, seed + 1);
  double t = 0, cpu = 0;  // wall and process CPU time (all threads; steadier on a shared machine)
  float loss = 0;
  for (int it = 0; it < warmup + iters; ++it) {
    auto t0 = std::chrono::steady_clock::now();
    const std::clock_t c0 = std::clock();
    loss = engine.step(batch.ptrs.data(), nullptr, seed, static_cast<std::uint64_t>(it) * N, nullptr);
    if (it >= warmup) {
      t += seconds_since(t0);
      cpu += static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
    }
  }
  std::printf("%s bench-train (%s) batch %d: %.4f s/step (process CPU %.4f s/step), %.0f samples/s, last loss %.4f, arena %s\n",
              Spec::name, Be::name, N, t / iters, cpu / iters, N * iters / t, static_cast<double>(loss),
              human_bytes(4.0 * static_cast<double>(Spec::template ModelT<float, Be>::arena_elems(N))).c_str());
  return 0;
}

// Time of every op's forward and backward pass within training steps (ggml's performance
// mode, per op): the schedule the model exports, run in order with a clock around each op.
template <class Spec, class Be>
int cmd_bench_ops(const Args& a) {
  AKORN_CHECK(Spec::trainable, std::string(Spec::name) + " has no loss: nothing to time");
  int N = static_cast<int>(a.get_int("batch", 100, 1, 100000));
  int iters = static_cast<int>(a.get_int("iters", 3, 1, 100000));
  using M = typename Spec::template ModelT<float, Be>;
  typename Be::template Array<float> params, grads, arena;
  params.resize(Spec::param_elems);
  grads.resize(Spec::param_elems);
  arena.resize(M::arena_elems(N));
  {
    std::vector<float> p(static_cast<size_t>(Spec::param_elems));
    init_params<float>(Spec::params, Spec::num_params, p.data(), 0);
    Be::upload(params.data(), p.data(), Spec::param_elems);
  }
  M model(params.data(), grads.data(), arena.data(), N);
  BackendBatch<Spec, Be> batch(N, 1);
  auto in = Spec::template inputs_from<float>(batch.ptrs.data());
  typename Spec::template OutputsT<float> out{};
  const auto schedule = M::train_schedule();
  std::vector<double> tf(schedule.size(), 0.0), tb(schedule.size(), 0.0);
  model.train_forward(N, in, out, 0, 0);  // warm-up
  model.train_backward();
  for (int it = 0; it < iters; ++it) {
    model.begin(N, in, out, 0, static_cast<std::uint64_t>(it) * N, 0);
    for (size_t i = 0; i < schedule.size(); ++i) {
      Be::sync();
      auto t0 = std::chrono::steady_clock::now();
      (model.*schedule[i].fwd)();
      Be::sync();
      tf[i] += seconds_since(t0);
    }
    Be::fill(grads.data(), Spec::param_elems, 0.f);
    for (size_t i = schedule.size(); i-- > 0;) {
      if (!schedule[i].bwd) continue;
      Be::sync();
      auto t0 = std::chrono::steady_clock::now();
      (model.*schedule[i].bwd)();
      Be::sync();
      tb[i] += seconds_since(t0);
    }
  }
  double total_f = 0, total_b = 0;
  for (size_t i = 0; i < schedule.size(); ++i) {
    total_f += tf[i];
    total_b += tb[i];
  }
  const double total = total_f + total_b;
  std::printf("%s bench-ops (%s) batch %d (mean of %d training steps, synchronised around each op): %.4f s/step\n",
              Spec::name, Be::name, N, iters, total / iters);
  std::printf("  %-16s %-18s %10s %10s %7s\n", "op", "kind", "fwd (ms)", "bwd (ms)", "share");
  for (size_t i = 0; i < schedule.size(); ++i)
    std::printf("  %-16s %-18s %10.2f %10.2f %6.1f%%\n", schedule[i].name, schedule[i].kind, 1e3 * tf[i] / iters,
                1e3 * tb[i] / iters, 100.0 * (tf[i] + tb[i]) / total);
  // The forward / backward split of a step (clipping, Adam and EMA are not in these ops).
  std::printf("  %-16s %-18s %10.2f %10.2f %6.1f%%\n", "total", "forward / backward", 1e3 * total_f / iters,
              1e3 * total_b / iters, 100.0);
  return 0;
}

template <class Spec, class Be>
int cmd_bench_infer(const Args& a) {
  int N = static_cast<int>(a.get_int("batch", 100, 1, 100000));
  int steps = static_cast<int>(a.get_int("steps", 0, 0, 100000));
  int iters = static_cast<int>(a.get_int("iters", 5, 1, 100000));
  int warmup = static_cast<int>(a.get_int("warmup", 1, 0, 1000));
  using M = typename Spec::template ModelT<float, Be>;
  typename Be::template Array<float> params, arena;
  params.resize(Spec::param_elems);
  arena.resize(Spec::infer_arena_elems * N);
  {
    std::vector<float> p(static_cast<size_t>(Spec::param_elems));
    init_params<float>(Spec::params, Spec::num_params, p.data(), 0);
    Be::upload(params.data(), p.data(), Spec::param_elems);
  }
  M model(params.data(), nullptr, arena.data(), N);
  BackendBatch<Spec, Be> batch(N, 1);
  auto in = Spec::template inputs_from<float>(batch.ptrs.data());
  typename Spec::template OutputsT<float> out{};
  double t = 0, cpu = 0;  // wall and process CPU time, as bench-train
  for (int it = 0; it < warmup + iters; ++it) {
    auto t0 = std::chrono::steady_clock::now();
    const std::clock_t c0 = std::clock();
    model.infer(N, in, out, 0, static_cast<std::uint64_t>(it) * N, steps);
    Be::sync();
    if (it >= warmup) {
      t += seconds_since(t0);
      cpu += static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
    }
  }
  std::printf("%s bench-infer (%s) batch %d steps %d: %.4f s/batch (process CPU %.4f s/batch), %.0f samples/s, arena %s\n",
              Spec::name, Be::name, N, steps ? steps : Spec::trained_steps, t / iters, cpu / iters, N * iters / t,
              human_bytes(4.0 * static_cast<double>(arena.size())).c_str());
  return 0;
}


// ---- the Sudoku task (models with the Sudoku interface, see sudoku_task.hpp)


inline double get_double(const Args& a, const std::string& k, double def, double lo, double hi) {
  std::string v = a.get(k, "");
  if (v.empty()) return def;
  char* end = nullptr;
  double x = std::strtod(v.c_str(), &end);
  AKORN_CHECK(end && !*end && x >= lo && x <= hi, "--" + k + " needs a number in [" + std::to_string(lo) + ", " +
                                                      std::to_string(hi) + "], got '" + v + "'");
  return x;
}

template <class Spec, class Be>
int cmd_train(const Args& a) {
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
  c.holdout = a.get_int("holdout", 0, 0, 100000000);
  c.augment = a.get_yes_no("augment", false);
  c.resume = a.get_yes_no("resume", false);
  c.quiet = a.get_yes_no("quiet", false);
  c.cuda_graph = a.get_yes_no("cuda-graph", true);
  sudoku::Trainer<Spec, Be> t(c);
  return t.run();
}

template <class Spec, class Be>
int cmd_eval(const Args& a) {
  std::string data = a.get("data", "data/sudoku/satnet-test.csv");
  std::string weights = a.get("weights", "");
  AKORN_CHECK(!weights.empty(), "eval needs --weights FILE");
  int steps = static_cast<int>(a.get_int("steps", 0, 0, 100000));
  int votes = static_cast<int>(a.get_int("votes", 1, 1, 100000));
  std::string vote = a.get("vote", "sum");
  AKORN_CHECK(vote == "sum" || vote == "last" || vote == "verify",
              "--vote must be sum, last or verify, got '" + vote + "'");
  int batch = static_cast<int>(a.get_int("batch", 256, 1, 100000));
  long limit = a.get_int("limit", 0, 0, 100000000);
  std::uint64_t seed = static_cast<std::uint64_t>(a.get_int("seed", 0, 0, 1L << 40));
  sudoku::Boards b = sudoku::load_boards(data, static_cast<size_t>(limit));
  sudoku::Runner<Spec, Be> r(std::max(batch, votes));
  r.load(weights);
  auto t0 = std::chrono::steady_clock::now();
  sudoku::Prediction pr = vote == "verify" ? r.predict_verified(b.puzzles.data(), b.count, steps, votes, seed)
                                            : r.predict(b.puzzles.data(), b.count, steps, votes, vote == "last", seed);
  double secs = seconds_since(t0);
  sudoku::Accuracy acc = sudoku::score(b, pr);
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
  sudoku::Boards b = sudoku::load_boards(data, static_cast<size_t>(limit));
  sudoku::Runner<Spec, Be> r(batch);
  r.load(weights);
  const int T = steps > 0 ? steps : Spec::trained_steps;
  std::vector<float> logits(b.count * sudoku::kCells * 9), energy(b.count * static_cast<size_t>(T + 1));
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
  save_npy(lpath, logits.data(), {n, sudoku::kCells, 9});
  if (r.io.energy >= 0) save_npy(epath, energy.data(), {n, T + 1});
  for (int i = 0; i < Spec::num_outputs; ++i)
    if (extra_ptr[i]) save_npy(out + "/" + Spec::outputs[i].name + ".npy", extra[i].data(), {n, Spec::outputs[i].elems});
  std::printf("%s: %lld boards, T=%d -> %s [%lld, 81, 9]%s%s\n", data.c_str(), static_cast<long long>(n), T, lpath.c_str(),
              static_cast<long long>(n), r.io.energy >= 0 ? (", " + epath).c_str() : "", extra_names.c_str());
  return 0;
}

// import: a foreign state dict (safetensors) -> an akorn weights file, through a name map
// (docs/IMPORT.md). Every parameter filled, every tensor used or ignored, counts checked.
template <class Spec>
int cmd_import(const Args& a) {
  std::string from = a.get("from", "");
  std::string out = a.get("out", "");
  AKORN_CHECK(!from.empty() && !out.empty(), "import needs --from STATE.safetensors --out W.akw [--map FILE]");
  // --map FILE, else the map the spec named (compiled in, so a deployed program needs no file)
  std::string map = a.get("map", "");
  std::vector<ImportMapLine> lines;
  if (map.empty()) {
    AKORN_CHECK(Spec::import_map[0] != '\0', std::string(Spec::name) +
                                                 " has no name map compiled in (its spec has no import_map): pass "
                                                 "--map FILE (docs/IMPORT.md)");
    map = std::string(Spec::import_map_name) + " (compiled into " + Spec::name + ")";
    lines = parse_import_map(Spec::import_map, map);
  }
  const bool overwrite = a.get_yes_no("overwrite", false);
  AKORN_CHECK(overwrite || !path_exists(out), out + ": exists (pass --overwrite yes to replace it)");
  if (lines.empty()) lines = read_import_map(map);
  SafeTensorsFile st = read_safetensors(from);
  const size_t n_file = st.tensors.size();
  int dropped = 0;
  const std::string prefix = unwrap_state_dict(st, a.get("prefix", ""), dropped);
  std::vector<float> params(static_cast<size_t>(Spec::param_elems), 0.0f);
  ImportReport rep = import_safetensors(st, lines, map, Spec::params, Spec::num_params, Spec::name, params.data());
  sudoku::save_weights<Spec>(out, params.data(), "imported from " + from + (prefix.empty() ? "" : " (" + prefix + ")") +
                                                     " with " + map);
  std::printf("%s: %d parameters of %s from %zu tensors%s (%d used, %d of them tied copies that agree; %d ignored) -> %s\n",
              from.c_str(), rep.params, Spec::name, n_file,
              prefix.empty() ? "" : (" through '" + prefix + "', " + std::to_string(dropped) + " wrapper tensors dropped").c_str(),
              rep.tensors_used, rep.tied_checked, rep.tensors_ignored, out.c_str());
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
  Args a = parse_args(static_cast<int>(rest.size()), rest.data(), {"weights", "steps", "votes", "vote", "seed", "device", "tf32"});
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
  AKORN_CHECK(vote == "sum" || vote == "last" || vote == "verify",
              "--vote must be sum, last or verify, got '" + vote + "'");
  std::uint64_t seed = static_cast<std::uint64_t>(a.get_int("seed", 0, 0, 1L << 40));
  sudoku::Runner<Spec, Be> r(votes);
  r.load(weights);
  sudoku::Prediction pr = vote == "verify" ? r.predict_verified(puzzle, 1, steps, votes, seed)
                                            : r.predict(puzzle, 1, steps, votes, vote == "last", seed);
  const std::int32_t* g = pr.digits.data();
  std::printf("%s", sudoku::format_grid(g).c_str());
  bool valid = sudoku::valid_grid(g), agrees = sudoku::agrees(puzzle, g);
  if (vote == "verify")
    std::printf("energy %.4f (sum over T=%d; copy %d of at most %d, %s)\n", pr.energy[0], steps ? steps : Spec::trained_steps,
                pr.copies[0], votes, pr.verified[0] ? "the first that checks" : "none checked: lowest energy");
  else
    std::printf("energy %.4f (%s over T=%d, best of %d)\n", pr.energy[0], vote.c_str(), steps ? steps : Spec::trained_steps,
                votes);
  std::printf("valid sudoku: %s\nagrees with the %d givens: %s\n", valid ? "yes" : "no", sudoku::givens(puzzle),
              agrees ? "yes" : "no");
  std::string digits;
  for (int i = 0; i < sudoku::kCells; ++i) digits += static_cast<char>('0' + g[i]);
  std::printf("%s\n", digits.c_str());
  return valid && agrees ? 0 : 3;
}

// Entry points of a model's CUDA build (its model_cuda.cu); null in a CPU-only build.
struct CudaHooks {
  int (*devices)() = nullptr;                   // CUDA devices present (0: none or no driver)
  int (*run)(int argc, char** argv) = nullptr;  // run_on<Spec, akorn::cuda::Backend>
};

// The commands on one backend (argv already checked by run()). kTraining = false: the
// inference-only program (`<model>-infer`): the training commands are not compiled in, so
// neither are the backward kernels, the optimisers or the trainer.
template <class Spec, class Be, bool kTraining = true>
int run_on(int argc, char** argv) {
  const std::string cmd = argc > 1 ? argv[1] : "help";
  try {
    for (int i = 2; i + 1 < argc; ++i)
      if (std::strcmp(argv[i], "--tf32") == 0) {
        const std::string v = argv[i + 1];
        AKORN_CHECK(v == "yes" || v == "no", "--tf32 takes yes or no, got '" + v + "'");
      }
    if (cmd == "info") return cmd_info<Spec>(parse_args(argc, argv, {"batch"}));
    if constexpr (kTraining) {
      if (cmd == "bench-train")
        return cmd_bench_train<Spec, Be>(parse_args(argc, argv, {"batch", "iters", "warmup", "seed", "device", "tf32", "cuda-graph"}));
      if (cmd == "bench-ops") return cmd_bench_ops<Spec, Be>(parse_args(argc, argv, {"batch", "iters", "device", "tf32", "cuda-graph"}));
      if (cmd == "train")
        return cmd_train<Spec, Be>(parse_args(argc, argv, {"data", "eval-data", "out", "epochs", "batch", "lr", "seed", "limit",
                                                       "max-steps", "ckpt-every", "eval-every", "eval-limit", "holdout", "augment", "resume",
                                                       "quiet", "device", "tf32", "cuda-graph"}));
    } else {
      if (cmd == "bench-train" || cmd == "bench-ops" || cmd == "train") {
        std::fprintf(stderr, "%s %s: error: this is the inference-only program (%s-infer); '%s' is in the full program %s\n",
                     Spec::name, cmd.c_str(), Spec::name, cmd.c_str(), Spec::name);
        return 2;
      }
    }
    if (cmd == "bench-infer")
      return cmd_bench_infer<Spec, Be>(parse_args(argc, argv, {"batch", "steps", "iters", "warmup", "device", "tf32", "cuda-graph"}));
    if (cmd == "eval")
      return cmd_eval<Spec, Be>(parse_args(argc, argv, {"data", "weights", "steps", "votes", "vote", "batch", "limit", "seed",
                                                    "device", "tf32", "cuda-graph"}));
    if (cmd == "solve") return cmd_solve<Spec, Be>(argc, argv);
    if (cmd == "dump")
      return cmd_dump<Spec, Be>(parse_args(argc, argv, {"data", "weights", "out", "steps", "limit", "batch", "seed", "overwrite", "extra",
                                                    "device", "tf32", "cuda-graph"}));
    if (cmd == "import") return cmd_import<Spec>(parse_args(argc, argv, {"from", "out", "map", "prefix", "overwrite"}));
    std::fprintf(stderr, "%s: unknown command '%s' (try '%s help')\n", Spec::name, cmd.c_str(), argv[0]);
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s %s: error: %s\n", Spec::name, cmd.c_str(), e.what());
    return 1;
  }
}

// The value of --device (auto when absent).
inline std::string device_arg(int argc, char** argv) {
  for (int i = 2; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--device") == 0) return argv[i + 1];
  return "auto";
}

template <class Spec, bool kTraining = true>
int run(int argc, char** argv, const CudaHooks& cuda = {}) {
  const std::string cmd = argc > 1 ? argv[1] : "help";
  if (cmd == "help" || cmd == "--help" || cmd == "-h") {
    std::printf("%s%s: AKOrN model compiled by akornc (spec sha256 %s)\n"
                "commands:\n"
                "  info [--batch N]                     parameters and arena sizes\n"
                "  bench-train [--batch N] [--iters K] [--warmup W] [--seed S]\n"
                "                                       time training steps (forward, backward, clip, Adam)\n"
                "  bench-ops [--batch N] [--iters K]     time of each op's forward and backward in training\n"
                "  bench-infer [--batch N] [--steps T] [--iters K] [--warmup W]\n"
                "                                       time inference at T Kuramoto steps\n"
                "Sudoku models (input 'board', output 'logits'):\n"
                "  train --out DIR [--data CSV] [--eval-data CSV] [--epochs E] [--batch B] [--lr LR] [--seed S]\n"
                "        [--limit N] [--max-steps K] [--ckpt-every K] [--eval-every E] [--resume yes]\n"
                "        [--augment yes] (a random Sudoku symmetry per training board; not in the reference)\n"
                "        [--holdout N] (validate on the last N boards of --data and train on the rest)\n"
                "  eval --weights W [--data CSV] [--steps T] [--votes K] [--vote sum|last|verify] [--limit N] [--seed S]\n"
                "  solve --weights W [--steps T] [--votes K] [--vote sum|last|verify] BOARD   (81 digits, 0 or . blank;\n"
                "        stdin when BOARD is absent); exit 0 when the result is a valid grid that keeps the givens\n"
                "  dump --weights W --data CSV --out DIR [--steps T] [--seed S] [--limit N] [--overwrite yes] [--extra no]\n"
                "        logits.npy [N, 81, 9] and energy.npy [N, T+1] (float32), and the model's other\n"
                "        outputs as NAME.npy [N, elems] unless --extra no\n"
                "  import --from STATE.safetensors --out W.akw [--map FILE] [--prefix ema_model.|online_model.|none] [--overwrite yes]\n"
                "        weights from a safetensors state dict through a name map (default: the map\n"
                "        the spec names, compiled in; docs/IMPORT.md)\n"
                "every command that runs the model takes --device auto|cpu|cuda (auto: the GPU when there is\n"
                "one and this program was built with the CUDA backend); on cuda also --tf32 yes (TF32 tensor\n"
                "cores for the GEMMs; strict FP32 by default) and, for train / bench-train, --cuda-graph no\n",
                Spec::name, kTraining ? "" : " (inference-only program: no train, bench-train, bench-ops)", Spec::spec_hash);
    return 0;
  }
  static const char* const kModelCommands[] = {"bench-train", "bench-ops", "bench-infer", "train", "eval", "solve", "dump"};
  bool runs_model = false;
  for (const char* c : kModelCommands) runs_model = runs_model || cmd == c;
  if (runs_model) {
    const std::string dev = device_arg(argc, argv);
    std::string err;
    if (dev != "auto" && dev != "cpu" && dev != "cuda") err = "--device must be auto, cpu or cuda, got '" + dev + "'";
    else if (dev == "cuda" && !cuda.run)
      err = "--device cuda: this program was built without the CUDA backend (configure with -DAKORN_CUDA=ON)";
    else if (dev == "cuda" && cuda.devices() == 0)
      err = "--device cuda: no CUDA device is available (no NVIDIA GPU or driver found)";
    if (!err.empty()) {
      std::fprintf(stderr, "%s %s: error: %s\n", Spec::name, cmd.c_str(), err.c_str());
      return 1;
    }
    if (dev == "cuda" || (dev == "auto" && cuda.run && cuda.devices() > 0)) return cuda.run(argc, argv);
  }
  return run_on<Spec, CpuBackend, kTraining>(argc, argv);
}

}  // namespace akorn::cli
