// TrainStep on the GPU (the CPU twin is akorn/train_step.hpp; same interface and recipe).
// Parameters, gradients, Adam moments, the step count, the EMA and the arena live on the
// device. A step:
//   host -> device: the batch's inputs and the noise seed (two small copies)
//   one CUDA graph: forward (T Kuramoto steps, readout, loss), backward, clipping to the
//                   global norm, Adam, EMA -- captured on the second step, replayed after
//   device -> host: loss, gradient norm and the requested outputs (one synchronisation)
// The first step runs uncaptured: it sizes the scratch area and cuBLAS' state so that
// capture allocates nothing. The step count and the noise seed are read by the kernels
// from device memory, so the same graph serves every step.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "akorn/cuda/backend.cuh"
#include "akorn/cuda/optim.cuh"
#include "akorn/cuda/rng_state.cuh"
#include "akorn/model_info.hpp"
#include "akorn/train_step.hpp"

namespace akorn {

template <class Spec>
struct TrainStep<Spec, cuda::Backend> {
  using Be = cuda::Backend;
  using M = typename Spec::template ModelT<float, Be>;
  StepConfig cfg;
  cuda::DeviceArray<float> params, grads, ema, m, v, arena;
  cuda::DeviceArray<std::int64_t> t_dev;    // optimiser steps taken
  cuda::DeviceArray<double> gnorm_dev;      // norm before clipping
  cuda::DeviceArray<float> loss_dev;        // the loss, kept past the backward pass
  std::vector<cuda::DeviceArray<unsigned char>> in_dev;  // one per input, [batch, ...]
  std::vector<cuda::DeviceArray<float>> out_dev;         // one per output, [batch, ...]
  M model;
  std::int64_t t_host = 0;
  cudaGraph_t graph = nullptr;
  cudaGraphExec_t graph_exec = nullptr;
  int uncaptured_steps = 0;

  explicit TrainStep(const StepConfig& c)
      : cfg(c),
        params(Spec::param_elems),
        grads(Spec::param_elems),
        ema(Spec::param_elems),
        m(Spec::param_elems),
        v(Spec::param_elems),
        arena(M::arena_elems(c.batch)),
        t_dev(1),
        gnorm_dev(1),
        loss_dev(1),
        model(params.data(), grads.data(), arena.data(), c.batch) {
    cuda::fill(m.data(), m.size(), 0.f);
    cuda::fill(v.data(), v.size(), 0.f);
    cuda::fill(grads.data(), grads.size(), 0.f);
    cuda::fill(arena.data(), arena.size(), 0.f);
    cuda::fill<std::int64_t>(t_dev.data(), 1, 0);
    for (int i = 0; i < Spec::num_inputs; ++i)
      in_dev.emplace_back(Spec::inputs[i].elems * c.batch * 4);  // int32 or float32
    for (int o = 0; o < Spec::num_outputs; ++o) out_dev.emplace_back(output_elems(o));
    cuda::sync();
  }
  ~TrainStep() {
    if (graph_exec) (void)cudaGraphExecDestroy(graph_exec);
    if (graph) (void)cudaGraphDestroy(graph);
  }
  TrainStep(const TrainStep&) = delete;
  TrainStep& operator=(const TrainStep&) = delete;

  index_t output_elems(int o) const {
    const OutputInfo& oi = Spec::outputs[o];
    // per-step outputs (energies) hold T+1 values at the trained T
    return oi.elems * cfg.batch;  // per-step outputs: T+1 values at the trained T
  }

  std::int64_t steps_taken() const { return t_host; }

