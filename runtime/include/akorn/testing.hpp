// The harness behind every model's generated tests (test_model.cpp):
//   plan:        both memory plans: no overlapping live buffers, and the schedule run with
//                every planned buffer poisoned (NaN) outside its live range gives the same
//                bits as an ordinary run (a live range that ends too early or starts too late
//                is caught);
//   grad-ops:    each op alone, in double precision: analytic gradients of every float input
//                and trainable parameter against central finite differences;
//   grad-model:  the whole training graph (loss) the same way, for every trainable tensor;
//   golden:      forward values, op by op, against the independent NumPy reference
//                (tools/make_golden.py), in double and in float: the inference path (also
//                at another T) and the training forward with its loss, per golden case.
// Each check prints one line; the run ends with "N passed, M failed".
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "files.hpp"
#include "finite_diff.hpp"
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

  auto fd_at = [&](double* base_saved, index_t k, double h) { return central_difference(base_saved[k], h, loss); };
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
  // a loss that does not depend on the parameters at this batch makes every check below vacuous
  bool any_grad = false;
  for (int p = 0; p < Spec::num_params; ++p)
    for (index_t k = 0; k < Spec::params[p].elems && Spec::params[p].trainable && !any_grad; ++k)
      any_grad = g[size_t(Spec::params[p].offset + k)] != 0.0;
  rep.check(any_grad, "grad-model: the loss depends on the trainable parameters at batch " + std::to_string(N) +
                          " (a gradient is not zero)");
  Rng rng(11);
  auto fd_at = [&](index_t at, double h) {
    inst.params = saved;
    return central_difference(inst.params[at], h, [&] { return inst.model.train_forward(N, in, out, 42, 0); });
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

// Caller-side output buffers of one run. Per-step outputs (energy traces) hold steps+1
// values per sample when the Kuramoto steps are overridden (steps > 0).
template <class Spec, typename S>
struct OutputBufs {
  std::vector<std::vector<S>> bufs;
  std::vector<S*> ptrs;
  OutputBufs(int N, int steps) : bufs(Spec::num_outputs), ptrs(Spec::num_outputs) {
    for (int o = 0; o < Spec::num_outputs; ++o) {
      const OutputInfo& info = Spec::outputs[o];
      const index_t per = info.per_step && steps > 0 ? steps + 1 : info.elems;
      bufs[o].assign(static_cast<size_t>(per * N), S(0));
      ptrs[o] = bufs[o].data();
    }
  }
  typename Spec::template OutputsT<S> outputs() { return Spec::template outputs_from<S>(ptrs.data()); }
};

inline bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

// ---- memory plans

// One step of a plan's schedule: step k of the plan tables is entry k.
template <class M>
struct PlanStep {
  std::string name;  // "forward <op>" / "backward <op>", as `akornc check --plan` numbers them
  void (M::*fn)();
};

// Inference: the inf_ functions in op order. Training: the fwd_ functions in op order, then
// the bwd_ functions that exist in reverse order (what train_forward + train_backward run).
template <class M, bool Train>
std::vector<PlanStep<M>> plan_schedule() {
  std::vector<PlanStep<M>> s;
  if constexpr (Train) {
    const auto t = M::train_schedule();
    for (const auto& st : t) s.push_back({std::string("forward ") + st.name, st.fwd});
    for (size_t i = t.size(); i-- > 0;)
      if (t[i].bwd) s.push_back({std::string("backward ") + t[i].name, t[i].bwd});
  } else {
    for (const auto& st : M::infer_schedule()) s.push_back({std::string("forward ") + st.name, st.fwd});
  }
  return s;
}

// What a run leaves behind: the loss, the caller's outputs, the gradients and the parameters
// (BatchNorm updates its running statistics in place).
struct PlanResult {
  std::vector<float> loss;
  std::vector<std::vector<float>> outputs;
  std::vector<float> grads, params;
  bool operator==(const PlanResult& o) const {
    if (!same_bits(loss, o.loss) || !same_bits(grads, o.grads) || !same_bits(params, o.params)) return false;
    for (size_t i = 0; i < outputs.size(); ++i)
      if (!same_bits(outputs[i], o.outputs[i])) return false;
    return true;
  }
};

// When planned buffer i is overwritten with NaN: just before step before[i] and just after
// step after[i] (-1: never); `fill`: the arena starts all NaN.
struct Poison {
  std::vector<int> before, after;
  bool fill = true;
};

// Runs one phase of a model in float at batch 2 on fixed random inputs and parameters.
template <class Spec, bool Train>
struct PlanRunner {
  using M = typename Spec::template ModelT<float>;
  static constexpr int N = 2;
  static constexpr std::uint64_t kSeed = 42, kSample0 = 3;
  const std::vector<TokenRange>& ranges;
  std::vector<PlanStep<M>> sched = plan_schedule<M, Train>();
  const PlanEntry* plan = Train ? Spec::train_plan : Spec::infer_plan;
  int size = Train ? Spec::train_plan_size : Spec::infer_plan_size;
  int forward_steps = 0;  // training: the backward pass starts at this step

  explicit PlanRunner(const std::vector<TokenRange>& r) : ranges(r) {
    if constexpr (Train) forward_steps = static_cast<int>(M::train_schedule().size());
  }
  int steps() const { return static_cast<int>(sched.size()); }
  Poison planned() const {
    Poison p;
    for (int i = 0; i < size; ++i) {
      p.before.push_back(plan[i].first);
      p.after.push_back(plan[i].last);
    }
    return p;
  }
  static bool share_memory(const PlanEntry& a, const PlanEntry& b) {
    return a.offset < b.offset + b.elems && b.offset < a.offset + a.elems;
  }

  template <class F>
  PlanResult with_instance(F&& body) const {
    Instance<Spec, float> inst(N, std::max(Spec::train_arena_elems, Spec::infer_arena_elems));
    fill_inputs(inst, ranges, 2024);
    fill_params(inst, 77);
    OutputBufs<Spec, float> ob(N, 0);
    PlanResult r;
    body(inst, ob, r);
    r.outputs = ob.bufs;
    r.grads = inst.grads;
    r.params = inst.params;
    return r;
  }

  // The model's own entry points: train_forward + train_backward, or infer.
  PlanResult api() const {
    return with_instance([&](Instance<Spec, float>& inst, OutputBufs<Spec, float>& ob, PlanResult& r) {
      if constexpr (Train) {
        r.loss = {inst.model.train_forward(N, inst.inputs(), ob.outputs(), kSeed, kSample0)};
        inst.model.train_backward();
      } else {
        inst.model.infer(N, inst.inputs(), ob.outputs(), kSeed, kSample0, 0);
      }
    });
  }

  // The schedule step by step, the planned buffers overwritten with NaN as `poison` says.
  PlanResult run(const Poison* poison) const {
    return with_instance([&](Instance<Spec, float>& inst, OutputBufs<Spec, float>& ob, PlanResult& r) {
      const float nan = std::numeric_limits<float>::quiet_NaN();
      auto wipe = [&](int i) { std::fill(inst.buf(plan[i].offset), inst.buf(plan[i].offset) + plan[i].elems * N, nan); };
      if (poison && poison->fill) std::fill(inst.arena.begin(), inst.arena.end(), nan);
      inst.model.begin(N, inst.inputs(), ob.outputs(), kSeed, kSample0, 0);
      for (int k = 0; k < steps(); ++k) {
        for (int i = 0; poison && i < size; ++i)
          if (poison->before[i] == k) wipe(i);
        if (Train && k == forward_steps) std::fill(inst.grads.begin(), inst.grads.end(), 0.f);  // as train_backward
        (inst.model.*sched[k].fn)();
        // train_forward reads the loss right after the forward pass (its buffer is reused later)
        if constexpr (Train)
          if (k == forward_steps - 1) r.loss = {*inst.model.loss()};
        for (int i = 0; poison && i < size; ++i)
          if (poison->after[i] == k) wipe(i);
      }
    });
  }

  // Which results differ, e.g. "loss, output 'logits', gradient of 'k.J.weight'".
  std::string differences(const PlanResult& a, const PlanResult& b) const {
    std::string d;
    auto add = [&](const std::string& s) { d += (d.empty() ? "" : ", ") + s; };
    if (!same_bits(a.loss, b.loss)) add("loss");
    for (int o = 0; o < Spec::num_outputs; ++o)
      if (!same_bits(a.outputs[o], b.outputs[o])) add(std::string("output '") + Spec::outputs[o].name + "'");
    for (int p = 0; p < Spec::num_params; ++p) {
      const ParamInfo& pi = Spec::params[p];
      if (std::memcmp(a.grads.data() + pi.offset, b.grads.data() + pi.offset, pi.elems * sizeof(float)) != 0)
        add(std::string("gradient of '") + pi.name + "'");
      if (std::memcmp(a.params.data() + pi.offset, b.params.data() + pi.offset, pi.elems * sizeof(float)) != 0)
        add(std::string("parameter '") + pi.name + "'");
    }
    return d;
  }

  // Only buffer i poisoned, at its planned steps, on an arena that starts zeroed.
  Poison only(int i) const {
    Poison p{std::vector<int>(size, -1), std::vector<int>(size, -1), false};
    p.before[i] = plan[i].first;
    p.after[i] = plan[i].last;
    return p;
  }
  // Some other buffer sharing i's memory is live at a step in [lo, hi].
  bool shared_live(int i, int lo, int hi) const {
    for (int j = 0; j < size; ++j)
      if (j != i && share_memory(plan[i], plan[j]) && plan[j].first <= hi && lo <= plan[j].last) return true;
    return false;
  }
  // Buffer i's poisoning alone changes the results. After its last step: the first step after
  // which poisoning it is harmless still reads it. Before its first step: that step reads it
  // before writing it, an earlier step writes it, or that step still reads a buffer whose
  // range has ended and which shares its memory (the scans stop where another buffer shares
  // its memory, as poisoning then hits that buffer too).
  std::string describe(int i, const PlanResult& plain) const {
    const PlanEntry& e = plan[i];
    std::string d = std::string("buffer '") + e.name + "' (steps " + std::to_string(e.first) + ".." +
                    std::to_string(e.last) + ")";
    Poison q = only(i);
    q.after[i] = -1;
    if (run(&q) == plain) {  // the end
      q = only(i);
      for (int j = e.last + 1; j < steps() && !shared_live(i, e.last + 1, j); ++j) {
        q.after[i] = j;
        if (run(&q) == plain) return d + " is still read by step " + std::to_string(j) + " (" + sched[j].name + ")";
      }
      return d + " is still read after step " + std::to_string(e.last);
    }
    for (int j = e.first - 1; j >= 0 && !shared_live(i, j, e.first - 1); --j) {
      q.before[i] = j;
      if (run(&q) == plain) return d + " is already written by step " + std::to_string(j) + " (" + sched[j].name + ")";
    }
    // candidates: the first few values whose range ended and whose memory this one reuses
    std::string ended;
    int listed = 0;
    for (int j = 0; j < size && listed < 4; ++j)
      if (j != i && share_memory(e, plan[j]) && plan[j].last < e.first && std::strncmp(plan[j].name, "value ", 6) == 0) {
        ended += std::string(listed++ ? ", " : "") + "'" + plan[j].name + "' (steps " + std::to_string(plan[j].first) +
                 ".." + std::to_string(plan[j].last) + ")";
      }
    return d + ": NaN just before step " + std::to_string(e.first) + " (" + sched[e.first].name +
           ") changes the results: that step reads this memory before writing it, e.g. as a buffer whose range "
           "has ended" + (ended.empty() ? "" : " (values here before: " + ended + ", ...)");
  }
  // The buffers whose poisoning alone changes the results, described.
  std::string diagnose(const PlanResult& plain) const {
    std::string d;
    for (int i = 0; i < size; ++i) {
      if (plan[i].elems == 0) continue;
      const Poison p = only(i);
      if (run(&p) == plain) continue;
      d += (d.empty() ? " [" : "; ") + describe(i, plain);
    }
    return d.empty() ? " [no single planned buffer explains it: a step reads arena memory outside every buffer?]"
                     : d + "]";
  }
};

// The plan's live ranges against what the ops really do: the schedule is run with the arena
// all NaN at the start and every planned buffer overwritten with NaN just before its first
// step and just after its last; loss, outputs, gradients and parameters must keep every bit
// of an ordinary run. A buffer read after its range ends (or written before it starts) turns
// them into NaN -- which the overlap check, testing only the plan against itself, cannot see.
template <class Spec, bool Train>
void check_plan_liveness(const std::vector<TokenRange>& ranges, Report& rep) {
  PlanRunner<Spec, Train> R(ranges);
  const std::string phase = Train ? "training" : "inference";
  const int plan_steps = Train ? Spec::train_steps : Spec::infer_steps;
  std::string bad_range;
  for (int i = 0; i < R.size && bad_range.empty(); ++i)
    if (!(0 <= R.plan[i].first && R.plan[i].first <= R.plan[i].last && R.plan[i].last < plan_steps))
      bad_range = std::string(" (not '") + R.plan[i].name + "', steps " + std::to_string(R.plan[i].first) + ".." +
                  std::to_string(R.plan[i].last) + ")";
  const bool ranges_ok = R.steps() == plan_steps && bad_range.empty();
  rep.check(ranges_ok, "plan: " + phase + " schedule has the plan's " + std::to_string(plan_steps) + " steps (" +
                           std::to_string(R.steps()) + ") and every live range lies in it" + bad_range);
  if (!ranges_ok) return;
  const PlanResult api = R.api(), plain = R.run(nullptr);
  rep.check(api == plain, "plan: the " + phase + " schedule run step by step gives the bits of " +
                              (Train ? "train_forward + train_backward" : "infer") +
                              (api == plain ? "" : " (differs: " + R.differences(api, plain) + ")"));
  const Poison p = R.planned();
  const PlanResult poisoned = R.run(&p);
  const bool ok = poisoned == plain;
  rep.check(ok, "plan: " + phase + " plan, every buffer NaN outside its live steps: loss, outputs, gradients and "
                "parameters bit for bit as an ordinary run" +
                    (ok ? "" : " (differs: " + R.differences(plain, poisoned) + ")" + R.diagnose(plain)));
}

template <class Spec>
void check_plans(const std::vector<TokenRange>& ranges, Report& rep) {
  std::string e = plan_overlap(Spec::infer_plan, Spec::infer_plan_size, Spec::infer_arena_elems);
  rep.check(e.empty(), "plan: inference plan has no overlapping live buffers " + e);
  if (Spec::train_plan_size) {
    e = plan_overlap(Spec::train_plan, Spec::train_plan_size, Spec::train_arena_elems);
    rep.check(e.empty(), "plan: training plan has no overlapping live buffers " + e);
  }
  check_plan_liveness<Spec, false>(ranges, rep);
  if constexpr (Spec::trainable) check_plan_liveness<Spec, true>(ranges, rep);
}

// ---- golden values (tools/make_golden.py; tests/golden/README.md)

struct GoldenValue {
  const char* name;      // value name (<case>/<name>.npy)
  index_t offset;        // per sample, in the phase's plan
  index_t elems;         // per sample
  bool per_batch;        // the loss: one number per batch
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

inline std::string read_text(const std::string& path) {
  std::ifstream f(path);
  AKORN_CHECK(f.good(), path + ": cannot open");
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// golden.json and case.json are written by tools/make_golden.py, which keeps every key read
// here unique in its file: fields are found by key.
// A number or string field, as text ("" when absent).
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

// The elements of a flat array field ("key": [1.5, 2] or ["a", "b"]), as text.
inline std::vector<std::string> json_array(const std::string& text, const std::string& key) {
  std::vector<std::string> out;
  size_t k = text.find("\"" + key + "\"");
  if (k == std::string::npos) return out;
  size_t b = text.find_first_not_of(" \t\n", text.find(':', k) + 1);
  if (b == std::string::npos || text[b] != '[') return out;
  size_t e = text.find(']', b);
  std::string item;
  for (size_t i = b + 1; i < e && e != std::string::npos; ++i) {
    if (text[i] == ',') {
      out.push_back(item);
      item.clear();
    } else if (text[i] != '"' && text[i] != ' ' && text[i] != '\n' && text[i] != '\t') {
      item += text[i];
    }
  }
  if (!item.empty()) out.push_back(item);
  return out;
}

// The .npy files of a directory, names without ".npy", sorted.
inline std::vector<std::string> npy_files(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = opendir(dir.c_str());
  AKORN_CHECK(d != nullptr, dir + ": cannot list the directory");
  while (dirent* ent = readdir(d)) {
    std::string f = ent->d_name;
    if (f.size() > 4 && f.compare(f.size() - 4, 4, ".npy") == 0) names.push_back(f.substr(0, f.size() - 4));
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

// make_golden.py --params counter: element e of parameter i (storage order) is
// float32(centre + half * r), r = (2k + 1 - 2^24) / 2^24, k = splitmix64(noise_base(seed, i, 0) + e) >> 40.
// r is a multiple of 2^-24 and centre, half are float32 values, so the double arithmetic is
// exact (fused or not) and NumPy computes the same float.
inline float counter_param(std::uint64_t seed, int i, index_t e, double centre, double half) {
  const std::uint64_t k = splitmix64(noise_base(seed, static_cast<std::uint64_t>(i), 0) + static_cast<std::uint64_t>(e)) >> 40;
  const double r = (2.0 * static_cast<double>(k) + 1.0 - 16777216.0) / 16777216.0;
  return static_cast<float>(centre + half * r);
}

// The golden parameters: params/<name>.npy, or the counter rule of golden.json.
// Also checks the model's parameter list and which of them it trains against the reference's.
template <class Spec, typename S>
void load_golden_params(const std::string& dir, const std::string& meta, std::vector<S>& params, Report& rep) {
  const auto names = json_array(meta, "param_names"), trainable = json_array(meta, "param_trainable");
  bool same = static_cast<int>(names.size()) == Spec::num_params;
  for (int i = 0; same && i < Spec::num_params; ++i) same = names[i] == Spec::params[i].name;
  rep.check(same, "golden: golden.json's param_names are this model's parameters, in storage order");
  if (!same) return;
  std::string wrong;
  for (int i = 0; i < Spec::num_params && trainable.size() == names.size(); ++i)
    if ((trainable[i] == "true") != Spec::params[i].trainable)
      wrong += std::string(" '") + Spec::params[i].name + "' is " + (Spec::params[i].trainable ? "" : "not ") + "trained;";
  rep.check(trainable.size() == names.size() && wrong.empty(),
            "golden: the model trains exactly the parameters the reference trains (param_trainable)" + wrong);
  const std::string source = json_field(meta, "param_source");
  if (source == "counter") {
    const auto centre = json_array(meta, "param_centre"), half = json_array(meta, "param_half");
    const std::string seed = json_field(meta, "param_seed");
    AKORN_CHECK(!seed.empty() && centre.size() == names.size() && half.size() == names.size(),
                dir + "/golden.json: counter parameters need param_seed, param_centre, param_half");
    for (int i = 0; i < Spec::num_params; ++i) {
      const ParamInfo& p = Spec::params[i];
      const double c = std::strtod(centre[i].c_str(), nullptr), h = std::strtod(half[i].c_str(), nullptr);
      for (index_t e = 0; e < p.elems; ++e)
        params[p.offset + e] = static_cast<S>(counter_param(std::stoull(seed), i, e, c, h));
    }
    return;
  }
  AKORN_CHECK(source == "files", dir + "/golden.json: param_source must be files or counter");
  std::set<std::string> known;
  for (int i = 0; i < Spec::num_params; ++i) {
    const ParamInfo& p = Spec::params[i];
    known.insert(p.name);
    NpyArray a = load_npy(dir + "/params/" + p.name + ".npy");
    AKORN_CHECK(a.count() == p.elems, a.path + ": has " + std::to_string(a.count()) + " values, parameter '" +
                                          p.name + "' " + shape_str(p.shape, p.rank) + " needs " +
                                          std::to_string(p.elems));
    auto v = a.as<S>();
    std::copy(v.begin(), v.end(), params.begin() + p.offset);
  }
  for (const std::string& f : npy_files(dir + "/params"))
    if (!known.count(f)) rep.check(false, "golden: params/" + f + ".npy is not a parameter of this model");
}

// Runs the cases of a golden directory whose path (infer or train) is in `paths` (empty:
// every case), in precision S: the inference path at the case's steps, or the training
// forward, op by op. Compares every value an op writes, the model outputs and (training)
// the updated parameters, BatchNorm's running statistics, with the case's files. Fails when
// golden.json is not this model's (spec sha256), when a case's file is compared by nothing,
// and when nothing is compared; uses golden.json's noise_seed and sample0.
template <class Spec, typename S>
void check_golden(const std::string& dir, const std::vector<std::string>& paths,
                  const std::vector<GoldenStep<Spec, S>>& infer_steps,
                  const std::vector<GoldenStep<Spec, S>>& train_steps, double tol, const char* label, Report& rep) {
  const std::string meta = read_text(dir + "/golden.json");
  const std::string lbl = std::string("golden ") + label;
  const std::string hash = json_field(meta, "spec_sha256");
  rep.check(hash == Spec::spec_hash, lbl + ": golden.json was made from this model's spec (sha256 " + hash +
                                         (hash == Spec::spec_hash ? ")" : std::string(", model ") + Spec::spec_hash + ")"));
  const std::string batch = json_field(meta, "batch"), noise = json_field(meta, "noise_seed"),
                    s0 = json_field(meta, "sample0");
  AKORN_CHECK(!batch.empty() && !noise.empty() && !s0.empty(),
              dir + "/golden.json: needs 'batch', 'noise_seed' and 'sample0'");
  const int N = std::stoi(batch);
  const std::uint64_t noise_seed = std::stoull(noise), sample0 = std::stoull(s0);
  // a directory may set a looser float32 tolerance ("float_tol": its dynamics amplify
  // float rounding more, and by how much depends on the BLAS kernels of the machine)
  if (std::is_same_v<S, float>) {
    const std::string ft = json_field(meta, "float_tol");
    if (!ft.empty()) tol = std::stod(ft);
  }
  Instance<Spec, S> inst(N, std::max(Spec::train_arena_elems, Spec::infer_arena_elems));
  load_golden_params<Spec, S>(dir, meta, inst.params, rep);
  const std::vector<S> params0 = inst.params;
  for (int i = 0; i < Spec::num_inputs; ++i) {
    const InputInfo& info = Spec::inputs[i];
    NpyArray a = load_npy(dir + "/inputs/" + info.name + ".npy");
    AKORN_CHECK(a.count() == info.elems * N, a.path + ": wrong size for batch " + batch);
    if (info.is_int)
      inst.tokens[i] = a.as<std::int32_t>();
    else
      inst.features[i] = a.as<S>();
  }
  auto in = inst.inputs();

  int cases_run = 0;
  for (const std::string& name : json_array(meta, "cases")) {
    const std::string cdir = dir + "/" + name;
    const std::string cmeta = read_text(cdir + "/case.json");
    const std::string path = json_field(cmeta, "path");
    AKORN_CHECK(path == "infer" || path == "train", cdir + "/case.json: path must be infer or train");
    if (!paths.empty() && std::find(paths.begin(), paths.end(), path) == paths.end()) continue;
    const bool train = path == "train";
    const int steps = std::stoi(json_field(cmeta, "steps"));
    AKORN_CHECK(steps >= 0 && (!train || steps == 0), cdir + "/case.json: bad steps");
    ++cases_run;
    const std::string cl = lbl + " " + name + " (" + path + (steps ? ", T=" + std::to_string(steps) : "") + ")";
    std::set<std::string> used;
    int compared = 0;
    // compares n values at `got` with <case>/<file>.npy (when it exists)
    auto compare = [&](const std::string& what, const std::string& file, const S* got, size_t n) {
      const std::string fpath = cdir + "/" + file + ".npy";
      if (!path_exists(fpath)) return;
      used.insert(file);
      ++compared;
      auto ev = load_npy(fpath).as<double>();
      if (ev.size() != n) {
        rep.check(false, cl + ": " + what + " has " + std::to_string(n) + " elements, " + file + ".npy " +
                             std::to_string(ev.size()));
        return;
      }
      std::vector<double> g(got, got + n);
      const double err = scaled_err(g.data(), ev, n);
      char b[96];
      std::snprintf(b, sizeof b, " (scaled max err %.2e, tol %.0e)", err, tol);
      rep.check(err <= tol, cl + ": " + what + b);
    };
    std::copy(params0.begin(), params0.end(), inst.params.begin());
    OutputBufs<Spec, S> ob(N, steps);
    inst.model.begin(N, in, ob.outputs(), noise_seed, sample0, steps);
    for (const auto& st : train ? train_steps : infer_steps) {
      st.run(inst.model);
      for (const GoldenValue& v : st.values)
        compare(std::string("value '") + v.name + "' (op '" + st.op + "')", v.name, inst.buf(v.offset),
                static_cast<size_t>(v.per_batch ? 1 : v.elems * N));
    }
    for (int o = 0; o < Spec::num_outputs; ++o)
      compare(std::string("model output '") + Spec::outputs[o].name + "'", Spec::outputs[o].name,
              ob.bufs[o].data(), ob.bufs[o].size());
    for (int i = 0; i < Spec::num_params; ++i) {
      const ParamInfo& p = Spec::params[i];
      compare(std::string("parameter '") + p.name + "' after the pass", std::string(p.name) + ".updated",
              inst.params.data() + p.offset, static_cast<size_t>(p.elems));
    }
    if (!train)
      rep.check(std::equal(params0.begin(), params0.end(), inst.params.begin()),
                cl + ": the inference path leaves every parameter unchanged");
    for (const std::string& f : npy_files(cdir))
      if (!used.count(f))
        rep.check(false, cl + ": " + f + ".npy is compared by nothing (not computed on this path, or misnamed)");
    rep.check(compared > 0, cl + ": " + std::to_string(compared) + " tensors compared");
  }
  rep.check(cases_run > 0, lbl + ": " + std::to_string(cases_run) + " golden cases run" +
                               (paths.empty() ? "" : " (paths: " + paths.front() + (paths.size() > 1 ? ", ..." : "") + ")"));
}

}  // namespace akorn::testing
