// CUDA twin of ops/nt_xent/cpu.hpp (formulas in math.hpp, shared): one block per row i.
//   normalise: z_i, ||h_i|| into saved (block sum of squares);
//   rows:      s_ij for j != i (computed twice: for the block's max, then the sum of exp)
//              -> lse_i and the row loss;
//   reduce:    one thread adds the row losses in row order (as the CPU) -> loss[0];
//   backward:  the weights of z_j chunk by chunk into shared memory, dz_i one thread per
//              element, <z_i, dz_i> by a block sum, dh_i += .
// Every reduction runs in a fixed order: the same bits on every run (not the CPU's order: the
// two agree to rounding).
#pragma once
#include <string>

#include "akorn/common.hpp"
#include "akorn/cuda/common.cuh"
#include "akorn/cuda/reduce.cuh"
#include "akorn/ops/nt_xent/layout.hpp"
#include "akorn/ops/nt_xent/math.hpp"

namespace akorn::cuda {
namespace nt_xent_detail {

constexpr int kRowThreads = 128;

template <typename S, int D>
__global__ void normalize_kernel(const S* h, S* saved) {
  __shared__ S shm[32];
  constexpr index_t SE = nt_xent_saved_elems(D);
  const index_t i = blockIdx.x;
  S ss = S(0);
  for (int k = threadIdx.x; k < D; k += blockDim.x) ss += h[i * D + k] * h[i * D + k];
  const S norm = hd::sqrt(block_sum(ss, shm));
  const S inv = nt_xent_math::inv_norm(norm);
  for (int k = threadIdx.x; k < D; k += blockDim.x) saved[i * SE + k] = h[i * D + k] * inv;
  if (threadIdx.x == 0) saved[i * SE + D] = norm;
}

// s_ij = <z_i, z_j> / tau, one thread per j (the D-loop in order, as the CPU).
template <typename S, int D>
__device__ S similarity(const S* zi, const S* saved, index_t j, S tau) {
  constexpr index_t SE = nt_xent_saved_elems(D);
  S d = S(0);
  for (int k = 0; k < D; ++k) d += zi[k] * saved[j * SE + k];
  return d / tau;
}

// lse_i and the row loss: two passes over j (the block's max, then the sum of exp), each
// thread taking j = t, t + blockDim, ... in order, its partials joined by a fixed tree.
template <typename S, int D>
__global__ void rows_kernel(int N, S tau, S* saved) {
  __shared__ S zi[D];
  __shared__ S red[32];
  __shared__ S s_partner;
  constexpr index_t SE = nt_xent_saved_elems(D);
  const index_t i = blockIdx.x;
  for (int k = threadIdx.x; k < D; k += blockDim.x) zi[k] = saved[i * SE + k];
  __syncthreads();
  S mx = -INFINITY;
  for (int j = threadIdx.x; j < N; j += blockDim.x) {
    if (j == i) continue;
    const S s = similarity<S, D>(zi, saved, j, tau);
    mx = s > mx ? s : mx;
    if (j == nt_xent_math::partner(int(i))) s_partner = s;
  }
  // the block's max (exact: any order gives the same value)
  for (int o = 16; o > 0; o >>= 1) {
    const S other = __shfl_down_sync(0xffffffffu, mx, o);
    mx = other > mx ? other : mx;
  }
  if ((threadIdx.x & 31) == 0) red[threadIdx.x >> 5] = mx;
  __syncthreads();
  S m = red[0];
  for (int w = 1; w < int(blockDim.x + 31) / 32; ++w) m = red[w] > m ? red[w] : m;
  S part = S(0);
  for (int j = threadIdx.x; j < N; j += blockDim.x)
    if (j != i) part += hd::exp(similarity<S, D>(zi, saved, j, tau) - m);
  const S sum = block_sum(part, red);
  if (threadIdx.x == 0) {
    const S lse = m + hd::log(sum);
    saved[i * SE + D + 1] = lse;
    saved[i * SE + D + 2] = lse - s_partner;
  }
}

template <typename S, int D>
__global__ void reduce_kernel(int N, const S* saved, S* loss) {
  constexpr index_t SE = nt_xent_saved_elems(D);
  if (threadIdx.x != 0 || blockIdx.x != 0) return;
  S total = S(0);
  for (int i = 0; i < N; ++i) total += saved[index_t(i) * SE + D + 2];
  loss[0] = total / S(N);
}

// dz_i = sum_j w_ij z_j in chunks of blockDim rows j: the chunk's weights into shared memory
// (one thread per j), then each thread adds them up for its elements k, j in order.
template <typename S, int D>
__global__ void backward_kernel(int N, S tau, const S* saved, const S* dloss, S* dh) {
  constexpr int KS = (D + kRowThreads - 1) / kRowThreads;  // elements per thread
  __shared__ S zi[D];
  __shared__ S w[kRowThreads];
  __shared__ S red[32];
  constexpr index_t SE = nt_xent_saved_elems(D);
  const index_t i = blockIdx.x;
  const S scale = dloss[0] / (S(N) * tau);
  for (int k = threadIdx.x; k < D; k += blockDim.x) zi[k] = saved[i * SE + k];
  __syncthreads();
  const S lse_i = saved[i * SE + D + 1];
  S dz[KS];
  for (int q = 0; q < KS; ++q) dz[q] = S(0);
  for (int j0 = 0; j0 < N; j0 += kRowThreads) {
    const int j = j0 + int(threadIdx.x);
    w[threadIdx.x] = (j >= N || j == i) ? S(0)
                     : scale * nt_xent_math::pair_weight(similarity<S, D>(zi, saved, j, tau), lse_i,
                                                         saved[index_t(j) * SE + D + 1], j == nt_xent_math::partner(int(i)));
    __syncthreads();
    const int jn = N - j0 < kRowThreads ? N - j0 : kRowThreads;
    for (int q = 0; q < KS; ++q) {
      const int k = int(threadIdx.x) + q * kRowThreads;
      if (k >= D) break;
      for (int t = 0; t < jn; ++t) dz[q] += w[t] * saved[index_t(j0 + t) * SE + k];
    }
    __syncthreads();
  }
  S part = S(0);
  for (int q = 0; q < KS; ++q) {
    const int k = int(threadIdx.x) + q * kRowThreads;
    if (k < D) part += zi[k] * dz[q];
  }
  const S zdz = block_sum(part, red);
  const S norm = saved[i * SE + D];
  for (int q = 0; q < KS; ++q) {
    const int k = int(threadIdx.x) + q * kRowThreads;
    if (k < D) dh[i * D + k] += nt_xent_math::normalize_backward(dz[q], zi[k], zdz, norm);
  }
}

}  // namespace nt_xent_detail

template <typename S, int D>
struct NtXent : NtXentLayout<D> {
  using Layout = NtXentLayout<D>;
  using Layout::saved_elems;