  void set_state(const float* p, const float* e, const float* mm, const float* vv, std::int64_t t) {
    const index_t n = Spec::param_elems;
    cuda::upload(params.data(), p, n);
    cuda::upload(ema.data(), e, n);
    if (mm) cuda::upload(m.data(), mm, n); else cuda::fill(m.data(), n, 0.f);
    if (vv) cuda::upload(v.data(), vv, n); else cuda::fill(v.data(), n, 0.f);
    cuda::upload(t_dev.data(), &t, 1);
    cuda::sync();
    t_host = t;
  }
  void get_state(float* p, float* e, float* mm, float* vv, std::int64_t* t) {
    const index_t n = Spec::param_elems;
    cuda::download(p, params.data(), n);
    cuda::download(e, ema.data(), n);
    if (mm) cuda::download(mm, m.data(), n);
    if (vv) cuda::download(vv, v.data(), n);
    cuda::download(t, t_dev.data(), 1);
  }
  // The gradients of the last step, after clipping (what Adam used), Spec::param_elems floats.
  void get_grads(float* g) { cuda::download(g, grads.data(), Spec::param_elems); }

  // The device work of one step, all on the context stream (captured into the graph).
  void enqueue() {
    std::vector<const void*> ip(Spec::num_inputs);
    for (int i = 0; i < Spec::num_inputs; ++i) ip[i] = in_dev[i].data();
    std::vector<float*> op(Spec::num_outputs);
    for (int o = 0; o < Spec::num_outputs; ++o) op[o] = out_dev[o].data();
    // seed / sample0 come from cuda::rng_state() (set before each launch), see rng_state.cuh
    model.train_forward_async(cfg.batch, Spec::template inputs_from<float>(ip.data()),
                              Spec::template outputs_from<float>(op.data()), 0, 0);
    // The loss's arena slot lives only until the loss op: the backward pass reuses it.
    cuda::copy(loss_dev.data(), model.loss(), 1);
    model.train_backward();
    if (cfg.clip > 0) cuda::clip_grad_norm(grads.data(), Spec::param_elems, cfg.clip, gnorm_dev.data());
    cuda::adam_step(params.data(), grads.data(), m.data(), v.data(), Spec::param_elems, t_dev.data(), cfg.lr, 0.9,
                    0.999, 1e-8);
    cuda::ema_update(ema.data(), params.data(), Spec::param_elems, t_dev.data(), cfg.ema_every, cfg.ema_after,
                     cfg.ema_decay);
  }

  float step(const void* const* inputs, float* const* outputs, std::uint64_t seed, std::uint64_t sample0,
             double* grad_norm) {
    for (int i = 0; i < Spec::num_inputs; ++i) {
      if (!inputs[i]) continue;
      cuda::upload(in_dev[i].data(), static_cast<const unsigned char*>(inputs[i]), Spec::inputs[i].elems * cfg.batch * 4);
    }
    cuda::set_rng_state(seed, sample0);  // read by the noise kernels on the device
    cuda::RngFromDevice use_device_rng;   // while alive, noise kernels take seed/sample0 from the device
    if (!cfg.cuda_graph || uncaptured_steps < 1) {
      enqueue();
      ++uncaptured_steps;
    } else {
      if (!graph_exec) {
        AKORN_CUDA_CHECK(cudaStreamBeginCapture(cuda::stream(), cudaStreamCaptureModeThreadLocal));
        enqueue();
        AKORN_CUDA_CHECK(cudaStreamEndCapture(cuda::stream(), &graph));
        AKORN_CUDA_CHECK(cudaGraphInstantiate(&graph_exec, graph, 0));
      }
      AKORN_CUDA_CHECK(cudaGraphLaunch(graph_exec, cuda::stream()));
    }
    ++t_host;
    for (int o = 0; o < Spec::num_outputs; ++o)
      if (outputs && outputs[o]) cuda::download(outputs[o], out_dev[o].data(), output_elems(o));
    float loss = 0.f;
    cuda::download(&loss, loss_dev.data(), 1);
    double gn = 0.0;
    if (cfg.clip > 0) cuda::download(&gn, gnorm_dev.data(), 1);
    if (grad_norm) *grad_norm = gn;
    return loss;
  }
};

}  // namespace akorn
