// One optimiser step of a generated model on a backend, with its whole state: parameters,
// gradients, Adam moments and step count, the EMA of the weights, the arena. Drivers (the
// Sudoku trainer, bench-train, the GPU tests) talk to it in host memory only:
//   step(host inputs, host outputs, seed) -> loss, gradient norm
//   get_state / set_state (checkpoints)
// A step is forward, backward, clipping to a global norm, Adam (PyTorch semantics) and the
// EMA update of the reference recipe. This file is the CPU implementation; the CUDA one
// (akorn/cuda/train_step.cuh) keeps everything on the device and replays the whole step as
// one CUDA graph.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "akorn/backend.hpp"
#include "akorn/model_info.hpp"
#include "akorn/optim.hpp"

namespace akorn {

struct StepConfig {
  int batch = 100;
  double lr = 1e-3, clip = 1.0;   // clip <= 0: no clipping
  double ema_decay = 0.995;
  int ema_every = 10, ema_after = 100;
  bool cuda_graph = true;         // CUDA backend only
};

// The reference trains with ema_pytorch's EMA(beta, update_every=10, update_after_step=100)
// whose defaults also warm the decay up: decay = min(beta, 1 - (1 + e)^(-2/3)) with e the
// number of steps past update_after_step. k = optimiser steps taken before this one: only
// every `every`-th k acts; up to `after` it copies. Returns -1 for "no update", 0 for
// "copy", else the decay.
inline double ema_decay_at(std::uint64_t k, int every, int after, double beta) {
  if (k % static_cast<std::uint64_t>(every) != 0) return -1.0;
  if (k <= static_cast<std::uint64_t>(after)) return 0.0;
  const double e = static_cast<double>(k - static_cast<std::uint64_t>(after));
  return std::min(beta, 1.0 - std::pow(1.0 + e, -2.0 / 3.0));
}

// The EMA of the weights after the optimiser step that had taken k steps before it (the
// reference calls ema.update() once after each optimizer.step()): nothing, a copy, or
// ema = d*ema + (1-d)*params with d = ema_decay_at(k, ...) rounded to S.
template <typename S>
void ema_update(S* ema, const S* params, std::size_t n, std::uint64_t k, int every, int after, double beta) {
  const double d = ema_decay_at(k, every, after, beta);
  if (d == 0.0) {
    std::copy(params, params + n, ema);
  } else if (d > 0.0) {
    const S ds = static_cast<S>(d);
    for (std::size_t i = 0; i < n; ++i) ema[i] = ds * ema[i] + (S(1) - ds) * params[i];
  }
}

template <class Spec, class Be>
struct TrainStep;

template <class Spec>
struct TrainStep<Spec, CpuBackend> {
  using M = typename Spec::template ModelT<float, CpuBackend>;
  StepConfig cfg;
  std::vector<float> params, grads, ema, arena;
  Adam<float> adam;
  M model;

  explicit TrainStep(const StepConfig& c)
      : cfg(c),
        params(static_cast<size_t>(Spec::param_elems)),
        grads(params.size()),
        ema(params.size()),
        arena(static_cast<size_t>(M::arena_elems(c.batch))),
        model(params.data(), grads.data(), arena.data(), c.batch) {
    adam.lr = c.lr;
  }

  std::int64_t steps_taken() const { return adam.t; }

  // Host arrays of Spec::param_elems floats; m and v may be null when t == 0.
  void set_state(const float* p, const float* e, const float* m, const float* v, std::int64_t t) {
    std::copy(p, p + params.size(), params.begin());
    std::copy(e, e + ema.size(), ema.begin());
    adam.t = t;
    adam.m.assign(params.size(), 0.f);
    adam.v.assign(params.size(), 0.f);
    if (m) std::copy(m, m + params.size(), adam.m.begin());
    if (v) std::copy(v, v + params.size(), adam.v.begin());
  }
  void get_state(float* p, float* e, float* m, float* v, std::int64_t* t) {
    std::copy(params.begin(), params.end(), p);
    std::copy(ema.begin(), ema.end(), e);
    if (m) {
      if (adam.m.empty()) std::fill(m, m + params.size(), 0.f);
      else std::copy(adam.m.begin(), adam.m.end(), m);
    }
    if (v) {
      if (adam.v.empty()) std::fill(v, v + params.size(), 0.f);
      else std::copy(adam.v.begin(), adam.v.end(), v);
    }
    *t = adam.t;
  }
  // The gradients of the last step, after clipping (what Adam used), Spec::param_elems floats.
  void get_grads(float* g) { std::copy(grads.begin(), grads.end(), g); }

  // inputs: host pointers in Spec::inputs order ([batch, ...] each); outputs: null, or host
  // pointers in Spec::outputs order (each may be null). `sample0` numbers the batch's
  // samples for the noise.
  float step(const void* const* inputs, float* const* outputs, std::uint64_t seed, std::uint64_t sample0,
             double* grad_norm) {
    typename Spec::template OutputsT<float> out{};
    if (outputs) out = Spec::template outputs_from<float>(outputs);
    const float loss = model.train_forward(cfg.batch, Spec::template inputs_from<float>(inputs), out, seed, sample0);
    model.train_backward();
    const double gnorm =
        cfg.clip > 0 ? clip_grad_norm<float>(Spec::params, Spec::num_params, grads.data(), cfg.clip) : 0.0;
    adam.step(Spec::params, Spec::num_params, Spec::param_elems, params.data(), grads.data());
    ema_update<float>(ema.data(), params.data(), ema.size(), static_cast<std::uint64_t>(adam.t - 1), cfg.ema_every,
                      cfg.ema_after, cfg.ema_decay);
    if (grad_norm) *grad_norm = gnorm;
    return loss;
  }
};

}  // namespace akorn
