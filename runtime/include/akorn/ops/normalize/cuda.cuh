// CUDA twin of ops/normalize/cpu.hpp: NormalizeOsc, per-oscillator L2 normalisation
//   y_o = x_o / max(||x_o||_2, 1e-6) (overwritten), oscillator o = NOSC consecutive elements;
// backward dx += (dy - y <y, dy>) / r for r = ||x_o|| > 1e-6, dx += dy * 1e6 otherwise.
// One thread per oscillator (E / NOSC per sample), same arithmetic as the CPU.
#pragma once
#include "akorn/common.hpp"
#include "akorn/cuda/common.cuh"
#include "akorn/ops/normalize/layout.hpp"

namespace akorn::cuda {
namespace basic_detail {

template <typename S, int NOSC>
__global__ void normalize_osc_forward_kernel(index_t G, const S* x, S* y) {
  AKORN_GRID_LOOP(g, G) {
    const S* xo = x + g * NOSC;
    S* yo = y + g * NOSC;
    S ss = S(0);
    for (int k = 0; k < NOSC; ++k) ss += xo[k] * xo[k];
    const S r = sqrt(ss);
    const S inv = S(1) / (r < S(1e-6) ? S(1e-6) : r);  // std::max(r, 1e-6), NaN kept
    for (int k = 0; k < NOSC; ++k) yo[k] = xo[k] * inv;
  }
}

template <typename S, int NOSC>
__global__ void normalize_osc_backward_kernel(index_t G, const S* x, const S* y, const S* dy, S* dx) {
  AKORN_GRID_LOOP(g, G) {
    const S* xo = x + g * NOSC;
    const S* yo = y + g * NOSC;
    const S* go = dy + g * NOSC;
    S* dxo = dx + g * NOSC;
    S ss = S(0), yg = S(0);
    for (int k = 0; k < NOSC; ++k) {
      ss += xo[k] * xo[k];
      yg += yo[k] * go[k];
    }
    const S r = sqrt(ss);
    if (r > S(1e-6)) {
      const S inv = S(1) / r;
      for (int k = 0; k < NOSC; ++k) dxo[k] += (go[k] - yo[k] * yg) * inv;
    } else {
      for (int k = 0; k < NOSC; ++k) dxo[k] += go[k] * S(1e6);
    }
  }
}

}  // namespace basic_detail

template <typename S, index_t E, int NOSC>
struct NormalizeOsc : NormalizeOscLayout<E, NOSC> {

  static void forward(int N, const S* x, S* y) {
    const index_t G = index_t(N) * (E / NOSC);
    if (G <= 0) return;
    basic_detail::normalize_osc_forward_kernel<S, NOSC><<<blocks_for(G), kThreads, 0, stream()>>>(G, x, y);
    AKORN_CUDA_LAUNCH_CHECK();
  }

  // dx accumulates (+=); skipped when null.
  static void backward(int N, const S* x, const S* y, const S* dy, S* dx) {
    if (dx == nullptr) return;
    const index_t G = index_t(N) * (E / NOSC);
    if (G <= 0) return;
    basic_detail::normalize_osc_backward_kernel<S, NOSC><<<blocks_for(G), kThreads, 0, stream()>>>(G, x, y, dy, dx);
    AKORN_CUDA_LAUNCH_CHECK();
  }
};

}  // namespace akorn::cuda
