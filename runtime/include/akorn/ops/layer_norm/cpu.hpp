// LayerNorm over the C channels at each of the P positions of a sample (math.hpp), with a
// per-channel affine map. saved[(n*P + p)*2] = mean, [.. + 1] = rstd. Samples are spread over
// the threads; the parameter gradients are reduced per sample, then summed in sample order.
#pragma once
#include <vector>

#include "akorn/common.hpp"
#include "akorn/ops/elementwise/cpu.hpp"
#include "akorn/ops/layer_norm/layout.hpp"
#include "akorn/ops/layer_norm/math.hpp"
#include "akorn/parallel.hpp"

namespace akorn {

template <typename S, int P, int C>
struct LayerNorm : LayerNormLayout<P, C> {
  using Layout = LayerNormLayout<P, C>;
  using Layout::kElems, Layout::saved_elems;

  static void forward(int N, const S* x, const S* weight, const S* bias, S eps, S* y, S* saved) {
    parallel_for(N, [&](index_t n) {
      for (index_t p = 0; p < P; ++p) {
        const index_t row = n * P + p;
        S* st = saved + 2 * row;
        layer_norm_math::row_stats(x + row * C, C, eps, st, st + 1);
        layer_norm_math::row_forward(x + row * C, weight, bias, C, st[0], st[1], y + row * C);
      }
    });
  }

  // dx, dweight, dbias accumulate (+=); null ones are skipped.
  static void backward(int N, const S* x, const S* weight, const S* saved, const S* dy, S* dx, S* dweight,
                       S* dbias) {
    if (!dx && !dweight && !dbias) return;
    std::vector<S> part_w(dweight ? std::size_t(N) * C : 0, S(0));
    std::vector<S> part_b(dbias ? std::size_t(N) * C : 0, S(0));
    parallel_for(N, [&](index_t n) {
      for (index_t p = 0; p < P; ++p) {
        const index_t row = n * P + p;
        const S mean = saved[2 * row], rstd = saved[2 * row + 1];
        const S* xr = x + row * C;
        const S* gr = dy + row * C;
        for (int c = 0; c < C; ++c) {
          if (dweight) part_w[n * C + c] += gr[c] * layer_norm_math::xhat(xr[c], mean, rstd);
          if (dbias) part_b[n * C + c] += gr[c];
        }
        if (dx) layer_norm_math::row_backward_dx(xr, weight, gr, C, mean, rstd, dx + row * C);
      }
    });
    if (dweight) detail::add_sample_partials(N, C, part_w, dweight);
    if (dbias) detail::add_sample_partials(N, C, part_b, dbias);
  }
};

}  // namespace akorn
