// Compile-only check of the basic CUDA ops and the device optimisers: every struct is
// explicitly instantiated for float and double at realistic sizes (Sudoku: P = 81, C = 64 /
// 512, V = 10, n = 4; the 12x12 conv test net: C = 32, K = 3 / 5, stride 1 / 2, pools), and
// exercise<S>() calls every forward / backward the way generated code does, so all device
// code is instantiated. Never run (it needs no GPU):
//   nvcc -std=c++17 -Iruntime/include -arch=sm_90 -c runtime/tests/cuda/compile_basic_ops.cu
#include <cstdint>

#include "akorn/ops/batch_norm/cuda.cuh"
#include "akorn/ops/conv2d/cuda.cuh"
#include "akorn/ops/cross_entropy/cuda.cuh"
#include "akorn/ops/elementwise/cuda.cuh"
#include "akorn/ops/embedding/cuda.cuh"
#include "akorn/ops/group_norm/cuda.cuh"
#include "akorn/ops/linear/cuda.cuh"
#include "akorn/ops/normalize/cuda.cuh"
#include "akorn/ops/oscillator_init/cuda.cuh"
#include "akorn/ops/pool/cuda.cuh"
#include "akorn/ops/readout_conv/cuda.cuh"
#include "akorn/ops/scale_bias/cuda.cuh"
#include "akorn/cuda/optim.cuh"

namespace ac = akorn::cuda;

// ---- explicit instantiations (float and double)
#define AKORN_BASIC_OPS(S)                                              \
  template struct ac::Embedding<S, 81, 10, 64>;                         \
  template struct ac::Embedding<S, 81, 10, 512>;                        \
  template struct ac::OscillatorInit<S, 81, 64, true>;                  \
  template struct ac::OscillatorInit<S, 81, 512, true>;                 \
  template struct ac::OscillatorInit<S, 144, 32, false>;                \
  template struct ac::GroupNorm<S, 81, 64, 16, true>;                   \
  template struct ac::GroupNorm<S, 81, 512, 128, true>;                 \
  template struct ac::GroupNorm<S, 144, 32, 16, true>;                  \
  template struct ac::GroupNorm<S, 144, 32, 8, false>;                  \
  template struct ac::ScaleBias<S, 81, 64>;                             \
  template struct ac::ScaleBias<S, 81, 512>;                            \
  template struct ac::NormalizeOsc<S, 81 * 64, 4>;                      \
  template struct ac::NormalizeOsc<S, 81 * 512, 4>;                     \
  template struct ac::NormalizeOsc<S, 144 * 32, 2>;                     \
  template struct ac::ReadOutConv<S, 9, 9, 64, 64, 4, 1, 0>;            \
  template struct ac::ReadOutConv<S, 9, 9, 512, 512, 4, 1, 0>;          \
  template struct ac::ReadOutConv<S, 12, 12, 32, 32, 2, 3, 1>;          \
  template struct ac::Conv2d<S, 9, 9, 64, 64, 1, 1, 0, true>;           \
  template struct ac::Conv2d<S, 9, 9, 512, 512, 1, 1, 0, true>;         \
  template struct ac::Conv2d<S, 9, 9, 512, 9, 1, 1, 0, true>;           \
  template struct ac::Conv2d<S, 12, 12, 3, 32, 3, 1, 1, false>;         \
  template struct ac::Conv2d<S, 12, 12, 32, 32, 5, 1, 2, true>;         \
  template struct ac::Conv2d<S, 12, 12, 32, 32, 3, 1, 1, true>;         \
  template struct ac::Conv2d<S, 12, 12, 32, 16, 3, 2, 1, true>;         \
  template struct ac::Conv2d<S, 12, 12, 32, 16, 2, 2, 0, false>;        \
  template struct ac::ReLU<S, 81 * 512>;                                \
  template struct ac::ReLU<S, 144 * 32>;                                \
  template struct ac::Add<S, 81 * 512>;                                 \
  template struct ac::Add<S, 144 * 32>;                                 \
  template struct ac::BatchNorm<S, 144, 32>;                            \
  template struct ac::BatchNorm<S, 81, 64>;                             \
  template struct ac::Pool<S, 12, 12, 32, true, false, 2, 2>;           \
  template struct ac::Pool<S, 12, 12, 32, false, false, 2, 2>;          \
  template struct ac::Pool<S, 12, 12, 32, true, false, 3, 2>;           \
  template struct ac::Pool<S, 12, 12, 32, false, false, 3, 1>;          \
  template struct ac::Pool<S, 6, 6, 32, false, true, 1, 1>;             \
  template struct ac::Pool<S, 6, 6, 32, true, true, 1, 1>;              \
  template struct ac::Linear<S, 1, 32, 10, true>;                       \
  template struct ac::Linear<S, 81, 512, 9, false>;                     \
  template struct ac::CrossEntropy<S, 81, 9>;                           \
  template struct ac::CrossEntropy<S, 1, 10>;

