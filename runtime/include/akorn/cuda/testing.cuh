// GPU tests of a generated model (llm.c style: the GPU checked against the CPU reference).
//   ops         every op of the training schedule, forward then backward, on the GPU in
//               float against the CPU in double, each op on IDENTICAL inputs: before each op
//               the live values and gradients of the CPU run are copied into the GPU arena
//               (buffers private to an op keep the GPU's own contents, their layout may
//               differ), so an error is pinned to the op that made it.
//   train       10 training steps (forward, backward, clip, Adam, EMA) on the GPU against the
//               CPU: each step from the CPU's state (loss, gradient norm and update agree),
//               and free-running from the same start (trajectories stay close); then on the GPU alone:
//               stop after 5, reload the state into a fresh engine, continue -> bit-identical
//               to 10 uninterrupted steps; CUDA-graph replay bit-identical to plain launches.
//   train-short 2 steps (for compute-sanitizer runs).
//   sanitize TOOL SANITIZER  runs this program's `ops` and `train-short` under
//               compute-sanitizer --tool TOOL (memcheck, racecheck), failing on any report.
// --tf32 yes: TF32 GEMMs, with a looser tolerance. Exit 77 (CTest: skipped) without a GPU.
#pragma once
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "akorn/backend.hpp"
#include "akorn/cli.hpp"
#include "akorn/cuda/backend.cuh"
#include "akorn/cuda/train_step.cuh"
#include "akorn/init.hpp"
#include "akorn/train_step.hpp"

