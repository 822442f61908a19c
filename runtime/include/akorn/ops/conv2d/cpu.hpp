// Conv2d on NHWC activations with the PyTorch weight layout [COUT, CIN, K, K].
//
// im2col: every output position (n, ho, wo) becomes one row of CIN*K*K columns ordered
// (cin, kh, kw) -- exactly the flattening of a weight row -- so with all N*HO*WO rows
// stacked, y[rows, COUT] = col[rows, CIN*K*K] * w^T is a single GEMM that uses the weight
// as stored. The 1x1 / stride 1 / pad 0 case skips im2col: x already is that matrix.
// Backward: dw += dy^T * col (one GEMM), dcol = dy * w (one GEMM), dx += col2im(dcol).
#pragma once
#include <cstring>
#include <vector>

#include "akorn/blas.hpp"
#include "akorn/common.hpp"
#include "akorn/ops/conv2d/layout.hpp"
#include "akorn/ops/elementwise/cpu.hpp"
#include "akorn/parallel.hpp"

namespace akorn {

template <typename S, int H, int W, int CIN, int COUT, int K, int STRIDE, int PAD, bool BIAS>
struct Conv2d : Conv2dLayout<H, W, CIN, COUT, K, STRIDE, PAD> {
  using Layout = Conv2dLayout<H, W, CIN, COUT, K, STRIDE, PAD>;
  using Layout::HO, Layout::WO, Layout::kPointwise, Layout::kCols, Layout::kInElems,
        Layout::kOutElems, Layout::fwd_ws_elems, Layout::bwd_ws_elems;

  // col[(n, ho, wo), cin*K*K + kh*K + kw] = x[n, ho*S - PAD + kh, wo*S - PAD + kw, cin] (or 0).
  static void im2col(int N, const S* x, S* col) {
    parallel_for(N, [&](index_t n) {
      const S* xs = x + n * kInElems;
      S* cs = col + n * index_t(HO) * WO * kCols;
      for (int ho = 0; ho < HO; ++ho)
        for (int wo = 0; wo < WO; ++wo) {
          S* row = cs + (index_t(ho) * WO + wo) * kCols;
          for (int kh = 0; kh < K; ++kh) {
            const int h = ho * STRIDE - PAD + kh;
            for (int kw = 0; kw < K; ++kw) {
              const int w = wo * STRIDE - PAD + kw;
              S* dst = row + kh * K + kw;
              if (h < 0 || h >= H || w < 0 || w >= W) {
                for (int c = 0; c < CIN; ++c) dst[index_t(c) * K * K] = S(0);
              } else {
                const S* src = xs + (index_t(h) * W + w) * CIN;
                for (int c = 0; c < CIN; ++c) dst[index_t(c) * K * K] = src[c];
              }
            }
          }
        }
    });
  }

  // dx += col2im(dcol): the adjoint of im2col. Overlapping windows of one sample are summed
  // serially inside that sample, so the result is deterministic.
  static void col2im_add(int N, const S* dcol, S* dx) {
    parallel_for(N, [&](index_t n) {
      S* xs = dx + n * kInElems;
      const S* cs = dcol + n * index_t(HO) * WO * kCols;
      for (int ho = 0; ho < HO; ++ho)
        for (int wo = 0; wo < WO; ++wo) {
          const S* row = cs + (index_t(ho) * WO + wo) * kCols;
          for (int kh = 0; kh < K; ++kh) {
            const int h = ho * STRIDE - PAD + kh;
            if (h < 0 || h >= H) continue;
            for (int kw = 0; kw < K; ++kw) {
              const int w = wo * STRIDE - PAD + kw;
              if (w < 0 || w >= W) continue;
              const S* src = row + kh * K + kw;
              S* dst = xs + (index_t(h) * W + w) * CIN;
              for (int c = 0; c < CIN; ++c) dst[c] += src[index_t(c) * K * K];
            }
          }
        }
    });
  }

  static void forward(int N, const S* x, const S* w, const S* b, S* y, S* ws) {
    const int rows = N * HO * WO;
    const S* col = x;
    if (!kPointwise) {
      im2col(N, x, ws);
      col = ws;
    }
    gemm(false, true, rows, COUT, int(kCols), S(1), col, int(kCols), w, int(kCols), S(0), y,
         COUT);
    if (BIAS && b) {
      parallel_for(N, [&](index_t n) {
        S* ys = y + n * kOutElems;
        for (index_t p = 0; p < index_t(HO) * WO; ++p)
          for (int c = 0; c < COUT; ++c) ys[p * COUT + c] += b[c];
      });
    }
  }

  static void backward(int N, const S* x, const S* w, const S* dy, S* dx, S* dw, S* db, S* ws) {
    const int rows = N * HO * WO;
    if (BIAS && db) {
      std::vector<S> part(std::size_t(N) * COUT, S(0));
      parallel_for(N, [&](index_t n) {
        const S* g = dy + n * kOutElems;
        S* acc = part.data() + n * COUT;
        for (index_t p = 0; p < index_t(HO) * WO; ++p)
          for (int c = 0; c < COUT; ++c) acc[c] += g[p * COUT + c];
      });
      detail::add_sample_partials(N, COUT, part, db);
    }
    if (dw) {
      const S* col = x;
      if (!kPointwise) {
        im2col(N, x, ws);
        col = ws;
      }
      gemm(true, false, COUT, int(kCols), rows, S(1), dy, COUT, col, int(kCols), S(1), dw,
           int(kCols));
    }
    if (dx) {
      if (kPointwise) {
        gemm(false, false, rows, CIN, COUT, S(1), dy, COUT, w, CIN, S(1), dx, CIN);
      } else {
        gemm(false, false, rows, int(kCols), COUT, S(1), dy, COUT, w, int(kCols), S(0), ws,
             int(kCols));
        col2im_add(N, ws, dx);
      }
    }
  }
};

}  // namespace akorn
