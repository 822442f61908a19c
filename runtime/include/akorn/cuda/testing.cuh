// GPU tests of a generated model (llm.c style: the GPU checked against the CPU reference).
//   ops         every op of the training schedule, forward then backward, on the GPU in
//               float against the CPU in double, each op on IDENTICAL inputs: before each op
//               the live values and gradients of the CPU run are copied into the GPU arena
//               (buffers private to an op keep the GPU's own contents, their layout may
//               differ), so an error is pinned to the op that made it.
//   train       10 training steps (--steps N; forward, backward, clip, Adam, EMA) on the GPU
//               against the CPU: each step from the CPU's state (loss and clipped gradient agree; each
//               engine's clipping, Adam moments, parameters and EMA equal the host's double-
//               precision step from that state and the engine's own gradient, within float
//               rounding bounds), and free-running from the same start (the distance between
//               the trajectories small against the distance moved); then on the GPU alone:
//               stop half-way, reload the state into a fresh engine, continue -> bit-identical
//               to the uninterrupted steps; CUDA-graph replay bit-identical to plain launches.
//   train-short 2 steps (for compute-sanitizer runs).
//   infer       inference (Model::infer) on the GPU in float against the CPU in double at the
//               trained T and at other T (the `steps` override), every output; then the
//               task's own driver tests (TaskTests, e.g. akorn/tasks/sudoku/cuda_testing.cuh).
//   sanitize TOOL SANITIZER  runs this program's `ops`, `infer` and `train-short` under
//               compute-sanitizer --tool TOOL (memcheck, racecheck), failing on any report.
// --tf32 yes: TF32 GEMMs, with a looser tolerance. --steps N (train, N >= 5 so that the EMA's
// none / copy / decay branches all run; default 10): the CPU emulator's CTest runs the
// largest model with fewer, for CI's time. Exit 77 (CTest: skipped) without a GPU.
#pragma once
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "akorn/backend.hpp"
#include "akorn/random_inputs.hpp"
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