namespace akorn::cuda {

namespace testing_detail {

struct Cmp {
  double err = 0, scale = 0;
  double rel() const { return err / std::max(scale, 1e-6); }
};

inline Cmp compare(const double* ref, const float* got, index_t n) {
  Cmp c;
  for (index_t i = 0; i < n; ++i) {
    c.scale = std::max(c.scale, std::fabs(ref[i]));
    const double d = std::fabs(ref[i] - double(got[i]));
    if (!(d <= c.err)) c.err = std::isnan(d) ? INFINITY : d;
  }
  return c;
}

inline bool is_tensor_entry(const PlanEntry& e) {
  return std::strncmp(e.name, "value ", 6) == 0 || std::strncmp(e.name, "grad ", 5) == 0;
}

}  // namespace testing_detail

template <class Spec>
int test_ops(double tol) {
  using namespace testing_detail;
  using MC = typename Spec::template ModelT<double, CpuBackend>;
  using MG = typename Spec::template ModelT<float, Backend>;
  const int N = 2;
  const index_t PE = Spec::param_elems, AE = MC::arena_elems(N);
  static_assert(MC::arena_elems(1) == MG::arena_elems(1), "one plan for both backends");
  std::vector<double> pc(static_cast<size_t>(PE)), gc(pc.size()), ac(static_cast<size_t>(AE), 0.0);
  init_params<double>(Spec::params, Spec::num_params, pc.data(), 7);
  // Perturb the constant-initialised parameters (norm weights 1, biases 0, ...) so that
  // every gradient path carries signal.
  Rng rng(99);
  for (auto& p : pc) p = static_cast<double>(static_cast<float>(p + 0.05 * rng.normal()));
  std::vector<float> hostf(static_cast<size_t>(std::max(PE, AE)));
  DeviceArray<float> pg(PE), gg(PE), ag(AE);
  auto up = [&](float* dst, const double* src, index_t n) {
    for (index_t i = 0; i < n; ++i) hostf[size_t(i)] = static_cast<float>(src[i]);
    upload(dst, hostf.data(), n);
  };
  auto down = [&](const float* src, index_t n) {
    download(hostf.data(), src, n);
    return hostf.data();
  };
  up(pg.data(), pc.data(), PE);
  fill(gg.data(), PE, 0.f);
  fill(ag.data(), AE, 0.f);
  MC mc(pc.data(), gc.data(), ac.data(), N);
  MG mg(pg.data(), gg.data(), ag.data(), N);

  // inputs: ints shared, features float -> double for the CPU
  cli::RandomBatch<Spec> batch(N, 3);
  std::vector<std::vector<double>> in_d(Spec::num_inputs);
  std::vector<const void*> ip_c(Spec::num_inputs), ip_g(Spec::num_inputs);
  std::vector<DeviceArray<unsigned char>> in_g;
  for (int i = 0; i < Spec::num_inputs; ++i) {
    const index_t n = Spec::inputs[i].elems * N;
    in_g.emplace_back(n * 4);
    upload(in_g.back().data(), static_cast<const unsigned char*>(batch.ptrs[i]), n * 4);
    ip_g[i] = in_g.back().data();
    if (Spec::inputs[i].is_int) {
      ip_c[i] = batch.ptrs[i];
    } else {
      const float* f = static_cast<const float*>(batch.ptrs[i]);
      in_d[i].assign(f, f + n);
      ip_c[i] = in_d[i].data();
    }
  }
  std::vector<std::vector<double>> out_c(Spec::num_outputs);
  std::vector<DeviceArray<float>> out_g;
  std::vector<double*> op_c(Spec::num_outputs);
  std::vector<float*> op_g(Spec::num_outputs);
  for (int o = 0; o < Spec::num_outputs; ++o) {
    const index_t n = Spec::outputs[o].elems * N;
    out_c[o].assign(size_t(n), 0.0);
    out_g.emplace_back(n);
    fill(out_g.back().data(), n, 0.f);
    op_c[o] = out_c[o].data();
    op_g[o] = out_g.back().data();
  }
  mc.begin(N, Spec::template inputs_from<double>(ip_c.data()), Spec::template outputs_from<double>(op_c.data()), 5, 0, 0);
  mg.begin(N, Spec::template inputs_from<float>(ip_g.data()), Spec::template outputs_from<float>(op_g.data()), 5, 0, 0);

  const auto sched_c = MC::train_schedule();
  const auto sched_g = MG::train_schedule();
  struct Step { int op; bool bwd; };
  std::vector<Step> steps;
  for (size_t i = 0; i < sched_c.size(); ++i) steps.push_back({int(i), false});
  for (size_t i = sched_c.size(); i-- > 0;)
    if (sched_c[i].bwd) steps.push_back({int(i), true});

  int failures = 0;
  double worst = 0;
  for (int k = 0; k < int(steps.size()); ++k) {
    const Step st = steps[k];
    // identical inputs: the CPU's live tensors and parameter gradients -> GPU
    for (int e = 0; e < Spec::train_plan_size; ++e) {
      const PlanEntry& pe = Spec::train_plan[e];
      if (!is_tensor_entry(pe) || pe.first > k || pe.last < k) continue;
      up(ag.data() + pe.offset * N, ac.data() + pe.offset * N, pe.elems * N);
    }
    up(gg.data(), gc.data(), PE);
    up(pg.data(), pc.data(), PE);
    if (st.bwd) {
      (mc.*sched_c[st.op].bwd)();
      (mg.*sched_g[st.op].bwd)();
    } else {
      (mc.*sched_c[st.op].fwd)();
      (mg.*sched_g[st.op].fwd)();
    }
    sync();
    // compare what this step can have written: live tensors, parameters (running
    // statistics), parameter gradients, model outputs
    std::string what;
    double step_worst = 0;
    auto check = [&](const std::string& name, const Cmp& c) {
      if (c.rel() > step_worst) {
        step_worst = c.rel();
        what = name;
      }
      if (!(c.rel() <= tol)) {
        std::printf("  FAIL %s: max |gpu - cpu| %.3g, scale %.3g (relative %.3g > %.1g)\n", name.c_str(), c.err, c.scale,
                    c.rel(), tol);
        ++failures;
      }
    };
    for (int e = 0; e < Spec::train_plan_size; ++e) {
      const PlanEntry& pe = Spec::train_plan[e];
      if (!is_tensor_entry(pe) || pe.first > k || pe.last < k) continue;
      check(pe.name, compare(ac.data() + pe.offset * N, down(ag.data() + pe.offset * N, pe.elems * N), pe.elems * N));
    }
    for (int i = 0; i < Spec::num_params; ++i) {
      const ParamInfo& p = Spec::params[i];
      check(std::string("param ") + p.name, compare(pc.data() + p.offset, down(pg.data() + p.offset, p.elems), p.elems));
      check(std::string("grad of ") + p.name, compare(gc.data() + p.offset, down(gg.data() + p.offset, p.elems), p.elems));
    }
    for (int o = 0; o < Spec::num_outputs; ++o)
      check(std::string("output ") + Spec::outputs[o].name,
            compare(out_c[o].data(), down(out_g[o].data(), Spec::outputs[o].elems * N), Spec::outputs[o].elems * N));
    worst = std::max(worst, step_worst);
    std::printf("%-9s %-16s %-18s worst relative difference %.2e (%s)\n", st.bwd ? "backward" : "forward",
                sched_c[st.op].name, sched_c[st.op].kind, step_worst, what.c_str());
  }
  std::printf("%s: %d ops, %zu steps, worst relative difference %.2e (tolerance %.1g): %s\n", Spec::name,
              int(sched_c.size()), steps.size(), worst, tol, failures ? "FAIL" : "ok");
  return failures ? 1 : 0;
}

template <class Spec>
int test_train(int nsteps_total, bool compare_cpu, double tol) {
  const int B = 4;
  StepConfig sc;
  sc.batch = B;
  sc.ema_every = 2;
  sc.ema_after = 2;  // exercise both EMA branches within 10 steps
  const index_t PE = Spec::param_elems;
  std::vector<float> p0(static_cast<size_t>(PE));
  init_params<float>(Spec::params, Spec::num_params, p0.data(), 11);
  std::vector<cli::RandomBatch<Spec>> batches;
  for (int s = 0; s < nsteps_total; ++s) batches.emplace_back(B, 1000 + s);
  auto seed_of = [](int s) { return splitmix64(77 + std::uint64_t(s)); };

  struct State {
    std::vector<float> p, e, m, v;
    std::int64_t t = 0;
    std::vector<float> losses;
  };
  auto run = [&](auto& engine, int from, int to, State& st) {
    for (int s = from; s < to; ++s) {
      double gn = 0;
      st.losses.push_back(engine.step(batches[s].ptrs.data(), nullptr, seed_of(s), std::uint64_t(s) * B, &gn));
    }
    st.p.resize(size_t(PE));
    st.e.resize(size_t(PE));
    st.m.resize(size_t(PE));
    st.v.resize(size_t(PE));
    engine.get_state(st.p.data(), st.e.data(), st.m.data(), st.v.data(), &st.t);
  };
  int failures = 0;
  // A: uninterrupted on the GPU, graphs on
  State a;
  {
    TrainStep<Spec, Backend> g(sc);
    g.set_state(p0.data(), p0.data(), nullptr, nullptr, 0);
    run(g, 0, nsteps_total, a);
  }
  if (compare_cpu) {
    // (1) Lock-step: every GPU step starts from the CPU's state (parameters, EMA, Adam), so
    // each step's loss and update are compared on identical inputs: the GPU's arithmetic is
    // checked step by step, forward, backward, clipping, Adam and EMA included.
    {
      TrainStep<Spec, CpuBackend> cpu(sc);
      cpu.set_state(p0.data(), p0.data(), nullptr, nullptr, 0);
      TrainStep<Spec, Backend> gpu(sc);
      const size_t n = static_cast<size_t>(PE);
      std::vector<float> P(n), E(n), Mv(n), V(n), Pg(n), Eg(n), Mg(n), Vg(n), Pc(n), Ec(n);
      std::int64_t t = 0, tg = 0;
      double worst_loss = 0, worst_upd = 0;
      for (int s = 0; s < nsteps_total; ++s) {
        cpu.get_state(P.data(), E.data(), Mv.data(), V.data(), &t);
        gpu.set_state(P.data(), E.data(), Mv.data(), V.data(), t);
        double gc = 0, gg = 0;
        const float lc = cpu.step(batches[s].ptrs.data(), nullptr, seed_of(s), std::uint64_t(s) * B, &gc);
        const float lg = gpu.step(batches[s].ptrs.data(), nullptr, seed_of(s), std::uint64_t(s) * B, &gg);
        const double rel = std::fabs(double(lg) - lc) / std::max(1e-6, std::fabs(double(lc)));
        // the update each side made from the same state; Adam maps a near-zero gradient to
        // +-lr whatever its rounding, so elements may differ by up to 2 lr (sign flips)
        std::int64_t tc = 0;
        cpu.get_state(Pc.data(), Ec.data(), Mv.data(), V.data(), &tc);
        gpu.get_state(Pg.data(), Eg.data(), Mg.data(), Vg.data(), &tg);
        double upd = 0;
        for (index_t i = 0; i < PE; ++i) upd = std::max(upd, double(std::fabs(Pg[i] - Pc[i])));
        const double gnrel = std::fabs(gg - gc) / std::max(1e-12, gc);
        std::printf("step %2d from the CPU's state: loss gpu %.7f cpu %.7f (relative %.2e), grad norm relative %.2e, "
                    "max |update difference| %.2e\n", s + 1, double(lg), double(lc), rel, gnrel, upd);
        // the gradient passes backward through T steps of a dynamical system, which
        // amplifies rounding differences more than the forward loss: 4x the tolerance
        worst_loss = std::max(worst_loss, std::max(rel, gnrel / 4));
        worst_upd = std::max(worst_upd, upd);
        if (tg != tc) {
          std::printf("FAIL: step count gpu %lld cpu %lld\n", static_cast<long long>(tg), static_cast<long long>(tc));
          ++failures;
        }
      }
      std::printf("lock-step: worst relative loss (or grad-norm / 4) difference %.2e (tolerance %.1g), worst update difference "
                  "%.2e (limit 2.5 lr = %.1e)\n", worst_loss, tol, worst_upd, 2.5 * sc.lr);
      if (!(worst_loss <= tol)) ++failures;
      if (!(worst_upd <= 2.5 * sc.lr)) ++failures;
    }
    // (2) Free-running: 10 steps each on its own. Sign flips of near-zero gradients (see
    // above) make the two trajectories drift apart slowly; only a divergence fails.
    State c;
    TrainStep<Spec, CpuBackend> cpu(sc);
    cpu.set_state(p0.data(), p0.data(), nullptr, nullptr, 0);
    run(cpu, 0, nsteps_total, c);
    double worst = 0;
    for (int s = 0; s < nsteps_total; ++s) {
      const double rel = std::fabs(double(a.losses[s]) - c.losses[s]) / std::max(1e-6, std::fabs(double(c.losses[s])));
      worst = std::max(worst, rel);
      std::printf("step %2d free-running: loss gpu %.7f cpu %.7f (relative difference %.2e)\n", s + 1,
                  double(a.losses[s]), double(c.losses[s]), rel);
    }
    double pe = 0, ps = 0, ee = 0, es = 0;
    for (index_t i = 0; i < PE; ++i) {
      pe = std::max(pe, double(std::fabs(a.p[i] - c.p[i])));
      ps = std::max(ps, double(std::fabs(c.p[i])));
      ee = std::max(ee, double(std::fabs(a.e[i] - c.e[i])));
      es = std::max(es, double(std::fabs(c.e[i])));
    }
    std::printf("free-running trajectory: worst relative loss difference %.2e (limit 5e-2); parameters %.2e, EMA "
                "%.2e of scale (limit 2e-2)\n", worst, pe / ps, ee / es);
    if (!(worst <= 5e-2)) ++failures;
    if (!(pe <= 0.02 * ps) || !(ee <= 0.02 * es)) {
      std::printf("FAIL: parameters or EMA drift apart more than 2%% of their scale\n");
      ++failures;
    }
  }
  if (nsteps_total >= 2) {
    // B: stop half-way, reload into a fresh engine, continue
    const int half = nsteps_total / 2;
    State b1, b2;
    {
      TrainStep<Spec, Backend> g(sc);
      g.set_state(p0.data(), p0.data(), nullptr, nullptr, 0);
      run(g, 0, half, b1);
    }
    {
      TrainStep<Spec, Backend> g(sc);
      g.set_state(b1.p.data(), b1.e.data(), b1.m.data(), b1.v.data(), b1.t);
      b2.losses = b1.losses;
      run(g, half, nsteps_total, b2);
    }
    // C: no CUDA graph
    State c;
    {
      StepConfig sc2 = sc;
      sc2.cuda_graph = false;
      TrainStep<Spec, Backend> g(sc2);
      g.set_state(p0.data(), p0.data(), nullptr, nullptr, 0);
      run(g, 0, nsteps_total, c);
    }
    auto same = [](const State& x, const State& y) {
      return x.p == y.p && x.e == y.e && x.m == y.m && x.v == y.v && x.t == y.t &&
             std::memcmp(x.losses.data(), y.losses.data(), x.losses.size() * sizeof(float)) == 0 &&
             x.losses.size() == y.losses.size();
    };
    const bool reload_ok = same(a, b2), graph_ok = same(a, c);
    std::printf("stop at %d, reload, continue to %d: %s\n", half, nsteps_total,
                reload_ok ? "bit-identical" : "FAIL: differs from the uninterrupted run");
    std::printf("CUDA graph vs plain launches: %s\n", graph_ok ? "bit-identical" : "FAIL: differ");
    failures += !reload_ok + !graph_ok;
  }
  std::printf("%s: %s\n", Spec::name, failures ? "FAIL" : "ok");
  return failures ? 1 : 0;
}

// compute-sanitizer runs `self mode` and fails on any report.
inline int run_sanitizer(const char* sanitizer, const char* tool, const char* self, const char* mode) {
  std::printf("%s --tool %s %s %s\n", sanitizer, tool, self, mode);
  std::fflush(stdout);
  const pid_t pid = fork();
  if (pid == 0) {
    execl(sanitizer, sanitizer, "--tool", tool, "--error-exitcode", "1", "--leak-check", "no", self, mode,
          static_cast<char*>(nullptr));
    std::perror(sanitizer);
    _exit(127);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) < 0) return 1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

template <class Spec>
int gpu_test_main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  bool tf32 = false;
  for (int i = 2; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--tf32") == 0) tf32 = std::strcmp(argv[i + 1], "yes") == 0;
  if (mode != "ops" && mode != "train" && mode != "train-short" && mode != "sanitize") {
    std::fprintf(stderr, "usage: %s ops|train|train-short [--tf32 yes] | sanitize TOOL COMPUTE_SANITIZER\n", argv[0]);
    return 2;
  }
  if (device_count() == 0) {
    std::printf("SKIPPED: no CUDA device (these GPU tests need an NVIDIA GPU and driver)\n");
    return 77;
  }
  try {
    if (mode == "sanitize") {
      AKORN_CHECK(argc > 3, "sanitize needs TOOL and the compute-sanitizer path");
      int rc = run_sanitizer(argv[3], argv[2], argv[0], "ops");
      if (rc == 0 && Spec::trainable) rc = run_sanitizer(argv[3], argv[2], argv[0], "train-short");
      return rc;
    }
    init(0, tf32);
    std::printf("device: %s (sm_%d%d), GEMMs %s\n", ctx().prop.name, ctx().prop.major, ctx().prop.minor,
                tf32 ? "TF32" : "strict FP32");
    // float on the GPU against double on the CPU: float rounding through a handful of ops;
    // TF32 keeps 10 mantissa bits in the GEMM inputs.
    if (mode == "ops") return test_ops<Spec>(tf32 ? 3e-2 : 2e-4);
    if (!Spec::trainable) {
      std::printf("%s has no loss: nothing to train\n", Spec::name);
      return 0;
    }
    if (mode == "train") return test_train<Spec>(10, true, tf32 ? 2e-2 : 5e-4);
    return test_train<Spec>(2, false, 0.0);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: error: %s\n", Spec::name, e.what());
    return 1;
  }
}

}  // namespace akorn::cuda
