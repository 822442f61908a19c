// BatchNorm over NHWC: per channel, statistics over all N*P cells of the batch.
// Training normalises with the biased batch variance and updates the running stats with the
// unbiased one: r = (1 - momentum) r + momentum * stat (running_var is left alone when
// N*P == 1, where the unbiased variance does not exist). Inference uses the running stats.
// Batch sums are formed per sample in parallel and added in sample order, so the result is
// the same for any number of threads. saved[0..C) = mean, saved[C..2C) = rstd (the whole
// batch shares them, so only the first 2*C elements of the N-scaled buffer are used).
#pragma once
#include <algorithm>
#include <cmath>
#include <vector>

#include "akorn/common.hpp"
#include "akorn/ops/batch_norm/layout.hpp"
#include "akorn/ops/elementwise/cpu.hpp"
#include "akorn/parallel.hpp"

namespace akorn {

template <typename S, int P, int C>
struct BatchNorm : BatchNormLayout<P, C> {
  using Layout = BatchNormLayout<P, C>;
  using Layout::kElems, Layout::saved_elems;

  // y = (x - mean[c]) * rstd[c] * weight[c] + bias[c]
  static void normalise(int N, const S* x, const S* weight, const S* bias, const S* mean,
                        const S* rstd, S* y) {
    parallel_for(N, [&](index_t n) {
      const S* xs = x + n * kElems;
      S* ys = y + n * kElems;
      for (index_t p = 0; p < P; ++p)
        for (int c = 0; c < C; ++c) {
          S v = (xs[p * C + c] - mean[c]) * rstd[c];
          if (weight) v *= weight[c];
          if (bias) v += bias[c];
          ys[p * C + c] = v;
        }
    });
  }

  static void forward_train(int N, const S* x, const S* weight, const S* bias, S* running_mean,
                            S* running_var, S eps, S momentum, S* y, S* saved) {
    const index_t M = index_t(N) * P;
    std::vector<S> part(std::size_t(N) * C, S(0));
    std::vector<S> mean(C, S(0)), var(C, S(0));
    parallel_for(N, [&](index_t n) {
      const S* xs = x + n * kElems;
      for (index_t p = 0; p < P; ++p)
        for (int c = 0; c < C; ++c) part[n * C + c] += xs[p * C + c];
    });
    detail::add_sample_partials(N, C, part, mean.data());
    for (int c = 0; c < C; ++c) mean[c] /= S(M);
    std::fill(part.begin(), part.end(), S(0));
    parallel_for(N, [&](index_t n) {
      const S* xs = x + n * kElems;
      for (index_t p = 0; p < P; ++p)
        for (int c = 0; c < C; ++c) {
          const S d = xs[p * C + c] - mean[c];
          part[n * C + c] += d * d;
        }
    });
    detail::add_sample_partials(N, C, part, var.data());
    for (int c = 0; c < C; ++c) {
      const S biased = var[c] / S(M);
      saved[c] = mean[c];
      saved[C + c] = S(1) / std::sqrt(biased + eps);
      if (running_mean) running_mean[c] = (S(1) - momentum) * running_mean[c] + momentum * mean[c];
      if (running_var && M > 1)
        running_var[c] = (S(1) - momentum) * running_var[c] + momentum * (var[c] / S(M - 1));
    }
    normalise(N, x, weight, bias, saved, saved + C, y);
  }

  static void forward_infer(int N, const S* x, const S* weight, const S* bias,
                            const S* running_mean, const S* running_var, S eps, S* y) {
    std::vector<S> rstd(C);
    for (int c = 0; c < C; ++c) rstd[c] = S(1) / std::sqrt(running_var[c] + eps);
    normalise(N, x, weight, bias, running_mean, rstd.data(), y);
  }

  // Training-mode backward (the batch statistics depend on x). With xhat = (x-mean)*rstd and
  // sums over the batch: dbias = sum dy, dweight = sum dy*xhat,
  // dx = weight * rstd * (dy - dbias/M - xhat * dweight/M).
  static void backward(int N, const S* x, const S* weight, const S* saved, const S* dy, S* dx,
                       S* dweight, S* dbias) {
    if (!dx && !dweight && !dbias) return;
    const index_t M = index_t(N) * P;
    const S* mean = saved;
    const S* rstd = saved + C;
    std::vector<S> part_g(std::size_t(N) * C, S(0)), part_gx(std::size_t(N) * C, S(0));
    parallel_for(N, [&](index_t n) {
      const S* xs = x + n * kElems;
      const S* gs = dy + n * kElems;
      for (index_t p = 0; p < P; ++p)
        for (int c = 0; c < C; ++c) {
          const index_t i = p * C + c;
          part_g[n * C + c] += gs[i];
          part_gx[n * C + c] += gs[i] * (xs[i] - mean[c]) * rstd[c];
        }
    });
    std::vector<S> sum_g(C, S(0)), sum_gx(C, S(0));
    detail::add_sample_partials(N, C, part_g, sum_g.data());
    detail::add_sample_partials(N, C, part_gx, sum_gx.data());
    for (int c = 0; c < C; ++c) {
      if (dbias) dbias[c] += sum_g[c];
      if (dweight) dweight[c] += sum_gx[c];
    }
    if (!dx) return;
    parallel_for(N, [&](index_t n) {
      const S* xs = x + n * kElems;
      const S* gs = dy + n * kElems;
      S* dxs = dx + n * kElems;
      for (index_t p = 0; p < P; ++p)
        for (int c = 0; c < C; ++c) {
          const index_t i = p * C + c;
          const S xhat = (xs[i] - mean[c]) * rstd[c];
          const S w = weight ? weight[c] : S(1);
          dxs[i] += w * rstd[c] * (gs[i] - sum_g[c] / S(M) - xhat * sum_gx[c] / S(M));
        }
    });
  }
};

}  // namespace akorn
