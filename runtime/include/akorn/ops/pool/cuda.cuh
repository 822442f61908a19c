// CUDA twin of ops/pool/cpu.hpp: pooling over NHWC, average (MAX = false) or max; GLOBAL: every
// position -> [1, 1, C]; otherwise K x K windows, stride STRIDE, no padding.
// forward: one thread per output element, same loop order as the CPU (y overwritten).
// backward (dx +=): max sends the gradient to the first maximal element of the window
// (row-major window order, strict >), as the CPU does.
//  - windows that do not overlap (GLOBAL or STRIDE >= K): one thread per output element
//    scatters into its own window -- every dx element is written by at most one thread;
//  - overlapping windows (STRIDE < K): one thread per dx element gathers the windows that
//    contain it in the CPU's (ho, wo) order (recomputing each window's argmax for max).
#pragma once
#include "akorn/common.hpp"
#include "akorn/cuda/common.cuh"
#include "akorn/ops/pool/layout.hpp"

namespace akorn::cuda {
namespace basic_detail {

template <typename S, int W, int C, bool MAX, int HO, int WO, int KH, int KW, int SH>
__global__ void pool_forward_kernel(index_t total, index_t in_elems, const S* x, S* y) {
  AKORN_GRID_LOOP(i, total) {
    index_t r = i / C;
    const int c = int(i - r * C);
    const int wo = int(r % WO);
    r /= WO;
    const int ho = int(r % HO);
    const index_t n = r / HO;
    const S* xs = x + n * in_elems;
    S out = MAX ? xs[(index_t(ho * SH) * W + wo * SH) * C + c] : S(0);
    for (int kh = 0; kh < KH; ++kh)
      for (int kw = 0; kw < KW; ++kw) {
        const S v = xs[(index_t(ho * SH + kh) * W + (wo * SH + kw)) * C + c];
        if (MAX) {
          if (v > out) out = v;
        } else {
          out += v;
        }
      }
    if (!MAX) out /= S(KH * KW);
    y[i] = out;
  }
}

// Position (relative to the sample) of the first maximal element of window (ho, wo), channel c.
template <typename S, int W, int C, int KH, int KW, int SH>
__device__ inline index_t pool_argmax(const S* xs, int ho, int wo, int c) {
  const index_t corner = index_t(ho * SH) * W + wo * SH;
  index_t best = corner;
  for (int kh = 0; kh < KH; ++kh)
    for (int kw = 0; kw < KW; ++kw) {
      const index_t q = corner + index_t(kh) * W + kw;
      if (xs[q * C + c] > xs[best * C + c]) best = q;
    }
  return best;
}

// Non-overlapping windows: thread per output element (n, ho, wo, c) scatters into its window.
template <typename S, int W, int C, bool MAX, int HO, int WO, int KH, int KW, int SH>
__global__ void pool_backward_scatter_kernel(index_t total, index_t in_elems, const S* x, const S* dy, S* dx) {
  AKORN_GRID_LOOP(i, total) {
    index_t r = i / C;
    const int c = int(i - r * C);
    const int wo = int(r % WO);
    r /= WO;
    const int ho = int(r % HO);
    const index_t n = r / HO;
    const S* xs = x + n * in_elems;
    S* dxs = dx + n * in_elems;
    const S g = dy[i];
    if (MAX) {
      const index_t best = pool_argmax<S, W, C, KH, KW, SH>(xs, ho, wo, c);
      dxs[best * C + c] += g;
    } else {
      const index_t corner = index_t(ho * SH) * W + wo * SH;
      const S share = g / S(KH * KW);
      for (int kh = 0; kh < KH; ++kh)
        for (int kw = 0; kw < KW; ++kw) dxs[(corner + index_t(kh) * W + kw) * C + c] += share;
    }
  }
}

// Overlapping windows: thread per input element (n, h, w, c) gathers in (ho, wo) order.
template <typename S, int H, int W, int C, bool MAX, int HO, int WO, int KH, int KW, int SH>
__global__ void pool_backward_gather_kernel(index_t total, const S* x, const S* dy, S* dx) {
  constexpr index_t kInElems = index_t(H) * W * C;
  constexpr index_t kOutElems = index_t(HO) * WO * C;
  AKORN_GRID_LOOP(i, total) {
    index_t r = i / C;
    const int c = int(i - r * C);
    const int w = int(r % W);
    r /= W;
    const int h = int(r % H);
    const index_t n = r / H;
    const S* xs = x + n * kInElems;
    const S* gs = dy + n * kOutElems;
    const index_t self = index_t(h) * W + w;
    // windows containing h: ho*SH <= h <= ho*SH + KH - 1
    int ho0 = h - KH + 1 > 0 ? (h - KH + 1 + SH - 1) / SH : 0;
    int ho1 = h / SH < HO - 1 ? h / SH : HO - 1;
    int wo0 = w - KW + 1 > 0 ? (w - KW + 1 + SH - 1) / SH : 0;
    int wo1 = w / SH < WO - 1 ? w / SH : WO - 1;
    S acc = dx[i];
    for (int ho = ho0; ho <= ho1; ++ho)
      for (int wo = wo0; wo <= wo1; ++wo) {
        const S g = gs[(index_t(ho) * WO + wo) * C + c];
        if (MAX) {
          if (pool_argmax<S, W, C, KH, KW, SH>(xs, ho, wo, c) == self) acc += g;
        } else {
          acc += g / S(KH * KW);
        }
      }
    dx[i] = acc;
  }
}

}  // namespace basic_detail

template <typename S, int H, int W, int C, bool MAX, bool GLOBAL, int K, int STRIDE>
struct Pool : PoolLayout<H, W, C, GLOBAL, K, STRIDE> {
  using Layout = PoolLayout<H, W, C, GLOBAL, K, STRIDE>;
  using Layout::HO, Layout::WO, Layout::KH, Layout::KW, Layout::SH, Layout::kInElems,
        Layout::kOutElems;
  // Windows are disjoint: a single global window, or stride >= kernel.
  static constexpr bool kDisjoint = GLOBAL || STRIDE >= K;

  static void forward(int N, const S* x, S* y) {
    const index_t total = index_t(N) * kOutElems;
    if (total <= 0) return;
    basic_detail::pool_forward_kernel<S, W, C, MAX, HO, WO, KH, KW, SH>
        <<<blocks_for(total), kThreads, 0, stream()>>>(total, kInElems, x, y);
    AKORN_CUDA_LAUNCH_CHECK();
  }

  // dx accumulates (+=); skipped when null.
  static void backward(int N, const S* x, const S* dy, S* dx) {
    if (!dx) return;
    if constexpr (kDisjoint) {
      const index_t total = index_t(N) * kOutElems;
      if (total <= 0) return;
      basic_detail::pool_backward_scatter_kernel<S, W, C, MAX, HO, WO, KH, KW, SH>
          <<<blocks_for(total), kThreads, 0, stream()>>>(total, kInElems, x, dy, dx);
    } else {
      const index_t total = index_t(N) * kInElems;
      if (total <= 0) return;
      basic_detail::pool_backward_gather_kernel<S, H, W, C, MAX, HO, WO, KH, KW, SH>
          <<<blocks_for(total), kThreads, 0, stream()>>>(total, x, dy, dx);
    }
    AKORN_CUDA_LAUNCH_CHECK();
  }
};

}  // namespace akorn::cuda
