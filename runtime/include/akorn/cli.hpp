// The command-line program of every generated model (its main.cpp calls akorn::cli::run).
// Generic commands, for any model:
//   MODEL info [--batch N]
//   MODEL init --out W.akw [--seed S]                 the spec's initialisation
//   MODEL run --weights W --input NAME=FILE.npy ... --out DIR [--steps T]   every output as .npy
//   MODEL export --weights W --out W.safetensors      the weights with our names
//   MODEL import --from STATE.safetensors --out W.akw [--map FILE]
//   MODEL bench-train / bench-ops / bench-infer
// A task (akorn/tasks/<name>/commands.hpp, chosen by the spec's "task") adds its commands;
// nothing here knows any task. Errors print one line naming the problem and exit 1; bad
// usage exits 2.
#pragma once
#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "akorn/backend.hpp"
#include "akorn/blas.hpp"
#include "akorn/flops.hpp"
#include "akorn/precision.hpp"
#include "akorn/files.hpp"
#include "akorn/format.hpp"
#include "akorn/init.hpp"
#include "akorn/model_info.hpp"
#include "akorn/npy.hpp"
#include "akorn/random_inputs.hpp"
#include "akorn/safetensors.hpp"
#include "akorn/train_step.hpp"
#include "akorn/weights.hpp"

namespace akorn::cli {

struct Args {
  std::string command;
  std::map<std::string, std::string> opts;
  std::map<std::string, std::vector<std::string>> multi;  // repeatable options, in order
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
  double get_double(const std::string& k, double def, double lo, double hi) const {
    auto it = opts.find(k);
    if (it == opts.end()) return def;
    char* end = nullptr;
    double x = std::strtod(it->second.c_str(), &end);
    AKORN_CHECK(end && !*end && x >= lo && x <= hi, "--" + k + " needs a number in [" + std::to_string(lo) + ", " +
                                                        std::to_string(hi) + "], got '" + it->second + "'");
    return x;
  }
  // A yes/no flag: anything else is an error, never silently "no".
  bool get_yes_no(const std::string& k, bool def) const {
    auto it = opts.find(k);
    if (it == opts.end()) return def;
    AKORN_CHECK(it->second == "yes" || it->second == "no", "--" + k + " takes yes or no, got '" + it->second + "'");
    return it->second == "yes";
  }
};

// Options are `--key value`; a key in `repeatable` may come several times (Args::multi).
inline Args parse_args(int argc, char** argv, const std::vector<std::string>& known,
                       const std::vector<std::string>& repeatable = {}) {
  Args a;
  if (argc > 1) a.command = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string s = argv[i];
    AKORN_CHECK(s.rfind("--", 0) == 0, "unexpected argument '" + s + "'");
    std::string k = s.substr(2);
    bool ok = false, rep = false;
    for (auto& n : known) ok = ok || n == k;
    for (auto& n : repeatable) rep = rep || n == k;
    AKORN_CHECK(ok || rep, "unknown option '" + s + "' for '" + a.command + "'");
    AKORN_CHECK(i + 1 < argc, "option '" + s + "' needs a value");
    if (rep) a.multi[k].push_back(argv[++i]);
    else {
      AKORN_CHECK(!a.opts.count(k), "option '" + s + "' is given twice");
      a.opts[k] = argv[++i];
    }
  }
  return a;
}

using akorn::human_bytes;

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
                shape_str(Spec::params[i].shape, Spec::params[i].rank).c_str(),
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

