// Pooling over NHWC, average (MAX = false) or max. GLOBAL: every position -> [1, 1, C].
// Otherwise K x K windows with stride STRIDE and no padding. Max backward recomputes the
// window from x and sends the gradient to the first maximal element (row-major window
// order), matching the reference. Each sample is independent -> parallel over samples.
#pragma once
#include "akorn/common.hpp"
#include "akorn/ops/pool/layout.hpp"
#include "akorn/parallel.hpp"

namespace akorn {

template <typename S, int H, int W, int C, bool MAX, bool GLOBAL, int K, int STRIDE>
struct Pool : PoolLayout<H, W, C, GLOBAL, K, STRIDE> {
  using Layout = PoolLayout<H, W, C, GLOBAL, K, STRIDE>;
  using Layout::HO, Layout::WO, Layout::KH, Layout::KW, Layout::SH, Layout::kInElems,
        Layout::kOutElems;

  static void forward(int N, const S* x, S* y) {
    parallel_for(N, [&](index_t n) {
      const S* xs = x + n * kInElems;
      S* ys = y + n * kOutElems;
      for (int ho = 0; ho < HO; ++ho)
        for (int wo = 0; wo < WO; ++wo) {
          S* out = ys + (index_t(ho) * WO + wo) * C;
          const S* first = xs + (index_t(ho * SH) * W + wo * SH) * C;  // window corner
          for (int c = 0; c < C; ++c) out[c] = MAX ? first[c] : S(0);
          for (int kh = 0; kh < KH; ++kh)
            for (int kw = 0; kw < KW; ++kw) {
              const S* in = xs + (index_t(ho * SH + kh) * W + (wo * SH + kw)) * C;
              for (int c = 0; c < C; ++c) {
                if (MAX) {
                  if (in[c] > out[c]) out[c] = in[c];
                } else {
                  out[c] += in[c];
                }
              }
            }
          if (!MAX)
            for (int c = 0; c < C; ++c) out[c] /= S(KH * KW);
        }
    });
  }

  static void backward(int N, const S* x, const S* dy, S* dx) {
    if (!dx) return;
    parallel_for(N, [&](index_t n) {
      const S* xs = x + n * kInElems;
      const S* gs = dy + n * kOutElems;
      S* dxs = dx + n * kInElems;
      for (int ho = 0; ho < HO; ++ho)
        for (int wo = 0; wo < WO; ++wo) {
          const S* g = gs + (index_t(ho) * WO + wo) * C;
          const index_t corner = index_t(ho * SH) * W + wo * SH;  // window's first position
          for (int c = 0; c < C; ++c) {
            if (MAX) {
              // first maximal element in row-major window order (strict > keeps the first)
              index_t best = corner;
              for (int kh = 0; kh < KH; ++kh)
                for (int kw = 0; kw < KW; ++kw) {
                  const index_t q = corner + index_t(kh) * W + kw;
                  if (xs[q * C + c] > xs[best * C + c]) best = q;
                }
              dxs[best * C + c] += g[c];
            } else {
              const S share = g[c] / S(KH * KW);
              for (int kh = 0; kh < KH; ++kh)
                for (int kw = 0; kw < KW; ++kw)
                  dxs[(corner + index_t(kh) * W + kw) * C + c] += share;
            }
          }
        }
    });
  }
};

}  // namespace akorn