AKORN_BASIC_OPS(float)
AKORN_BASIC_OPS(double)

// The CUDA structs declare the CPU sizes (each op's layout.hpp is the one source of truth).
static_assert(ac::Conv2d<float, 12, 12, 32, 16, 3, 2, 1, true>::HO == 6, "conv2d HO");
static_assert(ac::Conv2d<float, 12, 12, 32, 32, 5, 1, 2, true>::fwd_ws_elems == 144 * 32 * 25, "conv2d ws");
static_assert(ac::Conv2d<float, 9, 9, 512, 512, 1, 1, 0, true>::fwd_ws_elems == 0, "pointwise ws");
static_assert(ac::ReadOutConv<float, 12, 12, 32, 32, 2, 3, 1>::bwd_ws_elems == 144 * 64 + 144 * 32 * 9, "readout ws");
static_assert(ac::GroupNorm<float, 81, 512, 128, true>::saved_elems == 256, "group norm saved");
static_assert(ac::BatchNorm<float, 144, 32>::saved_elems == 64, "batch norm saved");
static_assert(ac::CrossEntropy<float, 81, 9>::saved_elems == 729, "cross entropy saved");
static_assert(ac::Pool<float, 12, 12, 32, true, false, 3, 2>::HO == 5, "pool HO");

