// The math of LayerNorm over the channels of one position (the reference's
// LayerNormForImage: biased variance, eps inside the root), written once for its CPU kernel
// (cpu.hpp) and its CUDA kernel (cuda.cuh), which call it per row of C channels:
//   mean = sum x / C,  var = sum (x - mean)^2 / C (two passes),  rstd = 1 / sqrt(var + eps)
//   y = (x - mean) rstd weight + bias
// Backward with xhat = (x - mean) rstd and g = dy weight:
//   dx += rstd (g - mean(g) - xhat mean(g xhat)),  dweight += dy xhat,  dbias += dy
#pragma once
#include "akorn/host_device.hpp"

namespace akorn::layer_norm_math {

template <typename S>
AKORN_HD void row_stats(const S* x, int C, S eps, S* mean_out, S* rstd_out) {
  S sum = S(0);
  for (int c = 0; c < C; ++c) sum += x[c];
  const S mean = sum / S(C);
  S sq = S(0);
  for (int c = 0; c < C; ++c) {
    const S d = x[c] - mean;
    sq += d * d;
  }
  *mean_out = mean;
  *rstd_out = S(1) / hd::sqrt(sq / S(C) + eps);
}

template <typename S>
AKORN_HD void row_forward(const S* x, const S* weight, const S* bias, int C, S mean, S rstd, S* y) {
  for (int c = 0; c < C; ++c) y[c] = (x[c] - mean) * rstd * weight[c] + bias[c];
}

template <typename S>
AKORN_HD S xhat(S x, S mean, S rstd) {
  return (x - mean) * rstd;
}

// dx[c] += ... for one row (accumulates).
template <typename S>
AKORN_HD void row_backward_dx(const S* x, const S* weight, const S* dy, int C, S mean, S rstd, S* dx) {
  S sum_g = S(0), sum_gx = S(0);
  for (int c = 0; c < C; ++c) {
    const S g = dy[c] * weight[c];
    sum_g += g;
    sum_gx += g * xhat(x[c], mean, rstd);
  }
  const S m1 = sum_g / S(C), m2 = sum_gx / S(C);
  for (int c = 0; c < C; ++c) dx[c] += rstd * (dy[c] * weight[c] - m1 - xhat(x[c], mean, rstd) * m2);
}

}  // namespace akorn::layer_norm_math
