// The one list of kernels a backend provides to generated models (Model<S, Backend>): each
// line is a kernel template's name, its template parameters and the arguments that forward
// them. akorn::CpuBackend (backend.hpp) and akorn::cuda::Backend (cuda/backend.cuh) are both
// made from it, so the two cannot drift apart: an op added here must exist in both, with
// the same template parameters, or neither backend compiles.
#pragma once
#include "akorn/common.hpp"

// X(Name, (template parameters), (template arguments))
#define AKORN_KERNELS(X)                                                                                  \
  X(AttnJ, (typename S, int H, int W, int C, int HEADS, bool GTA), (S, H, W, C, HEADS, GTA))              \
  X(BatchNorm, (typename S, int P, int C), (S, P, C))                                                     \
  X(Conv2d, (typename S, int H, int W, int CIN, int COUT, int K, int STRIDE, int PAD, bool BIAS),         \
    (S, H, W, CIN, COUT, K, STRIDE, PAD, BIAS))                                                           \
  X(CrossEntropy, (typename S, int P, int K), (S, P, K))                                                  \
  X(ReLU, (typename S, index_t E), (S, E))                                                                \
  X(Add, (typename S, index_t E), (S, E))                                                                 \
  X(Embedding, (typename S, int P, int V, int D), (S, P, V, D))                                           \
  X(FcJ, (typename S, int P, int C), (S, P, C))                                                           \
  X(GroupNorm, (typename S, int P, int C, int G, bool AFFINE), (S, P, C, G, AFFINE))                      \
  X(KuramotoStep, (typename S, int P, int C, int NOSC, OmegaMode OM, bool PROJECT),                       \
    (S, P, C, NOSC, OM, PROJECT))                                                                         \
  X(GELU, (typename S, index_t E), (S, E))                                                                \
  X(LayerNorm, (typename S, int P, int C), (S, P, C))                                                     \
  X(Linear, (typename S, int P, int IN, int OUT, bool BIAS), (S, P, IN, OUT, BIAS))                       \
  X(NormalizeOsc, (typename S, index_t E, int NOSC), (S, E, NOSC))                                        \
  X(NtXent, (typename S, int D), (S, D))                                                                  \
  X(OscillatorInit, (typename S, int P, int C, bool GIVEN), (S, P, C, GIVEN))                             \
  X(PositionalEncoding, (typename S, int P, int C), (S, P, C))                                            \
  X(Pool, (typename S, int H, int W, int C, bool MAX, bool GLOBAL, int K, int STRIDE),                    \
    (S, H, W, C, MAX, GLOBAL, K, STRIDE))                                                                 \
  X(ReadOutConv, (typename S, int H, int W, int CIN, int CO, int NOUT, int K, int PAD),                   \
    (S, H, W, CIN, CO, NOUT, K, PAD))                                                                     \
  X(ScaleBias, (typename S, int P, int C), (S, P, C))

#define AKORN_UNPAREN_(...) __VA_ARGS__
#define AKORN_UNPAREN(x) AKORN_UNPAREN_ x
// Inside a backend struct: `template <params> using Name = NS::Name<args>;` for every kernel.
#define AKORN_KERNEL_ALIAS(NS, Name, PARAMS, ARGS) \
  template <AKORN_UNPAREN(PARAMS)>                 \
  using Name = NS::Name<AKORN_UNPAREN(ARGS)>;
