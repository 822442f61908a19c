// CUDA twin of ops/elementwise/cpu.hpp: ReLU and Add (grid-stride element-wise kernels), plus the
// deterministic per-channel reduction helpers that the other CUDA ops share:
//   sample_partials:     part[n*C + c] = sum_p f(n, i, c) over the P positions of sample n
//                        (p in order, one thread per (n, c)) -- the CPU's per-sample partials;
//   add_sample_partials: out[c] += sum_n part[n*C + c] in sample order (one thread per c) --
//                        the CPU's detail::add_sample_partials.
// Together they give the same summation order as the CPU code, without atomics.
#pragma once
#include "akorn/common.hpp"
#include "akorn/cuda/common.cuh"

namespace akorn::cuda {
namespace basic_detail {  // (named apart from detail:: helpers of other CUDA files)

// ---- per-channel partial sums ([N, P, C] row-major, flat element index i = (n*P + p)*C + c)

// Summand functors: called as f(n, i, c).
template <typename S>
struct SumOf {  // a[i]
  const S* a;
  __device__ S operator()(index_t, index_t i, index_t) const { return a[i]; }
};
template <typename S>
struct SumOfProduct {  // a[i] * b[i]
  const S* a;
  const S* b;
  __device__ S operator()(index_t, index_t i, index_t) const { return a[i] * b[i]; }
};

template <typename S, typename F>
__global__ void ew_sample_partials_kernel(index_t N, index_t P, index_t C, F f, S* part) {
  AKORN_GRID_LOOP(j, N * C) {
    const index_t n = j / C, c = j - n * C;
    S acc = S(0);
    for (index_t p = 0; p < P; ++p) acc += f(n, (n * P + p) * C + c, c);
    part[j] = acc;
  }
}

template <typename S>
__global__ void ew_add_sample_partials_kernel(index_t N, index_t C, const S* part, S* out) {
  AKORN_GRID_LOOP(c, C) {
    S acc = S(0);
    for (index_t n = 0; n < N; ++n) acc += part[n * C + c];
    out[c] += acc;
  }
}

// part[n*C + c] = sum over p < P (in order) of f(n, (n*P + p)*C + c, c).
template <typename S, typename F>
void sample_partials(int N, index_t P, index_t C, F f, S* part) {
  const index_t total = index_t(N) * C;
  if (total <= 0) return;
  ew_sample_partials_kernel<S, F><<<blocks_for(total), kThreads, 0, stream()>>>(index_t(N), P, C, f, part);
  AKORN_CUDA_LAUNCH_CHECK();
}

// out[c] += sum over n < N (in order) of part[n*C + c].
template <typename S>
void add_sample_partials(int N, index_t C, const S* part, S* out) {
  if (C <= 0) return;
  ew_add_sample_partials_kernel<S><<<blocks_for(C, 128), 128, 0, stream()>>>(index_t(N), C, part, out);
  AKORN_CUDA_LAUNCH_CHECK();
}

// grad[c] += sum over all N*P rows of f(n, i, c), summed per sample then in sample order
// (the CPU's part + add_sample_partials). Uses the scratch area for the N*C partials.
template <typename S, typename F>
void channel_grad_sum(int N, index_t P, index_t C, F f, S* grad) {
  S* part = scratch<S>(index_t(N) * C);
  sample_partials<S, F>(N, P, C, f, part);
  add_sample_partials<S>(N, C, part, grad);
}

// y[i] += b[i % C] over `total` elements (bias add on [rows, C]).
template <typename S>
__global__ void ew_add_bias_kernel(index_t total, index_t C, const S* b, S* y) {
  AKORN_GRID_LOOP(i, total) y[i] += b[i % C];
}
template <typename S>
void add_bias_rows(index_t total, index_t C, const S* b, S* y) {
  if (total <= 0) return;
  ew_add_bias_kernel<S><<<blocks_for(total), kThreads, 0, stream()>>>(total, C, b, y);
  AKORN_CUDA_LAUNCH_CHECK();
}

// ---- ReLU / Add kernels

template <typename S>
__global__ void ew_relu_forward_kernel(index_t total, const S* x, S* y) {
  AKORN_GRID_LOOP(i, total) {
    const S v = x[i];
    y[i] = v > S(0) ? v : S(0);
  }
}
template <typename S>
__global__ void ew_relu_backward_kernel(index_t total, const S* y, const S* dy, S* dx) {
  AKORN_GRID_LOOP(i, total) {
    if (y[i] > S(0)) dx[i] += dy[i];
  }
}
template <typename S>
__global__ void ew_add_forward_kernel(index_t total, const S* a, const S* b, S* y) {
  AKORN_GRID_LOOP(i, total) y[i] = a[i] + b[i];
}
// da (if non-null) += dy; db (if non-null) += dy.
template <typename S>
__global__ void ew_add_backward_kernel(index_t total, const S* dy, S* da, S* db) {
  AKORN_GRID_LOOP(i, total) {
    const S g = dy[i];
    if (da) da[i] += g;
    if (db) db[i] += g;
  }
}

}  // namespace basic_detail

// y = max(x, 0) over E elements per sample. Backward reads y (x > 0 <=> y > 0):
// dx += dy where y > 0 (accumulates, like the CPU).
template <typename S, index_t E>
struct ReLU {
  static void forward(int N, const S* x, S* y) {
    const index_t total = index_t(N) * E;
    if (total <= 0) return;
    basic_detail::ew_relu_forward_kernel<S><<<blocks_for(total), kThreads, 0, stream()>>>(total, x, y);
    AKORN_CUDA_LAUNCH_CHECK();
  }
  static void backward(int N, const S* y, const S* dy, S* dx) {
    if (!dx) return;
    const index_t total = index_t(N) * E;
    if (total <= 0) return;
    basic_detail::ew_relu_backward_kernel<S><<<blocks_for(total), kThreads, 0, stream()>>>(total, y, dy, dx);
    AKORN_CUDA_LAUNCH_CHECK();
  }
};

// y = a + b over E elements per sample; both gradients are dy (accumulated; null skipped).
template <typename S, index_t E>
struct Add {
  static void forward(int N, const S* a, const S* b, S* y) {
    const index_t total = index_t(N) * E;
    if (total <= 0) return;
    basic_detail::ew_add_forward_kernel<S><<<blocks_for(total), kThreads, 0, stream()>>>(total, a, b, y);
    AKORN_CUDA_LAUNCH_CHECK();
  }
  static void backward(int N, const S* dy, S* da, S* db) {
    if (!da && !db) return;
    const index_t total = index_t(N) * E;
    if (total <= 0) return;
    basic_detail::ew_add_backward_kernel<S><<<blocks_for(total), kThreads, 0, stream()>>>(total, dy, da, db);
    AKORN_CUDA_LAUNCH_CHECK();
  }
};

}  // namespace akorn::cuda