// ---- every call, with the argument forms generated code uses (never executed)
template <typename S>
void exercise(int N, S* a, S* b, S* c, S* d, S* e, S* f, S* g, S* h, std::int32_t* tok, std::uint64_t seed,
              std::uint64_t sample0) {
  using Emb = ac::Embedding<S, 81, 10, 512>;
  Emb::forward(N, tok, a, b);
  Emb::backward(N, tok, b, c);
  Emb::backward(N, tok, b, nullptr);

  using InitG = ac::OscillatorInit<S, 81, 512, true>;
  InitG::forward(N, a, tok, seed, 1, sample0, b);
  InitG::backward(N, tok, b, c);
  using InitN = ac::OscillatorInit<S, 144, 32, false>;
  InitN::forward(N, a, nullptr, seed, 1, sample0, b);
  InitN::backward(N, nullptr, b, nullptr);

  using GN = ac::GroupNorm<S, 144, 32, 16, true>;
  GN::forward(N, a, b, c, S(1e-5), d, e);
  GN::backward(N, a, b, e, f, g, h, c);
  GN::backward(N, a, b, e, f, nullptr, h, nullptr);
  using GN0 = ac::GroupNorm<S, 144, 32, 8, false>;
  GN0::forward(N, a, nullptr, nullptr, S(1e-5), d, e);
  GN0::backward(N, a, nullptr, e, f, g, nullptr, nullptr);

  using SB = ac::ScaleBias<S, 81, 512>;
  SB::forward(N, a, b, c, d);
  SB::backward(N, a, b, d, e, f, g);

  using NO = ac::NormalizeOsc<S, 81 * 512, 4>;
  NO::forward(N, a, b);
  NO::backward(N, a, b, c, d);

  using RO = ac::ReadOutConv<S, 12, 12, 32, 32, 2, 3, 1>;
  RO::forward(N, a, b, c, d, e, f, g);
  RO::backward(N, a, b, f, e, g, h, c, d, a);
  RO::backward(N, a, b, f, e, nullptr, nullptr, nullptr, d, a);
  using RO1 = ac::ReadOutConv<S, 9, 9, 512, 512, 4, 1, 0>;
  RO1::forward(N, a, b, c, d, e, f, g);
  RO1::backward(N, a, b, f, e, g, h, c, d, a);

  using Stem = ac::Conv2d<S, 12, 12, 3, 32, 3, 1, 1, false>;
  Stem::forward(N, a, b, nullptr, c, d);
  Stem::backward(N, a, b, c, nullptr, e, nullptr, d);
  using CJ = ac::Conv2d<S, 12, 12, 32, 32, 5, 1, 2, true>;
  CJ::forward(N, a, b, c, d, e);
  CJ::backward(N, a, b, d, f, g, h, e);
  using CS2 = ac::Conv2d<S, 12, 12, 32, 16, 3, 2, 1, true>;
  CS2::forward(N, a, b, c, d, e);
  CS2::backward(N, a, b, d, f, g, h, e);
  using FF = ac::Conv2d<S, 9, 9, 512, 512, 1, 1, 0, true>;
  FF::forward(N, a, b, c, d, nullptr);
  FF::backward(N, a, b, d, f, g, h, nullptr);

  using RL = ac::ReLU<S, 144 * 32>;
  RL::forward(N, a, b);
  RL::backward(N, b, c, d);
  using AD = ac::Add<S, 144 * 32>;
  AD::forward(N, a, b, c);
  AD::backward(N, c, d, e);
  AD::backward(N, c, nullptr, e);

  using BN = ac::BatchNorm<S, 144, 32>;
  BN::forward_infer(N, a, b, c, d, e, S(9.99999975e-06), f);
  BN::forward_train(N, a, b, c, d, e, S(9.99999975e-06), S(0.100000001), f, g);
  BN::backward(N, a, b, g, h, c, d, e);
  BN::normalise(N, a, nullptr, nullptr, b, c, d);

  using PM = ac::Pool<S, 12, 12, 32, true, false, 2, 2>;
  PM::forward(N, a, b);
  PM::backward(N, a, b, c);
  using PO = ac::Pool<S, 12, 12, 32, true, false, 3, 2>;
  PO::forward(N, a, b);
  PO::backward(N, a, b, c);
  using PA = ac::Pool<S, 12, 12, 32, false, false, 3, 1>;
  PA::forward(N, a, b);
  PA::backward(N, a, b, c);
  using GAP = ac::Pool<S, 6, 6, 32, false, true, 1, 1>;
  GAP::forward(N, a, b);
  GAP::backward(N, a, b, c);
  using GMP = ac::Pool<S, 6, 6, 32, true, true, 1, 1>;
  GMP::forward(N, a, b);
  GMP::backward(N, a, b, c);

  using FC = ac::Linear<S, 1, 32, 10, true>;
  FC::forward(N, a, b, c, d);
  FC::backward(N, a, b, d, e, f, g);
  using FC0 = ac::Linear<S, 81, 512, 9, false>;
  FC0::forward(N, a, b, nullptr, d);
  FC0::backward(N, a, b, d, e, f, nullptr);

  using CE = ac::CrossEntropy<S, 81, 9>;
  CE::forward(N, a, tok, -1, b, c);
  CE::backward(N, tok, -1, c, d, e);
  using CE1 = ac::CrossEntropy<S, 1, 10>;
  CE1::forward(N, a, tok, 0, b, c);
  CE1::backward(N, tok, 0, c, d, e);

  double* norm = nullptr;
  std::int64_t* t = nullptr;
  ac::clip_grad_norm<S>(a, 1000000, 1.0, norm);
  ac::adam_step<S>(a, b, c, d, 1000000, t, 1e-3, 0.9, 0.999, 1e-8);
  ac::ema_update<S>(e, a, 1000000, t, 10, 100, 0.995);
}

template void exercise<float>(int, float*, float*, float*, float*, float*, float*, float*, float*, std::int32_t*,
                              std::uint64_t, std::uint64_t);
template void exercise<double>(int, double*, double*, double*, double*, double*, double*, double*, double*,
                               std::int32_t*, std::uint64_t, std::uint64_t);
