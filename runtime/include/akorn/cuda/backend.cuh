// The CUDA backend of generated models: Model<S, akorn::cuda::Backend> runs the kernels of
// akorn/cuda/ops/*.cuh on device memory (params, grads, arena, inputs and outputs are all
// device pointers). Same kernel list, template parameters and signatures as
// akorn::CpuBackend (akorn/backend.hpp).
#pragma once
#include "akorn/cuda/common.cuh"
#include "akorn/cuda/ops/attn_j.cuh"
#include "akorn/cuda/ops/batch_norm.cuh"
#include "akorn/cuda/ops/conv2d.cuh"
#include "akorn/cuda/ops/cross_entropy.cuh"
#include "akorn/cuda/ops/elementwise.cuh"
#include "akorn/cuda/ops/embedding.cuh"
#include "akorn/cuda/ops/fc_j.cuh"
#include "akorn/cuda/ops/group_norm.cuh"
#include "akorn/cuda/ops/kuramoto_step.cuh"
#include "akorn/cuda/ops/linear.cuh"
#include "akorn/cuda/ops/normalize.cuh"
#include "akorn/cuda/ops/oscillator_init.cuh"
#include "akorn/cuda/ops/pool.cuh"
#include "akorn/cuda/ops/readout_conv.cuh"
#include "akorn/cuda/ops/scale_bias.cuh"

namespace akorn::cuda {

struct Backend {
  static constexpr bool on_device = true;
  static constexpr const char* name = "cuda";

  // ---- kernels (same order as akorn::CpuBackend)
  template <typename S, int H, int W, int C, int HEADS, bool GTA>
  using AttnJ = cuda::AttnJ<S, H, W, C, HEADS, GTA>;
  template <typename S, int P, int C>
  using BatchNorm = cuda::BatchNorm<S, P, C>;
  template <typename S, int H, int W, int CIN, int COUT, int K, int STRIDE, int PAD, bool BIAS>
  using Conv2d = cuda::Conv2d<S, H, W, CIN, COUT, K, STRIDE, PAD, BIAS>;
  template <typename S, int P, int K>
  using CrossEntropy = cuda::CrossEntropy<S, P, K>;
  template <typename S, index_t E>
  using ReLU = cuda::ReLU<S, E>;
  template <typename S, index_t E>
  using Add = cuda::Add<S, E>;
  template <typename S, int P, int V, int D>
  using Embedding = cuda::Embedding<S, P, V, D>;
  template <typename S, int P, int C>
  using FcJ = cuda::FcJ<S, P, C>;
  template <typename S, int P, int C, int G, bool AFFINE>
  using GroupNorm = cuda::GroupNorm<S, P, C, G, AFFINE>;
  template <typename S, int P, int C, int NOSC, OmegaMode OM, bool PROJECT>
  using KuramotoStep = cuda::KuramotoStep<S, P, C, NOSC, OM, PROJECT>;
  template <typename S, int P, int IN, int OUT, bool BIAS>
  using Linear = cuda::Linear<S, P, IN, OUT, BIAS>;
  template <typename S, index_t E, int NOSC>
  using NormalizeOsc = cuda::NormalizeOsc<S, E, NOSC>;
  template <typename S, int P, int C, bool GIVEN>
  using OscillatorInit = cuda::OscillatorInit<S, P, C, GIVEN>;
  template <typename S, int H, int W, int C, bool MAX, bool GLOBAL, int K, int STRIDE>
  using Pool = cuda::Pool<S, H, W, C, MAX, GLOBAL, K, STRIDE>;
  template <typename S, int H, int W, int CIN, int CO, int NOUT, int K, int PAD>
  using ReadOutConv = cuda::ReadOutConv<S, H, W, CIN, CO, NOUT, K, PAD>;
  template <typename S, int P, int C>
  using ScaleBias = cuda::ScaleBias<S, P, C>;

  // ---- memory operations used by generated code (device memory, context stream)
  template <typename S>
  static void copy(S* dst, const S* src, index_t n) {
    cuda::copy(dst, src, n);
  }
  template <typename S>
  static void fill(S* dst, index_t n, S v) {
    cuda::fill(dst, n, v);
  }
  template <typename S>
  static void fill_strided(S* dst, index_t count, index_t stride, S v) {
    cuda::fill_strided(dst, count, stride, v);
  }
  // Waits for the stream: only drivers call this (train_forward), never captured code.
  template <typename S>
  static S read(const S* p) {
    S v{};
    cuda::download(&v, p, 1);
    return v;
  }

  // ---- memory operations used by drivers (trainer, runner, tests)
  template <typename T>
  using Array = DeviceArray<T>;  // resize(n), data(), size()
  template <typename T>
  static void upload(T* dst, const T* host, index_t n) {
    cuda::upload(dst, host, n);
  }
  // Waits until the data is on the host.
  template <typename T>
  static void download(T* host, const T* src, index_t n) {
    cuda::download(host, src, n);
  }
  static void sync() { cuda::sync(); }
  static std::string describe() {
    const cudaDeviceProp& p = ctx().prop;
    return std::string("cuda (") + p.name + ", sm_" + std::to_string(p.major) + std::to_string(p.minor) +
           (ctx().tf32 ? ", TF32 GEMMs)" : ", FP32 GEMMs)");
  }
};

}  // namespace akorn::cuda
