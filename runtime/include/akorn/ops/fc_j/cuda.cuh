// FcJ on the GPU: the twin of akorn/ops/fc_j/cpu.hpp (same template parameters, functions,
// arguments, workspace sizes and accumulate rules). Dense connectivity over the whole sample
// in the reference's NCHW flattening: xf[c*P + p] = x[p, c], yf = W xf + b,
// J(x)[p, c] = yf[c*P + p]; weight [C*P, C*P] (PyTorch Linear layout), bias [C*P].
//
// Design: the products are cuBLAS GEMMs over the batch (rows = samples); the NHWC <-> NCHW
// relayouts are grid-stride element kernels (one thread per element, index_t indices).
// Workspaces (sections batch-major over the N samples of the call), as on the CPU:
//   forward:  xf [N, C*P] | yf [N, C*P]   (yf = xf W^T; the bias is added while relaying
//                                           out yf into y, so y = b + xf W^T as on the CPU)
//   backward: xf [N, C*P] | dyf [N, C*P] | dxf [N, C*P]
// Backward accumulates (+=) into dx, dw (GEMM with beta = 1), db (column_sums over the N
// samples, fixed order); nullptr skips.
#pragma once
#include "akorn/common.hpp"
#include "akorn/cuda/blas.cuh"
#include "akorn/cuda/common.cuh"
#include "akorn/cuda/reduce.cuh"
#include "akorn/ops/fc_j/layout.hpp"

namespace akorn::cuda {

namespace fc_detail {

// NHWC sample -> NCHW flat: dst[n][c*P + p] = src[n][p*C + c]; element i indexes dst.
template <typename S, int P, int C>
__global__ void to_flat_kernel(const S* src, S* dst, index_t total) {
  constexpr index_t D = index_t(P) * C;
  AKORN_GRID_LOOP(i, total) {
    const index_t n = i / D, r = i % D;
    const index_t c = r / P, p = r % P;
    dst[i] = src[n * D + p * C + c];
  }
}

// NCHW flat -> NHWC: dst[n][p*C + c] (= or +=) src[n][c*P + p] (+ bias[c*P + p]); element
// i indexes dst.
template <typename S, int P, int C, bool ACCUMULATE>
__global__ void from_flat_kernel(const S* src, const S* bias, S* dst, index_t total) {
  constexpr index_t D = index_t(P) * C;
  AKORN_GRID_LOOP(i, total) {
    const index_t n = i / D, r = i % D;
    const index_t p = r / C, c = r % C;
    const index_t f = c * P + p;
    S v = src[n * D + f];
    if (bias != nullptr) v += bias[f];
    dst[i] = ACCUMULATE ? dst[i] + v : v;
  }
}

}  // namespace fc_detail

template <typename S, int P, int C>
struct FcJ : FcJLayout<P, C> {
  using Layout = FcJLayout<P, C>;
  using Layout::D, Layout::fwd_ws_elems, Layout::bwd_ws_elems;

  // NHWC samples -> NCHW flat
  static void to_flat(int N, const S* x, S* xf) {
    const index_t total = index_t(N) * D;
    if (total <= 0) return;
    fc_detail::to_flat_kernel<S, P, C><<<blocks_for(total), kThreads, 0, stream()>>>(x, xf, total);
    AKORN_CUDA_LAUNCH_CHECK();
  }

  static void forward(int N, const S* x, const S* w, const S* b, S* y, S* ws) {
    if (N <= 0) return;
    S* xf = ws;
    S* yf = ws + index_t(N) * D;
    to_flat(N, x, xf);
    gemm(false, true, N, int(D), int(D), S(1), xf, int(D), w, int(D), S(0), yf, int(D));
    const index_t total = index_t(N) * D;
    fc_detail::from_flat_kernel<S, P, C, false><<<blocks_for(total), kThreads, 0, stream()>>>(yf, b, y, total);
    AKORN_CUDA_LAUNCH_CHECK();
  }

  static void backward(int N, const S* x, const S* w, const S* dy, S* dx, S* dw, S* db, S* ws) {
    if (N <= 0 || !(dx || dw || db)) return;
    S* xf = ws;
    S* dyf = ws + index_t(N) * D;
    S* dxf = dyf + index_t(N) * D;
    to_flat(N, dy, dyf);
    if (db) column_sums(dyf, index_t(N), D, D, db, true);
    if (dw) {
      to_flat(N, x, xf);
      gemm(true, false, int(D), int(D), N, S(1), dyf, int(D), xf, int(D), S(1), dw, int(D));
    }
    if (dx) {
      gemm(false, false, N, int(D), int(D), S(1), dyf, int(D), w, int(D), S(0), dxf, int(D));
      const index_t total = index_t(N) * D;
      fc_detail::from_flat_kernel<S, P, C, true>
          <<<blocks_for(total), kThreads, 0, stream()>>>(dxf, nullptr, dx, total);
      AKORN_CUDA_LAUNCH_CHECK();
    }
  }
};

}  // namespace akorn::cuda
