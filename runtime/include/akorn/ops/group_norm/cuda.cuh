// CUDA twin of ops/group_norm/cpu.hpp: GroupNorm per sample, group g = channels
// [g*C/G, (g+1)*C/G) at all P positions, biased variance, y = (x - mean) * rstd (* weight[c]
// + bias[c] when AFFINE); saved[n*2G + 2g] = mean, saved[n*2G + 2g + 1] = rstd.
// One block per (sample, group): two-pass statistics (mean, then squared deviations) with
// block_sum, as the CPU does. Backward: dx += rstd * (g - mean(g) - xhat * mean(g * xhat))
// (one block per (sample, group) again); dweight += sum dy*xhat, dbias += sum dy through
// per-(sample, channel) partials summed in sample order (the CPU's add_sample_partials).
#pragma once
#include "akorn/common.hpp"
#include "akorn/cuda/common.cuh"
#include "akorn/cuda/reduce.cuh"
#include "akorn/ops/elementwise/cuda.cuh"
#include "akorn/ops/group_norm/layout.hpp"

namespace akorn::cuda {
namespace basic_detail {

constexpr int kGroupNormThreads = 128;

template <typename S, int P, int C, int G, bool AFFINE>
__global__ void group_norm_forward_kernel(const S* x, const S* weight, const S* bias, S eps, S* y, S* saved) {
  constexpr int CG = C / G;
  constexpr index_t kElems = index_t(P) * C;
  constexpr index_t kCount = index_t(P) * CG;
  __shared__ S shm[32];
  const index_t n = index_t(blockIdx.x) / G;
  const int g = int(index_t(blockIdx.x) - n * G);
  const S* xs = x + n * kElems;
  S* ys = y + n * kElems;
  const S inv_count = S(1) / S(kCount);
  S sum = S(0);
  for (index_t j = threadIdx.x; j < kCount; j += blockDim.x) {
    const index_t p = j / CG;
    const int c = g * CG + int(j - p * CG);
    sum += xs[p * C + c];
  }
  const S mean = block_sum(sum, shm) * inv_count;
  S sq = S(0);
  for (index_t j = threadIdx.x; j < kCount; j += blockDim.x) {
    const index_t p = j / CG;
    const int c = g * CG + int(j - p * CG);
    const S d = xs[p * C + c] - mean;
    sq += d * d;
  }
  const S rstd = S(1) / sqrt(block_sum(sq, shm) * inv_count + eps);
  if (threadIdx.x == 0) {
    saved[n * 2 * G + 2 * g] = mean;
    saved[n * 2 * G + 2 * g + 1] = rstd;
  }
  for (index_t j = threadIdx.x; j < kCount; j += blockDim.x) {
    const index_t p = j / CG;
    const int c = g * CG + int(j - p * CG);
    S v = (xs[p * C + c] - mean) * rstd;
    if constexpr (AFFINE) v = v * weight[c] + bias[c];
    ys[p * C + c] = v;
  }
}

// dx += rstd * (gy - m1 - xhat * m2), gy = dy * weight[c] (AFFINE) or dy.
template <typename S, int P, int C, int G, bool AFFINE>
__global__ void group_norm_backward_dx_kernel(const S* x, const S* weight, const S* saved, const S* dy, S* dx) {
  constexpr int CG = C / G;
  constexpr index_t kElems = index_t(P) * C;
  constexpr index_t kCount = index_t(P) * CG;
  __shared__ S shm[32];
  const index_t n = index_t(blockIdx.x) / G;
  const int g = int(index_t(blockIdx.x) - n * G);
  const S* xs = x + n * kElems;
  const S* gs = dy + n * kElems;
  S* dxs = dx + n * kElems;
  const S mean = saved[n * 2 * G + 2 * g], rstd = saved[n * 2 * G + 2 * g + 1];
  const S inv_count = S(1) / S(kCount);
  S sum_g = S(0), sum_gx = S(0);
  for (index_t j = threadIdx.x; j < kCount; j += blockDim.x) {
    const index_t p = j / CG;
    const int c = g * CG + int(j - p * CG);
    const index_t i = p * C + c;
    const S xhat = (xs[i] - mean) * rstd;
    S gy = gs[i];
    if constexpr (AFFINE) gy = gy * weight[c];
    sum_g += gy;
    sum_gx += gy * xhat;
  }
  const S m1 = block_sum(sum_g, shm) * inv_count;
  const S m2 = block_sum(sum_gx, shm) * inv_count;
  for (index_t j = threadIdx.x; j < kCount; j += blockDim.x) {
    const index_t p = j / CG;
    const int c = g * CG + int(j - p * CG);
    const index_t i = p * C + c;
    const S xhat = (xs[i] - mean) * rstd;
    S gy = gs[i];
    if constexpr (AFFINE) gy = gy * weight[c];
    dxs[i] += rstd * (gy - m1 - xhat * m2);
  }
}

// Summand dy[i] * xhat[i] for the weight gradient (statistics of (n, c / CG)).
template <typename S, int C, int G>
struct GroupNormDyXhat {
  const S* x;
  const S* dy;
  const S* saved;
  __device__ S operator()(index_t n, index_t i, index_t c) const {
    const index_t st = n * 2 * G + 2 * (c / (C / G));
    const S xhat = (x[i] - saved[st]) * saved[st + 1];
    return dy[i] * xhat;
  }
};

}  // namespace basic_detail

template <typename S, int P, int C, int G, bool AFFINE>
struct GroupNorm : GroupNormLayout<P, C, G> {
  using Layout = GroupNormLayout<P, C, G>;
  using Layout::CG, Layout::kElems, Layout::saved_elems;

  // y and saved are overwritten.
  static void forward(int N, const S* x, const S* weight, const S* bias, S eps, S* y, S* saved) {
    const index_t blocks = index_t(N) * G;
    if (blocks <= 0) return;
    basic_detail::group_norm_forward_kernel<S, P, C, G, AFFINE>
        <<<unsigned(blocks), basic_detail::kGroupNormThreads, 0, stream()>>>(x, weight, bias, eps, y, saved);
    AKORN_CUDA_LAUNCH_CHECK();
  }

  // dx, dweight, dbias accumulate (+=); null ones are skipped (parameter grads only if AFFINE).
  static void backward(int N, const S* x, const S* weight, const S* saved, const S* dy, S* dx, S* dweight,
                       S* dbias) {
    const bool want_w = AFFINE && dweight, want_b = AFFINE && dbias;
    if (!dx && !want_w && !want_b) return;
    if (want_w)
      basic_detail::channel_grad_sum<S>(N, P, C, basic_detail::GroupNormDyXhat<S, C, G>{x, dy, saved}, dweight);
    if (want_b) basic_detail::channel_grad_sum<S>(N, P, C, basic_detail::SumOf<S>{dy}, dbias);
    if (dx) {
      const index_t blocks = index_t(N) * G;
      if (blocks <= 0) return;
      basic_detail::group_norm_backward_dx_kernel<S, P, C, G, AFFINE>
          <<<unsigned(blocks), basic_detail::kGroupNormThreads, 0, stream()>>>(x, weight, saved, dy, dx);
      AKORN_CUDA_LAUNCH_CHECK();
    }
  }
};

}  // namespace akorn::cuda
