// The harness behind every model's generated tests (test_model.cpp):
//   plan:        both memory plans checked for overlapping live buffers;
//   grad-ops:    each op alone, in double precision: analytic gradients of every float input
//                and trainable parameter against central finite differences;
//   grad-model:  the whole training graph (loss) the same way, for every trainable tensor;
//   golden:      forward values, op by op, against the independent NumPy reference
//                (tools/make_golden.py), in double and in float.
// Each check prints one line; the run ends with "N passed, M failed".
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include "files.hpp"
#include "init.hpp"
#include "model_info.hpp"
#include "npy.hpp"
#include "rng.hpp"

namespace akorn::testing {

struct Report {
  int passed = 0, failed = 0;
  void check(bool ok, const std::string& what) {
    if (ok) {
      ++passed;
      std::printf("ok    %s\n", what.c_str());
    } else {
      ++failed;
      std::printf("FAIL  %s\n", what.c_str());
    }
    std::fflush(stdout);
  }
  int finish() const {
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
  }
};

// A float tensor an op reads or writes: in the arena (offset per sample) or a model input.
struct Buf {
  const char* name;
  index_t offset;        // per sample, in the training plan; -1 for a model input
  index_t elems;         // per sample
  index_t grad_offset;   // per sample; -1 when no gradient flows
  int model_input;       // index into Spec::inputs, or -1
};

struct TokenRange {
  int lo, hi;            // inclusive range of valid tokens for an int32 model input
};

template <class Spec>
struct OpCase {
  using M = typename Spec::template ModelT<double>;
  const char* name;
  std::vector<Buf> inputs, outputs;
  std::vector<int> params;       // indices into Spec::params
  bool is_loss = false;          // the loss op seeds its own output gradient
  std::function<void(M&)> fwd, bwd;
};

template <class Spec, typename S>
struct Instance {
  using M = typename Spec::template ModelT<S>;
  int N;
  std::vector<S> params, grads, arena;
  std::vector<std::vector<std::int32_t>> tokens;
  std::vector<std::vector<S>> features;
  std::vector<const void*> input_ptrs;
  M model;
  Instance(int n, index_t arena_per_sample)
      : N(n),
        params(static_cast<size_t>(Spec::param_elems) + 1),
        grads(static_cast<size_t>(Spec::param_elems) + 1),
        arena(static_cast<size_t>(arena_per_sample * n) + 16),
        tokens(Spec::num_inputs),
        features(Spec::num_inputs),
        input_ptrs(Spec::num_inputs, nullptr),
        model(params.data(), grads.data(), arena.data(), n) {}
  typename Spec::template InputsT<S> inputs() {
    for (int i = 0; i < Spec::num_inputs; ++i)
      input_ptrs[i] = Spec::inputs[i].is_int ? static_cast<const void*>(tokens[i].data())
                                             : static_cast<const void*>(features[i].data());
    return Spec::template inputs_from<S>(input_ptrs.data());
  }
  S* buf(index_t offset) { return arena.data() + offset * N; }
};

// Random but valid model inputs: tokens within their ranges, features N(0, 1).
template <class Spec, typename S>
void fill_inputs(Instance<Spec, S>& in, const std::vector<TokenRange>& ranges, std::uint64_t seed) {
  Rng rng(seed);
  for (int i = 0; i < Spec::num_inputs; ++i) {
    const InputInfo& info = Spec::inputs[i];
    size_t n = static_cast<size_t>(info.elems * in.N);
    if (info.is_int) {
      in.tokens[i].resize(n);
      int lo = ranges[i].lo, hi = ranges[i].hi;
      for (auto& t : in.tokens[i])
        t = lo + static_cast<int>(rng.uniform() * (hi - lo + 1)) % (hi - lo + 1);
    } else {
      in.features[i].resize(n);
      for (auto& f : in.features[i]) f = static_cast<S>(rng.normal());
    }
  }
}

// Initial parameters plus a perturbation of the trainable ones, so that zero biases and
// identity-like initialisations do not hide a wrong gradient.
template <class Spec, typename S>
void fill_params(Instance<Spec, S>& in, std::uint64_t seed) {
  init_params<S>(Spec::params, Spec::num_params, in.params.data(), seed);
  Rng rng(seed + 17);
  for (int i = 0; i < Spec::num_params; ++i) {
    const ParamInfo& p = Spec::params[i];
    if (!p.trainable) continue;
    for (index_t k = 0; k < p.elems; ++k) in.params[p.offset + k] += static_cast<S>(0.05 * rng.normal());
  }
}

// Indices to probe: all of a small tensor, else a few random ones and the largest gradient.
inline std::vector<index_t> probes(const std::vector<double>& grad, int count, Rng& rng) {
  std::vector<index_t> idx;
  index_t n = static_cast<index_t>(grad.size());
  if (n <= count + 1) {
    for (index_t i = 0; i < n; ++i) idx.push_back(i);
    return idx;
  }
  index_t best = 0;
  for (index_t i = 1; i < n; ++i)
    if (std::fabs(grad[i]) > std::fabs(grad[best])) best = i;
  idx.push_back(best);
  for (int k = 0; k < count; ++k) idx.push_back(static_cast<index_t>(rng.uniform() * n) % n);
  return idx;
}

// Compares analytic and finite-difference values of one tensor's probes.
inline bool close_grad(const std::vector<double>& analytic, const std::vector<index_t>& idx,
                       const std::vector<double>& fd, std::string& detail) {
  double scale = 0.0;
  for (double a : analytic) scale = std::max(scale, std::fabs(a));
  double worst = 0.0;
  bool ok = true;
  for (size_t k = 0; k < idx.size(); ++k) {
    double a = analytic[idx[k]], f = fd[k];
    double err = std::fabs(a - f);
    double tol = 1e-5 * std::max(std::fabs(a), std::fabs(f)) + 1e-7 * std::max(scale, 1e-2);
    worst = std::max(worst, err / (std::max(std::fabs(f), 1e-12)));
    if (!(err <= tol)) {
      ok = false;
      char b[256];
      std::snprintf(b, sizeof b, " [element %lld: analytic %.9g, finite difference %.9g]",
                    static_cast<long long>(idx[k]), a, f);
      detail += b;
    }
  }
  char b[96];
  std::snprintf(b, sizeof b, " (%zu probes, max rel err %.2e)", idx.size(), worst);
  detail = b + detail;
  return ok;
}

// One op alone: L = sum(r * y) over its outputs with random r (the loss op: L = loss).
template <class Spec>
void check_op_gradients(const OpCase<Spec>& c, const std::vector<TokenRange>& ranges, int N, int probes_per_tensor,
                        Report& rep) {
  Instance<Spec, double> inst(N, Spec::train_arena_elems);
  fill_inputs(inst, ranges, 1234);
  fill_params(inst, 99);
  auto in = inst.inputs();
  typename Spec::template OutputsT<double> out{};
  inst.model.begin(N, in, out, 42, 0, 0);
  Rng rng(7);

  // random float inputs of the op (arena values)
  std::vector<std::vector<double>> saved_in;
  for (const Buf& b : c.inputs) {
    std::vector<double> v(static_cast<size_t>(b.elems * N));
    if (b.model_input >= 0) {
      v = inst.features[b.model_input];
    } else {
      for (auto& x : v) x = rng.normal();
    }
    saved_in.push_back(v);
  }
  std::vector<double> saved_params = inst.params;
  auto input_ptr = [&](size_t i) -> double* {
    const Buf& b = c.inputs[i];
    return b.model_input >= 0 ? inst.features[b.model_input].data() : inst.buf(b.offset);
  };
  auto restore = [&]() {
    for (size_t i = 0; i < c.inputs.size(); ++i) std::copy(saved_in[i].begin(), saved_in[i].end(), input_ptr(i));
    inst.params = saved_params;
  };
  std::vector<std::vector<double>> r;
  for (const Buf& b : c.outputs) {
    std::vector<double> v(static_cast<size_t>(b.elems * N));
    for (auto& x : v) x = rng.normal();
    r.push_back(v);
  }
  auto loss = [&]() {
    restore();
    c.fwd(inst.model);
    double L = 0.0;
    for (size_t o = 0; o < c.outputs.size(); ++o) {
      const double* y = inst.buf(c.outputs[o].offset);
      if (c.is_loss) {
        L += y[0];
        continue;
      }
      for (size_t k = 0; k < r[o].size(); ++k) L += r[o][k] * y[k];
    }
    return L;
  };

  // analytic
  loss();
  for (size_t o = 0; o < c.outputs.size(); ++o) {
    if (c.outputs[o].grad_offset < 0 || c.is_loss) continue;
    std::copy(r[o].begin(), r[o].end(), inst.buf(c.outputs[o].grad_offset));
  }
  for (const Buf& b : c.inputs)
    if (b.grad_offset >= 0) std::fill(inst.buf(b.grad_offset), inst.buf(b.grad_offset) + b.elems * N, 0.0);
  std::fill(inst.grads.begin(), inst.grads.end(), 0.0);
  c.bwd(inst.model);
  std::vector<std::vector<double>> g_in;
  for (const Buf& b : c.inputs)
    g_in.push_back(b.grad_offset >= 0 ? std::vector<double>(inst.buf(b.grad_offset), inst.buf(b.grad_offset) + b.elems * N)
                                      : std::vector<double>());
  std::vector<double> g_params = inst.grads;

  auto fd_at = [&](double* base_saved, index_t k, double h) {
    double orig = base_saved[k];
    base_saved[k] = orig + h;
    double lp = loss();
    base_saved[k] = orig - h;
    double lm = loss();
    base_saved[k] = orig;
    return (lp - lm) / (2 * h);
  };
  // Central differences at h = 1e-5; a probe that disagrees is tried again at 1e-6 and 1e-7:
  // with thousands of ReLUs, a kink inside [x-h, x+h] spoils a difference but not the
  // gradient (seen on the C=512 model: the difference wanders for h >= 1e-6 and settles on
  // the analytic value below). A wrong gradient disagrees at every step size.
  auto fd_probes = [&](double* base, const std::vector<double>& analytic, const std::vector<index_t>& idx) {
    std::vector<double> fd;
    for (index_t k : idx) {
      double f = fd_at(base, k, 1e-5);
      std::string d;
      for (double h : {1e-6, 1e-7})
        if (!close_grad(analytic, {k}, {f}, d)) f = fd_at(base, k, h);
      fd.push_back(f);
    }
    return fd;
  };
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    if (c.inputs[i].grad_offset < 0) continue;
    auto idx = probes(g_in[i], probes_per_tensor, rng);
    std::vector<double> fd = fd_probes(saved_in[i].data(), g_in[i], idx);
    std::string detail;
    bool ok = close_grad(g_in[i], idx, fd, detail);
    rep.check(ok, std::string("grad-op ") + c.name + ": d/d input '" + c.inputs[i].name + "'" + detail);
  }
  for (int p : c.params) {
    const ParamInfo& pi = Spec::params[p];
    if (!pi.trainable) continue;
    std::vector<double> ga(g_params.begin() + pi.offset, g_params.begin() + pi.offset + pi.elems);
    auto idx = probes(ga, probes_per_tensor, rng);
    std::vector<double> fd = fd_probes(saved_params.data() + pi.offset, ga, idx);
    std::string detail;
    bool ok = close_grad(ga, idx, fd, detail);
    rep.check(ok, std::string("grad-op ") + c.name + ": d/d param '" + pi.name + "'" + detail);
  }
}

