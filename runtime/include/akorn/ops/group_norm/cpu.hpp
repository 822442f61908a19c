// GroupNorm per sample: group g = channels [g*C/G, (g+1)*C/G) at all P positions; biased
// variance; y = (x - mean) * rstd * weight[c] + bias[c] (affine) or without the affine part.
// saved[n*2G + 2g] = mean, saved[n*2G + 2g + 1] = rstd. Samples are independent, so the
// work is spread over them; the per-channel parameter gradients are reduced per sample and
// then summed in sample order (deterministic).
#pragma once
#include <cmath>
#include <vector>

#include "akorn/common.hpp"
#include "akorn/ops/elementwise/cpu.hpp"
#include "akorn/ops/group_norm/layout.hpp"
#include "akorn/parallel.hpp"

namespace akorn {

template <typename S, int P, int C, int G, bool AFFINE>
struct GroupNorm : GroupNormLayout<P, C, G> {
  using Layout = GroupNormLayout<P, C, G>;
  using Layout::CG, Layout::kElems, Layout::saved_elems;

  static void forward(int N, const S* x, const S* weight, const S* bias, S eps, S* y,
                      S* saved) {
    parallel_for(N, [&](index_t n) {
      const S* xs = x + n * kElems;
      S* ys = y + n * kElems;
      S* st = saved + n * saved_elems;
      const S inv_count = S(1) / S(index_t(P) * CG);
      for (int g = 0; g < G; ++g) {
        // Two passes (mean, then squared deviations) for accuracy.
        S sum = S(0);
        for (index_t p = 0; p < P; ++p)
          for (int c = g * CG; c < (g + 1) * CG; ++c) sum += xs[p * C + c];
        const S mean = sum * inv_count;
        S sq = S(0);
        for (index_t p = 0; p < P; ++p)
          for (int c = g * CG; c < (g + 1) * CG; ++c) {
            const S d = xs[p * C + c] - mean;
            sq += d * d;
          }
        const S rstd = S(1) / std::sqrt(sq * inv_count + eps);
        st[2 * g] = mean;
        st[2 * g + 1] = rstd;
        for (index_t p = 0; p < P; ++p)
          for (int c = g * CG; c < (g + 1) * CG; ++c) {
            S v = (xs[p * C + c] - mean) * rstd;
            if (AFFINE) v = v * weight[c] + bias[c];
            ys[p * C + c] = v;
          }
      }
    });
  }

  // With xhat = (x - mean) * rstd and g = dy * weight:
  //   dx = rstd * (g - mean_group(g) - xhat * mean_group(g * xhat)),
  //   dweight[c] = sum dy * xhat, dbias[c] = sum dy.
  static void backward(int N, const S* x, const S* weight, const S* saved, const S* dy, S* dx,
                       S* dweight, S* dbias) {
    const bool want_w = AFFINE && dweight, want_b = AFFINE && dbias;
    if (!dx && !want_w && !want_b) return;
    std::vector<S> part_w(want_w ? std::size_t(N) * C : 0, S(0));
    std::vector<S> part_b(want_b ? std::size_t(N) * C : 0, S(0));
    parallel_for(N, [&](index_t n) {
      const S* xs = x + n * kElems;
      const S* gs = dy + n * kElems;
      const S* st = saved + n * saved_elems;
      const S inv_count = S(1) / S(index_t(P) * CG);
      for (int g = 0; g < G; ++g) {
        const S mean = st[2 * g], rstd = st[2 * g + 1];
        S sum_g = S(0), sum_gx = S(0);
        for (index_t p = 0; p < P; ++p)
          for (int c = g * CG; c < (g + 1) * CG; ++c) {
            const index_t i = p * C + c;
            const S xhat = (xs[i] - mean) * rstd;
            const S gy = AFFINE ? gs[i] * weight[c] : gs[i];
            sum_g += gy;
            sum_gx += gy * xhat;
            if (want_w) part_w[n * C + c] += gs[i] * xhat;
            if (want_b) part_b[n * C + c] += gs[i];
          }
        if (!dx) continue;
        const S m1 = sum_g * inv_count, m2 = sum_gx * inv_count;
        S* dxs = dx + n * kElems;
        for (index_t p = 0; p < P; ++p)
          for (int c = g * CG; c < (g + 1) * CG; ++c) {
            const index_t i = p * C + c;
            const S xhat = (xs[i] - mean) * rstd;
            const S gy = AFFINE ? gs[i] * weight[c] : gs[i];
            dxs[i] += rstd * (gy - m1 - xhat * m2);
          }
      }
    });
    if (want_w) detail::add_sample_partials(N, C, part_w, dweight);
    if (want_b) detail::add_sample_partials(N, C, part_b, dbias);
  }
};

}  // namespace akorn