template <typename G>
inline Cmp compare(const double* ref, const G* got, index_t n) {
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
  RandomBatch<Spec> batch(N, 3);
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

// Host check of one optimiser step of an engine (GPU or CPU TrainStep): from the state before
// the step (P0, E0, M0, V0, t0) and the engine's OWN clipped gradient G, the step that Adam
// and the EMA must have made, in double, against what the engine reports after it (P1, E1,
// M1, V1). An optimiser bug cannot hide behind a gradient difference, and near-zero
// gradients (whose sign may differ between engines) are checked like any other. Bounds are
// first-order float rounding (u = 2^-24 per operation, 8 operations per expression, on the
// magnitudes of the operands: moments can cancel), as in runtime/tests/test_optim.cpp.
// Non-trainable parameters: gradient 0 and moments unchanged, exactly. Each field of the
// result is the worst |error| / bound of that quantity (must be <= 1).
struct StepCheck {
  double m = 0, v = 0, p = 0, e = 0, clip = 0;
  std::string where;
  int frozen_bad = 0;
  double worst() const { return std::max(std::max(std::max(m, v), std::max(p, e)), clip); }
};

template <class Spec>
StepCheck check_step(const StepConfig& sc, const float* P0, const float* E0, const float* M0, const float* V0,
                     std::int64_t t0, const float* G, double gnorm, const float* P1, const float* E1, const float* M1,
                     const float* V1) {
  constexpr double u = 0x1p-24, K = 8;
  const double b1 = 0.9, b2 = 0.999, eps = 1e-8;  // TrainStep's Adam
  const double t = double(t0 + 1), c1 = 1 - std::pow(b1, t), c2 = 1 - std::pow(b2, t), step = sc.lr / c1;
  StepCheck r;
  auto note = [&](double& worst, const char* what, index_t i, double got, double want, double bound) {
    const double d = std::fabs(got - want);
    const double q = bound > 0 ? d / bound : (d == 0 ? 0.0 : INFINITY);
    if (!(q <= worst)) {
      worst = std::isnan(q) ? INFINITY : q;
      if (worst > 1) {
        char buf[200];
        const std::string at = i < 0 ? "" : " of element " + std::to_string(i);
        std::snprintf(buf, sizeof buf, "%s%s: got %.9g, want %.9g (bound %.3g)", what, at.c_str(), got, want, bound);
        r.where = buf;
      }
    }
  };
  // clipping: the clipped gradient's norm is min(1, max_norm / (norm + 1e-6)) times the norm
  // reported before clipping (each element rounded once after scaling: u relative)
  double sq = 0;
  for (index_t i = 0; i < Spec::param_elems; ++i) sq += double(G[i]) * G[i];
  if (sc.clip > 0) {
    const double want = gnorm * std::min(1.0, sc.clip / (gnorm + 1e-6));
    note(r.clip, "clipped gradient norm", -1, std::sqrt(sq), want, 4 * u * want);
  }
  for (int q = 0; q < Spec::num_params; ++q) {
    const ParamInfo& pi = Spec::params[q];
    for (index_t i = pi.offset; i < pi.offset + pi.elems; ++i) {
      if (!pi.trainable) {
        if (G[i] != 0.f || M1[i] != M0[i] || V1[i] != V0[i]) ++r.frozen_bad;
        continue;
      }
      const double g = G[i], m0 = M0[i], v0 = V0[i];
      const double m = b1 * m0 + (1 - b1) * g, v = b2 * v0 + (1 - b2) * g * g;
      const double mag_m = b1 * std::fabs(m0) + (1 - b1) * std::fabs(g);
      note(r.m, "Adam m", i, M1[i], m, K * u * mag_m);
      note(r.v, "Adam v", i, V1[i], v, K * u * v);
      const double denom = std::sqrt(v / c2) + eps, upd = step * m / denom;
      const double p = double(P0[i]) - upd;
      note(r.p, "parameter", i, P1[i], p,
           K * u * (std::fabs(P0[i]) + std::fabs(upd) + step * mag_m / denom));
    }
  }
  // the EMA from its previous value and the engine's own updated parameters (d rounded to
  // float moves the result by u d |E0 - P1|)
  const double d = ema_decay_at(static_cast<std::uint64_t>(t0), sc.ema_every, sc.ema_after, sc.ema_decay);
  for (index_t i = 0; i < Spec::param_elems; ++i) {
    if (d < 0) note(r.e, "EMA (no update due)", i, E1[i], E0[i], 0.0);
    else if (d == 0) note(r.e, "EMA (a copy due)", i, E1[i], P1[i], 0.0);
    else
      note(r.e, "EMA", i, E1[i], d * E0[i] + (1 - d) * P1[i], K * u * (std::fabs(E0[i]) + std::fabs(P1[i])));
  }
  return r;
}

template <class Spec>
int test_train(int nsteps_total, bool compare_cpu, double tol) {
  using namespace testing_detail;
  const int B = 4;
  StepConfig sc;
  sc.batch = B;
  sc.ema_every = 2;
  sc.ema_after = 2;  // exercise all three EMA branches (none, copy, decay) within 10 steps
  const index_t PE = Spec::param_elems;
  std::vector<float> p0(static_cast<size_t>(PE));
  init_params<float>(Spec::params, Spec::num_params, p0.data(), 11);
  std::vector<RandomBatch<Spec>> batches;
  for (int s = 0; s < nsteps_total; ++s) batches.emplace_back(B, 1000 + s);
  auto seed_of = [](int s) { return splitmix64(77 + std::uint64_t(s)); };

  struct State {
    std::vector<float> p, e, m, v;
    std::int64_t t = 0;
    std::vector<float> losses;
  };
  // A state, and the step that led to it: the clipped gradient, its norm before clipping, the loss.
  struct Snap {
    std::vector<float> p, e, m, v, g;
    std::int64_t t = 0;
    double gnorm = 0;
    float loss = 0;
  };
  auto snap = [&](auto& engine, Snap& sn) {
    for (auto* x : {&sn.p, &sn.e, &sn.m, &sn.v, &sn.g}) x->resize(size_t(PE));
    engine.get_state(sn.p.data(), sn.e.data(), sn.m.data(), sn.v.data(), &sn.t);
    engine.get_grads(sn.g.data());
  };
  // trace: null, or the state after every step (trace[0] = before the first)
  auto run = [&](auto& engine, int from, int to, State& st, std::vector<Snap>* trace = nullptr) {
    for (int s = from; s < to; ++s) {
      double gn = 0;
      st.losses.push_back(engine.step(batches[s].ptrs.data(), nullptr, seed_of(s), std::uint64_t(s) * B, &gn));
      if (trace) {
        trace->emplace_back();
        snap(engine, trace->back());
        trace->back().gnorm = gn;
        trace->back().loss = st.losses.back();
      }
    }
    st.p.resize(size_t(PE));
    st.e.resize(size_t(PE));
    st.m.resize(size_t(PE));
    st.v.resize(size_t(PE));
    engine.get_state(st.p.data(), st.e.data(), st.m.data(), st.v.data(), &st.t);
  };
  int failures = 0;
  // A: uninterrupted on the GPU, graphs on, every step's state recorded
  State a;
  std::vector<Snap> trace(1);
  trace[0].p = p0;
  trace[0].e = p0;
  trace[0].m.assign(size_t(PE), 0.f);
  trace[0].v.assign(size_t(PE), 0.f);
  {
    TrainStep<Spec, Backend> g(sc);
    g.set_state(p0.data(), p0.data(), nullptr, nullptr, 0);
    run(g, 0, nsteps_total, a, &trace);
  }
  if (compare_cpu) {
    // Every check below takes a step of each engine from the SAME state. Per step: the GPU's
    // loss and clipped gradient against the CPU's at float tolerance, and each engine's own
    // step (clipping, Adam moments, parameters, EMA) against the host's double-precision step
    // from that state with that engine's own gradient (check_step), so an optimiser bug
    // cannot hide behind a gradient difference; non-trainable parameters (running
    // statistics, set by the forward pass) GPU vs CPU.
    //   (1) lock-step: each GPU step starts from the CPU's state (set_state every step);
    //   (2) the GPU's own trajectory A (state carried by the GPU engine and its CUDA graph
    //       from step to step): each recorded step checked, the CPU stepping from A's state.
    // The clipped gradients are compared by their relative L2 distance over all parameters
    // (the worst tensor's is printed), not element-wise, and only for gross errors (a wrong
    // buffer, a stale graph node: distance ~1): a pre-activation within rounding of a ReLU's
    // kink (or a max-pool tie) takes the other branch on the other engine and moves one
    // sample-position's share of the gradient (measured on the emulator, sudoku-small: one
    // such flip moved 1.4e-2 of a tensor and 8.7e-3 of the whole gradient); a GPU rounds
    // differently from the emulator and may flip several per step. Each op's gradients are
    // compared at float tolerance by `ops` (identical inputs, no flips); here the norm before
    // clipping (grad-norm, 10 tol) and each engine's clipping (check_step) pin the scale.
    constexpr double gtol = 0.1;
    double worst_loss = 0, worst_grad = 0, worst_frozen = 0, worst_opt = 0;
    auto compare_step = [&](const char* what, int s, const Snap& from, const Snap& gpu_after, const Snap& cpu_after) {
      const double rel = std::fabs(double(gpu_after.loss) - cpu_after.loss) / std::max(1e-6, std::fabs(double(cpu_after.loss)));
      const double gnrel = std::fabs(gpu_after.gnorm - cpu_after.gnorm) / std::max(1e-12, cpu_after.gnorm);
      double gd = 0, gs = 0, frozen = 0, worst_t = 0;
      std::string grad_what, frozen_what;
      for (int q = 0; q < Spec::num_params; ++q) {
        const ParamInfo& pi = Spec::params[q];
        if (pi.trainable) {
          double d = 0, n2 = 0;
          for (index_t i = pi.offset; i < pi.offset + pi.elems; ++i) {
            const double x = double(gpu_after.g[i]) - cpu_after.g[i];
            d += x * x;
            n2 += double(cpu_after.g[i]) * cpu_after.g[i];
          }
          gd += d;
          gs += n2;
          const double rt = std::sqrt(d / std::max(n2, 1e-300));
          if (!(rt <= worst_t)) {
            worst_t = rt;
            grad_what = pi.name;
          }
          continue;
        }
        std::vector<double> ref(cpu_after.p.begin() + pi.offset, cpu_after.p.begin() + pi.offset + pi.elems);
        const Cmp c = compare(ref.data(), gpu_after.p.data() + pi.offset, pi.elems);
        if (!(c.rel() <= frozen)) {
          frozen = std::isnan(c.rel()) ? INFINITY : c.rel();
          frozen_what = pi.name;
        }
      }
      const double grad = std::sqrt(gd / std::max(gs, 1e-300));
      std::printf("step %2d %s: loss gpu %.7f cpu %.7f (relative %.2e), grad norm %.4g (relative %.2e), gradient "
                  "%.2e (worst tensor %s %.2e)%s%s\n", s + 1, what, double(gpu_after.loss), double(cpu_after.loss), rel,
                  gpu_after.gnorm, gnrel, grad, grad_what.c_str(), worst_t, frozen_what.empty() ? "" : ", non-trainable ",
                  frozen_what.c_str());
      auto report = [&](const char* who, const Snap& after) {
        const StepCheck k = check_step<Spec>(sc, from.p.data(), from.e.data(), from.m.data(), from.v.data(), from.t,
                                             after.g.data(), after.gnorm, after.p.data(), after.e.data(), after.m.data(),
                                             after.v.data());
        std::printf("         %s step vs the host's (error / bound): clip %.2f, m %.2f, v %.2f, parameters %.2f, "
                    "EMA %.2f\n", who, k.clip, k.m, k.v, k.p, k.e);
        if (!(k.worst() <= 1.0)) {
          std::printf("FAIL: %s optimiser step %d: %s\n", who, s + 1, k.where.c_str());
          ++failures;
        }
        if (k.frozen_bad) {
          std::printf("FAIL: %s step %d: %d non-trainable elements with a gradient or changed moments\n", who, s + 1,
                      k.frozen_bad);
          ++failures;
        }
        if (after.t != from.t + 1) {
          std::printf("FAIL: %s step count %lld after step %lld\n", who, static_cast<long long>(after.t),
                      static_cast<long long>(from.t));
          ++failures;
        }
        worst_opt = std::max(worst_opt, k.worst());
      };
      report("gpu", gpu_after);
      report("cpu", cpu_after);
      // the gradient passes backward through T steps of a dynamical system, which
      // amplifies rounding differences more than the forward loss, and a kink flip (above)
      // moves the norm too: 10x the tolerance (measured on the emulator, conv-two-block on
      // an AMD EPYC, 2026-12-03: one max-pool near-tie at step 6 moved the norm by 2.5e-3
      // with the loss equal to 2e-7 and a gradient distance of 3.0e-2; the same at the
      // commit before issue 12's changes, so the machine's rounding, not a change, took the
      // other branch; a wrong buffer or a stale graph node moves it by ~1)
      worst_loss = std::max(worst_loss, std::max(rel, gnrel / 10));
      worst_grad = std::max(worst_grad, grad);
      worst_frozen = std::max(worst_frozen, frozen);
    };
    auto cpu_step = [&](TrainStep<Spec, CpuBackend>& cpu, int s, const Snap& from, Snap& after) {
      cpu.set_state(from.p.data(), from.e.data(), from.m.data(), from.v.data(), from.t);
      after.loss = cpu.step(batches[s].ptrs.data(), nullptr, seed_of(s), std::uint64_t(s) * B, &after.gnorm);
      snap(cpu, after);
    };
    {
      TrainStep<Spec, CpuBackend> cpu(sc);
      TrainStep<Spec, Backend> gpu(sc);
      Snap from = trace[0], c_after, g_after;
      for (int s = 0; s < nsteps_total; ++s) {  // (1)
        gpu.set_state(from.p.data(), from.e.data(), from.m.data(), from.v.data(), from.t);
        g_after.loss = gpu.step(batches[s].ptrs.data(), nullptr, seed_of(s), std::uint64_t(s) * B, &g_after.gnorm);
        snap(gpu, g_after);
        cpu_step(cpu, s, from, c_after);
        compare_step("from the CPU's state", s, from, g_after, c_after);
        from = c_after;
      }
      for (int s = 0; s < nsteps_total; ++s) {  // (2)
        cpu_step(cpu, s, trace[size_t(s)], c_after);
        compare_step("of the GPU's own run", s, trace[size_t(s)], trace[size_t(s) + 1], c_after);
      }
    }
    std::printf("per step: worst relative loss (or grad-norm / 10) difference %.2e, non-trainable parameters %.2e "
                "(tolerance %.1g), gradient distance %.2e (limit %.1g); optimiser steps at %.2f of their bounds\n",
                worst_loss, worst_frozen, tol, worst_grad, gtol, worst_opt);
    if (!(worst_loss <= tol)) ++failures;
    if (!(worst_grad <= gtol)) ++failures;
    if (!(worst_frozen <= tol)) ++failures;
    // (3) Free-running: the CPU's own 10 steps from the same start. Rounding differences
    // flip the signs of near-zero gradients, which Adam turns into lr-sized steps, and the
    // trajectories part: measured on the emulator, the distance between the two parameter
    // vectors after 10 steps is 1e-5 (sudoku-small) to 0.12 (conv-two-block, per-pair omega
    // and max pooling) of the distance each has moved, so only the losses are held to a
    // limit; (2) checks every step of the GPU's trajectory instead.
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
    double dp = 0, mp = 0, de = 0, me = 0;
    for (index_t i = 0; i < PE; ++i) {
      dp += double(a.p[i] - c.p[i]) * double(a.p[i] - c.p[i]);
      mp += double(c.p[i] - p0[i]) * double(c.p[i] - p0[i]);
      de += double(a.e[i] - c.e[i]) * double(a.e[i] - c.e[i]);
      me += double(c.e[i] - p0[i]) * double(c.e[i] - p0[i]);
    }
    std::printf("free-running trajectory: worst relative loss difference %.2e (limit 5e-2); |gpu - cpu| / |cpu - start|: "
                "parameters %.2e, EMA %.2e\n", worst, std::sqrt(dp / std::max(mp, 1e-300)),
                std::sqrt(de / std::max(me, 1e-300)));
    if (!(worst <= 5e-2)) ++failures;
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

// Inference on the GPU (float) against the CPU (double): Model::infer on the same
// parameters, inputs (training-only inputs absent), seed and sample0, at the trained T and
// with the `steps` override (T + 5 and a smaller T), every model output compared; per-step
// outputs must hold exactly steps + 1 values per sample (a guard after them must stay
// untouched). Then each TaskTests::infer<Spec>(params, tol): the drivers of the model's task
// on both backends (none here: the engine knows no task).
template <class Spec, class... TaskTests>
int test_infer(double tol) {
  using namespace testing_detail;
  using MC = typename Spec::template ModelT<double, CpuBackend>;
  using MG = typename Spec::template ModelT<float, Backend>;
  using MF = typename Spec::template ModelT<float, CpuBackend>;
  const int N = 3;
  const std::uint64_t seed = 4242, sample0 = 7;
  const index_t PE = Spec::param_elems, AE = Spec::infer_arena_elems * N;
  std::vector<double> pc(static_cast<size_t>(PE));
  init_params<double>(Spec::params, Spec::num_params, pc.data(), 7);
  Rng rng(99);  // perturb constant initialisations, as in test_ops
  for (auto& p : pc) p = static_cast<double>(static_cast<float>(p + 0.05 * rng.normal()));
  std::vector<float> pf(pc.begin(), pc.end());
  DeviceArray<float> pg(PE), ag(AE);
  upload(pg.data(), pf.data(), PE);
  std::vector<double> ac(static_cast<size_t>(AE), std::nan(""));  // the GPU's arena is NaN too (emulator)
  std::vector<float> af(static_cast<size_t>(AE), std::nanf(""));
  MC mc(pc.data(), nullptr, ac.data(), N);
  MG mg(pg.data(), nullptr, ag.data(), N);
  // How far float rounding alone moves each output at this T (beyond the trained T a model may
  // amplify rounding: the GPU's logits of conv-two-block at T=9, two layers of 9 steps, are
  // 4e-4 from double), measured two ways: the CPU in float, and the CPU in double with every
  // parameter moved by one float rounding (relative 2^-24, random sign). Each is one draw of a
  // chaotic amplification (the CPU float's was 3e-5 with oneDNN's GEMMs on an Intel Xeon,
  // 5e-5 with OpenBLAS's), so the GPU may be 8 times as far as the larger, and tol in any case.
  MF mf(pf.data(), nullptr, af.data(), N);
  std::vector<double> pp(pc);
  for (auto& p : pp) p *= 1.0 + (rng.normal() < 0 ? -1.0 : 1.0) * 0x1p-24;
  std::vector<double> ap(static_cast<size_t>(AE), std::nan(""));
  MC mp(pp.data(), nullptr, ap.data(), N);

  RandomBatch<Spec> batch(N, 5);
  std::vector<std::vector<double>> in_d(Spec::num_inputs);
  std::vector<const void*> ip_c(Spec::num_inputs, nullptr), ip_f(Spec::num_inputs, nullptr),
      ip_g(Spec::num_inputs, nullptr);
  std::vector<DeviceArray<unsigned char>> in_g;
  for (int i = 0; i < Spec::num_inputs; ++i) {
    in_g.emplace_back(Spec::inputs[i].elems * N * 4);
    if (Spec::inputs[i].training_only) continue;  // inference must not read it
    upload(in_g.back().data(), static_cast<const unsigned char*>(batch.ptrs[i]), Spec::inputs[i].elems * N * 4);
    ip_g[i] = in_g.back().data();
    ip_f[i] = batch.ptrs[i];
    if (Spec::inputs[i].is_int) {
      ip_c[i] = batch.ptrs[i];
    } else {
      const float* f = static_cast<const float*>(batch.ptrs[i]);
      in_d[i].assign(f, f + Spec::inputs[i].elems * N);
      ip_c[i] = in_d[i].data();
    }
  }
  const int T0 = Spec::trained_steps;
  int failures = 0;
  double worst = 0;
  std::vector<std::vector<double>> first(Spec::num_outputs);  // outputs at the trained T
  for (const int steps : {0, T0 + 5, std::max(1, T0 / 2)}) {
    const int T = steps > 0 ? steps : T0;
    constexpr index_t kGuard = 16;
    std::vector<index_t> len(Spec::num_outputs);
    std::vector<std::vector<double>> out_c(Spec::num_outputs);
    std::vector<std::vector<float>> out_f(Spec::num_outputs);
    std::vector<DeviceArray<float>> out_g;
    std::vector<double*> op_c(Spec::num_outputs);
    std::vector<float*> op_f(Spec::num_outputs), op_g(Spec::num_outputs);
    for (int o = 0; o < Spec::num_outputs; ++o) {
      const OutputInfo& oi = Spec::outputs[o];
      len[o] = (oi.per_step ? index_t(T + 1) : oi.elems) * N;
      out_c[o].assign(size_t(len[o] + kGuard), std::nan(""));
      out_f[o].assign(size_t(len[o]), std::nanf(""));
      out_g.emplace_back(len[o] + kGuard);
      fill(out_g.back().data(), len[o] + kGuard, std::nanf(""));
      op_c[o] = out_c[o].data();
      op_f[o] = out_f[o].data();
      op_g[o] = out_g.back().data();
    }
    mc.infer(N, Spec::template inputs_from<double>(ip_c.data()), Spec::template outputs_from<double>(op_c.data()), seed,
             sample0, steps);
    mf.infer(N, Spec::template inputs_from<float>(ip_f.data()), Spec::template outputs_from<float>(op_f.data()), seed,
             sample0, steps);
    std::vector<std::vector<double>> out_p(Spec::num_outputs);
    std::vector<double*> op_p(Spec::num_outputs);
    for (int o = 0; o < Spec::num_outputs; ++o) {
      out_p[o].assign(size_t(len[o] + kGuard), std::nan(""));
      op_p[o] = out_p[o].data();
    }
    mp.infer(N, Spec::template inputs_from<double>(ip_c.data()), Spec::template outputs_from<double>(op_p.data()), seed,
             sample0, steps);
    mg.infer(N, Spec::template inputs_from<float>(ip_g.data()), Spec::template outputs_from<float>(op_g.data()), seed,
             sample0, steps);
    sync();
    for (int o = 0; o < Spec::num_outputs; ++o) {
      std::vector<float> got(size_t(len[o] + kGuard));
      download(got.data(), out_g[o].data(), len[o] + kGuard);
      const Cmp c = compare(out_c[o].data(), got.data(), len[o]);
      const double rf = compare(out_c[o].data(), out_f[o].data(), len[o]).rel(),
                   rp = compare(out_c[o].data(), out_p[o].data(), len[o]).rel(), lim = std::max({tol, 8 * rf, 8 * rp});
      bool guard_ok = true;
      for (index_t i = len[o]; i < len[o] + kGuard; ++i)
        guard_ok = guard_ok && std::isnan(got[size_t(i)]) && std::isnan(out_c[o][size_t(i)]);
      std::printf("infer T=%-3d %-12s %6lld values: max |gpu - cpu| %.3g, scale %.3g, relative %.2e (cpu float %.2e, "
                  "params moved by 2^-24 %.2e, limit %.1e)%s%s\n", T, Spec::outputs[o].name, static_cast<long long>(len[o]), c.err, c.scale, c.rel(),
                  rf, rp, lim, c.rel() <= lim ? "" : "  FAIL", guard_ok ? "" : "  FAIL: written past steps + 1 values per sample");
      worst = std::max(worst, c.rel() / lim);
      if (!(c.rel() <= lim) || !guard_ok) ++failures;
      if (steps == 0) {
        first[o].assign(out_c[o].begin(), out_c[o].begin() + len[o]);
      } else if (!Spec::outputs[o].per_step) {
        // the override must reach the model: its outputs change with T
        double diff = 0;
        for (index_t i = 0; i < len[o]; ++i) diff = std::max(diff, std::fabs(out_c[o][size_t(i)] - first[o][size_t(i)]));
        if (!(diff > tol * c.scale)) {
          std::printf("FAIL: output %s at T=%d equals the one at T=%d\n", Spec::outputs[o].name, T, T0);
          ++failures;
        }
      }
    }
  }
  std::printf("%s infer (Model::infer): worst difference %.2f of its limit\n", Spec::name, worst);

  // the drivers of the model's task (its eval / solve / dump), GPU against CPU
  failures += (0 + ... + TaskTests::template infer<Spec>(pf, tol));
  if (sizeof...(TaskTests) == 0) std::printf("%s has no task: no task drivers to compare\n", Spec::name);
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

template <class Spec, class... TaskTests>
int gpu_test_main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  bool tf32 = false;
  int train_steps = 10;
  for (int i = 2; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--tf32") == 0) tf32 = std::strcmp(argv[i + 1], "yes") == 0;
    if (std::strcmp(argv[i], "--steps") == 0) {
      char* end = nullptr;
      const long n = std::strtol(argv[i + 1], &end, 10);
      if (end == argv[i + 1] || *end != '\0' || n < 5 || n > 1000) {
        std::fprintf(stderr, "%s: --steps wants a whole number from 5 to 1000, got '%s'\n", argv[0], argv[i + 1]);
        return 2;
      }
      train_steps = static_cast<int>(n);
    }
  }
  if (mode != "ops" && mode != "train" && mode != "train-short" && mode != "infer" && mode != "sanitize") {
    std::fprintf(stderr, "usage: %s ops|train|train-short|infer [--tf32 yes] [--steps N] | sanitize TOOL COMPUTE_SANITIZER\n",
                 argv[0]);
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
      if (rc == 0) rc = run_sanitizer(argv[3], argv[2], argv[0], "infer");
      if (rc == 0 && Spec::trainable) rc = run_sanitizer(argv[3], argv[2], argv[0], "train-short");
      return rc;
    }
    init(0, tf32);
    std::printf("device: %s (sm_%d%d), GEMMs %s\n", ctx().prop.name, ctx().prop.major, ctx().prop.minor,
                tf32 ? "TF32" : "strict FP32");
    // float on the GPU against double on the CPU: float rounding through a handful of ops;
    // TF32 keeps 10 mantissa bits in the GEMM inputs.
    if (mode == "ops") return test_ops<Spec>(tf32 ? 3e-2 : 2e-4);
    if (mode == "infer") return test_infer<Spec, TaskTests...>(tf32 ? 3e-2 : 2e-4);
    if (!Spec::trainable) {
      std::printf("%s has no loss: nothing to train\n", Spec::name);
      return 0;
    }
    if (mode == "train") return test_train<Spec>(train_steps, true, tf32 ? 2e-2 : 5e-4);
    return test_train<Spec>(2, false, 0.0);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: error: %s\n", Spec::name, e.what());
    return 1;
  }
}

}  // namespace akorn::cuda