// The tail of a bench line: on the CPU the matrix-product FLOPs the timed iterations ran
// (flops.hpp) and their rate; the GEMM precision, and for bf16 how this CPU runs it.
template <class Be>
std::string rate_note(double seconds_per_iter, int iters) {
  std::string s;
  if (std::strcmp(Be::name, "cpu") == 0 && iters > 0 && seconds_per_iter > 0) {
    const double gf = matmul_flops() / iters / 1e9;
    char buf[128];
    std::snprintf(buf, sizeof buf, ", matmul %.2f GFLOP at %.1f GFLOP/s", gf, gf / seconds_per_iter);
    s += buf;
  }
  s += std::string(", precision ") + precision_name(gemm_precision());
  if (gemm_precision() == Precision::Bf16) s += " (" + bf16_gemm_engine() + ")";
  return s;
}

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
    if (it == warmup) matmul_flops() = 0;
    loss = engine.step(batch.ptrs.data(), nullptr, seed, static_cast<std::uint64_t>(it) * N, nullptr);
    if (it >= warmup) {
      t += seconds_since(t0);
      cpu += static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
    }
  }
  std::printf("%s bench-train (%s) batch %d: %.4f s/step (process CPU %.4f s/step), %.0f samples/s, last loss %.4f, arena %s%s\n",
              Spec::name, Be::name, N, t / iters, cpu / iters, N * iters / t, static_cast<double>(loss),
              human_bytes(4.0 * static_cast<double>(Spec::template ModelT<float, Be>::arena_elems(N))).c_str(),
              rate_note<Be>(t / iters, iters).c_str());
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
    if (it == warmup) matmul_flops() = 0;
    model.infer(N, in, out, 0, static_cast<std::uint64_t>(it) * N, steps);
    Be::sync();
    if (it >= warmup) {
      t += seconds_since(t0);
      cpu += static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
    }
  }
  std::printf("%s bench-infer (%s) batch %d steps %d: %.4f s/batch (process CPU %.4f s/batch), %.0f samples/s, arena %s%s\n",
              Spec::name, Be::name, N, steps ? steps : Spec::trained_steps, t / iters, cpu / iters, N * iters / t,
              human_bytes(4.0 * static_cast<double>(arena.size())).c_str(), rate_note<Be>(t / iters, iters).c_str());
  return 0;
}


// init: the spec's initialisation (the one training starts from) as a weights file.
template <class Spec>
int cmd_init(const Args& a) {
  const std::string out = a.get("out", "");
  AKORN_CHECK(!out.empty(), "init needs --out W.akw");
  const std::uint64_t seed = static_cast<std::uint64_t>(a.get_int("seed", 0, 0, 1L << 40));
  AKORN_CHECK(a.get_yes_no("overwrite", false) || !path_exists(out), out + ": exists (pass --overwrite yes to replace it)");
  std::vector<float> p(static_cast<size_t>(Spec::param_elems));
  init_params<float>(Spec::params, Spec::num_params, p.data(), seed);
  save_weights<Spec>(out, p.data(), "initialised with seed " + std::to_string(seed));
  std::printf("%s: %lld parameters of %s, initialised with seed %llu\n", out.c_str(),
              static_cast<long long>(Spec::param_elems), Spec::name, static_cast<unsigned long long>(seed));
  return 0;
}

// export: the weights as safetensors with our names ("<op>.<param>", docs/OPS.md layouts),
// for NumPy / PyTorch or another implementation.
template <class Spec>
int cmd_export(const Args& a) {
  const std::string weights = a.get("weights", ""), out = a.get("out", "");
  AKORN_CHECK(!weights.empty() && !out.empty(), "export needs --weights W.akw --out W.safetensors");
  AKORN_CHECK(a.get_yes_no("overwrite", false) || !path_exists(out), out + ": exists (pass --overwrite yes to replace it)");
  const std::vector<float> p = load_weights<Spec>(weights);
  std::vector<SafeTensorOut> ts;
  for (int i = 0; i < Spec::num_params; ++i) {
    const ParamInfo& pi = Spec::params[i];
    ts.push_back({pi.name, std::vector<std::int64_t>(pi.shape, pi.shape + pi.rank), p.data() + pi.offset});
  }
  write_safetensors(out, ts, {{"model", Spec::name}, {"spec_sha256", Spec::spec_hash}, {"from", weights}});
  std::printf("%s: %d tensors of %s (%lld values) -> %s\n", weights.c_str(), Spec::num_params, Spec::name,
              static_cast<long long>(Spec::param_elems), out.c_str());
  return 0;
}

// One model input read from a .npy file for `run`: [N, per-sample shape], int32 tokens
// (from int32 or int64 files) within the range the model's ops accept, or float32 features
// (from float32 or float64 files).
struct InputFile {
  std::string path;
  std::int64_t n = 0;
  std::vector<std::int32_t> tokens;
  std::vector<float> features;
};

