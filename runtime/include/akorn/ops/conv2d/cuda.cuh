// CUDA twin of ops/conv2d/cpu.hpp: Conv2d on NHWC activations, weight [COUT, CIN, K, K].
// Same algorithm and GEMM shapes as the CPU version:
//   forward:  col = im2col(x) (skipped for 1x1 / stride 1 / pad 0), y[N*HO*WO, COUT] =
//             col * w^T (overwrites y), y += bias;
//   backward: db += column sums of dy (per sample, then in sample order), dw += dy^T col
//             (beta 1), dcol = dy * w into ws, dx += col2im(dcol) (pointwise: dx += dy * w).
// im2col is one thread per column element; col2im_add is one thread per dx element that
// gathers its (at most K*K) window contributions in the CPU's (ho, wo) order -- no atomics.
#pragma once
#include "akorn/common.hpp"
#include "akorn/cuda/blas.cuh"
#include "akorn/cuda/common.cuh"
#include "akorn/ops/conv2d/layout.hpp"
#include "akorn/ops/elementwise/cuda.cuh"

namespace akorn::cuda {
namespace basic_detail {

// col[(n, ho, wo), cin*K*K + kh*K + kw] = x[n, ho*STRIDE - PAD + kh, wo*STRIDE - PAD + kw, cin] (or 0).
template <typename S, int H, int W, int CIN, int K, int STRIDE, int PAD, int HO, int WO>
__global__ void conv2d_im2col_kernel(index_t total, const S* x, S* col) {
  constexpr index_t kCols = index_t(CIN) * K * K;
  constexpr index_t kPos = index_t(HO) * WO;
  constexpr index_t kInElems = index_t(H) * W * CIN;
  AKORN_GRID_LOOP(i, total) {
    const index_t r = i / kCols;               // row = (n, ho, wo)
    const int k = int(i - r * kCols);          // column = (cin, kh, kw)
    const int cin = k / (K * K);
    const int kk = k - cin * (K * K);
    const int kh = kk / K, kw = kk - (kk / K) * K;
    const index_t n = r / kPos;
    const int pos = int(r - n * kPos);
    const int ho = pos / WO, wo = pos - (pos / WO) * WO;
    const int h = ho * STRIDE - PAD + kh, w = wo * STRIDE - PAD + kw;
    col[i] = (h >= 0 && h < H && w >= 0 && w < W) ? x[n * kInElems + (index_t(h) * W + w) * CIN + cin] : S(0);
  }
}

// dx[n, h, w, c] += sum of dcol entries that im2col copied from x[n, h, w, c]. The CPU adds
// them in (ho, wo) ascending order; ho = (h + PAD - kh)/STRIDE decreases as kh grows (and
// wo as kw grows), so kh and kw run downwards here to add in the same order.
template <typename S, int H, int W, int CIN, int K, int STRIDE, int PAD, int HO, int WO>
__global__ void conv2d_col2im_add_kernel(index_t total, const S* dcol, S* dx) {
  constexpr index_t kCols = index_t(CIN) * K * K;
  AKORN_GRID_LOOP(i, total) {
    index_t r = i / CIN;
    const int c = int(i - r * CIN);
    const int w = int(r % W);
    r /= W;
    const int h = int(r % H);
    const index_t n = r / H;
    S acc = dx[i];
    for (int kh = K - 1; kh >= 0; --kh) {
      const int th = h + PAD - kh;
      if (th < 0 || th % STRIDE != 0) continue;
      const int ho = th / STRIDE;
      if (ho >= HO) continue;
      for (int kw = K - 1; kw >= 0; --kw) {
        const int tw = w + PAD - kw;
        if (tw < 0 || tw % STRIDE != 0) continue;
        const int wo = tw / STRIDE;
        if (wo >= WO) continue;
        acc += dcol[((n * HO + ho) * WO + wo) * kCols + index_t(c) * K * K + kh * K + kw];
      }
    }
    dx[i] = acc;
  }
}

}  // namespace basic_detail

template <typename S, int H, int W, int CIN, int COUT, int K, int STRIDE, int PAD, bool BIAS>
struct Conv2d : Conv2dLayout<H, W, CIN, COUT, K, STRIDE, PAD> {
  using Layout = Conv2dLayout<H, W, CIN, COUT, K, STRIDE, PAD>;
  using Layout::HO, Layout::WO, Layout::kPointwise, Layout::kCols, Layout::kInElems,
        Layout::kOutElems, Layout::fwd_ws_elems, Layout::bwd_ws_elems;

  // col (N*HO*WO rows of kCols, overwritten) = im2col(x).
  static void im2col(int N, const S* x, S* col) {
    const index_t total = index_t(N) * HO * WO * kCols;
    if (total <= 0) return;
    basic_detail::conv2d_im2col_kernel<S, H, W, CIN, K, STRIDE, PAD, HO, WO>
        <<<blocks_for(total), kThreads, 0, stream()>>>(total, x, col);
    AKORN_CUDA_LAUNCH_CHECK();
  }

  // dx += col2im(dcol): the adjoint of im2col (deterministic gather, no atomics).
  static void col2im_add(int N, const S* dcol, S* dx) {
    const index_t total = index_t(N) * kInElems;
    if (total <= 0) return;
    basic_detail::conv2d_col2im_add_kernel<S, H, W, CIN, K, STRIDE, PAD, HO, WO>
        <<<blocks_for(total), kThreads, 0, stream()>>>(total, dcol, dx);
    AKORN_CUDA_LAUNCH_CHECK();
  }

  // y (overwritten) = conv(x) (+ b when BIAS and b). ws: N * fwd_ws_elems.
  static void forward(int N, const S* x, const S* w, const S* b, S* y, S* ws) {
    const int rows = N * HO * WO;
    const S* col = x;
    if (!kPointwise) {
      im2col(N, x, ws);
      col = ws;
    }
    gemm(false, true, rows, COUT, int(kCols), S(1), col, int(kCols), w, int(kCols), S(0), y, COUT);
    if (BIAS && b) basic_detail::add_bias_rows<S>(index_t(rows) * COUT, COUT, b, y);
  }

  // dx, dw, db accumulate (+=); a null gradient is skipped. ws: N * bwd_ws_elems.
  static void backward(int N, const S* x, const S* w, const S* dy, S* dx, S* dw, S* db, S* ws) {
    const int rows = N * HO * WO;
    if (BIAS && db) basic_detail::channel_grad_sum<S>(N, index_t(HO) * WO, COUT, basic_detail::SumOf<S>{dy}, db);
    if (dw) {
      const S* col = x;
      if (!kPointwise) {
        im2col(N, x, ws);
        col = ws;
      }
      gemm(true, false, COUT, int(kCols), rows, S(1), dy, COUT, col, int(kCols), S(1), dw, int(kCols));
    }
    if (dx) {
      if (kPointwise) {
        gemm(false, false, rows, CIN, COUT, S(1), dy, COUT, w, CIN, S(1), dx, CIN);
      } else {
        gemm(false, false, rows, int(kCols), COUT, S(1), dy, COUT, w, int(kCols), S(0), ws, int(kCols));
        col2im_add(N, ws, dx);
      }
    }
  }
};

}  // namespace akorn::cuda
