// CUDA twin of ops/batch_norm/cpu.hpp: BatchNorm over NHWC, per-channel statistics over all N*P
// cells. Training normalises with the biased batch variance and updates the running stats
// with the unbiased one (running_var left alone when N*P == 1); inference uses the running
// stats. saved[0..C) = mean, saved[C..2C) = rstd (only the first 2*C elements are used).
// Batch sums follow the CPU order: per-(sample, channel) partials over positions (one
// thread each), then one thread per channel adding them in sample order. The per-sample
// partials live in the scratch area; mean goes straight into saved[0..C).
#pragma once
#include "akorn/common.hpp"
#include "akorn/cuda/common.cuh"
#include "akorn/ops/batch_norm/layout.hpp"
#include "akorn/ops/elementwise/cuda.cuh"

namespace akorn::cuda {
namespace basic_detail {

// y = (x - mean[c]) * rstd[c] (* weight[c]) (+ bias[c]); weight / bias may be null.
template <typename S, int C>
__global__ void batch_norm_normalise_kernel(index_t total, const S* x, const S* weight, const S* bias, const S* mean,
                                            const S* rstd, S* y) {
  AKORN_GRID_LOOP(i, total) {
    const index_t c = i % C;
    S v = (x[i] - mean[c]) * rstd[c];
    if (weight) v *= weight[c];
    if (bias) v += bias[c];
    y[i] = v;
  }
}

// Inference: as above with rstd[c] = 1 / sqrt(running_var[c] + eps) computed in place.
template <typename S, int C>
__global__ void batch_norm_infer_kernel(index_t total, const S* x, const S* weight, const S* bias, const S* mean,
                                        const S* var, S eps, S* y) {
  AKORN_GRID_LOOP(i, total) {
    const index_t c = i % C;
    const S rstd = S(1) / sqrt(var[c] + eps);
    S v = (x[i] - mean[c]) * rstd;
    if (weight) v *= weight[c];
    if (bias) v += bias[c];
    y[i] = v;
  }
}

// mean[c] = (sum_n part[n*C + c]) / M.
template <typename S>
__global__ void batch_norm_mean_kernel(index_t N, index_t C, index_t M, const S* part, S* mean) {
  AKORN_GRID_LOOP(c, C) {
    S acc = S(0);
    for (index_t n = 0; n < N; ++n) acc += part[n * C + c];
    mean[c] = acc / S(M);
  }
}

// var = sum_n part; saved[C + c] = rstd; running stats (if non-null) updated.
template <typename S>
__global__ void batch_norm_finish_kernel(index_t N, index_t C, index_t M, const S* part, S eps, S momentum,
                                         S* running_mean, S* running_var, S* saved) {
  AKORN_GRID_LOOP(c, C) {
    S var = S(0);
    for (index_t n = 0; n < N; ++n) var += part[n * C + c];
    const S biased = var / S(M);
    const S mean = saved[c];
    saved[C + c] = S(1) / sqrt(biased + eps);
    if (running_mean) running_mean[c] = (S(1) - momentum) * running_mean[c] + momentum * mean;
    if (running_var && M > 1) running_var[c] = (S(1) - momentum) * running_var[c] + momentum * (var / S(M - 1));
  }
}

// sums[c] = sum_n part_g, sums[C + c] = sum_n part_gx; dbias += sums[c], dweight += sums[C + c].
template <typename S>
__global__ void batch_norm_grad_sums_kernel(index_t N, index_t C, const S* part_g, const S* part_gx, S* sums,
                                            S* dweight, S* dbias) {
  AKORN_GRID_LOOP(c, C) {
    S sg = S(0), sgx = S(0);
    for (index_t n = 0; n < N; ++n) sg += part_g[n * C + c];
    for (index_t n = 0; n < N; ++n) sgx += part_gx[n * C + c];
    sums[c] = sg;
    sums[C + c] = sgx;
    if (dbias) dbias[c] += sg;
    if (dweight) dweight[c] += sgx;
  }
}

// dx += w * rstd * (dy - sum_g/M - xhat * sum_gx/M).
template <typename S, int C>
__global__ void batch_norm_backward_dx_kernel(index_t total, index_t M, const S* x, const S* weight, const S* saved,
                                              const S* sums, const S* dy, S* dx) {
  AKORN_GRID_LOOP(i, total) {
    const index_t c = i % C;
    const S mean = saved[c], rstd = saved[C + c];
    const S xhat = (x[i] - mean) * rstd;
    const S w = weight ? weight[c] : S(1);
    dx[i] += w * rstd * (dy[i] - sums[c] / S(M) - xhat * sums[C + c] / S(M));
  }
}

template <typename S, int C>
struct BatchNormSqDev {  // (x[i] - mean[c])^2
  const S* x;
  const S* mean;
  __device__ S operator()(index_t, index_t i, index_t c) const {
    const S d = x[i] - mean[c];
    return d * d;
  }
};

template <typename S, int C>
struct BatchNormDyXhat {  // dy[i] * (x[i] - mean[c]) * rstd[c]
  const S* x;
  const S* dy;
  const S* saved;
  __device__ S operator()(index_t, index_t i, index_t c) const { return dy[i] * (x[i] - saved[c]) * saved[C + c]; }
};

}  // namespace basic_detail

template <typename S, int P, int C>
struct BatchNorm : BatchNormLayout<P, C> {
  using Layout = BatchNormLayout<P, C>;
  using Layout::kElems, Layout::saved_elems;