inline InputFile read_input_npy(const InputInfo& in, const std::string& path) {
  NpyArray arr = load_npy(path);
  InputFile f;
  f.path = path;
  std::vector<std::int64_t> want(in.shape, in.shape + in.rank);
  const std::string per = shape_str(want);
  AKORN_CHECK(arr.shape.size() == want.size() + 1 && std::equal(want.begin(), want.end(), arr.shape.begin() + 1) &&
                  arr.shape[0] >= 1,
              path + ": input '" + in.name + "' must have shape [N, " + per.substr(1) + " (N >= 1 samples), got " +
                  arr.shape_str());
  f.n = arr.shape[0];
  if (in.is_int) {
    AKORN_CHECK(arr.dtype == "<i4" || arr.dtype == "<i8",
                path + ": input '" + in.name + "' holds int32 tokens: the file must be int32 or int64, got '" + arr.dtype + "'");
    const std::vector<std::int64_t> v = arr.as<std::int64_t>();
    for (size_t i = 0; i < v.size(); ++i)
      AKORN_CHECK(v[i] >= in.token_lo && v[i] <= in.token_hi,
                  path + ": input '" + in.name + "': token " + std::to_string(v[i]) + " at sample " +
                      std::to_string(i / static_cast<size_t>(in.elems)) + ", element " +
                      std::to_string(i % static_cast<size_t>(in.elems)) + " is outside [" + std::to_string(in.token_lo) +
                      ", " + std::to_string(in.token_hi) + "], the tokens the model's ops accept");
    f.tokens.assign(v.begin(), v.end());
  } else {
    AKORN_CHECK(arr.dtype == "<f4" || arr.dtype == "<f8",
                path + ": input '" + in.name + "' holds features: the file must be float32 or float64, got '" + arr.dtype + "'");
    f.features = arr.as<float>();
    for (size_t i = 0; i < f.features.size(); ++i)
      AKORN_CHECK(std::isfinite(f.features[i]), path + ": input '" + in.name + "': value " + std::to_string(f.features[i]) +
                                                    " at flat index " + std::to_string(i) + " is not finite");
  }
  return f;
}

