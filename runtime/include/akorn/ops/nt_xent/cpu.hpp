// NtXent (ops/nt_xent/math.hpp has the formulas): the contrastive loss over the batch's view
// pairs (2k, 2k+1). forward overwrites loss[0] and `saved` (per sample: z, ||h||, log-sum-exp,
// row loss); backward accumulates (+=) dL/dh, recomputing the similarities from z (no N x N
// buffer). Rows are independent (parallel over i); the loss sums the rows in order, so
// results do not depend on the thread count.
#pragma once
#include <cmath>
#include <string>
#include <vector>

#include "akorn/common.hpp"
#include "akorn/ops/nt_xent/layout.hpp"
#include "akorn/ops/nt_xent/math.hpp"
#include "akorn/parallel.hpp"

namespace akorn {

template <typename S, int D>
struct NtXent : NtXentLayout<D> {
  using Layout = NtXentLayout<D>;
  using Layout::saved_elems, Layout::kNorm, Layout::kLse, Layout::kRowLoss;

  static void check_batch(int N) {
    AKORN_CHECK(N >= 2 && N % 2 == 0, "nt_xent: the batch must be pairs of views (an even number of samples, "
                                      "at least 2), got " + std::to_string(N));
  }

  static S similarity(const S* zi, const S* zj, S tau) {
    S d = S(0);
    for (int k = 0; k < D; ++k) d += zi[k] * zj[k];
    return d / tau;
  }

  static void forward(int N, const S* h, S tau, S* loss, S* saved) {
    check_batch(N);
    parallel_for(N, [&](index_t i) {
      S* sv = saved + i * saved_elems;
      S ss = S(0);
      for (int k = 0; k < D; ++k) ss += h[i * D + k] * h[i * D + k];
      const S norm = std::sqrt(ss), inv = nt_xent_math::inv_norm(norm);
      for (int k = 0; k < D; ++k) sv[k] = h[i * D + k] * inv;
      sv[kNorm] = norm;
    });
    parallel_for(N, [&](index_t i) {
      const S* zi = saved + i * saved_elems;
      std::vector<S> s(static_cast<size_t>(N));
      S mx = -INFINITY;
      for (int j = 0; j < N; ++j) {
        if (j == i) continue;
        s[size_t(j)] = similarity(zi, saved + index_t(j) * saved_elems, tau);
        mx = s[size_t(j)] > mx ? s[size_t(j)] : mx;
      }
      S sum = S(0);
      for (int j = 0; j < N; ++j)
        if (j != i) sum += std::exp(s[size_t(j)] - mx);
      S* sv = saved + i * saved_elems;
      sv[kLse] = mx + std::log(sum);
      sv[kRowLoss] = sv[kLse] - s[size_t(nt_xent_math::partner(int(i)))];
    });
    S total = S(0);
    for (int i = 0; i < N; ++i) total += saved[index_t(i) * saved_elems + kRowLoss];
    loss[0] = total / S(N);
  }

  static void backward(int N, S tau, const S* saved, const S* dloss, S* dh) {
    if (!dh) return;
    check_batch(N);
    const S scale = dloss[0] / (S(N) * tau);
    parallel_for(N, [&](index_t i) {
      const S* zi = saved + i * saved_elems;
      S dz[D] = {};
      for (int j = 0; j < N; ++j) {
        if (j == i) continue;
        const S* zj = saved + index_t(j) * saved_elems;
        const S w = scale * nt_xent_math::pair_weight(similarity(zi, zj, tau), zi[kLse], zj[kLse],
                                                      j == nt_xent_math::partner(int(i)));
        for (int k = 0; k < D; ++k) dz[k] += w * zj[k];
      }
      S zdz = S(0);
      for (int k = 0; k < D; ++k) zdz += zi[k] * dz[k];
      for (int k = 0; k < D; ++k) dh[i * D + k] += nt_xent_math::normalize_backward(dz[k], zi[k], zdz, zi[kNorm]);
    });
  }
};

}  // namespace akorn
