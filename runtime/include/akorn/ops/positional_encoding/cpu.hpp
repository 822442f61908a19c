// PositionalEncoding: y[n, p, c] = x[n, p, c] + pe[p, c], one map pe [P, C] for every sample
// (its initial value: sincos_init.hpp). Backward: dx += dy; dpe[p, c] += sum over samples of
// dy, in sample order (no dependence on the thread split).
#pragma once
#include "akorn/common.hpp"
#include "akorn/parallel.hpp"

namespace akorn {

template <typename S, int P, int C>
struct PositionalEncoding {
  static constexpr index_t kElems = index_t(P) * C;

  static void forward(int N, const S* x, const S* pe, S* y) {
    parallel_for(N, [&](index_t n) {
      const S* xs = x + n * kElems;
      S* ys = y + n * kElems;
      for (index_t e = 0; e < kElems; ++e) ys[e] = xs[e] + pe[e];
    });
  }

  // dx and dpe accumulate (+=); null ones are skipped.
  static void backward(int N, const S* dy, S* dx, S* dpe) {
    if (dx)
      parallel_for(N, [&](index_t n) {
        const index_t o = n * kElems;
        for (index_t e = 0; e < kElems; ++e) dx[o + e] += dy[o + e];
      });
    if (dpe)
      parallel_for(P, [&](index_t p) {
        for (int c = 0; c < C; ++c) {
          const index_t e = p * C + c;
          S acc = S(0);
          for (int n = 0; n < N; ++n) acc += dy[n * kElems + e];
          dpe[e] += acc;
        }
      });
  }
};

}  // namespace akorn