  // y (overwritten) = (x - mean[c]) * rstd[c] * weight[c] + bias[c]; weight / bias may be null.
  static void normalise(int N, const S* x, const S* weight, const S* bias, const S* mean, const S* rstd, S* y) {
    const index_t total = index_t(N) * kElems;
    if (total <= 0) return;
    basic_detail::batch_norm_normalise_kernel<S, C>
        <<<blocks_for(total), kThreads, 0, stream()>>>(total, x, weight, bias, mean, rstd, y);
    AKORN_CUDA_LAUNCH_CHECK();
  }

  static void forward_train(int N, const S* x, const S* weight, const S* bias, S* running_mean, S* running_var, S eps,
                            S momentum, S* y, S* saved) {
    const index_t M = index_t(N) * P;
    if (M <= 0) return;
    S* part = scratch<S>(index_t(N) * C);
    basic_detail::sample_partials<S>(N, P, C, basic_detail::SumOf<S>{x}, part);
    basic_detail::batch_norm_mean_kernel<S><<<blocks_for(C, 128), 128, 0, stream()>>>(N, C, M, part, saved);
    AKORN_CUDA_LAUNCH_CHECK();
    basic_detail::sample_partials<S>(N, P, C, basic_detail::BatchNormSqDev<S, C>{x, saved}, part);
    basic_detail::batch_norm_finish_kernel<S>
        <<<blocks_for(C, 128), 128, 0, stream()>>>(N, C, M, part, eps, momentum, running_mean, running_var, saved);
    AKORN_CUDA_LAUNCH_CHECK();
    normalise(N, x, weight, bias, saved, saved + C, y);
  }

  static void forward_infer(int N, const S* x, const S* weight, const S* bias, const S* running_mean,
                            const S* running_var, S eps, S* y) {
    const index_t total = index_t(N) * kElems;
    if (total <= 0) return;
    basic_detail::batch_norm_infer_kernel<S, C>
        <<<blocks_for(total), kThreads, 0, stream()>>>(total, x, weight, bias, running_mean, running_var, eps, y);
    AKORN_CUDA_LAUNCH_CHECK();
  }

  // Training-mode backward; dx, dweight, dbias accumulate (+=), null ones are skipped.
  static void backward(int N, const S* x, const S* weight, const S* saved, const S* dy, S* dx, S* dweight, S* dbias) {
    if (!dx && !dweight && !dbias) return;
    const index_t M = index_t(N) * P;
    if (M <= 0) return;
    S* part_g = scratch<S>(2 * index_t(N) * C + 2 * index_t(C));  // part_g | part_gx | sums
    S* part_gx = part_g + index_t(N) * C;
    S* sums = part_gx + index_t(N) * C;
    basic_detail::sample_partials<S>(N, P, C, basic_detail::SumOf<S>{dy}, part_g);
    basic_detail::sample_partials<S>(N, P, C, basic_detail::BatchNormDyXhat<S, C>{x, dy, saved}, part_gx);
    basic_detail::batch_norm_grad_sums_kernel<S>
        <<<blocks_for(C, 128), 128, 0, stream()>>>(N, C, part_g, part_gx, sums, dweight, dbias);
    AKORN_CUDA_LAUNCH_CHECK();
    if (!dx) return;
    const index_t total = index_t(N) * kElems;
    basic_detail::batch_norm_backward_dx_kernel<S, C>
        <<<blocks_for(total), kThreads, 0, stream()>>>(total, M, x, weight, saved, sums, dy, dx);
    AKORN_CUDA_LAUNCH_CHECK();
  }
};

}  // namespace akorn::cuda
