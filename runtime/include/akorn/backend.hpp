// The CPU backend of generated models: Model<S, akorn::CpuBackend> runs the kernels of
// akorn/ops/*.hpp on host memory. A backend supplies every kernel template under the same
// name, template parameters and signatures (the CUDA one, akorn::cuda::Backend in
// akorn/cuda/backend.cuh, mirrors this list), plus the few memory operations generated code
// does itself (copy, fill, reading the loss).
#pragma once
#include <algorithm>
#include <string>
#include <vector>

#include "akorn/common.hpp"
#include "akorn/ops/attn_j.hpp"
#include "akorn/ops/batch_norm.hpp"
#include "akorn/ops/conv2d.hpp"
#include "akorn/ops/cross_entropy.hpp"
#include "akorn/ops/elementwise.hpp"
#include "akorn/ops/embedding.hpp"
#include "akorn/ops/fc_j.hpp"
#include "akorn/ops/group_norm.hpp"
#include "akorn/ops/kuramoto_step.hpp"
#include "akorn/ops/linear.hpp"
#include "akorn/ops/normalize.hpp"
#include "akorn/ops/oscillator_init.hpp"
#include "akorn/ops/pool.hpp"
#include "akorn/ops/readout_conv.hpp"
#include "akorn/ops/scale_bias.hpp"

namespace akorn {

struct CpuBackend {
  static constexpr bool on_device = false;
  static constexpr const char* name = "cpu";

  // ---- kernels (keep this list and akorn::cuda::Backend's in the same order)
  template <typename S, int H, int W, int C, int HEADS, bool GTA>
  using AttnJ = akorn::AttnJ<S, H, W, C, HEADS, GTA>;
  template <typename S, int P, int C>
  using BatchNorm = akorn::BatchNorm<S, P, C>;
  template <typename S, int H, int W, int CIN, int COUT, int K, int STRIDE, int PAD, bool BIAS>
  using Conv2d = akorn::Conv2d<S, H, W, CIN, COUT, K, STRIDE, PAD, BIAS>;
  template <typename S, int P, int K>
  using CrossEntropy = akorn::CrossEntropy<S, P, K>;
  template <typename S, index_t E>
  using ReLU = akorn::ReLU<S, E>;
  template <typename S, index_t E>
  using Add = akorn::Add<S, E>;
  template <typename S, int P, int V, int D>
  using Embedding = akorn::Embedding<S, P, V, D>;
  template <typename S, int P, int C>
  using FcJ = akorn::FcJ<S, P, C>;
  template <typename S, int P, int C, int G, bool AFFINE>
  using GroupNorm = akorn::GroupNorm<S, P, C, G, AFFINE>;
  template <typename S, int P, int C, int NOSC, OmegaMode OM, bool PROJECT>
  using KuramotoStep = akorn::KuramotoStep<S, P, C, NOSC, OM, PROJECT>;
  template <typename S, int P, int IN, int OUT, bool BIAS>
  using Linear = akorn::Linear<S, P, IN, OUT, BIAS>;
  template <typename S, index_t E, int NOSC>
  using NormalizeOsc = akorn::NormalizeOsc<S, E, NOSC>;
  template <typename S, int P, int C, bool GIVEN>
  using OscillatorInit = akorn::OscillatorInit<S, P, C, GIVEN>;
  template <typename S, int H, int W, int C, bool MAX, bool GLOBAL, int K, int STRIDE>
  using Pool = akorn::Pool<S, H, W, C, MAX, GLOBAL, K, STRIDE>;
  template <typename S, int H, int W, int CIN, int CO, int NOUT, int K, int PAD>
  using ReadOutConv = akorn::ReadOutConv<S, H, W, CIN, CO, NOUT, K, PAD>;
  template <typename S, int P, int C>
  using ScaleBias = akorn::ScaleBias<S, P, C>;

  // ---- memory operations used by generated code
  template <typename S>
  static void copy(S* dst, const S* src, index_t n) {
    if (dst != src) std::copy(src, src + n, dst);
  }
  template <typename S>
  static void fill(S* dst, index_t n, S v) {
    std::fill(dst, dst + n, v);
  }
  template <typename S>
  static void fill_strided(S* dst, index_t count, index_t stride, S v) {
    for (index_t i = 0; i < count; ++i) dst[i * stride] = v;
  }
  template <typename S>
  static S read(const S* p) {
    return *p;
  }

  // ---- memory operations used by drivers (trainer, runner, tests)
  template <typename T>
  using Array = std::vector<T>;  // resize(n), data(), size()
  template <typename T>
  static void upload(T* dst, const T* host, index_t n) {
    if (dst != host) std::copy(host, host + n, dst);
  }
  template <typename T>
  static void download(T* host, const T* src, index_t n) {
    if (host != src) std::copy(src, src + n, host);
  }
  static void sync() {}
  static std::string describe() { return "cpu"; }
};

}  // namespace akorn
