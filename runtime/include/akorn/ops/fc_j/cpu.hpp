// FcJ: dense connectivity over the whole sample in the reference's NCHW flattening
// (OPS.md "Kuramoto", connectivity Fc): xf[c*P + p] = x[p, c], yf = W xf + b,
// J(x)[p, c] = yf[c*P + p]. weight [C*P, C*P] (PyTorch Linear layout), bias [C*P].
// Workspaces (sections batch-major over the N samples of the call):
//   forward:  xf [N, C*P] | yf [N, C*P]
//   backward: xf [N, C*P] | dyf [N, C*P] | dxf [N, C*P]
// Backward accumulates (+=) into dx, dw, db; nullptr skips.
#pragma once
#include <algorithm>
#include <cstdint>

#include "akorn/blas.hpp"
#include "akorn/common.hpp"
#include "akorn/ops/fc_j/layout.hpp"
#include "akorn/parallel.hpp"

namespace akorn {

template <typename S, int P, int C>
struct FcJ : FcJLayout<P, C> {
  using Layout = FcJLayout<P, C>;
  using Layout::D, Layout::fwd_ws_elems, Layout::bwd_ws_elems;

  // NHWC sample -> NCHW flat
  static void to_flat(int N, const S* x, S* xf) {
    parallel_for(N, [&](index_t n) {
      const S* s = x + n * D;
      S* d = xf + n * D;
      for (int p = 0; p < P; ++p)
        for (int c = 0; c < C; ++c) d[index_t(c) * P + p] = s[index_t(p) * C + c];
    });
  }

  static void forward(int N, const S* x, const S* w, const S* b, S* y, S* ws) {
    S* xf = ws;
    S* yf = ws + index_t(N) * D;
    to_flat(N, x, xf);
    parallel_for(N, [&](index_t n) {
      S* r = yf + n * D;
      if (b)
        for (index_t i = 0; i < D; ++i) r[i] = b[i];
      else
        for (index_t i = 0; i < D; ++i) r[i] = S(0);
    });
    gemm(false, true, N, int(D), int(D), S(1), xf, int(D), w, int(D), S(1), yf, int(D));
    parallel_for(N, [&](index_t n) {
      const S* s = yf + n * D;
      S* d = y + n * D;
      for (int p = 0; p < P; ++p)
        for (int c = 0; c < C; ++c) d[index_t(p) * C + c] = s[index_t(c) * P + p];
    });
  }

  static void backward(int N, const S* x, const S* w, const S* dy, S* dx, S* dw, S* db,
                       S* ws) {
    S* xf = ws;
    S* dyf = ws + index_t(N) * D;
    S* dxf = dyf + index_t(N) * D;
    to_flat(N, dy, dyf);
    if (db) {
      constexpr index_t B = 256;
      parallel_for((D + B - 1) / B, [&](index_t blk) {
        const index_t i1 = std::min(D, (blk + 1) * B);
        for (index_t i = blk * B; i < i1; ++i) {
          double s = 0;
          for (int n = 0; n < N; ++n) s += dyf[index_t(n) * D + i];
          db[i] += static_cast<S>(s);
        }
      });
    }
    if (dw) {
      to_flat(N, x, xf);
      gemm(true, false, int(D), int(D), N, S(1), dyf, int(D), xf, int(D), S(1), dw, int(D));
    }
    if (dx) {
      gemm(false, false, N, int(D), int(D), S(1), dyf, int(D), w, int(D), S(0), dxf, int(D));
      parallel_for(N, [&](index_t n) {
        const S* s = dxf + n * D;
        S* d = dx + n * D;
        for (int p = 0; p < P; ++p)
          for (int c = 0; c < C; ++c) d[index_t(p) * C + c] += s[index_t(c) * P + p];
      });
    }
  }
};

}  // namespace akorn