  static void check_batch(int N) {
    AKORN_CHECK(N >= 2 && N % 2 == 0, "nt_xent: the batch must be pairs of views (an even number of samples, "
                                      "at least 2), got " + std::to_string(N));
  }

  static void forward(int N, const S* h, S tau, S* loss, S* saved) {
    check_batch(N);
    using namespace nt_xent_detail;
    normalize_kernel<S, D><<<unsigned(N), kRowThreads, 0, stream()>>>(h, saved);
    AKORN_CUDA_LAUNCH_CHECK();
    rows_kernel<S, D><<<unsigned(N), kRowThreads, 0, stream()>>>(N, tau, saved);
    AKORN_CUDA_LAUNCH_CHECK();
    reduce_kernel<S, D><<<1, 32, 0, stream()>>>(N, saved, loss);
    AKORN_CUDA_LAUNCH_CHECK();
  }

  // dh accumulates (+=); skipped when null. dloss is a device pointer (1 element).
  static void backward(int N, S tau, const S* saved, const S* dloss, S* dh) {
    if (!dh) return;
    check_batch(N);
    using namespace nt_xent_detail;
    backward_kernel<S, D><<<unsigned(N), kRowThreads, 0, stream()>>>(N, tau, saved, dloss, dh);
    AKORN_CUDA_LAUNCH_CHECK();
  }
};

}  // namespace akorn::cuda
