// ScaleBias: y[p, c] = x[p, c] * scale[c] + bias[c] (a per-channel affine map, used as the
// stimulus normalisation). Parameter gradients are summed per sample, then in sample order.
#pragma once
#include <vector>

#include "akorn/common.hpp"
#include "akorn/ops/elementwise/cpu.hpp"
#include "akorn/parallel.hpp"

namespace akorn {

template <typename S, int P, int C>
struct ScaleBias {
  static constexpr index_t kElems = index_t(P) * C;

  static void forward(int N, const S* x, const S* scale, const S* bias, S* y) {
    parallel_for(N, [&](index_t n) {
      const S* xs = x + n * kElems;
      S* ys = y + n * kElems;
      for (index_t p = 0; p < P; ++p)
        for (int c = 0; c < C; ++c) ys[p * C + c] = xs[p * C + c] * scale[c] + bias[c];
    });
  }

  static void backward(int N, const S* x, const S* scale, const S* dy, S* dx, S* dscale,
                       S* dbias) {
    if (!dx && !dscale && !dbias) return;
    std::vector<S> part_s(dscale ? std::size_t(N) * C : 0, S(0));
    std::vector<S> part_b(dbias ? std::size_t(N) * C : 0, S(0));
    parallel_for(N, [&](index_t n) {
      const S* xs = x + n * kElems;
      const S* gs = dy + n * kElems;
      for (index_t p = 0; p < P; ++p)
        for (int c = 0; c < C; ++c) {
          const index_t i = p * C + c;
          if (dx) dx[n * kElems + i] += gs[i] * scale[c];
          if (dscale) part_s[n * C + c] += gs[i] * xs[i];
          if (dbias) part_b[n * C + c] += gs[i];
        }
    });
    if (dscale) detail::add_sample_partials(N, C, part_s, dscale);
    if (dbias) detail::add_sample_partials(N, C, part_b, dbias);
  }
};

}  // namespace akorn