// The whole training graph: L = the model's loss, every trainable parameter tensor probed.
template <class Spec>
void check_model_gradients(const std::vector<TokenRange>& ranges, int N, int probes_per_tensor, Report& rep) {
  Instance<Spec, double> inst(N, Spec::train_arena_elems);
  fill_inputs(inst, ranges, 4321);
  fill_params(inst, 5);
  auto in = inst.inputs();
  typename Spec::template OutputsT<double> out{};
  std::vector<double> saved = inst.params;
  double L0 = inst.model.train_forward(N, in, out, 42, 0);
  rep.check(std::isfinite(L0), "grad-model: loss is finite (" + std::to_string(L0) + ")");
  inst.model.train_backward();
  std::vector<double> g = inst.grads;
  Rng rng(11);
  auto fd_at = [&](index_t at, double h) {
    inst.params = saved;
    inst.params[at] += h;
    double lp = inst.model.train_forward(N, in, out, 42, 0);
    inst.params = saved;
    inst.params[at] -= h;
    double lm = inst.model.train_forward(N, in, out, 42, 0);
    return (lp - lm) / (2 * h);
  };
  for (int p = 0; p < Spec::num_params; ++p) {
    const ParamInfo& pi = Spec::params[p];
    if (!pi.trainable) continue;
    std::vector<double> ga(g.begin() + pi.offset, g.begin() + pi.offset + pi.elems);
    auto idx = probes(ga, probes_per_tensor, rng);
    std::vector<double> fd;
    for (index_t k : idx) {
      // as in check_op_gradients: retry a disagreeing probe at a smaller step (ReLU kinks)
      double f = fd_at(pi.offset + k, 1e-5);
      std::string d;
      for (double h : {1e-6, 1e-7})
        if (!close_grad(ga, {k}, {f}, d)) f = fd_at(pi.offset + k, h);
      fd.push_back(f);
    }
    inst.params = saved;
    std::string detail;
    bool ok = close_grad(ga, idx, fd, detail);
    rep.check(ok, std::string("grad-model: dL/d '") + pi.name + "'" + detail);
  }
}