// run: any model on inputs from .npy files; every output to DIR/NAME.npy, [N, shape]
// (an energy trace: [N, T+1]). Sample i draws the noise of sample index sample0 + i for
// --seed (docs/OPS.md, "Deterministic noise"), so results do not depend on --batch.
template <class Spec, class Be>
int cmd_run(const Args& a) {
  const std::string weights = a.get("weights", ""), out = a.get("out", "");
  AKORN_CHECK(!weights.empty() && !out.empty(), "run needs --weights W.akw --input NAME=FILE.npy ... --out DIR");
  const int steps = static_cast<int>(a.get_int("steps", 0, 0, 100000));
  const int max_batch = static_cast<int>(a.get_int("batch", 256, 1, 100000));
  const std::uint64_t seed = static_cast<std::uint64_t>(a.get_int("seed", 0, 0, 1L << 40));
  const std::uint64_t sample0 = static_cast<std::uint64_t>(a.get_int("sample0", 0, 0, 1L << 40));
  const bool overwrite = a.get_yes_no("overwrite", false);
  const int T = steps > 0 ? steps : Spec::trained_steps;
  // --input NAME=FILE, one for every input that inference reads
  std::vector<std::string> files(Spec::num_inputs);
  std::string names;
  for (int i = 0; i < Spec::num_inputs; ++i)
    if (!Spec::inputs[i].training_only) names += std::string(names.empty() ? "" : ", ") + Spec::inputs[i].name;
  auto it = a.multi.find("input");
  for (const std::string& s : it == a.multi.end() ? std::vector<std::string>{} : it->second) {
    const size_t eq = s.find('=');
    AKORN_CHECK(eq != std::string::npos && eq > 0 && eq + 1 < s.size(), "--input takes NAME=FILE.npy, got '" + s + "'");
    const std::string name = s.substr(0, eq);
    int idx = -1;
    for (int i = 0; i < Spec::num_inputs; ++i)
      if (name == Spec::inputs[i].name) idx = i;
    AKORN_CHECK(idx >= 0, "--input " + s + ": " + Spec::name + " has no input '" + name + "' (its inputs: " + names + ")");
    AKORN_CHECK(!Spec::inputs[idx].training_only,
                "--input " + s + ": '" + name + "' is a training-only input; inference does not read it");
    AKORN_CHECK(files[idx].empty(), "--input " + s + ": input '" + name + "' is given twice");
    files[idx] = s.substr(eq + 1);
  }
  for (int i = 0; i < Spec::num_inputs; ++i)
    AKORN_CHECK(Spec::inputs[i].training_only || !files[i].empty(),
                std::string("run needs --input ") + Spec::inputs[i].name + "=FILE.npy (the inputs of " + Spec::name + ": " +
                    names + ")");
  std::vector<std::string> out_paths(Spec::num_outputs);
  for (int o = 0; o < Spec::num_outputs; ++o) {
    out_paths[o] = out + "/" + Spec::outputs[o].name + ".npy";
    AKORN_CHECK(overwrite || !path_exists(out_paths[o]), out_paths[o] + ": exists (pass --overwrite yes to replace it)");
  }
  std::vector<InputFile> in(Spec::num_inputs);
  std::int64_t n = -1;
  for (int i = 0; i < Spec::num_inputs; ++i) {
    if (files[i].empty()) continue;
    in[i] = read_input_npy(Spec::inputs[i], files[i]);
    AKORN_CHECK(n < 0 || in[i].n == n, files[i] + ": has " + std::to_string(in[i].n) + " samples, the other inputs " +
                                            std::to_string(n));
    n = in[i].n;
  }
  AKORN_CHECK(n > 0, std::string(Spec::name) + " has no input that inference reads: nothing to run on");
  const std::vector<float> host_params = load_weights<Spec>(weights);
  using M = typename Spec::template ModelT<float, Be>;
  typename Be::template Array<float> params, arena;
  params.resize(Spec::param_elems);
  Be::upload(params.data(), host_params.data(), Spec::param_elems);
  const int B = static_cast<int>(std::min<std::int64_t>(max_batch, n));
  arena.resize(Spec::infer_arena_elems * B);
  M model(params.data(), nullptr, arena.data(), B);
  std::vector<index_t> out_elems(Spec::num_outputs);
  std::vector<typename Be::template Array<float>> out_dev(Spec::num_outputs);
  std::vector<std::vector<float>> out_host(Spec::num_outputs);
  for (int o = 0; o < Spec::num_outputs; ++o) {
    out_elems[o] = Spec::outputs[o].per_step ? T + 1 : Spec::outputs[o].elems;
    out_dev[o].resize(out_elems[o] * B);
    out_host[o].resize(static_cast<size_t>(out_elems[o] * n));
  }
  std::vector<typename Be::template Array<unsigned char>> in_dev(Spec::num_inputs);
  for (int i = 0; i < Spec::num_inputs; ++i) in_dev[i].resize(Spec::inputs[i].elems * B * 4);
  for (std::int64_t b0 = 0; b0 < n; b0 += B) {
    const int N = static_cast<int>(std::min<std::int64_t>(B, n - b0));
    std::vector<const void*> iptr(Spec::num_inputs, nullptr);
    for (int i = 0; i < Spec::num_inputs; ++i) {
      if (files[i].empty()) continue;
      const index_t e = Spec::inputs[i].elems;
      const void* src = Spec::inputs[i].is_int ? static_cast<const void*>(in[i].tokens.data() + b0 * e)
                                               : static_cast<const void*>(in[i].features.data() + b0 * e);
      Be::upload(in_dev[i].data(), static_cast<const unsigned char*>(src), e * N * 4);
      iptr[i] = in_dev[i].data();
    }
    std::vector<float*> optr(Spec::num_outputs);
    for (int o = 0; o < Spec::num_outputs; ++o) optr[o] = out_dev[o].data();
    model.infer(N, Spec::template inputs_from<float>(iptr.data()), Spec::template outputs_from<float>(optr.data()), seed,
                sample0 + static_cast<std::uint64_t>(b0), T);
    for (int o = 0; o < Spec::num_outputs; ++o)
      Be::download(out_host[o].data() + b0 * out_elems[o], out_dev[o].data(), out_elems[o] * N);
  }
  make_dirs(out);
  std::string written;
  for (int o = 0; o < Spec::num_outputs; ++o) {
    std::vector<std::int64_t> shape = {n};
    if (Spec::outputs[o].per_step) shape.push_back(T + 1);
    else shape.insert(shape.end(), Spec::outputs[o].shape, Spec::outputs[o].shape + Spec::outputs[o].rank);
    save_npy(out_paths[o], out_host[o].data(), shape);
    written += std::string(written.empty() ? "" : ", ") + out_paths[o] + " " + shape_str(shape);
  }
  std::printf("%s: %lld samples, T=%d, seed %llu, first sample %llu -> %s\n", Spec::name, static_cast<long long>(n), T,
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(sample0), written.c_str());
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
  save_weights<Spec>(out, params.data(), "imported from " + from + (prefix.empty() ? "" : " (" + prefix + ")") +
                                                     " with " + map);
  std::printf("%s: %d parameters of %s from %zu tensors%s (%d used, %d of them tied copies that agree; %d ignored) -> %s\n",
              from.c_str(), rep.params, Spec::name, n_file,
              prefix.empty() ? "" : (" through '" + prefix + "', " + std::to_string(dropped) + " wrapper tensors dropped").c_str(),
              rep.tensors_used, rep.tied_checked, rep.tensors_ignored, out.c_str());
  return 0;
}