template <class Spec>
void check_plans(Report& rep) {
  std::string e = plan_overlap(Spec::infer_plan, Spec::infer_plan_size, Spec::infer_arena_elems);
  rep.check(e.empty(), "plan: inference plan has no overlapping live buffers " + e);
  if (Spec::train_plan_size) {
    e = plan_overlap(Spec::train_plan, Spec::train_plan_size, Spec::train_arena_elems);
    rep.check(e.empty(), "plan: training plan has no overlapping live buffers " + e);
  }
}

// ---- golden values

struct GoldenValue {
  const char* name;      // value name (expected/<name>.npy)
  index_t offset;        // per sample, in the phase's plan
  index_t elems;         // per sample
};

template <class Spec, typename S>
struct GoldenStep {
  const char* op;
  std::function<void(typename Spec::template ModelT<S>&)> run;
  std::vector<GoldenValue> values;
};

// Max |a - b| / max(max |b|, 1e-3) over a tensor: error relative to the tensor's scale.
inline double scaled_err(const double* a, const std::vector<double>& b, size_t n) {
  double scale = 1e-3, err = 0.0;
  for (size_t i = 0; i < n; ++i) scale = std::max(scale, std::fabs(b[i]));
  for (size_t i = 0; i < n; ++i) err = std::max(err, std::fabs(a[i] - b[i]));
  return err / scale;
}

// Loads golden params and inputs from dir, runs the steps (inference or training forward,
// as golden.json's mode says: `train` selects the training forward), compares every value
// that dir/expected has, then the model outputs and the loss.
// A number or string field of golden.json (flat JSON written by tools/make_golden.py).
inline std::string json_field(const std::string& text, const std::string& key) {
  size_t k = text.find("\"" + key + "\"");
  if (k == std::string::npos) return "";
  size_t c = text.find(':', k);
  if (c == std::string::npos) return "";
  size_t b = text.find_first_not_of(" \t\n", c + 1);
  if (b == std::string::npos) return "";
  if (text[b] == '"') {
    size_t e = text.find('"', b + 1);
    return e == std::string::npos ? "" : text.substr(b + 1, e - b - 1);
  }
  size_t e = text.find_first_of(",}\n", b);
  return text.substr(b, e - b);
}

template <class Spec, typename S>
void check_golden(const std::string& dir, const std::vector<GoldenStep<Spec, S>>& infer_steps,
                  const std::vector<GoldenStep<Spec, S>>& train_steps, double tol, const char* label, Report& rep) {
  std::string meta;
  {
    std::ifstream f(dir + "/golden.json");
    AKORN_CHECK(f.good(), dir + "/golden.json: cannot open");
    meta.assign((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  }
  const bool train = json_field(meta, "mode") == "train";
  const std::string seed_text = json_field(meta, "seed");
  AKORN_CHECK(!seed_text.empty(), dir + "/golden.json: no 'seed'");
  const std::uint64_t seed = std::stoull(seed_text);
  const auto& steps = train ? train_steps : infer_steps;
  NpyArray probe = load_npy(dir + "/inputs/" + Spec::inputs[0].name + ".npy");
  int N = static_cast<int>(probe.shape.empty() ? 1 : probe.shape[0]);
  Instance<Spec, S> inst(N, std::max(Spec::train_arena_elems, Spec::infer_arena_elems));
  for (int i = 0; i < Spec::num_params; ++i) {
    const ParamInfo& p = Spec::params[i];
    NpyArray a = load_npy(dir + "/params/" + p.name + ".npy");
    AKORN_CHECK(a.count() == p.elems, a.path + ": has " + std::to_string(a.count()) + " values, parameter '" +
                                          p.name + "' " + shape_string(p.shape, p.rank) + " needs " +
                                          std::to_string(p.elems));
    auto v = a.as<S>();
    std::copy(v.begin(), v.end(), inst.params.begin() + p.offset);
  }
  for (int i = 0; i < Spec::num_inputs; ++i) {
    const InputInfo& info = Spec::inputs[i];
    std::string path = dir + "/inputs/" + info.name + ".npy";
    if (!path_exists(path)) continue;
    NpyArray a = load_npy(path);
    AKORN_CHECK(a.count() == info.elems * N, path + ": wrong size");
    if (info.is_int)
      inst.tokens[i] = a.as<std::int32_t>();
    else
      inst.features[i] = a.as<S>();
  }
  auto in = inst.inputs();
  std::vector<std::vector<S>> outbufs(Spec::num_outputs);
  std::vector<S*> outptrs(Spec::num_outputs);
  for (int o = 0; o < Spec::num_outputs; ++o) {
    outbufs[o].assign(static_cast<size_t>(Spec::outputs[o].elems * N), S(0));
    outptrs[o] = outbufs[o].data();
  }
  auto out = Spec::template outputs_from<S>(outptrs.data());
  inst.model.begin(N, in, out, seed, 0, 0);  // make_golden.py uses its --seed as the noise seed
  for (const auto& st : steps) {
    st.run(inst.model);
    for (const GoldenValue& v : st.values) {
      std::string path = dir + "/expected/" + v.name + ".npy";
      if (!path_exists(path)) continue;
      NpyArray e = load_npy(path);
      auto ev = e.as<double>();
      // the loss is one number per batch: stored as [1] by the reference
      size_t n = (v.elems == 1 && ev.size() == 1) ? 1 : static_cast<size_t>(v.elems * N);
      if (ev.size() != n) {
        rep.check(false, std::string("golden ") + label + ": value '" + v.name + "' has " + std::to_string(n) +
                             " elements, expected file has " + std::to_string(ev.size()));
        continue;
      }
      std::vector<double> got(inst.buf(v.offset), inst.buf(v.offset) + n);
      double err = scaled_err(got.data(), ev, n);
      char b[160];
      std::snprintf(b, sizeof b, " (op '%s', scaled max err %.2e, tol %.0e)", st.op, err, tol);
      rep.check(err <= tol, std::string("golden ") + label + ": value '" + v.name + "'" + b);
    }
  }
  for (int o = 0; o < Spec::num_outputs; ++o) {
    std::string path = dir + "/expected/" + Spec::outputs[o].name + ".npy";
    if (!path_exists(path)) continue;
    auto ev = load_npy(path).as<double>();
    if (ev.size() != outbufs[o].size()) {
      rep.check(false, std::string("golden ") + label + ": output '" + Spec::outputs[o].name + "' size mismatch");
      continue;
    }
    std::vector<double> got(outbufs[o].begin(), outbufs[o].end());
    double err = scaled_err(got.data(), ev, got.size());
    char b[96];
    std::snprintf(b, sizeof b, " (scaled max err %.2e, tol %.0e)", err, tol);
    rep.check(err <= tol, std::string("golden ") + label + ": model output '" + Spec::outputs[o].name + "'" + b);
  }
}

}  // namespace akorn::testing