// Entry points of a model's CUDA build (its model_cuda.cu); null in a CPU-only build.
struct CudaHooks {
  int (*devices)() = nullptr;                   // CUDA devices present (0: none or no driver)
  int (*run)(int argc, char** argv) = nullptr;  // run_on<Spec, akorn::cuda::Backend>
};

// The value of --precision (fp32 when absent); anything but fp32 / bf16 is an error.
inline Precision precision_arg(int argc, char** argv) {
  Precision p = Precision::Fp32;
  for (int i = 2; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--precision") == 0)
      AKORN_CHECK(parse_precision(argv[i + 1], p),
                  std::string("--precision takes fp32 or bf16, got '") + argv[i + 1] + "'");
  return p;
}

// The commands on one backend (argv already checked by run()): the generic ones, then each
// task's. kTraining = false: the inference-only program (`<model>-infer`): the training
// commands are not compiled in, so neither are the backward kernels, the optimisers or the
// trainer.
template <class Spec, class Be, bool kTraining, class... Tasks>
int run_on(int argc, char** argv) {
  const std::string cmd = argc > 1 ? argv[1] : "help";
  try {
    bool tf32 = false;
    for (int i = 2; i + 1 < argc; ++i)
      if (std::strcmp(argv[i], "--tf32") == 0) {
        const std::string v = argv[i + 1];
        AKORN_CHECK(v == "yes" || v == "no", "--tf32 takes yes or no, got '" + v + "'");
        tf32 = v == "yes";
      }
    gemm_precision() = precision_arg(argc, argv);
    // both narrow the GEMM operands, in different ways: one must be chosen
    AKORN_CHECK(!(tf32 && gemm_precision() == Precision::Bf16),
                "--tf32 yes and --precision bf16 both set the GEMMs' precision: give one of them");
    if (cmd == "info") return cmd_info<Spec>(parse_args(argc, argv, {"batch"}));
    const bool task_trains = (false || ... || Tasks::trains(cmd));
    if constexpr (kTraining) {
      if (cmd == "bench-train")
        return cmd_bench_train<Spec, Be>(parse_args(argc, argv, {"batch", "iters", "warmup", "seed", "device", "tf32", "precision", "cuda-graph"}));
      if (cmd == "bench-ops") return cmd_bench_ops<Spec, Be>(parse_args(argc, argv, {"batch", "iters", "device", "tf32", "precision", "cuda-graph"}));
    } else {
      if (cmd == "bench-train" || cmd == "bench-ops" || task_trains) {
        std::fprintf(stderr, "%s %s: error: this is the inference-only program (%s-infer); '%s' is in the full program %s\n",
                     Spec::name, cmd.c_str(), Spec::name, cmd.c_str(), Spec::name);
        return 2;
      }
    }
    if (cmd == "bench-infer")
      return cmd_bench_infer<Spec, Be>(parse_args(argc, argv, {"batch", "steps", "iters", "warmup", "device", "tf32", "precision", "cuda-graph"}));
    if (cmd == "init") return cmd_init<Spec>(parse_args(argc, argv, {"out", "seed", "overwrite"}));
    if (cmd == "run")
      return cmd_run<Spec, Be>(
          parse_args(argc, argv, {"weights", "out", "steps", "batch", "seed", "sample0", "overwrite", "device", "tf32", "precision", "cuda-graph"},
                     {"input"}));
    if (cmd == "export") return cmd_export<Spec>(parse_args(argc, argv, {"weights", "out", "overwrite"}));
    if (cmd == "import") return cmd_import<Spec>(parse_args(argc, argv, {"from", "out", "map", "prefix", "overwrite"}));
    int rc = -1;
    ((rc < 0 && Tasks::has(cmd) ? (rc = Tasks::template run<Spec, Be, kTraining>(cmd, argc, argv)) : 0), ...);
    if (rc >= 0) return rc;
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

template <class Spec, bool kTraining = true, class... Tasks>
int run(int argc, char** argv, const CudaHooks& cuda = {}) {
  const std::string cmd = argc > 1 ? argv[1] : "help";
  if (cmd == "help" || cmd == "--help" || cmd == "-h") {
    std::printf("%s%s: AKOrN model compiled by akornc (spec sha256 %s)\n"
                "commands of every model:\n"
                "  info [--batch N]                     parameters and arena sizes\n"
                "  init --out W.akw [--seed S]          the spec's initialisation (where training starts)\n"
                "  run --weights W --input NAME=FILE.npy [--input ...] --out DIR [--steps T] [--seed S] [--sample0 K]\n"
                "      [--batch B] [--overwrite yes]\n"
                "                                       the model on inputs [N, ...] (int32/int64 tokens, float32/64\n"
                "                                       features); every output to DIR/NAME.npy (float32)\n"
                "  export --weights W --out W.safetensors  the weights with akorn's names (docs/OPS.md)\n"
                "  import --from STATE.safetensors --out W.akw [--map FILE] [--prefix ema_model.|online_model.|none] [--overwrite yes]\n"
                "        weights from a safetensors state dict through a name map (default: the map\n"
                "        the spec names, compiled in; docs/IMPORT.md)\n"
                "  bench-train [--batch N] [--iters K] [--warmup W] [--seed S]\n"
                "                                       time training steps (forward, backward, clip, Adam)\n"
                "  bench-ops [--batch N] [--iters K]     time of each op's forward and backward in training\n"
                "  bench-infer [--batch N] [--steps T] [--iters K] [--warmup W]\n"
                "                                       time inference at T Kuramoto steps\n",
                Spec::name, kTraining ? "" : " (inference-only program: no train, bench-train, bench-ops)", Spec::spec_hash);
    (std::printf("%s", Tasks::help()), ...);
    std::printf("every command that runs the model takes --device auto|cpu|cuda (auto: the GPU when there is\n"
                "one and this program was built with the CUDA backend); on cuda also --tf32 yes (TF32 tensor\n"
                "cores for the GEMMs; strict FP32 by default) and, for train / bench-train, --cuda-graph no;\n"
                "and --precision bf16 (bf16 GEMM operands, fp32 accumulation, weights, optimiser and\n"
                "everything else; fp32 by default; on cuda through cuBLAS's bf16 tensor cores)\n");
    return 0;
  }
  static const char* const kModelCommands[] = {"bench-train", "bench-ops", "bench-infer", "run"};
  bool runs_model = (false || ... || Tasks::runs_model(cmd));
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
  return run_on<Spec, CpuBackend, kTraining, Tasks...>(argc, argv);
}

}  // namespace akorn::cli
